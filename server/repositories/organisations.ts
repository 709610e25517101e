// The partnership register: organisations and their contact persons (knex queries, typed rows).
import type { Knex } from 'knex';
import { bool, nowIso } from '../db';

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
}

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
}

const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

export function toOrganisation(r: Record<string, unknown>): Organisation {
  return {
    id: Number(r.id),
    name: String(r.name),
    organisationNumber: str(r.organisation_number),
    type: String(r.type),
    municipality: str(r.municipality),
    active: bool(r.active),
    createdAt: String(r.created_at),
    updatedAt: String(r.updated_at),
  };
}

export function toContact(r: Record<string, unknown>): Contact {
  return {
    id: Number(r.id),
    organisationId: Number(r.organisation_id),
    name: str(r.name),
    email: str(r.email),
    phone: str(r.phone),
    role: str(r.role),
    active: bool(r.active),
    optedOutAt: str(r.opted_out_at),
    bouncedAt: str(r.bounced_at),
    bounceReason: str(r.bounce_reason),
    erasedAt: str(r.erased_at),
    createdAt: String(r.created_at),
    updatedAt: String(r.updated_at),
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
    .select('o.*', 'c.n as contact_count')
    .orderBy('o.name')
    .orderBy('o.id');
  return rows.map((r: Record<string, unknown>) => ({ ...toOrganisation(r), contactCount: Number(r.contact_count ?? 0) }));
}

export async function findOrganisation(db: Knex, id: number): Promise<Organisation | null> {
  const r = await db('organisations').where({ id }).first();
  return r ? toOrganisation(r) : null;
}

export async function findOrganisationByNumber(db: Knex, organisationNumber: string): Promise<Organisation | null> {
  const r = await db('organisations').where({ organisation_number: organisationNumber }).first();
  return r ? toOrganisation(r) : null;
}

function organisationRow(input: OrganisationInput): Record<string, unknown> {
  return { name: input.name, organisation_number: input.organisationNumber, type: input.type, municipality: input.municipality };
}

export async function insertOrganisation(db: Knex, input: OrganisationInput): Promise<number> {
  const now = nowIso();
  const [row] = await db('organisations')
    .insert({ ...organisationRow(input), active: true, created_at: now, updated_at: now })
    .returning('id');
  return Number(typeof row === 'object' ? row.id : row);
}

export async function updateOrganisation(db: Knex, id: number, patch: Partial<OrganisationInput> & { active?: boolean }): Promise<void> {
  const row: Record<string, unknown> = { updated_at: nowIso() };
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
  return rows.map(toContact).sort((a: Contact, b: Contact) => rank(a) - rank(b) || (a.name ?? '').localeCompare(b.name ?? '', 'sv'));
}

export async function findContact(db: Knex, id: number): Promise<Contact | null> {
  const r = await db('contacts').where({ id }).first();
  return r ? toContact(r) : null;
}

/** The contact that is not erased and has this (normalised) e-mail address. */
export async function findContactByEmail(db: Knex, email: string, exceptId?: number): Promise<Contact | null> {
  const q = db('contacts').where({ email }).whereNull('erased_at');
  if (exceptId) q.whereNot({ id: exceptId });
  const r = await q.first();
  return r ? toContact(r) : null;
}

export async function insertContact(db: Knex, organisationId: number, input: ContactInput): Promise<number> {
  const now = nowIso();
  const [row] = await db('contacts')
    .insert({
      organisation_id: organisationId,
      name: input.name,
      email: input.email,
      phone: input.phone,
      role: input.role,
      active: true,
      created_at: now,
      updated_at: now,
    })
    .returning('id');
  return Number(typeof row === 'object' ? row.id : row);
}

export async function updateContact(db: Knex, id: number, patch: Partial<ContactInput> & { active?: boolean }): Promise<void> {
  const row: Record<string, unknown> = { updated_at: nowIso() };
  if (patch.name !== undefined) row.name = patch.name;
  if (patch.email !== undefined) row.email = patch.email;
  if (patch.phone !== undefined) row.phone = patch.phone;
  if (patch.role !== undefined) row.role = patch.role;
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
    .select('p.id as panel_id', 'p.name', 'p.slug', 'm.year')
    .orderBy('p.name')
    .orderBy('m.year', 'desc');
  return rows.map((r: Record<string, unknown>) => ({
    panelId: Number(r.panel_id),
    panelName: String(r.name),
    panelSlug: String(r.slug),
    year: Number(r.year),
  }));
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
    organisations: orgs.map((r: Record<string, unknown>) => ({
      id: Number(r.id),
      name: String(r.name),
      organisationNumber: str(r.organisation_number),
    })),
    contacts: contacts.map((r: Record<string, unknown>) => ({
      id: Number(r.id),
      organisationId: Number(r.organisation_id),
      email: String(r.email),
    })),
  };
}

/** Every organisation with its active contacts, for the CSV export. */
export async function organisationsWithContacts(
  db: Knex,
  opts: { includeInactive?: boolean } = {},
): Promise<Array<Organisation & { contacts: Contact[] }>> {
  const oq = db('organisations').orderBy('name').orderBy('id');
  if (!opts.includeInactive) oq.where('active', true);
  const orgs = (await oq).map(toOrganisation);
  const cq = db('contacts').whereNull('erased_at').orderBy('id');
  if (!opts.includeInactive) cq.where('active', true);
  const byOrg = new Map<number, Contact[]>();
  for (const c of (await cq).map(toContact)) {
    const list = byOrg.get(c.organisationId) ?? [];
    list.push(c);
    byOrg.set(c.organisationId, list);
  }
  return orgs.map((o) => ({ ...o, contacts: byOrg.get(o.id) ?? [] }));
}
