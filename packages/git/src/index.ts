// @trunkflow/git: the git binary as a library, shared by the CLI and the server.
export { isAncestor, mergeBase } from './ancestry.js';
export { type BatchObject, type CommitObject, parseCatFileBatch, parseCommitObject } from './cat-file.js';
export {
  type ChangeFacts,
  type ChangeFactsRequest,
  type EarlyPatch,
  gatherChangeFacts,
  PATCH_ARGS,
  packageFolders,
  RefNotFoundError,
  startPatch,
} from './change-facts.js';
export { type ParsedPatch, parseNumstatZ, parsePatch, unquoteGitPath } from './diff-output.js';
export { commitAuthors, commitsBetween } from './history.js';
export { type Identity, identityEnv, parseIdentity, TRUNKFLOW_COMMITTER } from './identity.js';
export { commitTree, type MergeTree, mergeTrees, readFilesAt, type SquashCommit } from './objects.js';
export { branchSha, compareAndSwapRef, deleteRefIfAt, listRefs, ZERO_SHA } from './refs.js';
export { GitError, type GitResult, type RunGitOptions, runGit, runGitRaw } from './run-git.js';
