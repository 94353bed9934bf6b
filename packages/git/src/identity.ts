// Who authors and commits: git identities, the `Name <email>` form trailers use, and the environment git reads them from.

export interface Identity {
  name: string;
  email: string;
}

/** Trunkflow itself commits merges and moves refs. */
export const TRUNKFLOW_COMMITTER: Identity = { name: 'Trunkflow', email: 'trunkflow@localhost' };

/** `Name <email>`, as a Co-authored-by trailer holds it; null for anything else. */
export function parseIdentity(value: string): Identity | null {
  const match = /^([^<>\n]+?)\s*<([^<>\s]+@[^<>\s]+)>$/.exec(value.trim());
  return match?.[1] && match[2] ? { name: match[1], email: match[2] } : null;
}

function gitDate(at: Date): string {
  return `${Math.floor(at.getTime() / 1000)} +0000`;
}

/**
 * The child needs PATH and HOME to run at all, so the parent environment is passed through;
 * identities and dates are set explicitly and nothing is read from it here.
 */
export function identityEnv(author: Identity, committer: Identity, at: Date): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GIT_AUTHOR_NAME: author.name,
    GIT_AUTHOR_EMAIL: author.email,
    GIT_AUTHOR_DATE: gitDate(at),
    GIT_COMMITTER_NAME: committer.name,
    GIT_COMMITTER_EMAIL: committer.email,
    GIT_COMMITTER_DATE: gitDate(at),
  };
}
