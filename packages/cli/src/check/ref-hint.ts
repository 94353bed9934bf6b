// What to do about a --base or --head that names no commit, from the repository's own remotes and branches.
import { runGit } from '@trunkflow/git';

const SHOWN_BRANCHES = 10;

function listed(names: readonly string[]): string {
  if (names.length <= SHOWN_BRANCHES) return names.join(', ');
  return `${names.slice(0, SHOWN_BRANCHES).join(', ')} and ${names.length - SHOWN_BRANCHES} more`;
}

async function lines(args: string[], cwd: string): Promise<string[]> {
  const out = await runGit(args, { cwd }).catch(() => '');
  return out.split('\n').filter((line) => line !== '');
}

/**
 * The advice after `base ref "x" does not name a commit`. "Fetch it" is right only when the
 * name is a remote's branch; a repository with no remote needs one of its own branches instead.
 */
export async function missingRefHint(repo: string, ref: string, option: '--base' | '--head'): Promise<string> {
  if (ref === '' || ref.startsWith('-') || /[\0\n]/.test(ref)) {
    return `pass a branch name, tag or commit sha to ${option}`;
  }
  const [remotes, branches] = await Promise.all([
    lines(['remote'], repo),
    lines(['for-each-ref', '--format=%(refname:short)', 'refs/heads/'], repo),
  ]);
  const slash = ref.indexOf('/');
  const named = slash > 0 ? ref.slice(0, slash) : null;
  const rest = slash > 0 ? ref.slice(slash + 1) : ref;
  // Remote names may hold slashes too; the longest that prefixes the ref is the one meant.
  const remote = remotes.filter((name) => ref.startsWith(`${name}/`)).sort((a, b) => b.length - a.length)[0];
  if (remote !== undefined) {
    const branch = ref.slice(remote.length + 1);
    return `${remote}/${branch} is not fetched: run \`git fetch ${remote} ${branch}\` (\`git ls-remote --heads ${remote}\` lists the branches ${remote} has)`;
  }
  const own =
    branches.length === 0
      ? 'this repository has no branches yet'
      : `this repository's branches are: ${listed(branches)}`;
  const likely = branches.includes(rest) ? rest : branches.length === 1 ? branches[0] : undefined;
  const pass = likely === undefined ? '' : `; pass ${option} ${likely}`;
  if (remotes.length === 0) {
    const noRemote =
      named === null
        ? 'no branch or tag has that name, and there is no remote to fetch it from'
        : `no remote named ${named}`;
    return `${noRemote}; ${own}${pass}`;
  }
  if (/^[0-9a-f]{7,40}$/i.test(ref)) {
    return `this clone lacks that commit: fetch it (\`git fetch ${remotes[0]}\`), or in CI fetch full history (actions/checkout with fetch-depth: 0)`;
  }
  const remoteNote =
    named === null
      ? `for a branch of ${remotes[0]}, fetch it (\`git fetch ${remotes[0]} ${ref}\`) and pass ${option} ${remotes[0]}/${ref}`
      : `no remote named ${named} (remotes: ${remotes.join(', ')})`;
  return `${remoteNote}; ${own}${pass}`;
}
