// Import of earlier answers in the interface (coordinator): upload → a list of every problem, or
// a preview → import. The preview's confirm form carries the file's content (base64) back, so
// nothing is kept between the two steps and the import checks the file again before writing.
import type { Request, Response, Router } from 'express';
import type { Deps } from '../deps';
import type { FieldProblem } from '../errors';
import { handleForm, str } from '../forms';
import { currentYear } from '../lib/year';
import { actorOf, flash, requireRole } from '../middleware/auth';
import {
  importSurveyChoices,
  planResponseImport,
  problemText,
  type ResponseImportInput,
  type ResponseImportPlan,
  runResponseImport,
} from '../services/response-import';
import { panelChoices } from '../services/rounds';
import { listedProblems } from '../lib/upload-limits';

/** The confirm form sends the file back inside an urlencoded body (limit 1 MB). */
const MAX_PREVIEW_BYTES = 600 * 1024;

type ImportValues = { survey: string; year: string; panel: string; confidential: string };

function inputOf(req: Request, bytes: Buffer): { input: ResponseImportInput; values: ImportValues } {
  const values = {
    survey: str(req.body, 'survey').trim(),
    year: str(req.body, 'year').trim(),
    panel: str(req.body, 'panel').trim(),
    confidential: str(req.body, 'confidential') === 'ja' ? 'ja' : 'nej',
  };
  return {
    values,
    input: {
      surveyId: values.survey,
      year: /^\d{4}$/.test(values.year) ? Number(values.year) : NaN,
      panelId: /^\d{1,9}$/.test(values.panel) ? Number(values.panel) : -1,
      confidential: values.confidential === 'ja',
      bytes,
    },
  };
}

/** The clean file as the preview shows it, with its content to send back on confirmation. */
function previewOf(plan: ResponseImportPlan, input: ResponseImportInput, file: Express.Multer.File) {
  return {
    content: file.buffer.toString('base64'),
    surveyTitle: plan.survey!.title,
    panelName: plan.panel!.name,
    year: input.year,
    rows: plan.responses.length,
    columns: plan.columns,
    roundTitle: plan.existingRound?.title ?? null,
    organisations: plan.responses.map((p) => ({ row: p.row, name: p.organisationName, answers: p.answers.length })),
  };
}

export function importRoutes(r: Router, deps: Pick<Deps, 'db' | 'config'>): void {
  const { db, config } = deps;

  /** The import page, with whatever status the response already has. */
  const page = async (
    res: Response,
    extra: {
      values?: ImportValues;
      errors?: FieldProblem[];
      fileName?: string;
      problems?: string[];
      problemCount?: number;
      preview?: unknown;
    },
  ) => {
    res.render('pages/rounds/import', {
      title: 'Importera tidigare svar',
      surveys: await importSurveyChoices(db, config),
      panels: await panelChoices(db),
      values: { survey: '', year: String(currentYear() - 1), panel: '', confidential: 'nej' },
      ...extra,
    });
  };

  r.get('/rounds/import', requireRole('coordinator'), async (_req, res) => {
    await page(res, {});
  });

  r.post('/rounds/import', requireRole('coordinator'), async (req, res) => {
    const file = req.file;
    const { input, values } = inputOf(req, file?.buffer ?? Buffer.alloc(0));
    const refuse = (field: string, message: string) => page(res.status(400), { values, errors: [{ field, message }] });
    if (!file || file.size === 0) return refuse('file', 'Välj en CSV-fil att importera.');
    if (!values.survey) return refuse('survey', 'Välj vilken enkät svaren hör till.');
    const plan = await planResponseImport(db, config, input);
    if (plan.problems.length)
      return page(res.status(400), {
        values,
        fileName: file.originalname,
        problems: listedProblems(plan.problems.map((p) => ({ field: '', message: problemText(p) }))).map((p) => p.message),
        problemCount: plan.problems.length,
      });
    if (file.size > MAX_PREVIEW_BYTES)
      return refuse('file', 'Filen är för stor för att importeras i webbläsaren. Använd kommandot npm run cli -- import responses.');
    await page(res, { values, fileName: file.originalname, preview: previewOf(plan, input, file) });
  });

  r.post('/rounds/import/bekrafta', requireRole('coordinator'), async (req, res) => {
    const content = str(req.body, 'content');
    const { input, values } = inputOf(req, Buffer.from(content, 'base64'));
    await handleForm(
      res,
      async () => {
        const result = await runResponseImport(db, config, actorOf(req), input);
        flash(req, 'success', `${result.imported} svar är importerade${result.createdRound ? ' i en ny, stängd omgång' : ''}.`);
        res.redirect(303, `/rounds/${result.roundId}`);
      },
      (problems) => page(res, { values, problems: listedProblems(problems).map((p) => p.message), problemCount: problems.length }),
    );
  });
}
