// Following a run live over its stream: output lines as they come, and step progress (a live step list on a terminal).
import { stripVTControlCharacters } from 'node:util';
import { assertNever } from '@trunkflow/core';
import pc from 'picocolors';
import type { TrunkflowClient } from '../client/http-client.js';
import type { Run, RunOutputLine, RunStep } from '../client/pipeline-client.js';
import { followRunStream, type RunStreamEvent } from '../client/run-stream.js';
import type { CliIo } from '../io.js';

/** Steps are shown numbered from 1, as people count; the JSON keeps the API's `index`, from 0. */
export const stepLabel = (index: number, kind: string) => `${index + 1} ${kind}`;

/** Build tools colour and redraw their output: keep the text, never a terminal escape from the server. */
export function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
  return stripVTControlCharacters(text).replace(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g, '');
}

export interface LogOptions {
  format: 'text' | 'json';
  timestamps: boolean;
}

export function formatLine(io: CliIo, steps: readonly RunStep[], line: RunOutputLine, options: LogOptions): string {
  if (options.format === 'json') return `${JSON.stringify(line)}\n`;
  const colors = pc.createColors(io.color);
  const kind = steps.find((step) => step.index === line.step)?.kind ?? 'step';
  const tag = line.stream === 'stdout' ? '' : line.stream === 'stderr' ? ' stderr' : ' trunkflow';
  const prefix = `[${stepLabel(line.step, kind)}${tag}]`;
  const painted = line.stream === 'stderr' ? colors.yellow(prefix) : colors.dim(prefix);
  const time = options.timestamps ? `${line.at} ` : '';
  return `${time}${painted} ${printable(line.line)}\n`;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const SPIN_MS = 120;

/**
 * One mark per step status. With a spinner frame it is the live step list's (a spinner while running,
 * a dot while pending); without, the one-line summary's (`checkout ✓ install ✓ build … deploy`).
 */
export function stepMark(step: RunStep, colors: ReturnType<typeof pc.createColors>, frame?: number): string {
  switch (step.status) {
    case 'pending':
      return frame === undefined ? '' : colors.dim('·');
    case 'running':
      return colors.yellow(frame === undefined ? '…' : (SPINNER[frame % SPINNER.length] as string));
    case 'waiting':
      return colors.yellow('?');
    case 'succeeded':
      return colors.green('✓');
    case 'failed':
      return colors.red('✗');
    case 'skipped':
      return colors.dim('-');
    case 'canceled':
      return colors.dim('⊘');
    default:
      return assertNever(step.status, 'step status');
  }
}

/** One line of step progress, as `logs --follow` says it on a terminal's stderr and `view --follow` off one. */
function stepNews(step: RunStep): string {
  const why = step.reason ? `: ${printable(step.reason)}` : '';
  return `step ${stepLabel(step.index, step.kind)} ${step.status}${why}`;
}

export interface FollowOptions extends LogOptions {
  /** `logs`: output lines on stdout; `steps` (`runs view --follow`): the step list only. */
  show: 'logs' | 'steps';
}

/**
 * Follows `run` until it ends; resolves with its final status, or null when `stop` aborted. On a
 * terminal, `steps` redraws a step list with a spinner in place and `logs` notes each step's
 * change on stderr; elsewhere both print plain lines, and --format json prints JSON Lines.
 */
export async function followRun(
  io: CliIo,
  client: TrunkflowClient,
  project: string,
  run: Run,
  options: FollowOptions,
  stop: AbortSignal,
): Promise<{ status: Run['status']; reason: string | null } | null> {
  const colors = pc.createColors(io.color);
  const steps: RunStep[] = run.steps.map((step) => ({ ...step }));
  const live = options.show === 'steps' && io.color && options.format === 'text';
  let frame = 0;
  let drawn = 0;
  const draw = () => {
    const rows = steps.map((step) => {
      const why = step.reason && step.status !== 'running' ? colors.dim(` ${printable(step.reason)}`) : '';
      return `  ${stepMark(step, colors, frame)} ${stepLabel(step.index, step.kind)}${why}\n`;
    });
    // Up over the last drawing, clear it, and draw again.
    io.stdout(`${drawn > 0 ? `\u001b[${drawn}A\u001b[0J` : ''}${rows.join('')}`);
    drawn = rows.length;
  };
  const spinner = live
    ? setInterval(() => {
        frame++;
        if (steps.some((step) => step.status === 'running')) draw();
      }, SPIN_MS)
    : null;
  if (live) draw();
  const onEvent = (event: RunStreamEvent) => {
    switch (event.type) {
      case 'output':
        if (options.show === 'logs') io.stdout(formatLine(io, steps, event.data, options));
        return;
      case 'step': {
        const step = steps.find((candidate) => candidate.index === event.data.step);
        const changed: RunStep = {
          index: event.data.step,
          kind: event.data.kind,
          status: event.data.to,
          attempts: event.data.attempts,
          reason: event.data.reason,
        };
        if (step) Object.assign(step, changed);
        else steps.push(changed);
        if (options.show === 'logs') {
          if (io.color && options.format === 'text') io.stderr(`${colors.dim(`… ${stepNews(changed)}`)}\n`);
        } else if (options.format === 'json') io.stdout(`${JSON.stringify({ event: 'step', ...event.data })}\n`);
        else if (live) draw();
        else io.stdout(`${stepNews(changed)}\n`);
        return;
      }
      case 'run':
        if (options.show === 'steps') {
          if (options.format === 'json') io.stdout(`${JSON.stringify({ event: 'run', ...event.data })}\n`);
          else if (!live)
            io.stdout(`run ${event.data.to}${event.data.reason ? `: ${printable(event.data.reason)}` : ''}\n`);
        }
        return;
      default:
        return assertNever(event, 'run stream event');
    }
  };
  try {
    const end = await followRunStream(client, project, run.id, onEvent, stop);
    if (live) draw();
    return end;
  } finally {
    if (spinner) clearInterval(spinner);
  }
}
