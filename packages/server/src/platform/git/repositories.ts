// Where hosted bare repositories live, and creating them. Names are validated before any path is built.
import { chmod, mkdir, rm, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { runGit } from '@trunkflow/git';
import { ValidationError } from '../errors.js';

const PROJECT_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

export function validateProjectName(name: string): void {
  if (!PROJECT_NAME.test(name)) {
    throw new ValidationError(
      `project name "${name}" is not valid: use 1 to 63 lowercase letters, digits and "-", starting with a letter or digit`,
    );
  }
}

export class Repositories {
  private readonly root: string;

  constructor(dataDir: string) {
    this.root = resolve(dataDir, 'repos');
  }

  /** The bare repository of a project; the name is checked so no path can leave the root. */
  pathOf(project: string): string {
    validateProjectName(project);
    const path = join(this.root, `${project}.git`);
    if (!path.startsWith(this.root + sep)) throw new ValidationError(`project name "${project}" is not valid`);
    return path;
  }

  get rootDir(): string {
    return this.root;
  }

  async exists(project: string): Promise<boolean> {
    try {
      return (await stat(this.pathOf(project))).isDirectory();
    } catch {
      return false;
    }
  }

  /** Creates an empty bare repository whose HEAD names the trunk. */
  async create(project: string, trunk: string): Promise<string> {
    const path = this.pathOf(project);
    await mkdir(this.root, { recursive: true, mode: 0o700 });
    await chmod(this.root, 0o700);
    // --shared=0600: git gives every file and folder it writes in the repository owner-only modes,
    // whatever the server's umask.
    await runGit(['init', '--bare', '--quiet', '--shared=0600', `--initial-branch=${trunk}`, path], {
      cwd: this.root,
    });
    await runGit(['config', 'http.receivepack', 'true'], { cwd: path });
    // --shared also turns on receive.denyNonFastForwards; force pushes to feature branches are
    // Trunkflow's to decide (the pre-receive hook protects trunk), so turn it back off.
    await runGit(['config', 'receive.denyNonFastForwards', 'false'], { cwd: path });
    // Pushes are checked by Trunkflow before refs move; reflogs keep a record of every move.
    await runGit(['config', 'core.logAllRefUpdates', 'always'], { cwd: path });
    return path;
  }

  async remove(project: string): Promise<void> {
    await rm(this.pathOf(project), { recursive: true, force: true });
  }
}
