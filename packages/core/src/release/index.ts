// Public surface of releases: conventional commits since the last tag → version bump → next tag and its notes.
export { type Bump, type CommitClassification, classifyCommit, maxBump } from './classify-commit.js';
export {
  type PlannedCommit,
  type PlanReleaseInput,
  planRelease,
  type ReleaseCommit,
  type ReleasePlan,
} from './plan-release.js';
export { ReleaseError, type ReleaseErrorCode } from './release-error.js';
export {
  type ReleaseNoteCommit,
  type ReleaseNoteEntry,
  type ReleaseNoteGroup,
  type ReleaseNoteSection,
  type ReleaseNotes,
  type ReleaseNotesInput,
  releaseNotes,
} from './release-notes.js';
export {
  DEFAULT_TAG_PREFIX,
  formatVersionTag,
  type GitTag,
  isHeadTagged,
  parseVersionTag,
  versionTagsAt,
} from './version-tag.js';
