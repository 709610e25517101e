// Health of this instance, for load balancers and monitoring.
import type { Knex } from 'knex';
import { pingDatabase } from '../repositories/health';

export async function alive(db: Knex): Promise<{ status: 'ok' }> {
  await pingDatabase(db);
  return { status: 'ok' };
}
