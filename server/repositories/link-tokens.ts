// Does a secret link's token exist at all (used, revoked or expired included)? The rate limits
// count only tokens that never existed as guesses: a revoked or used link is not a guess.
import type { Knex } from 'knex';

export type LinkKind = 'respond' | 'optout' | 'checkin' | 'setup' | 'api';

export async function linkTokenExists(db: Knex, kind: LinkKind, tokenHash: string): Promise<boolean> {
  switch (kind) {
    case 'respond':
      return (await db('invitation_tokens').where({ token_hash: tokenHash }).first('id')) !== undefined;
    case 'optout':
      return (await db('mail_optout_tokens').where({ token_hash: tokenHash }).first('id')) !== undefined;
    case 'checkin':
      return (await db('meetings').where({ checkin_token_hash: tokenHash }).first('id')) !== undefined;
    case 'setup':
      return (await db('setup_tokens').where({ token_hash: tokenHash }).first('id')) !== undefined;
    case 'api':
      return (await db('api_tokens').where({ token_hash: tokenHash }).first('id')) !== undefined;
  }
}
