// Migration 0004: users get an e-mail address.
import { type Kysely, type Migration, sql } from 'kysely';

/**
 * Users get an e-mail (the squash commit's author and Co-authored-by trailers use it); existing
 * users get the documented default `<name>@trunkflow.local`.
 */
export const userEmail: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('users').addColumn('email', 'text').execute();
    await sql`update users set email = name || '@trunkflow.local' where email is null`.execute(db);
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable('users').dropColumn('email').execute();
  },
};
