// Migration 0002: the pull-request gate (one open PR per branch, check config errors, merge actor).
import { type Kysely, type Migration, sql } from 'kysely';

/**
 * Pull requests: at most one open PR per branch (a partial unique index, so two racing opens
 * cannot both win), the config error of a check run, who started a merge in flight (so a recovered
 * merge is recorded under their name), and the reviews lookup by PR.
 */
export const pullRequestGate: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('check_runs').addColumn('config_error', 'text').execute();
    await db.schema.alterTable('merge_attempts').addColumn('actor', 'text').execute();
    await sql`create unique index pull_requests_open_head_uq on pull_requests (project_id, head_branch) where state = 'open'`.execute(
      db,
    );
    await db.schema.createIndex('reviews_pull_request_idx').on('reviews').columns(['pull_request_id']).execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropIndex('reviews_pull_request_idx').execute();
    await db.schema.dropIndex('pull_requests_open_head_uq').execute();
    await db.schema.alterTable('merge_attempts').dropColumn('actor').execute();
    await db.schema.alterTable('check_runs').dropColumn('config_error').execute();
  },
};
