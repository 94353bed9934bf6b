// Version tags: `<prefix><semver>` names, and whether a commit already carries one.
import semver from 'semver';

export const DEFAULT_TAG_PREFIX = 'v';

export interface GitTag {
  name: string;
  sha: string;
}

/** The semver version a tag names, or null when it is not a version tag for this prefix. */
export function parseVersionTag(name: string, tagPrefix: string = DEFAULT_TAG_PREFIX): string | null {
  if (!name.startsWith(tagPrefix)) return null;
  const rest = name.slice(tagPrefix.length);
  // semver itself tolerates a leading "v" or "="; with an empty prefix that would let `v1.2.3` pass
  // and the next tag come out as `1.2.4`, a different naming scheme.
  if (!/^\d/.test(rest)) return null;
  return semver.valid(rest);
}

export function formatVersionTag(version: string, tagPrefix: string = DEFAULT_TAG_PREFIX): string {
  return `${tagPrefix}${version}`;
}

/** Names of the version tags pointing at `sha`. */
export function versionTagsAt(sha: string, tags: readonly GitTag[], tagPrefix: string = DEFAULT_TAG_PREFIX): string[] {
  const wanted = sha.toLowerCase();
  return tags
    .filter((tag) => tag.sha.toLowerCase() === wanted && parseVersionTag(tag.name, tagPrefix) !== null)
    .map((tag) => tag.name);
}

/** True when HEAD already has a version tag, in which case staging must not create another. */
export function isHeadTagged(
  headSha: string,
  tags: readonly GitTag[],
  tagPrefix: string = DEFAULT_TAG_PREFIX,
): boolean {
  return versionTagsAt(headSha, tags, tagPrefix).length > 0;
}
