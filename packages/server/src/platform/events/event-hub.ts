// Fans new events out to live subscribers (SSE). It polls the log, so events written by any replica arrive.
import type { DomainEvent, EventReader } from './event-log.js';

type Listener = (event: DomainEvent) => void;

interface Subscription {
  listener: Listener;
  projectId: string | undefined;
  onClose: () => void;
}

export class EventHub {
  private readonly subscriptions = new Set<Subscription>();
  private cursor = 0;
  private timer: NodeJS.Timeout | null = null;
  private polling: Promise<void> | null = null;
  private again = false;
  private state: 'new' | 'running' | 'stopped' = 'new';

  private unlisten: (() => Promise<void>) | null = null;

  constructor(
    private readonly log: EventReader,
    /** Subscribes to commit-time notifications where the database has them (PostgreSQL). */
    private readonly listen: ((onNotify: () => void) => Promise<() => Promise<void>>) | null,
    private readonly pollIntervalMs = 250,
  ) {}

  async start(): Promise<void> {
    this.cursor = await this.log.lastId();
    this.state = 'running';
    if (this.listen) this.unlisten = await this.listen(() => this.nudge());
    // Polling stays as the safety net for a dropped notification connection.
    this.timer = setInterval(() => void this.poll(), this.pollIntervalMs);
    this.timer.unref();
  }

  /** Stops polling and tells every subscriber to end, so open streams do not hold a shutdown. */
  async stop(): Promise<void> {
    this.state = 'stopped';
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.unlisten?.();
    this.unlisten = null;
    for (const subscription of this.subscriptions) subscription.onClose();
    this.subscriptions.clear();
  }

  /** Called after a local append so local subscribers hear at once rather than at the next tick. */
  nudge(): void {
    if (this.state === 'running') void this.poll();
  }

  /** The hub's position: replay from the log up to here, then listen. */
  get position(): number {
    return this.cursor;
  }

  /** After `stop`, a late subscriber is told to close at once rather than left open. */
  subscribe(listener: Listener, projectId?: string, onClose: () => void = () => {}): () => void {
    if (this.state === 'stopped') {
      queueMicrotask(onClose);
      return () => {};
    }
    const subscription = { listener, projectId, onClose };
    this.subscriptions.add(subscription);
    return () => this.subscriptions.delete(subscription);
  }

  get subscriberCount(): number {
    return this.subscriptions.size;
  }

  private poll(): Promise<void> {
    if (this.polling) {
      // An append landed while a poll was reading: read once more when it ends.
      this.again = true;
      return this.polling;
    }
    this.polling = (async () => {
      try {
        for (;;) {
          const events = await this.log.listAfter(this.cursor, { limit: 500 });
          for (const event of events) {
            this.cursor = event.id;
            for (const subscription of this.subscriptions) {
              if (subscription.projectId === undefined || subscription.projectId === event.projectId) {
                subscription.listener(event);
              }
            }
          }
          if (events.length < 500) break;
        }
      } catch {
        // A failed poll (e.g. the database restarting) is retried on the next tick.
      } finally {
        this.polling = null;
        if (this.again && this.state === 'running') {
          this.again = false;
          void this.poll();
        }
      }
    })();
    return this.polling;
  }
}
