// Issue 10: every change the indicator figures depend on bumps the year's counter in
// indicator_generations, in the same transaction as the change — by triggers, so no write path
// (the web, the CLI, an import, a colleague's new form) can forget it, and every app instance sees
// it. The figures of a year also read the year before (last year's value, the arrow), so a reader
// checks both years' counters, and year 0 (indicator definitions, organisation types).
//
// What counts: submitted responses and their answers (drafts count for nothing), rounds (state,
// pinned version, panel), invitations (invited, revoked), panel memberships, meetings and
// attendance, imported/manual values, targets, comments and status overrides, publications, the
// indicators' definitions, organisations' type and municipality (breakdowns). A new table that
// feeds the figures needs its trigger here (a later migration); with INDICATOR_CACHE=verify — as
// in the tests — a kept figure that no longer matches the live one is an error.
//
// SQLite: a later migration that makes knex rebuild one of these tables (altering or dropping a
// column; adding one is a plain ALTER TABLE) fails while the triggers name the table: drop the
// triggers first (this file's `down`) and create them again after (`up`).
//
// PostgreSQL: deferred constraint triggers, so the counter's row is locked only at commit.
import type { Knex } from 'knex';

interface Spec {
  table: string;
  /** The year a row belongs to; `ROW` stands for NEW or OLD. */
  year: string;
  insert?: string | true;
  update?: string | true;
  delete?: string | true;
}

/** `changed('col')` for the dialect: the column differs between OLD and NEW (nulls included). */
type Changed = (column: string, asText?: boolean) => string;

function specs(changed: Changed): Spec[] {
  const ofRound = '(select year from rounds where id = ROW.round_id)';
  const own = 'ROW.year';
  const all = { insert: true, update: true, delete: true } as const;
  return [
    { table: 'rounds', year: own, ...all },
    {
      table: 'responses',
      year: ofRound,
      insert: "ROW.status = 'submitted'",
      update: "OLD.status = 'submitted' or NEW.status = 'submitted'",
      delete: "ROW.status = 'submitted'",
    },
    {
      table: 'answers',
      // null (no bump) unless the answer belongs to a submitted response
      year: "(select r.year from responses s join rounds r on r.id = s.round_id where s.id = ROW.response_id and s.status = 'submitted')",
      ...all,
    },
    {
      table: 'invitations',
      year: ofRound,
      insert: true,
      update: [changed('revoked_at'), changed('round_id'), changed('organisation_id')].join(' or '),
      delete: true,
    },
    { table: 'panel_memberships', year: own, ...all },
    {
      table: 'meetings',
      year: own,
      insert: true,
      update: [changed('year'), changed('type'), changed('panel_id')].join(' or '),
      delete: true,
    },
    { table: 'attendance', year: '(select year from meetings where id = ROW.meeting_id)', ...all },
    { table: 'indicator_values', year: own, ...all },
    { table: 'indicator_targets', year: own, ...all },
    { table: 'indicator_comments', year: own, ...all },
    { table: 'publications', year: own, ...all },
    {
      table: 'indicators',
      year: '0',
      insert: true,
      update: [
        changed('definition', true),
        ...['name', 'goal', 'level', 'unit', 'direction', 'kind', 'survey_id', 'retired_at'].map((c) => changed(c)),
      ].join(' or '),
      delete: true,
    },
    { table: 'organisations', year: '0', update: [changed('type'), changed('municipality')].join(' or ') },
  ];
}

const isPg = (knex: Knex) => (knex.client as { config: Knex.Config }).config.client === 'pg';
const on = (cond: string | true | undefined, row: 'NEW' | 'OLD') =>
  cond === true ? 'true' : (cond ?? 'false').replace(/ROW\./g, `${row}.`);

async function upSqlite(knex: Knex): Promise<void> {
  const changed: Changed = (c) => `OLD.${c} IS NOT NEW.${c}`;
  const bump = (year: string) =>
    `insert into indicator_generations (year, generation) select y, 1 from (select ${year} as y) where y is not null ` +
    `on conflict (year) do update set generation = generation + 1;`;
  for (const s of specs(changed)) {
    for (const op of ['insert', 'update', 'delete'] as const) {
      const cond = s[op];
      if (!cond) continue;
      const rows: Array<'NEW' | 'OLD'> = op === 'insert' ? ['NEW'] : op === 'delete' ? ['OLD'] : ['OLD', 'NEW'];
      const when = cond === true ? '' : ` when ${on(cond, op === 'delete' ? 'OLD' : 'NEW')}`;
      const body = rows.map((r) => bump(s.year.replace(/ROW\./g, `${r}.`))).join(' ');
      await knex.raw(`create trigger pp_generation_${s.table}_${op} after ${op} on ${s.table}${when} begin ${body} end`);
    }
  }
}

async function upPostgres(knex: Knex): Promise<void> {
  const changed: Changed = (c, asText) =>
    asText ? `OLD.${c}::text is distinct from NEW.${c}::text` : `OLD.${c} is distinct from NEW.${c}`;
  await knex.raw(`
    create function pp_bump_generation(y integer) returns void language plpgsql as $$
    begin
      if y is null then return; end if;
      insert into indicator_generations (year, generation) values (y, 1)
        on conflict (year) do update set generation = indicator_generations.generation + 1;
    end $$`);
  for (const s of specs(changed)) {
    const oldCond =
      s.delete || s.update ? `(tg_op = 'DELETE' and ${on(s.delete, 'OLD')}) or (tg_op = 'UPDATE' and (${on(s.update, 'OLD')}))` : 'false';
    const newCond =
      s.insert || s.update ? `(tg_op = 'INSERT' and ${on(s.insert, 'NEW')}) or (tg_op = 'UPDATE' and (${on(s.update, 'NEW')}))` : 'false';
    await knex.raw(`
      create function pp_generation_${s.table}() returns trigger language plpgsql as $$
      begin
        if ${oldCond} then perform pp_bump_generation(${s.year.replace(/ROW\./g, 'OLD.')}); end if;
        if ${newCond} then perform pp_bump_generation(${s.year.replace(/ROW\./g, 'NEW.')}); end if;
        return null;
      end $$`);
    await knex.raw(
      `create constraint trigger pp_generation_${s.table} after insert or update or delete on ${s.table} ` +
        `deferrable initially deferred for each row execute function pp_generation_${s.table}()`,
    );
  }
}

export async function up(knex: Knex): Promise<void> {
  if (isPg(knex)) await upPostgres(knex);
  else await upSqlite(knex);
}

export async function down(knex: Knex): Promise<void> {
  for (const s of specs(() => 'true')) {
    if (isPg(knex)) {
      await knex.raw(`drop trigger if exists pp_generation_${s.table} on ${s.table}`);
      await knex.raw(`drop function if exists pp_generation_${s.table}()`);
    } else {
      for (const op of ['insert', 'update', 'delete']) await knex.raw(`drop trigger if exists pp_generation_${s.table}_${op}`);
    }
  }
  if (isPg(knex)) await knex.raw('drop function if exists pp_bump_generation(integer)');
}
