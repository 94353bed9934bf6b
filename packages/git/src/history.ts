// What a range of history holds: its commits and who wrote them.
import { type Identity, parseIdentity } from './identity.js';
import { runGit, runGitRaw } from './run-git.js';

/**
 * The authors of the commits on `head` that are not on `base`, oldest commit first, each followed
 * by the people its own Co-authored-by trailers name (a paired commit has two authors).
 */
export async function commitAuthors(repo: string, base: string, head: string): Promise<Identity[]> {
  const format = '%an%x00%ae%x00%(trailers:key=Co-authored-by,valueonly,separator=%x01)%x00';
  const out = await runGitRaw(['log', '--reverse', `--format=${format}`, `${base}..${head}`], { cwd: repo });
  const fields = out.stdout.toString('utf8').split('\0');
  const authors: Identity[] = [];
  for (let i = 0; i + 2 < fields.length; i += 3) {
    // Each record but the first starts with the newline git puts between them.
    const name = (fields[i] ?? '').replace(/^\n/, '');
    authors.push({ name, email: fields[i + 1] ?? '' });
    for (const trailer of (fields[i + 2] ?? '').split('\u0001')) {
      const person = parseIdentity(trailer);
      if (person !== null) authors.push(person);
    }
  }
  return authors;
}

/** The commits on `head` that are not on `base`. */
export async function commitsBetween(repo: string, base: string, head: string): Promise<Set<string>> {
  const out = await runGit(['rev-list', `${base}..${head}`], { cwd: repo });
  return new Set(out.split('\n').filter((line) => line !== ''));
}
