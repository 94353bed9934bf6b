// The squash commit's message and its co-authors: pure text over git identities.
import { type Identity, parseIdentity } from '@trunkflow/git';

/**
 * The squash commit's message: "<title> (#n)", then the body when there is one, then one
 * `Co-authored-by: Name <email>` trailer per co-author, after a blank line, as GitHub writes them.
 */
export function squashMessage(
  title: string,
  number: number,
  body: string,
  coAuthors: readonly Identity[] = [],
): string {
  const subject = `${title.trim()} (#${number})`;
  const text = body.replace(/\r\n/g, '\n').trim();
  // A body that already credits someone (its own trailer lines) does not get them twice.
  const credited = new Set(
    text
      .split('\n')
      .filter((line) => /^co-authored-by:/i.test(line))
      .map((line) => parseIdentity(line.slice('co-authored-by:'.length))?.email.toLowerCase()),
  );
  const trailers = coAuthors
    .filter((person) => !credited.has(person.email.toLowerCase()))
    .map((person) => `Co-authored-by: ${person.name} <${person.email}>`)
    .join('\n');
  // git reads trailers from the last paragraph only: join a body that ends in trailers, else start one.
  const lastParagraph = text.split('\n\n').at(-1) ?? '';
  const endsInTrailers = text !== '' && lastParagraph.split('\n').every((line) => /^[A-Za-z][\w-]*: \S/.test(line));
  if (trailers !== '' && endsInTrailers) return `${subject}\n\n${text}\n${trailers}\n`;
  return `${[subject, text, trailers].filter((part) => part !== '').join('\n\n')}\n`;
}

/**
 * Who else wrote the PR's commits: each distinct commit author (by e-mail, case-insensitively),
 * in the order of their first commit, leaving out the PR's author.
 */
export function coAuthorsOf(author: Identity, commitAuthors: readonly Identity[]): Identity[] {
  const seen = new Set([author.email.toLowerCase()]);
  const coAuthors: Identity[] = [];
  for (const person of commitAuthors) {
    const key = person.email.toLowerCase();
    if (seen.has(key) || person.email === '' || person.name === '') continue;
    seen.add(key);
    coAuthors.push(person);
  }
  return coAuthors;
}
