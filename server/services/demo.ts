// The demo partnership loaded the first time the app starts (DEMO=false turns it off):
// 17 fictional organisations of the kinds a real partnership has, with contacts at example.se.
import type { Knex } from 'knex';
import type { Deps } from '../deps';
import { insertMeeting, replaceAttendance } from '../repositories/meetings';
import { countOrganisations, insertContact, insertOrganisation } from '../repositories/organisations';
import { addMembers, findPanelBySlug, insertPanel, memberIds } from '../repositories/panels';
import { audit, SYSTEM } from './audit';
import { importValues } from './indicator-admin';
import { withCheckDigit } from './organisation-types';
import { runResponseImport } from './response-import';
import { inTransaction } from '../repositories/transaction';

const ORGS: Array<[string, string, string, string | null, string]> = [
  // name, type, municipality, organisation number (9 digits, check digit added), contact first name
  ['Exempelstads kommun', 'kommun', 'Exempelstad', '212000167', 'Anna'],
  ['Norrby kommun', 'kommun', 'Norrby', '212000168', 'Erik'],
  ['Söderås kommun', 'kommun', 'Söderås', '212000169', 'Maria'],
  ['Västerdals kommun', 'kommun', 'Västerdal', '212000170', 'Johan'],
  ['Österholms kommun', 'kommun', 'Österholm', '212000171', 'Karin'],
  ['Bergsjö kommun', 'kommun', 'Bergsjö', '212000172', 'Lars'],
  ['Länsstyrelsen i Exempellän', 'lansstyrelse', 'Exempelstad', '202100245', 'Eva'],
  ['Exempelläns universitet', 'larosate', 'Exempelstad', '202100310', 'Peter'],
  ['Almi Företagspartner Exempel AB', 'foretagsframjande', 'Exempelstad', '556000123', 'Sara'],
  ['Arbetsförmedlingen, Exempellän', 'statlig_myndighet', 'Exempelstad', '202100211', 'Mikael'],
  ['Handelskammaren i Exempellän', 'naringsliv', 'Exempelstad', '802000456', 'Lena'],
  ['Nyföretagarcentrum Exempel', 'foretagsframjande', 'Norrby', '802000789', 'Ahmed'],
  ['Företagarna Exempellän', 'bransch', 'Söderås', '802001012', 'Ingrid'],
  ['LRF Exempellän', 'bransch', 'Västerdal', '802001345', 'Nils'],
  ['Exempelbygdens folkhögskola', 'folkhogskola', 'Bergsjö', '802001678', 'Fatima'],
  ['Sjöviks folkhögskola', 'folkhogskola', 'Österholm', '802001901', 'Olof'],
  ['Trafikverket, region Exempel', 'statlig_myndighet', 'Exempelstad', '202100128', 'Helena'],
];

const SURNAMES = [
  'Andersson',
  'Johansson',
  'Karlsson',
  'Nilsson',
  'Eriksson',
  'Larsson',
  'Olsson',
  'Persson',
  'Svensson',
  'Gustafsson',
  'Pettersson',
  'Jonsson',
  'Jansson',
  'Hansson',
  'Bengtsson',
  'Jönsson',
  'Lindberg',
];

export const DEMO_PANELS = [
  {
    slug: 'partnerskapet',
    name: 'Partnerskapet för regional utveckling',
    description: 'Organisationerna som genomför den regionala utvecklingsstrategin tillsammans med regionen.',
  },
  { slug: 'foretagsframjande', name: 'Företagsfrämjande aktörer', description: 'Aktörerna i det företagsfrämjande systemet.' },
  { slug: 'arshjulet', name: 'Årshjulets aktörer', description: 'De regionala aktörer som bjuds in till årshjulets möten.' },
];

function slugEmailPart(s: string): string {
  return s
    .toLowerCase()
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '');
}

/** The demo panels each organisation of this type is in. */
function demoPanelsOf(type: string): string[] {
  const panels = ['partnerskapet', 'arshjulet'];
  if (type === 'foretagsframjande' || type === 'naringsliv' || type === 'bransch' || type === 'larosate') panels.push('foretagsframjande');
  return panels;
}

/** One demo organisation with its contact person; returns its id. */
async function insertDemoOrganisation(trx: Knex, i: number): Promise<number> {
  const [name, type, municipality, nine, first] = ORGS[i];
  const orgId = await insertOrganisation(trx, { name, type, municipality, organisationNumber: nine ? withCheckDigit(nine) : null });
  const last = SURNAMES[i];
  const domain = slugEmailPart(name.split(/[ ,]/)[0]) + '.example.se';
  await insertContact(trx, orgId, {
    name: `${first} ${last}`,
    email: `${slugEmailPart(first)}.${slugEmailPart(last)}@${domain}`,
    phone: `010-${String(100000 + i * 1111).slice(0, 6)}`,
    role: 'Kontaktperson för partnerskapet',
  });
  return orgId;
}

/** Loads the demo partnership when the register is empty; returns what was loaded, or null. */
export async function seedDemoIfEmpty(
  deps: Deps,
  year = new Date().getFullYear(),
): Promise<{ organisations: number; panelName: string } | null> {
  const { db } = deps;
  if ((await countOrganisations(db)) > 0) return null;
  await inTransaction(db, async (trx) => {
    const members = new Map<string, number[]>();
    for (let i = 0; i < ORGS.length; i++) {
      const orgId = await insertDemoOrganisation(trx, i);
      for (const slug of demoPanelsOf(ORGS[i][1])) members.set(slug, [...(members.get(slug) ?? []), orgId]);
    }
    for (const p of DEMO_PANELS) {
      const panelId = await insertPanel(trx, p);
      for (let y = year - 3; y <= year; y++) await addMembers(trx, panelId, y, members.get(p.slug) ?? []);
    }
    await audit(trx, SYSTEM, 'demo.seeded', null, { organisations: ORGS.length });
  });
  return { organisations: ORGS.length, panelName: DEMO_PANELS[0].name };
}

// ---------------------------------------------------------------------------------------------
// Demo history: three years of answers to the partnership survey (imported, as a region brings
// them from its earlier tool), values since 2019 from "the earlier tool", and last year's årshjul
// meetings — so the indicator table has figures, colours and arrows to look at. The trust figures
// tell the DOMAIN.md story: 73 % two years ago, 57 % last year against a target of 61.
// ---------------------------------------------------------------------------------------------

type Counts = Record<string, number>;
const DEMO_ANSWERS: Array<{ yearsAgo: number; rus_planering: Counts; rus_statistik: Counts; fortroende_rua: Counts }> = [
  {
    yearsAgo: 3,
    rus_planering: { mycket_hog: 1, hog: 3, viss_del: 4, liten: 3, inte_alls: 1, vet_ej: 1 },
    rus_statistik: { mycket_hog: 2, hog: 4, viss_del: 4, liten: 2, inte_alls: 1 },
    fortroende_rua: { mycket_hogt: 3, hogt: 6, varken: 3, inget: 1 },
  },
  {
    yearsAgo: 2,
    rus_planering: { mycket_hog: 1, hog: 4, viss_del: 4, liten: 4, inte_alls: 1, vet_ej: 1 },
    rus_statistik: { mycket_hog: 2, hog: 5, viss_del: 5, liten: 2, inte_alls: 1 },
    fortroende_rua: { mycket_hogt: 4, hogt: 7, varken: 3, lagt: 1 },
  },
  {
    yearsAgo: 1,
    rus_planering: { mycket_hog: 2, hog: 4, viss_del: 5, liten: 2, vet_ej: 1 },
    rus_statistik: { mycket_hog: 3, hog: 5, viss_del: 4, liten: 1, vet_ej: 1 },
    fortroende_rua: { mycket_hogt: 3, hogt: 5, varken: 4, lagt: 1, vet_ej: 1 },
  },
];

const DEMO_HISTORY: Array<[string, number[]]> = [
  ['rus_i_verksamhetsplan', [55, 58, 60, 61]],
  ['rus_statistik_anvandning', [70, 72, 75, 74]],
  ['fortroende_rua', [64, 66, 70, 68]],
];

function expand(c: Counts): string[] {
  return Object.entries(c).flatMap(([code, n]) => Array<string>(n).fill(code));
}

export async function seedDemoHistory(deps: Deps, year = new Date().getFullYear()): Promise<void> {
  const orgNames = ORGS.map((o) => o[0]);
  for (const a of DEMO_ANSWERS) {
    const columns = ['rus_planering', 'rus_statistik', 'fortroende_rua'] as const;
    const answers = columns.map((c) => expand(a[c]));
    const n = answers[0].length;
    // a different set of organisations answers each year
    const rows = Array.from({ length: n }, (_, i) => {
      const org = orgNames[(i * 5 + a.yearsAgo * 3) % orgNames.length];
      return [org, ...answers.map((col) => col[i])].join(';');
    });
    const csv = ['organisation;' + columns.join(';'), ...rows].join('\n');
    await runResponseImport(deps.db, deps.config, SYSTEM, {
      surveyId: 'partnerskapsenkat',
      year: year - a.yearsAgo,
      panelSlug: 'partnerskapet',
      bytes: Buffer.from(csv, 'utf8'),
    });
  }
  const firstYear = year - 3 - DEMO_HISTORY[0][1].length;
  const history = [
    'indicator;year;value;source',
    ...DEMO_HISTORY.flatMap(([id, values]) => values.map((v, i) => `${id};${firstYear + i};${v};Tidigare enkätverktyg (demo)`)),
  ];
  await importValues(deps.db, SYSTEM, Buffer.from(history.join('\n'), 'utf8'));

  const panel = await findPanelBySlug(deps.db, 'arshjulet');
  if (!panel) throw new Error('demo: the panel "arshjulet" is missing (seedDemoIfEmpty first)');
  const members = (await memberIds(deps.db, panel.id, year - 1)).sort((a, b) => a - b);
  const meetings: Array<[string, string, number]> = [
    ['arbetsmote', `${year - 1}-03-14`, 14],
    ['riktningsmote', `${year - 1}-06-05`, 12],
    ['arskonferens', `${year - 1}-10-22`, 16],
  ];
  await inTransaction(deps.db, async (trx) => {
    for (const [type, heldOn, attended] of meetings) {
      const meetingId = await insertMeeting(trx, { panelId: panel.id, year: year - 1, type, heldOn, place: 'Regionens hus, Exempelstad' });
      await replaceAttendance(trx, meetingId, members.slice(0, attended));
    }
  });
}
