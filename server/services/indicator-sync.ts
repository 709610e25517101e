// Indicator sync: the indicators declared in the survey files (surveys/*.yaml) and in the
// optional files of indicators without a survey (surveys/indikatorer/*.yaml: manual indicators,
// e.g. figures from official statistics, and attendance indicators) are written to the
// `indicators` table at start and before the CLI commands that need them.
//
// * The definition is kept as declared (JSON, placeholders unrendered); `name` and `goal` are
//   stored with {region}/{strategy} filled in, as they appear in the report.
// * The file's `target` is the default målvärde for a year that has no target set
//   (services/indicators.ts reads it from the definition); sync never writes indicator_targets.
// * An indicator no longer declared anywhere is kept (targets, values and publications refer to
//   it) but marked retired and no longer listed. It comes back when it is declared again.
// * All or nothing: one bad definition (a question or an option that does not exist, a
//   duplicate id) stops the sync with every problem listed, and nothing is written.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { Deps } from '../deps';
import { type FieldProblem, ValidationError } from '../errors';
import { lockIndicatorSync, retireIndicatorsExcept, upsertIndicator } from '../repositories/indicators';
import { loadSurveyDir, type LoadedSurvey } from '../surveys/load';
import { currentDefinitions } from './survey-versions';
import { placeholderValues } from './surveys';
import { indicatorFileSchema, type IndicatorDefinition, type PlaceholderValues, renderText, resolveQuestionRef } from '../surveys/schema';
import { inTransaction } from '../repositories/transaction';

/** Sub-folder of the surveys folder with indicators that no survey feeds. */
export const INDICATOR_FILES_SUBDIR = 'indikatorer';

export interface DeclaredIndicator {
  definition: IndicatorDefinition;
  /** The survey that declares it, or null for a file in surveys/indikatorer/. */
  surveyId: string | null;
  file: string;
}

const indicatorFile = z.strictObject({ indicators: z.array(indicatorFileSchema).min(1) });

/**
 * Reads surveys/indikatorer/*.yaml: `indicators:` with the same keys as in a survey file, of kind
 * `manual` or `attendance` (a `survey` indicator belongs in its survey's file). A missing folder
 * is fine (no such indicators).
 */
export async function loadIndicatorFiles(dir: string): Promise<DeclaredIndicator[]> {
  let names: string[];
  try {
    names = (await fs.readdir(dir)).filter((n) => /\.ya?ml$/i.test(n) && !n.startsWith('.')).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const out: DeclaredIndicator[] = [];
  const problems: FieldProblem[] = [];
  for (const name of names) {
    const text = (await fs.readFile(path.join(dir, name), 'utf8')).replace(/^\uFEFF/, '');
    let raw: unknown;
    try {
      raw = parseYaml(text);
    } catch (e) {
      problems.push({ field: name, message: `${name}: filen är inte giltig YAML (${(e as Error).message.split('\n')[0]}).` });
      continue;
    }
    const parsed = indicatorFile.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) problems.push({ field: name, message: `${name} ${issue.path.join('.')}: ${issue.message}` });
      continue;
    }
    parsed.data.indicators.forEach((def, k) => {
      if (def.kind === 'survey') {
        problems.push({
          field: name,
          message: `${name} indicators[${k}] (${def.id}): en indikator av typen survey ska stå i sin enkätfil, inte i ${INDICATOR_FILES_SUBDIR}/.`,
        });
        return;
      }
      out.push({ definition: def, surveyId: null, file: `${INDICATOR_FILES_SUBDIR}/${name}` });
    });
  }
  if (problems.length > 0) throw new ValidationError(problems, 'Indikatorfilerna innehåller fel.');
  return out;
}

/** The indicators of the given surveys plus the extra declared ones; checks references and ids. */
export function declaredIndicators(surveys: LoadedSurvey[], extra: DeclaredIndicator[] = []): DeclaredIndicator[] {
  const all: DeclaredIndicator[] = [];
  const problems: FieldProblem[] = [];
  for (const s of surveys) {
    for (const def of s.definition.indicators) {
      all.push({ definition: def, surveyId: s.definition.id, file: s.fileName });
      if (def.kind !== 'survey') continue;
      const ref = resolveQuestionRef(s.definition, def.question);
      if (!ref) {
        problems.push({
          field: def.id,
          message: `${s.fileName}: indikatorn ${def.id} pekar på frågan ”${def.question}”, som inte finns i enkäten ${s.definition.id} (eller inte har ett svar per organisation).`,
        });
        continue;
      }
      const codes = ref.options.map((o) => o.code);
      for (const code of def.numerator) {
        if (!codes.includes(code))
          problems.push({
            field: def.id,
            message: `${s.fileName}: indikatorn ${def.id} räknar svarskoden ”${code}”, som inte finns i frågan ${def.question} (finns: ${codes.join(', ')}).`,
          });
      }
    }
  }
  all.push(...extra);
  const seen = new Map<string, string>();
  for (const d of all) {
    const other = seen.get(d.definition.id);
    if (other !== undefined)
      problems.push({ field: d.definition.id, message: `Indikatorn ${d.definition.id} är deklarerad både i ${other} och i ${d.file}.` });
    else seen.set(d.definition.id, d.file);
  }
  if (problems.length > 0) throw new ValidationError(problems, 'Indikatordefinitionerna innehåller fel.');
  return all;
}

export interface SyncResult {
  synced: string[];
  retired: string[];
}

/** Upserts the declared indicators and retires the rest, in one transaction. */
export async function syncIndicators(db: Knex, declared: DeclaredIndicator[], vars: PlaceholderValues): Promise<SyncResult> {
  return inTransaction(db, async (trx) => {
    await lockIndicatorSync(trx); // instances starting at once sync one after the other
    for (const d of declared) {
      const def = d.definition;
      await upsertIndicator(trx, {
        id: def.id,
        surveyId: d.surveyId,
        kind: def.kind,
        name: renderText(def.name.sv, vars),
        goal: renderText(def.goal.sv, vars),
        level: def.level,
        unit: def.unit,
        direction: def.direction,
        definition: def,
      });
    }
    const retired = await retireIndicatorsExcept(
      trx,
      declared.map((d) => d.definition.id),
    );
    return { synced: declared.map((d) => d.definition.id), retired };
  });
}

/**
 * Reads the survey files and surveys/indikatorer/, and syncs (start, CLI, a version marked ready
 * in the editor). A survey's indicators come from its current definition: the newest version
 * from its file or made in the editor (services/survey-versions.ts currentDefinitions).
 */
export async function syncIndicatorsFromFiles(deps: Pick<Deps, 'config' | 'db'>): Promise<SyncResult> {
  const surveys = await currentDefinitions(deps.db, await loadSurveyDir(deps.config.surveysDir));
  const extra = await loadIndicatorFiles(path.join(deps.config.surveysDir, INDICATOR_FILES_SUBDIR));
  return syncIndicators(deps.db, declaredIndicators(surveys, extra), placeholderValues(deps.config));
}
