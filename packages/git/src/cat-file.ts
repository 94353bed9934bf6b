// Reads several objects through one `git cat-file --batch`, answering "missing" per object.

/** One answer of `git cat-file --batch`: the object, or null when the name does not resolve. */
export interface BatchObject {
  sha: string;
  type: string;
  content: Buffer;
}

/** Parses the concatenated `--batch` answers, in the order the names were asked. */
export function parseCatFileBatch(output: Buffer, count: number): (BatchObject | null)[] {
  const answers: (BatchObject | null)[] = [];
  let offset = 0;
  while (answers.length < count) {
    const newline = output.indexOf(0x0a, offset);
    if (newline === -1) throw new Error('truncated git cat-file output');
    const header = output.subarray(offset, newline).toString('utf8');
    offset = newline + 1;
    const parts = header.split(' ');
    const last = parts[parts.length - 1];
    if (parts.length >= 2 && (last === 'missing' || last === 'ambiguous')) {
      answers.push(null);
      continue;
    }
    const [sha = '', type = '', sizeText = ''] = parts;
    const size = Number(sizeText);
    answers.push({ sha, type, content: output.subarray(offset, offset + size) });
    offset += size + 1;
  }
  return answers;
}

export interface CommitObject {
  authorName: string;
  authorEmail: string;
  authoredAt: string;
  subject: string;
  body: string;
}

const AUTHOR_LINE = /^author (.*) <([^>]*)> (\d+) ([+-]\d{4})$/;

/** Reads the author and message of a raw commit object. */
export function parseCommitObject(content: Buffer): CommitObject {
  const text = content.toString('utf8');
  const split = text.indexOf('\n\n');
  const headers = split === -1 ? text : text.slice(0, split);
  const message = split === -1 ? '' : text.slice(split + 2);
  let authorName = '';
  let authorEmail = '';
  let authoredAt = '';
  for (const line of headers.split('\n')) {
    const match = AUTHOR_LINE.exec(line);
    if (match) {
      authorName = match[1] ?? '';
      authorEmail = match[2] ?? '';
      authoredAt = new Date(Number(match[3]) * 1000).toISOString();
    }
  }
  const [subject = '', ...rest] = message.replace(/\n+$/, '').split('\n');
  return { authorName, authorEmail, authoredAt, subject, body: rest.join('\n').trim() };
}
