// The tag step on a real repository: versions from squash titles, annotated tags with notes, and a retry that tags nothing twice.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runGit } from '@trunkflow/git';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tagRelease } from './release-tagger.js';

describe('tagRelease', () => {
  let dir: string;
  let counter = 0;
  const git = (...args: string[]) => runGit(args, { cwd: dir });
  const commit = async (subject: string): Promise<string> => {
    counter += 1;
    await writeFile(join(dir, `file-${counter}.txt`), `${counter}\n`);
    await git('add', '.');
    await git('-c', 'user.name=Dana', '-c', 'user.email=dana@example.com', 'commit', '-q', '-m', subject);
    return (await git('rev-parse', 'HEAD')).trim();
  };
  const tag = (sha: string) =>
    tagRelease({
      repo: dir,
      sha,
      prUrl: (pr) => `http://localhost:4400/pulls/${pr}`,
      at: new Date('2026-01-01T00:00:00Z'),
    });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trunkflow-tagger-'));
    await git('init', '-q', '-b', 'main');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('makes v0.0.1 for a first fix, with notes linking its PR, and nothing more on a second run', async () => {
    await commit('chore: initial commit');
    const head = await commit('fix: keep the cart (#1)');
    expect(await tag(head)).toEqual({ tag: 'v0.0.1', reason: expect.stringContaining('v0.0.1'), prs: [1] });
    expect((await git('rev-parse', 'v0.0.1^{commit}')).trim()).toBe(head);
    expect((await git('cat-file', '-t', 'v0.0.1')).trim()).toBe('tag');
    const notes = await git('tag', '-l', '--format=%(contents)', 'v0.0.1');
    expect(notes).toContain('Fixes');
    expect(notes).toContain('keep the cart');
    expect(notes).toContain('http://localhost:4400/pulls/1');
    expect(await git('tag', '-l', '--format=%(taggername) %(taggeremail)', 'v0.0.1')).toContain(
      'Trunkflow <trunkflow@localhost>',
    );
    // The retry a crash causes: HEAD has its tag, so no other is made.
    expect(await tag(head)).toMatchObject({ tag: 'v0.0.1', reason: expect.stringContaining('already tagged') });
    expect((await git('tag', '-l')).trim().split('\n')).toEqual(['v0.0.1']);
  });

  it('bumps the minor version for a feature and makes no tag for docs alone', async () => {
    const feature = await commit('feat: gift cards (#2)');
    expect(await tag(feature)).toMatchObject({ tag: 'v0.1.0', prs: [2] });
    const docs = await commit('docs: explain gift cards (#3)');
    const none = await tag(docs);
    expect(none.tag).toBeNull();
    expect(none.reason).toMatch(/nothing to release/);
    expect((await git('tag', '-l')).trim().split('\n')).toEqual(['v0.0.1', 'v0.1.0']);
  });
});
