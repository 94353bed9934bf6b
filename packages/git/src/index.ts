// @trunkflow/git: the git binary as a library, shared by the CLI and the server.
export { isAncestor } from './ancestry.js';
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
export { GitError, type GitResult, type RunGitOptions, runGit, runGitRaw } from './run-git.js';
