// The partnership register: organisations and their contact persons (knex queries, typed rows).
import type { Knex } from 'knex';
import { bool, nowIso } from '../db';
import type { ContactRow, OrganisationRow } from './tables';

export interface Organisation {
  id: number;
  name: string;
  organisationNumber: string | null;
  type: string;
  municipality: string | null;
  active: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface Contact {
  id: number;
  organisationId: number;
  /** null once erased */
  name: string | null;
  email: string | null;
  phone: string | null;
  role: string | null;
  active: boolean;
  optedOutAt: string | null;
  bouncedAt: string | null;
  bounceReason: string | null;
  erasedAt: string | null;
  createdAt: string;
  updatedAt: string;
  /** sv | en: the language of the contact's e-mails and landing page */
  language: string;
}

/** Rows per insert or whereIn (SQLite allows 999 bound values per statement). */
const CHUNK = 500;

export interface OrganisationInput {
  name: string;
  organisationNumber: string | null;
  type: string;
  municipality: string | null;
}

export interface ContactInput {
  name: string;
  email: string;
  phone: string | null;
  role: string | null;
  /** sv | en; a new contact without one gets sv, an update without one keeps what it had */
  language?: string;
}

function toOrganisation(r: OrganisationRow): Organisation {
  return {
    id: r.id,
    name: r.name,
    organisationNumber: r.organisation_number ?? null,
    type: r.type,
    municipality: r.municipality ?? null,
    active: bool(r.active),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toContact(r: ContactRow): Contact {
  return {
    id: r.id,
    organisationId: r.organisation_id,
    name: r.name ?? null,
    email: r.email ?? null,
    phone: r.phone ?? null,
    role: r.role ?? null,
    active: bool(r.active),
    optedOutAt: r.opted_out_at ?? null,
    bouncedAt: r.bounced_at ?? null,
    bounceReason: r.bounce_reason ?? null,
    erasedAt: r.erased_at ?? null,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    language: r.language ?? 'sv',
  };
}

export async function listOrganisations(db: Knex): Promise<Array<Organisation & { contactCount: number }>> {
  const counts = db('contacts')
    .select('organisation_id')
    .count({ n: '*' })
    .whereNull('erased_at')
    .where('active', true)
    .groupBy('organisation_id')
    .as('c');
  const rows = await db('organisations as o')
    .leftJoin(counts, 'c.organisation_id', 'o.id')
    .select<Array<OrganisationRow & { contact_count: number | null }>>('o.*', 'c.n as contact_count')
    .orderBy('o.name')
    .orderBy('o.id');
  return rows.map((r) => ({ ...toOrganisation(r), contactCount: Number(r.contact_count ?? 0) }));
}

export async function findOrganisation(db: Knex, id: number): Promise<Organisation | null> {
  const r = await db('organisations').where({ id }).first();
  return r ? toOrganisation(r) : null;
}

export async function findOrganisationByNumber(db: Knex, organisationNumber: string): Promise<Organisation | null> {
  const r = await db('organisations').where({ organisation_number: organisationNumber }).first();
  return r ? toOrganisation(r) : null;
}

export async function countOrganisations(db: Knex): Promise<number> {
  const [r] = await db('organisations').count({ n: '*' });
  return Number(r?.n ?? 0);
}

/** Those of the ids that are organisations in the register. */
export async function existingOrganisationIds(db: Knex, ids: number[]): Promise<Set<number>> {
  const found = new Set<number>();
  for (let i = 0; i < ids.length; i += CHUNK) {
    const chunk = await db('organisations')
      .whereIn('id', ids.slice(i, i + CHUNK))
      .pluck('id');
    for (const id of chunk) found.add(id);
  }
  return found;
}

function newOrganisationRow(input: OrganisationInput, now: string): Omit<OrganisationRow, 'id'> {
  return {
    name: input.name,
    organisation_number: input.organisationNumber,
    type: input.type,
    municipality: input.municipality,
    active: true,
    created_at: now,
    updated_at: now,
  };
}

export async function insertOrganisation(db: Knex, input: OrganisationInput): Promise<number> {
  const [row] = await db('organisations').insert(newOrganisationRow(input, nowIso())).returning('id');
  return row.id;
}

/** Inserts new organisations (active), in chunks; returns each one's id, name and number. */
export async function insertOrganisations(
  db: Knex,
  inputs: OrganisationInput[],
): Promise<Array<{ id: number; name: string; organisationNumber: string | null }>> {
  const now = nowIso();
  const inserted: Array<{ id: number; name: string; organisationNumber: string | null }> = [];
  for (let i = 0; i < inputs.length; i += CHUNK) {
    const rows = await db('organisations')
      .insert(inputs.slice(i, i + CHUNK).map((input) => newOrganisationRow(input, now)))
      .returning(['id', 'name', 'organisation_number']);
    for (const r of rows) inserted.push({ id: r.id, name: r.name, organisationNumber: r.organisation_number ?? null });
  }
  return inserted;
}

export async function updateOrganisation(db: Knex, id: number, patch: Partial<OrganisationInput> & { active?: boolean }): Promise<void> {
  const row: Partial<OrganisationRow> = { updated_at: nowIso() };
  if (patch.name !== undefined) row.name = patch.name;
  if (patch.organisationNumber !== undefined) row.organisation_number = patch.organisationNumber;
  if (patch.type !== undefined) row.type = patch.type;
  if (patch.municipality !== undefined) row.municipality = patch.municipality;
  if (patch.active !== undefined) row.active = patch.active;
  await db('organisations').where({ id }).update(row);
}

/** Contacts of one organisation: active first, erased last. */
export async function listContacts(db: Knex, organisationId: number): Promise<Contact[]> {
  const rows = await db('contacts').where({ organisation_id: organisationId }).orderBy('id');
  const rank = (c: Contact) => (c.erasedAt ? 2 : c.active ? 0 : 1);
  return rows.map(toContact).sort((a, b) => rank(a) - rank(b) || (a.name ?? '').localeCompare(b.name ?? '', 'sv'));
}

export async function findContact(db: Knex, id: number): Promise<Contact | null> {
  const r = await db('contacts').where({ id }).first();
  return r ? toContact(r) : null;
}

/** The contact that is not erased and has this (normalised) e-mail address. */
export async function findContactByEmail(db: Knex, email: string, exceptId?: number): Promise<Contact | null> {
  let q = db('contacts').where({ email }).whereNull('erased_at');
  if (exceptId) q = q.whereNot({ id: exceptId });
  const r = await q.first();
  return r ? toContact(r) : null;
}

type NewContactRow = Pick<
  ContactRow,
  'organisation_id' | 'name' | 'email' | 'phone' | 'role' | 'active' | 'created_at' | 'updated_at' | 'language'
>;

function newContactRow(organisationId: number, input: ContactInput, now: string): NewContactRow {
  return {
    organisation_id: organisationId,
    name: input.name,
    email: input.email,
    phone: input.phone,
    role: input.role,
    language: input.language ?? 'sv',
    active: true,
    created_at: now,
    updated_at: now,
  };
}

export async function insertContact(db: Knex, organisationId: number, input: ContactInput): Promise<number> {
  const [row] = await db('contacts')
    .insert(newContactRow(organisationId, input, nowIso()))
    .returning('id');
  return row.id;
}

export type NewContact = ContactInput & { organisationId: number };

/** Inserts new contacts (active), in chunks. */
export async function insertContacts(db: Knex, contacts: NewContact[]): Promise<void> {
  const now = nowIso();
  const rows = contacts.map((c) => newContactRow(c.organisationId, c, now));
  for (let i = 0; i < rows.length; i += CHUNK) await db('contacts').insert(rows.slice(i, i + CHUNK));
}

export async function updateContact(db: Knex, id: number, patch: Partial<ContactInput> & { active?: boolean }): Promise<void> {
  const row: Partial<ContactRow> = { updated_at: nowIso() };
  if (patch.name !== undefined) row.name = patch.name;
  if (patch.email !== undefined) row.email = patch.email;
  if (patch.phone !== undefined) row.phone = patch.phone;
  if (patch.role !== undefined) row.role = patch.role;
  if (patch.language !== undefined) row.language = patch.language;
  if (patch.active !== undefined) row.active = patch.active;
  await db('contacts').where({ id }).update(row);
}

export interface MembershipRow {
  panelId: number;
  panelName: string;
  panelSlug: string;
  year: number;
}

export async function membershipsOf(db: Knex, organisationId: number): Promise<MembershipRow[]> {
  const rows = await db('panel_memberships as m')
    .join('panels as p', 'p.id', 'm.panel_id')
    .where('m.organisation_id', organisationId)
    .select<Array<{ panel_id: number; name: string; slug: string; year: number }>>('p.id as panel_id', 'p.name', 'p.slug', 'm.year')
    .orderBy('p.name')
    .orderBy('m.year', 'desc');
  return rows.map((r) => ({ panelId: r.panel_id, panelName: r.name, panelSlug: r.slug, year: r.year }));
}

/** What the import compares a file with: every organisation and every contact that still has an e-mail. */
export interface RegisterSnapshot {
  organisations: Array<{ id: number; name: string; organisationNumber: string | null }>;
  contacts: Array<{ id: number; organisationId: number; email: string }>;
}

export async function registerSnapshot(db: Knex): Promise<RegisterSnapshot> {
  const orgs = await db('organisations').select('id', 'name', 'organisation_number');
  const contacts = await db('contacts').whereNull('erased_at').whereNotNull('email').select('id', 'organisation_id', 'email');
  return {
    organisations: orgs.map((r) => ({ id: r.id, name: r.name, organisationNumber: r.organisation_number ?? null })),
    contacts: contacts.map((r) => ({ id: r.id, organisationId: r.organisation_id, email: String(r.email) })),
  };
}

/** Where a page of the register ends: the last organisation's name and id (the order is name, id). */
export interface RegisterCursor {
  name: string;
  id: number;
}

/**
 * One page of the register in name order after `after`: up to `limit` organisations with their
 * contacts (not erased; active ones unless `includeInactive`) — for an export that streams the
 * register without holding it (keyset pagination on name and id).
 */
export async function registerPage(
  db: Knex,
  opts: { includeInactive?: boolean },
  after: RegisterCursor | null,
  limit: number,
): Promise<Array<Organisation & { contacts: Contact[] }>> {
  const oq = db('organisations').orderBy('name').orderBy('id').limit(limit);
  if (!opts.includeInactive) oq.where('active', true);
  if (after) {
    oq.andWhere((q) => {
      void q.where('name', '>', after.name).orWhere((q2) => {
        void q2.where('name', after.name).andWhere('id', '>', after.id);
      });
    });
  }
  const orgs = (await oq).map(toOrganisation);
  if (!orgs.length) return [];
  const cq = db('contacts')
    .whereIn(
      'organisation_id',
      orgs.map((o) => o.id),
    )
    .whereNull('erased_at')
    .orderBy('id');
  if (!opts.includeInactive) cq.where('active', true);
  const byOrg = new Map<number, Contact[]>();
  for (const c of (await cq).map(toContact)) {
    const list = byOrg.get(c.organisationId) ?? [];
    list.push(c);
    byOrg.set(c.organisationId, list);
  }
  return orgs.map((o) => ({ ...o, contacts: byOrg.get(o.id) ?? [] }));
}
