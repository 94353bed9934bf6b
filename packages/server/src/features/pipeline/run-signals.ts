// Wakes this process's run streams when a run's output is stored here; other replicas' writes reach them by polling.
import type { PipelineStore } from './store.js';

type Listener = () => void;

export class RunSignals {
  private readonly listeners = new Map<string, Set<Listener>>();

  /** Calls `listener` each time output of `runId` is stored by this process; returns the unsubscribe. */
  subscribe(runId: string, listener: Listener): () => void {
    let set = this.listeners.get(runId);
    if (!set) {
      set = new Set();
      this.listeners.set(runId, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(runId);
    };
  }

  notify(runId: string): void {
    for (const listener of this.listeners.get(runId) ?? []) listener();
  }
}

/**
 * The store with `appendOutput` signalling once the lines are written. A Proxy, so every other
 * method (and any a later change adds to the store) passes through unchanged.
 */
export function signallingOutput(store: PipelineStore, signals: RunSignals): PipelineStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'appendOutput') {
        return async (runId: string, lines: Parameters<PipelineStore['appendOutput']>[1]) => {
          await target.appendOutput(runId, lines);
          signals.notify(runId);
        };
      }
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
