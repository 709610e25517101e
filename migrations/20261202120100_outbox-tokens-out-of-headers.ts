// Data: the opt-out links already in email_outbox.headers. A message that can still be sent
// (queued, sending, or failed with its body kept for a retry by hand) gets its List-Unsubscribe
// moved to the new column; every other row simply loses it. Reads and writes in chunks by id.
import type { Knex } from 'knex';

const CHUNK = 500;
const SECRET_HEADERS = ['List-Unsubscribe', 'List-Unsubscribe-Post'];

interface Row {
  id: number;
  status: string;
  text_body: string | null;
  headers: unknown;
}

function parse(v: unknown): Record<string, string> | null {
  if (v === null || v === undefined) return null;
  return (typeof v === 'string' ? JSON.parse(v) : v) as Record<string, string>;
}

async function moveOne(knex: Knex, r: Row): Promise<void> {
  const headers = parse(r.headers);
  if (!headers || !SECRET_HEADERS.some((h) => h in headers)) return;
  const sendable = r.status === 'queued' || r.status === 'sending' || (r.status === 'failed' && r.text_body !== null);
  const kept = Object.fromEntries(Object.entries(headers).filter(([k]) => !SECRET_HEADERS.includes(k)));
  await knex('email_outbox')
    .where({ id: r.id })
    .update({ headers: JSON.stringify(kept), list_unsubscribe: sendable ? (headers['List-Unsubscribe'] ?? null) : null });
}

export async function up(knex: Knex): Promise<void> {
  let after = 0;
  for (;;) {
    const rows: Row[] = await knex('email_outbox')
      .where('id', '>', after)
      .whereNotNull('headers')
      .orderBy('id')
      .limit(CHUNK)
      .select('id', 'status', 'text_body', 'headers');
    if (!rows.length) return;
    for (const r of rows) await moveOne(knex, r);
    after = Number(rows[rows.length - 1].id);
  }
}

export async function down(): Promise<void> {
  // the tokens of sent messages are gone on purpose; nothing to restore
}
