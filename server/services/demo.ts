// The demo partnership loaded the first time the app starts (DEMO=false turns it off):
// 17 fictional organisations of the kinds a real partnership has, with contacts at example.se.
import type { Deps } from '../deps';
import { nowIso } from '../db';
import { audit, SYSTEM } from './audit';
import { withCheckDigit } from './organisation-types';

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

const SURNAMES = ['Andersson', 'Johansson', 'Karlsson', 'Nilsson', 'Eriksson', 'Larsson', 'Olsson', 'Persson', 'Svensson', 'Gustafsson', 'Pettersson', 'Jonsson', 'Jansson', 'Hansson', 'Bengtsson', 'Jönsson', 'Lindberg'];

export const DEMO_PANELS = [
  { slug: 'partnerskapet', name: 'Partnerskapet för regional utveckling', description: 'Organisationerna som genomför den regionala utvecklingsstrategin tillsammans med regionen.' },
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

/** Loads the demo partnership when the register is empty; returns what was loaded, or null. */
export async function seedDemoIfEmpty(deps: Deps, year = new Date().getFullYear()): Promise<{ organisations: number; panelName: string } | null> {
  const { db } = deps;
  const existing = await db('organisations').count<{ n: number }[]>({ n: '*' });
  if (Number(existing[0].n) > 0) return null;
  await db.transaction(async (trx) => {
    const now = nowIso();
    const panelIds: Record<string, number> = {};
    for (const p of DEMO_PANELS) {
      const [row] = await trx('panels').insert({ ...p, created_at: now }).returning('id');
      panelIds[p.slug] = Number(typeof row === 'object' ? row.id : row);
    }
    for (let i = 0; i < ORGS.length; i++) {
      const [name, type, municipality, nine, first] = ORGS[i];
      const [row] = await trx('organisations')
        .insert({ name, type, municipality, organisation_number: nine ? withCheckDigit(nine) : null, active: true, created_at: now, updated_at: now })
        .returning('id');
      const orgId = Number(typeof row === 'object' ? row.id : row);
      const last = SURNAMES[i];
      const domain = slugEmailPart(name.split(/[ ,]/)[0]) + '.example.se';
      await trx('contacts').insert({
        organisation_id: orgId,
        name: `${first} ${last}`,
        email: `${slugEmailPart(first)}.${slugEmailPart(last)}@${domain}`,
        phone: `010-${String(100000 + i * 1111).slice(0, 6)}`,
        role: 'Kontaktperson för partnerskapet',
        active: true,
        created_at: now,
        updated_at: now,
      });
      const panels = ['partnerskapet', 'arshjulet'];
      if (type === 'foretagsframjande' || type === 'naringsliv' || type === 'bransch' || type === 'larosate') panels.push('foretagsframjande');
      for (const slug of panels) {
        for (const y of [year - 1, year]) await trx('panel_memberships').insert({ panel_id: panelIds[slug], organisation_id: orgId, year: y });
      }
    }
    await audit(trx, SYSTEM, 'demo.seeded', null, { organisations: ORGS.length });
  });
  return { organisations: ORGS.length, panelName: DEMO_PANELS[0].name };
}
