// @ts-check
// Generates the benchmark repository with one `git fast-import` stream: a trunk `main` with
// thousands of commits and a feature branch holding a large change. Deterministic: the same
// parameters give the same commits (and the same shas), so a cached copy can be reused.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * @typedef {object} RepoParams
 * @property {number} files        files on trunk after the first commits (later commits add a few more)
 * @property {number} commits      commits on trunk `main`
 * @property {number} changeFiles  files the feature branch changes
 * @property {number} seed         seed of the pseudo-random choices
 * @property {string} anchor       ISO time the history ends at; the check runs `--now` this time
 */

/**
 * @typedef {object} RepoInfo
 * @property {string} dir
 * @property {RepoParams} params
 * @property {string} trunk
 * @property {string} branch
 * @property {string} title        a PR title that fits the change
 * @property {{ files: number, commits: number, branchCommits: number, changed: Record<string, number> }} stats
 */

/** Bump when the generator's output changes, so cached repositories are rebuilt. */
const GENERATOR_VERSION = 1;
const TRUNK = 'main';
const BRANCH = 'feature/TF-1-big';
const INITIAL_COMMITS = 20;
const DAY = 86_400;

/** @param {number} seed */
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** @typedef {() => number} Rng */

/** @param {Rng} rng @param {number} n */
const int = (rng, n) => Math.floor(rng() * n);
/** @template T @param {Rng} rng @param {readonly T[]} list @returns {T} */
const pick = (rng, list) => /** @type {T} */ (list[int(rng, list.length)]);

const AREAS = ['api', 'ui', 'core', 'util', 'model', 'store', 'hooks', 'lib'];
const FIRST = ['Ada', 'Ben', 'Chloé', 'Dev', 'Eli', 'Fatima', 'Gus', 'Hana', 'Ivo', 'Jun', 'Kai', 'Lena'];
const LAST = ['Park', 'Okafor', 'Silva', 'Nguyen', 'Berg'];
const AUTHORS = FIRST.flatMap((first, i) =>
  LAST.slice(0, 3).map((last, j) => ({
    name: `${first} ${last}`,
    email: `${first
      .normalize('NFD')
      .replace(/[^a-z]/gi, '')
      .toLowerCase()}.${last.toLowerCase()}${i * 3 + j}@example.com`,
  })),
);
const ZONES = ['+0000', '+0100', '+0200', '-0500', '-0800', '+0530', '+0900'];
const TYPES = ['feat', 'fix', 'fix', 'chore', 'refactor', 'docs', 'test', 'perf'];
const VERBS = ['add', 'fix', 'tidy', 'rename', 'speed up', 'handle', 'cover', 'document'];
const NOUNS = ['retry', 'pagination', 'empty state', 'date parsing', 'cache key', 'error message', 'sort order'];

/** The key a cached repository must match. */
export function repoKey(/** @type {RepoParams} */ params) {
  return JSON.stringify({ version: GENERATOR_VERSION, ...params });
}

/** @param {string} dir @param {string[]} args */
function git(dir, args) {
  const result = spawnSync('git', args, { cwd: dir, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${result.stderr || result.error}`);
  return result.stdout;
}

/** @param {Rng} rng @param {string} path @param {number} lines */
function sourceFile(rng, path, lines) {
  const name = (path.split('/').pop() ?? 'x').replace(/\W/g, '_');
  const out = [`// ${path}`, `import { helper } from '../shared.js';`, ''];
  for (let k = 0; out.length < lines; k++) {
    if (k % 6 === 5)
      out.push(`export function ${name}_${k}(x: number): number {`, `  return helper(x, ${int(rng, 1e6)});`, '}');
    else out.push(`export const ${name}_c${k} = ${int(rng, 1e9)};`);
  }
  return `${out.join('\n')}\n`;
}

/** @param {Rng} rng @param {string} path @param {number} lines */
function markdownFile(rng, path, lines) {
  const out = [`# ${path}`, ''];
  while (out.length < lines) out.push(`- ${pick(rng, VERBS)} the ${pick(rng, NOUNS)} (note ${int(rng, 1e6)})`);
  return `${out.join('\n')}\n`;
}

/** Replaces a few lines and inserts a few, as a small hand edit would. @param {Rng} rng @param {string} text */
function editText(rng, text, /** @type {{ replace: number, insert: number, extra?: string[] }} */ edit) {
  const lines = text.replace(/\n$/, '').split('\n');
  for (let r = 0; r < edit.replace; r++) {
    const at = 1 + int(rng, Math.max(1, lines.length - 1));
    lines[at] = `export const changed_${int(rng, 1e9)} = ${int(rng, 1e9)}; // was line ${at}`;
  }
  const inserted = [...(edit.extra ?? [])];
  for (let i = 0; i < edit.insert; i++) inserted.push(`export const added_${int(rng, 1e9)} = ${int(rng, 1e9)};`);
  for (const line of inserted) lines.splice(1 + int(rng, lines.length), 0, line);
  return `${lines.join('\n')}\n`;
}

/** @param {Rng} rng @param {number} count @param {number} version */
function packageLock(rng, count, version) {
  /** @type {Record<string, unknown>} */
  const packages = { '': { name: 'big-app', version: '1.0.0' } };
  for (let i = 0; i < count; i++) {
    const bumped = rng() < 0.3 ? version : 0;
    packages[`node_modules/dep-${i}`] = {
      version: `${1 + (i % 7)}.${i % 13}.${bumped}`,
      resolved: `https://registry.npmjs.org/dep-${i}/-/dep-${i}-${1 + (i % 7)}.${i % 13}.${bumped}.tgz`,
      integrity: `sha512-${Buffer.from(`${i}:${bumped}:${int(rng, 1e9)}`).toString('base64')}`,
      license: 'MIT',
    };
  }
  return `${JSON.stringify({ name: 'big-app', version: '1.0.0', lockfileVersion: 3, requires: true, packages }, null, 2)}\n`;
}

/** @param {string[]} flags */
const flagsJson = (flags) =>
  `${JSON.stringify({ $schema: 'https://flagd.dev/schema/v0/flags.json', flags: Object.fromEntries(flags.map((f) => [f, { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' }])) }, null, 2)}\n`;

/** Writes to a child's stdin in large chunks, waiting when the pipe is full. */
class StreamWriter {
  /** @param {import('node:stream').Writable} stream */
  constructor(stream) {
    this.stream = stream;
    /** @type {string[]} */
    this.parts = [];
    this.size = 0;
    this.bytes = 0;
  }
  /** @param {string} text */
  async write(text) {
    this.parts.push(text);
    this.size += text.length;
    if (this.size > 1 << 20) await this.flush();
  }
  async flush() {
    const chunk = this.parts.join('');
    this.parts = [];
    this.size = 0;
    this.bytes += Buffer.byteLength(chunk);
    if (!this.stream.write(chunk)) await new Promise((resolve) => this.stream.once('drain', resolve));
  }
}

/**
 * @typedef {{ op: 'M', path: string, content: string } | { op: 'D', path: string }} FileOp
 * @typedef {{ author: { name: string, email: string }, time: number, zone: string, message: string, ops: FileOp[], from?: number }} CommitSpec
 */

/** @param {StreamWriter} out @param {string} ref @param {number} mark @param {CommitSpec} c */
async function writeCommit(out, ref, mark, c) {
  const who = `${c.author.name} <${c.author.email}> ${c.time} ${c.zone}`;
  await out.write(
    `commit refs/heads/${ref}\nmark :${mark}\nauthor ${who}\ncommitter ${who}\ndata ${Buffer.byteLength(c.message)}\n${c.message}\n`,
  );
  if (c.from !== undefined) await out.write(`from :${c.from}\n`);
  for (const op of c.ops) {
    if (op.op === 'D') await out.write(`D ${op.path}\n`);
    else await out.write(`M 100644 inline ${op.path}\ndata ${Buffer.byteLength(op.content)}\n${op.content}\n`);
  }
  await out.write('\n');
}

/** @param {Rng} rng */
function trunkMessage(rng) {
  const type = pick(rng, TYPES);
  const scope = pick(rng, AREAS);
  return `${type}(${scope}): ${pick(rng, VERBS)} ${pick(rng, NOUNS)} (TF-${100 + int(rng, 900)})\n\nDetails of the change.\n`;
}

/**
 * Streams the whole history into `git fast-import` and returns what was written.
 * @param {string} dir @param {RepoParams} params @param {(step: string) => void} progress
 */
async function importHistory(dir, params, progress) {
  const rng = mulberry32(params.seed);
  const end = Math.floor(Date.parse(params.anchor) / 1000);
  const start = end - 365 * DAY;
  /** @type {Map<string, string>} */
  const trunk = new Map();

  progress(`generating ${params.files} files…`);
  const paths = [];
  const packageCount = 12;
  const perFolder = Math.max(1, Math.ceil(params.files / (packageCount * AREAS.length * 10)));
  for (let i = 0; paths.length < params.files; i++) {
    const pkg = Math.floor(i / (AREAS.length * 10 * perFolder)) % packageCount;
    const area = AREAS[Math.floor(i / (10 * perFolder)) % AREAS.length];
    const sub = Math.floor(i / perFolder) % 10;
    const file = i % perFolder;
    const folder = `packages/pkg${String(pkg).padStart(2, '0')}/src/${area}/s${sub}`;
    paths.push(rng() < 0.08 ? `${folder}/notes-${file}.md` : `${folder}/f${file}.ts`);
  }
  for (const path of paths) {
    const large = rng() < 0.015;
    const lines = large ? 300 + int(rng, 2700) : 3 + int(rng, 10);
    trunk.set(path, path.endsWith('.md') ? markdownFile(rng, path, lines) : sourceFile(rng, path, lines));
  }
  for (let p = 0; p < packageCount; p++) {
    const name = `pkg${String(p).padStart(2, '0')}`;
    trunk.set(
      `packages/${name}/package.json`,
      `${JSON.stringify({ name: `@big/${name}`, version: '1.0.0', type: 'module' }, null, 2)}\n`,
    );
  }
  trunk.set(
    'package.json',
    `${JSON.stringify({ name: 'big-app', private: true, workspaces: ['packages/*'] }, null, 2)}\n`,
  );
  trunk.set('package-lock.json', packageLock(rng, 1500, 0));
  trunk.set('flags.json', flagsJson(['new-checkout', 'dark-mode']));
  trunk.set('README.md', '# big-app\n\nA generated repository for the trunkflow check benchmark.\n');

  progress(`committing ${params.commits} commits on ${TRUNK} and the ${BRANCH} change (git fast-import)…`);
  const child = spawn('git', ['fast-import', '--quiet', '--done'], { cwd: dir, stdio: ['pipe', 'ignore', 'pipe'] });
  /** @type {Buffer[]} */
  const errors = [];
  child.stderr.on('data', (chunk) => errors.push(chunk));
  child.stdin.on('error', () => {});
  const exited = new Promise((resolve) => child.on('close', resolve));
  const out = new StreamWriter(child.stdin);
  await out.write('feature done\n');

  // Trunk: the files arrive in the first commits, then each commit touches a few files.
  const all = [...trunk.keys()];
  const batch = Math.ceil(all.length / INITIAL_COMMITS);
  const forkIndex = params.commits - 15;
  const step = (end - 2 * 3600 - start) / params.commits;
  let forkMark = 0;
  let featureMark = 0;
  const stats = { files: 0, commits: params.commits, branchCommits: 0, changed: {} };
  let added = 0;
  for (let i = 0; i < params.commits; i++) {
    const mark = i + 1;
    const time = Math.floor(start + i * step + rng() * step * 0.8);
    const author = pick(rng, AUTHORS);
    /** @type {FileOp[]} */
    const ops = [];
    let message;
    if (i < INITIAL_COMMITS) {
      for (const path of all.slice(i * batch, (i + 1) * batch))
        ops.push({ op: 'M', path, content: /** @type {string} */ (trunk.get(path)) });
      message = `chore: import part ${i + 1} of the code base\n`;
    } else {
      const touches = 1 + int(rng, 4);
      const pickSource = () => {
        for (;;) {
          const path = pick(rng, all);
          if (path.startsWith('packages/') && !path.endsWith('package.json')) return path;
        }
      };
      for (let t = 0; t < touches; t++) {
        const roll = rng();
        if (roll < 0.05) {
          const path = `${dirname(pickSource())}/added-${i}-${t}.ts`;
          const content = sourceFile(rng, path, 5 + int(rng, 30));
          trunk.set(path, content);
          all.push(path);
          added++;
          ops.push({ op: 'M', path, content });
        } else if (roll < 0.07 && all.length > 100) {
          const index = int(rng, all.length);
          const path = /** @type {string} */ (all[index]);
          if (!path.startsWith('packages/') || path.endsWith('package.json')) continue;
          trunk.delete(path);
          all.splice(index, 1);
          ops.push({ op: 'D', path });
        } else {
          const path = pickSource();
          const content = editText(rng, /** @type {string} */ (trunk.get(path)), {
            replace: 1 + int(rng, 3),
            insert: int(rng, 4),
          });
          trunk.set(path, content);
          ops.push({ op: 'M', path, content });
        }
      }
      message = trunkMessage(rng);
    }
    await writeCommit(out, TRUNK, mark, { author, time, zone: pick(rng, ZONES), message, ops });
    if (i === forkIndex) {
      forkMark = mark;
      const feature = planFeature(rng, new Map(trunk), params, end);
      stats.changed = feature.changed;
      stats.branchCommits = feature.commits.length;
      let from = forkMark;
      for (const [n, commit] of feature.commits.entries()) {
        featureMark = params.commits + 1 + n;
        await writeCommit(out, BRANCH, featureMark, { ...commit, from: n === 0 ? from : undefined });
        from = featureMark;
      }
    }
  }
  stats.files = trunk.size;
  await out.write('done\n');
  await out.flush();
  child.stdin.end();
  const code = await exited;
  if (code !== 0) throw new Error(`git fast-import failed (exit ${code}): ${Buffer.concat(errors).toString('utf8')}`);
  progress(`streamed ${(out.bytes / 1e6).toFixed(0)} MB; ${added} files added by later trunk commits`);
  return stats;
}

/**
 * The feature branch: about `changeFiles` changed paths over a dozen commits in the last day.
 * @param {Rng} rng @param {Map<string, string>} files the trunk at the fork point (mutated)
 * @param {RepoParams} params @param {number} end
 */
function planFeature(rng, files, params, end) {
  const author = /** @type {{ name: string, email: string }} */ (AUTHORS[4]);
  const candidates = [...files.keys()].filter((p) => p.startsWith('packages/') && !p.endsWith('package.json'));
  // A partial Fisher–Yates shuffle picks distinct files.
  const chosen = [];
  for (let i = 0; i < Math.min(candidates.length, params.changeFiles); i++) {
    const j = i + int(rng, candidates.length - i);
    [candidates[i], candidates[j]] = /** @type {[string, string]} */ ([candidates[j], candidates[i]]);
    chosen.push(/** @type {string} */ (candidates[i]));
  }
  const special = 4; // package-lock.json, .gitattributes, flags.json, one new package.json
  const budget = Math.max(0, params.changeFiles - special);
  const deletions = Math.round(budget * 0.015);
  const renames = 3;
  const generated = Math.round(budget * 0.02);
  const additions = Math.round(budget * 0.08);
  const modifications = Math.max(0, budget - deletions - renames - generated - additions);

  /** @type {FileOp[]} */
  const ops = [];
  const changed = { modified: 0, added: 0, deleted: 0, renamed: 0, generated: 0 };
  let cursor = 0;
  for (let m = 0; m < modifications; m++, cursor++) {
    const path = /** @type {string} */ (chosen[cursor]);
    const extra = m % 150 === 0 ? [`const checkout = useFeatureFlag('big-export');`] : [];
    ops.push({
      op: 'M',
      path,
      content: editText(rng, /** @type {string} */ (files.get(path)), {
        replace: 1 + int(rng, 2),
        insert: 1 + int(rng, 3),
        extra,
      }),
    });
    changed.modified++;
  }
  for (let d = 0; d < deletions; d++, cursor++) {
    ops.push({ op: 'D', path: /** @type {string} */ (chosen[cursor]) });
    changed.deleted++;
  }
  for (let r = 0; r < renames; r++, cursor++) {
    const path = /** @type {string} */ (chosen[cursor]);
    const to = path.replace(/\/([^/]+)$/, `/renamed-$1`);
    const content = /** @type {string} */ (files.get(path));
    ops.push(
      { op: 'D', path },
      { op: 'M', path: to, content: r === 0 ? content : editText(rng, content, { replace: 1, insert: 0 }) },
    );
    changed.renamed++;
  }
  for (let a = 0; a < additions; a++) {
    const path = `packages/pkg${String(a % 12).padStart(2, '0')}/src/export/e${a}.ts`;
    ops.push({ op: 'M', path, content: sourceFile(rng, path, 10 + int(rng, 60)) });
    changed.added++;
  }
  for (let g = 0; g < generated; g++) {
    const path = `packages/pkg00/src/generated/schema-${g}.ts`;
    ops.push({ op: 'M', path, content: sourceFile(rng, path, 300 + int(rng, 400)) });
    changed.generated++;
  }
  ops.push(
    { op: 'M', path: 'package-lock.json', content: packageLock(rng, 1520, 1) },
    {
      op: 'M',
      path: '.gitattributes',
      content: 'packages/pkg00/src/generated/** linguist-generated=true\n*.snap linguist-generated\n',
    },
    { op: 'M', path: 'flags.json', content: flagsJson(['new-checkout', 'dark-mode', 'big-export']) },
    {
      op: 'M',
      path: 'packages/export/package.json',
      content: `${JSON.stringify({ name: '@big/export', version: '0.1.0' }, null, 2)}\n`,
    },
  );

  // Spread the operations over a dozen commits dated across the last day.
  for (let i = ops.length - 1; i > 0; i--) {
    const j = int(rng, i + 1);
    [ops[i], ops[j]] = /** @type {[FileOp, FileOp]} */ ([ops[j], ops[i]]);
  }
  const count = 12;
  /** @type {CommitSpec[]} */
  const commits = [];
  for (let c = 0; c < count; c++) {
    const slice = ops.slice(Math.floor((c * ops.length) / count), Math.floor(((c + 1) * ops.length) / count));
    const time = end - DAY + Math.floor(((c + 0.5) * (DAY - 1800)) / count);
    const message =
      c === 0
        ? 'feat(export): big export behind the big-export flag (TF-1)\n'
        : `feat(export): part ${c + 1} of the big export (TF-1)\n`;
    commits.push({ author, time, zone: '+0100', message, ops: slice });
  }
  return { commits, changed };
}

/**
 * Returns the benchmark repository under `root`, generating it unless a copy made with the same
 * parameters is already there.
 * @param {string} root @param {RepoParams} params
 * @param {{ force?: boolean, log?: (line: string) => void }} [options]
 * @returns {Promise<RepoInfo>}
 */
export async function ensureRepo(root, params, options = {}) {
  const log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
  const dir = join(root, 'check-repo');
  const keyFile = join(root, 'check-repo.key.json');
  const key = repoKey(params);
  if (!options.force && existsSync(keyFile) && existsSync(dir)) {
    const saved = JSON.parse(readFileSync(keyFile, 'utf8'));
    if (saved.key === key) {
      log(`› repository: reusing ${dir} (same parameters)`);
      return { dir, params, trunk: TRUNK, branch: BRANCH, title: 'feat: big (TF-1)', stats: saved.stats };
    }
  }
  const started = performance.now();
  const since = () => `${((performance.now() - started) / 1000).toFixed(1)}s`;
  const progress = (/** @type {string} */ step) => log(`› [${since()}] ${step}`);
  const building = join(root, `check-repo.tmp-${process.pid}`);
  mkdirSync(root, { recursive: true });
  rmSync(building, { recursive: true, force: true });
  rmSync(keyFile, { force: true });
  git(root, ['init', '--quiet', '--initial-branch', TRUNK, building]);
  try {
    const stats = await importHistory(building, params, progress);
    progress('packing (git gc) and checking out the feature branch…');
    git(building, ['gc', '--quiet']);
    git(building, ['checkout', '--quiet', BRANCH]);
    rmSync(dir, { recursive: true, force: true });
    renameSync(building, dir);
    writeFileSync(keyFile, `${JSON.stringify({ key, stats }, null, 2)}\n`);
    progress(
      `done in ${since()}: ${stats.files} files on ${TRUNK}, ${stats.commits} commits, ${BRANCH} with ${stats.branchCommits} commits`,
    );
    return { dir, params, trunk: TRUNK, branch: BRANCH, title: 'feat: big (TF-1)', stats };
  } catch (error) {
    rmSync(building, { recursive: true, force: true });
    throw error;
  }
}
