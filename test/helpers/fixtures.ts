// Small builders for test data, written straight to the database (the services under test
// are exercised by the tests themselves).
import path from 'node:path';
import type { Knex } from 'knex';
import { nowIso } from '../../server/db';
import { pinSurveyVersion } from '../../server/services/survey-versions';
import { type LoadedSurvey, loadSurveyDir, parseSurveyYaml } from '../../server/surveys/load';

export const SURVEYS_DIR = path.resolve(__dirname, '..', '..', 'surveys');

let shipped: LoadedSurvey[] | null = null;
export async function shippedSurvey(id: string): Promise<LoadedSurvey> {
  shipped ??= await loadSurveyDir(SURVEYS_DIR);
  const s = shipped.find((x) => x.definition.id === id);
  if (!s) throw new Error(`no shipped survey ${id}`);
  return s;
}

export function surveyFromYaml(yamlText: string, fileName = 'test.yaml'): LoadedSurvey {
  return parseSurveyYaml(yamlText, fileName);
}

let counter = 0;
const uniq = () => `${process.pid}${++counter}`;

export async function createOrganisation(
  db: Knex,
  o: { name?: string; type?: string; municipality?: string | null; organisationNumber?: string | null; active?: boolean } = {},
): Promise<number> {
  const now = nowIso();
  const [row] = await db('organisations')
    .insert({
      name: o.name ?? `Organisation ${uniq()}`,
      type: o.type ?? 'kommun',
      municipality: o.municipality === undefined ? 'Exempelstad' : o.municipality,
      organisation_number: o.organisationNumber ?? null,
      active: o.active ?? true,
      created_at: now,
      updated_at: now,
    })
    .returning('id');
  return Number(typeof row === 'object' ? row.id : row);
}

export async function createContact(
  db: Knex,
  organisationId: number,
  c: { name?: string; email?: string; phone?: string } = {},
): Promise<number> {
  const now = nowIso();
  const n = uniq();
  const [row] = await db('contacts')
    .insert({
      organisation_id: organisationId,
      name: c.name ?? `Kontakt ${n}`,
      email: c.email ?? `kontakt${n}@org.example.se`,
      phone: c.phone ?? null,
      role: null,
      active: true,
      created_at: now,
      updated_at: now,
    })
    .returning('id');
  return Number(typeof row === 'object' ? row.id : row);
}

export async function createPanel(db: Knex, organisationIds: number[], year: number, slug = `panel-${uniq()}`): Promise<number> {
  const [row] = await db('panels')
    .insert({ slug, name: `Panel ${slug}`, created_at: nowIso() })
    .returning('id');
  const panelId = Number(typeof row === 'object' ? row.id : row);
  for (const id of organisationIds) await db('panel_memberships').insert({ panel_id: panelId, organisation_id: id, year });
  return panelId;
}

/** A partnership of n organisations (each with one contact) in a new panel for `year`. */
export async function createPartnership(
  db: Knex,
  n: number,
  year: number,
): Promise<{ panelId: number; organisationIds: number[]; contactIds: number[] }> {
  const organisationIds: number[] = [];
  const contactIds: number[] = [];
  for (let i = 0; i < n; i++) {
    const id = await createOrganisation(db, { type: i % 3 === 0 ? 'kommun' : i % 3 === 1 ? 'foretagsframjande' : 'larosate' });
    organisationIds.push(id);
    contactIds.push(await createContact(db, id));
  }
  return { panelId: await createPanel(db, organisationIds, year), organisationIds, contactIds };
}

/** A round written directly (state given), using the shipped survey `surveyId` unless `survey` is given. */
export async function createRound(
  db: Knex,
  r: {
    surveyId?: string;
    survey?: LoadedSurvey;
    year: number;
    panelId: number;
    state?: string;
    closesAt?: string;
    opensAt?: string;
    confidential?: boolean;
    allowChanges?: boolean;
  },
): Promise<number> {
  const survey = r.survey ?? (await shippedSurvey(r.surveyId ?? 'partnerskapsenkat'));
  const versionId = await pinSurveyVersion(db, survey);
  const now = nowIso();
  const [row] = await db('rounds')
    .insert({
      survey_version_id: versionId,
      survey_id: survey.definition.id,
      year: r.year,
      panel_id: r.panelId,
      title: `${survey.definition.title.sv} ${r.year}`,
      state: r.state ?? 'oppen',
      opens_at: r.opensAt ?? new Date(Date.now() - 86400_000).toISOString(),
      closes_at: r.closesAt ?? new Date(Date.now() + 14 * 86400_000).toISOString(),
      contact_name: 'Sam Samordnare',
      contact_email: 'samordnare@region.example.se',
      confidential: r.confidential ?? false,
      allow_changes: r.allowChanges ?? true,
      reminder_days: JSON.stringify([7, 2]),
      created_at: now,
      updated_at: now,
    })
    .returning('id');
  return Number(typeof row === 'object' ? row.id : row);
}

/**
 * A submitted response written directly. `answers` maps a question id (or `matrix.statement`)
 * to an option code, several codes, or free text (prefix "text:").
 */
export async function insertSubmittedResponse(
  db: Knex,
  roundId: number,
  organisationId: number,
  answers: Record<string, string | string[]>,
): Promise<number> {
  const now = nowIso();
  const [row] = await db('responses')
    .insert({
      round_id: roundId,
      organisation_id: organisationId,
      status: 'submitted',
      version: 1,
      revision: 1,
      submitted_at: now,
      saved_at: now,
      started_at: now,
      source: 'web',
      created_at: now,
      updated_at: now,
    })
    .returning('id');
  const responseId = Number(typeof row === 'object' ? row.id : row);
  for (const [ref, value] of Object.entries(answers)) {
    const [questionId, itemId = ''] = ref.split('.');
    for (const v of Array.isArray(value) ? value : [value]) {
      if (v.startsWith('text:'))
        await db('answers').insert({
          response_id: responseId,
          question_id: questionId,
          item_id: itemId,
          option_code: null,
          text_value: v.slice(5),
        });
      else
        await db('answers').insert({ response_id: responseId, question_id: questionId, item_id: itemId, option_code: v, text_value: null });
    }
  }
  return responseId;
}

/** Who "caused" a link a test makes directly (services/invitations.issueToken audits every link). */
export const TEST_LINK_CAUSE = { actor: { userId: null, label: 'system' as const }, via: 'links' as const };
