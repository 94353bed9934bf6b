// The pre-receive hook's files in the data directory: written at start, and checked to run the way git runs them.
import { spawn } from 'node:child_process';
import { chmod, mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { ConfigError } from '../../platform/config.js';
import { childPath } from '../../platform/git/http-backend.js';
import {
  HOOK_NAME,
  HOOK_SCRIPT_NAME,
  HOOK_SELF_TEST_OUTPUT,
  PRE_RECEIVE_HOOK_LAUNCHER,
  PRE_RECEIVE_HOOK_SOURCE,
} from './pre-receive-hook.js';

/** The hook could not run at start, so no push could be accepted: the server refuses to start. */
export class HookUnusableError extends ConfigError {}

/** What one run of the hook's self-test found: null when it loaded and ran. */
interface HookProbe {
  problem: string | null;
  stderr: string;
}

async function writeAtomically(path: string, text: string, mode: number): Promise<void> {
  const aside = `${path}.${process.pid}.tmp`;
  await writeFile(aside, text, { mode });
  // writeFile's mode is filtered by the umask; the launcher must be executable whatever it is.
  await chmod(aside, mode);
  await rename(aside, path);
}

export class PreReceiveHook {
  /** `hooksDir` must be absolute: git runs hooks from inside the repository, and the launcher finds its script by $0. */
  constructor(
    readonly hooksDir: string,
    private readonly logger: Logger,
  ) {}

  /**
   * Writes the shared pre-receive hook (a launcher and its script, see pre-receive-hook.ts); git
   * finds it through core.hooksPath. Each file is written aside and renamed into place, so a push
   * running meanwhile sees the old file or the new one, never half of one.
   */
  async install(): Promise<void> {
    await mkdir(this.hooksDir, { recursive: true, mode: 0o700 });
    await writeAtomically(join(this.hooksDir, HOOK_SCRIPT_NAME), PRE_RECEIVE_HOOK_SOURCE, 0o600);
    await writeAtomically(join(this.hooksDir, HOOK_NAME), PRE_RECEIVE_HOOK_LAUNCHER, 0o700);
  }

  /** The environment git gives the hook, minus the push session; the self-test uses it too. */
  env(): Record<string, string> {
    // The launcher runs exactly this binary, whatever PATH says (pre-receive-hook.ts).
    return { TRUNKFLOW_NODE: process.execPath };
  }

  /**
   * Runs the written hook once the way git does (executing `<hooks>/pre-receive`), in a mode where
   * it loads its script and exits. Whatever stops it (a noexec mount, a missing binary, a script
   * Node cannot load) shows up here with the hook's stderr.
   */
  async probe(): Promise<HookProbe> {
    const path = join(this.hooksDir, HOOK_NAME);
    return new Promise((done) => {
      const child = spawn(path, [], {
        cwd: this.hooksDir,
        env: { PATH: childPath(), ...this.env(), TRUNKFLOW_HOOK_SELF_TEST: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      // Our own timer rather than spawn's `timeout`, which stays armed (keeping the process alive)
      // when the spawn itself fails, as it does on a noexec mount.
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const finish = (probe: HookProbe) => {
        clearTimeout(timer);
        done(probe);
      };
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString('utf8');
      });
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString('utf8');
      });
      child.on('error', (error) => finish({ problem: `${path} cannot be run: ${error.message}`, stderr }));
      child.on('close', (code, signal) => {
        if (code === 0 && stdout.trim() === HOOK_SELF_TEST_OUTPUT) return finish({ problem: null, stderr });
        const how = signal === null ? `exit ${code}` : `signal ${signal}`;
        const said = stderr.trim().split('\n').slice(0, 5).join(' / ') || stdout.trim().slice(0, 200) || 'no output';
        finish({ problem: `${path} failed (${how}): ${said}`, stderr });
      });
    });
  }

  /**
   * The start-up check: a server whose hook cannot run would refuse every push, so it says so and
   * does not start. The error says what failed and where to look.
   */
  async assertRuns(): Promise<void> {
    const { problem, stderr } = await this.probe();
    if (problem === null) return;
    this.logger.error({ hooks: this.hooksDir, node: process.execPath, stderr }, 'the pre-receive hook cannot run');
    throw new HookUnusableError(
      `the pre-receive hook cannot run, so no push could be accepted: ${problem}. ` +
        `Check that the data directory (${this.hooksDir}) is not on a noexec mount and that ${process.execPath} runs`,
    );
  }
}
