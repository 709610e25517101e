// The partnership register: rules for organisations and contact persons (validation, duplicates,
// deactivation, search). The audit log gets ids and field names only, never contact data.
import type { Knex } from 'knex';
import { type FieldProblem, NotFoundError, ValidationError } from '../errors';
import {
  type Contact,
  type ContactInput,
  findContact,
  findContactByEmail,
  findOrganisation,
  findOrganisationByNumber,
  insertContact,
  insertOrganisation,
  listContacts,
  listOrganisations,
  membershipsOf,
  type Organisation,
  type OrganisationInput,
  updateContact,
  updateOrganisation,
} from '../repositories/organisations';
import { isEmail } from './accounts';
import { type Actor, audit } from './audit';
import { nameKey } from './csv-import';
import { revokeContactTokens } from './invitations';
import { normaliseOrganisationNumber, ORGANISATION_TYPES, parseOrganisationType } from './organisation-types';
import { inTransaction } from '../repositories/transaction';

export type OrganisationForm = { name: string; organisationNumber: string; type: string; municipality: string };
export type ContactForm = { name: string; email: string; phone: string; role: string; language?: string };

/** The languages a contact's e-mails and landing page can be in. */
export const CONTACT_LANGUAGES = [
  { code: 'sv', label: 'Svenska' },
  { code: 'en', label: 'Engelska' },
] as const;

// ---------------------------------------------------------------------------------------------
// Organisations
// ---------------------------------------------------------------------------------------------

export function checkOrganisation(form: OrganisationForm): { input: OrganisationInput; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const name = form.name.trim();
  if (!name) problems.push({ field: 'name', message: 'Ange organisationens namn.' });
  else if (name.length > 300) problems.push({ field: 'name', message: 'Namnet får vara högst 300 tecken långt.' });
  let organisationNumber: string | null = null;
  if (form.organisationNumber.trim()) {
    organisationNumber = normaliseOrganisationNumber(form.organisationNumber);
    if (!organisationNumber)
      problems.push({
        field: 'organisationNumber',
        message:
          'Organisationsnumret är inte giltigt. Skriv det som NNNNNN-NNNN (tio siffror med rätt kontrollsiffra), eller lämna fältet tomt.',
      });
  }
  const type = parseOrganisationType(form.type);
  if (!type) problems.push({ field: 'type', message: 'Välj vilken typ av organisation det är.' });
  const municipality = form.municipality.trim();
  if (municipality.length > 100) problems.push({ field: 'municipality', message: 'Kommunens namn får vara högst 100 tecken långt.' });
  return { input: { name, organisationNumber, type: type ?? 'annan', municipality: municipality || null }, problems };
}

async function assertNumberFree(db: Knex, organisationNumber: string | null, exceptId?: number): Promise<void> {
  if (!organisationNumber) return;
  const other = await findOrganisationByNumber(db, organisationNumber);
  if (other && other.id !== exceptId)
    throw new ValidationError([
      { field: 'organisationNumber', message: `Organisationsnumret ${organisationNumber} finns redan i registret, för ”${other.name}”.` },
    ]);
}

export async function createOrganisation(db: Knex, actor: Actor, form: OrganisationForm): Promise<number> {
  const { input, problems } = checkOrganisation(form);
  if (problems.length) throw new ValidationError(problems);
  await assertNumberFree(db, input.organisationNumber);
  return inTransaction(db, async (trx) => {
    const id = await insertOrganisation(trx, input);
    await audit(trx, actor, 'organisation.created', { type: 'organisation', id });
    return id;
  });
}

export async function editOrganisation(db: Knex, actor: Actor, id: number, form: OrganisationForm): Promise<void> {
  const before = await findLiveOrganisation(db, id);
  const { input, problems } = checkOrganisation(form);
  if (problems.length) throw new ValidationError(problems);
  await assertNumberFree(db, input.organisationNumber, id);
  const changed = (Object.keys(input) as Array<keyof OrganisationInput>).filter((k) => (before[k] ?? null) !== (input[k] ?? null));
  await inTransaction(db, async (trx) => {
    await updateOrganisation(trx, id, input);
    await audit(trx, actor, 'organisation.updated', { type: 'organisation', id }, { fields: changed });
  });
}

/** The organisation, or a 404. */
export async function findLiveOrganisation(db: Knex, id: number): Promise<Organisation> {
  const o = await findOrganisation(db, id);
  if (!o) throw new NotFoundError('Organisationen finns inte.');
  return o;
}

export interface OrganisationPage {
  organisation: Organisation;
  /** Active first, erased last. */
  contacts: Contact[];
  /** The panels it is (or was) in, each with its years, latest first. */
  panels: Array<{ id: number; name: string; years: number[] }>;
}

export async function organisationPage(db: Knex, id: number): Promise<OrganisationPage> {
  const organisation = await findLiveOrganisation(db, id);
  const panels: OrganisationPage['panels'] = [];
  for (const m of await membershipsOf(db, id)) {
    let p = panels.find((x) => x.id === m.panelId);
    if (!p) panels.push((p = { id: m.panelId, name: m.panelName, years: [] }));
    p.years.push(m.year);
  }
  return { organisation, contacts: await listContacts(db, id), panels };
}

export async function setOrganisationActive(db: Knex, actor: Actor, id: number, active: boolean): Promise<void> {
  await findLiveOrganisation(db, id);
  await inTransaction(db, async (trx) => {
    await updateOrganisation(trx, id, { active });
    await audit(trx, actor, active ? 'organisation.reactivated' : 'organisation.deactivated', { type: 'organisation', id });
  });
}

export interface OrganisationSearch {
  q: string;
  type: string;
  status: 'aktiva' | 'inaktiva' | 'alla';
  page: number;
}

export const PAGE_SIZE = 100;

export function parseSearch(query: Record<string, unknown>): OrganisationSearch {
  const s = (k: string) => (typeof query[k] === 'string' ? query[k] : '');
  const status = s('status');
  const page = /^\d{1,6}$/.test(s('page')) ? Math.max(1, Number(s('page'))) : 1;
  return {
    q: s('q').trim().slice(0, 200),
    type: ORGANISATION_TYPES.some((t) => t.code === s('type')) ? s('type') : '',
    status: status === 'inaktiva' || status === 'alla' ? status : 'aktiva',
    page,
  };
}

/**
 * Search by name, organisation number (with or without the dash) and municipality; filter by type
 * and state. Done in the service rather than in SQL so that å, ä and ö compare without regard to
 * case on SQLite too (its LIKE only folds ASCII); the register is small (tens to thousands).
 */
export async function searchOrganisations(
  db: Knex,
  s: OrganisationSearch,
): Promise<{ organisations: Array<Organisation & { contactCount: number }>; total: number; page: number; pages: number }> {
  const q = nameKey(s.q);
  const qDigits = s.q.replace(/[\s-]/g, '');
  const all = (await listOrganisations(db)).filter((o) => {
    if (s.status === 'aktiva' && !o.active) return false;
    if (s.status === 'inaktiva' && o.active) return false;
    if (s.type && o.type !== s.type) return false;
    if (!q) return true;
    if (nameKey(o.name).includes(q) || (o.municipality && nameKey(o.municipality).includes(q))) return true;
    return /^\d+$/.test(qDigits) && !!o.organisationNumber && o.organisationNumber.replace('-', '').includes(qDigits);
  });
  all.sort((a, b) => a.name.localeCompare(b.name, 'sv') || a.id - b.id);
  const pages = Math.max(1, Math.ceil(all.length / PAGE_SIZE));
  const page = Math.min(s.page, pages);
  return { organisations: all.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE), total: all.length, page, pages };
}

// ---------------------------------------------------------------------------------------------
// Contacts
// ---------------------------------------------------------------------------------------------

export function checkContact(form: ContactForm): { input: ContactInput; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const name = form.name.trim();
  const email = form.email.trim().toLowerCase();
  const phone = form.phone.trim();
  const role = form.role.trim();
  if (!name) problems.push({ field: 'name', message: 'Ange kontaktpersonens namn.' });
  else if (name.length > 200) problems.push({ field: 'name', message: 'Namnet får vara högst 200 tecken långt.' });
  if (!email) problems.push({ field: 'email', message: 'Ange kontaktpersonens e-postadress.' });
  else if (!isEmail(email)) problems.push({ field: 'email', message: 'Ange en giltig e-postadress, t.ex. namn@kommun.se.' });
  if (phone.length > 40) problems.push({ field: 'phone', message: 'Telefonnumret får vara högst 40 tecken långt.' });
  if (role.length > 200) problems.push({ field: 'role', message: 'Rollen får vara högst 200 tecken lång.' });
  const language = form.language?.trim() || 'sv';
  if (!CONTACT_LANGUAGES.some((l) => l.code === language))
    problems.push({ field: 'language', message: 'Välj språk för kontaktpersonens e-post: svenska eller engelska.' });
  return { input: { name, email, phone: phone || null, role: role || null, language }, problems };
}

async function assertEmailFree(db: Knex, email: string, exceptId?: number): Promise<void> {
  const other = await findContactByEmail(db, email, exceptId);
  if (!other) return;
  const org = await findOrganisation(db, other.organisationId);
  throw new ValidationError([
    {
      field: 'email',
      message: `E-postadressen finns redan hos en annan kontaktperson${org ? ` (på ${org.name})` : ''}. Varje kontaktperson ska ha en egen e-postadress.`,
    },
  ]);
}

export async function createContact(db: Knex, actor: Actor, organisationId: number, form: ContactForm): Promise<number> {
  await findLiveOrganisation(db, organisationId);
  const { input, problems } = checkContact(form);
  if (problems.length) throw new ValidationError(problems);
  await assertEmailFree(db, input.email);
  return inTransaction(db, async (trx) => {
    const id = await insertContact(trx, organisationId, input);
    await audit(trx, actor, 'contact.created', { type: 'contact', id }, { organisationId });
    return id;
  });
}

export async function findLiveContact(db: Knex, id: number): Promise<Contact> {
  const c = await findContact(db, id);
  if (!c) throw new NotFoundError('Kontaktpersonen finns inte.');
  return c;
}

export async function editContact(db: Knex, actor: Actor, id: number, form: ContactForm): Promise<Contact> {
  const before = await findLiveContact(db, id);
  if (before.erasedAt) throw new ValidationError([{ field: '', message: 'Kontaktpersonens uppgifter är raderade och kan inte ändras.' }]);
  const { input, problems } = checkContact(form);
  if (problems.length) throw new ValidationError(problems);
  await assertEmailFree(db, input.email, id);
  const changed = (Object.keys(input) as Array<keyof ContactInput>).filter((k) => (before[k] ?? null) !== (input[k] ?? null));
  await inTransaction(db, async (trx) => {
    await updateContact(trx, id, input);
    // Links sent to the old address stop working: whoever reads that mailbox now is not the
    // contact any more. (In a confidential round the next link to the new address then only
    // tells whether the organisation has answered, if it has begun: services/invitations.ts.)
    const linksRevoked = changed.includes('email') ? await revokeContactTokens(trx, [id]) : 0;
    await audit(trx, actor, 'contact.updated', { type: 'contact', id }, { fields: changed, ...(linksRevoked ? { linksRevoked } : {}) });
  });
  return before;
}

export async function setContactActive(db: Knex, actor: Actor, id: number, active: boolean): Promise<Contact> {
  const c = await findLiveContact(db, id);
  if (c.erasedAt) throw new ValidationError([{ field: '', message: 'Kontaktpersonens uppgifter är raderade.' }]);
  await inTransaction(db, async (trx) => {
    await updateContact(trx, id, { active });
    // A deactivated contact's personal links stop working (reactivating does not bring them
    // back: the next invitation or reminder makes new ones).
    const linksRevoked = active ? 0 : await revokeContactTokens(trx, [id]);
    await audit(
      trx,
      actor,
      active ? 'contact.reactivated' : 'contact.deactivated',
      { type: 'contact', id },
      active ? undefined : { linksRevoked },
    );
  });
  return c;
}
