// Import of earlier answers in the interface (coordinator): upload → a list of every problem, or
// a preview → import. The preview's confirm form carries the file's content (base64) back, so
// nothing is kept between the two steps and the import checks the file again before writing.
import type { Request, Response, Router } from 'express';
import type { Deps } from '../deps';
import { ValidationError } from '../errors';
import { str } from '../forms';
import { actorOf, flash, requireRole } from '../middleware/auth';
import { listPanels } from '../repositories/panels';
import { planResponseImport, problemText, type ResponseImportInput, runResponseImport } from '../services/response-import';
import { currentSurveys } from '../services/survey-versions';
import { placeholderValues } from '../services/surveys';
import { SurveyDefinitionError } from '../surveys/load';
import { renderText } from '../surveys/schema';

/** The confirm form sends the file back inside an urlencoded body (limit 1 MB). */
const MAX_PREVIEW_BYTES = 600 * 1024;

export function importRoutes(r: Router, deps: Deps): void {
  const { db, config } = deps;

  const surveyOptions = async () => {
    const vars = placeholderValues(config);
    const files = await currentSurveys(config.surveysDir).catch((e: unknown) => {
      if (e instanceof SurveyDefinitionError) return []; // a broken file: the import explains it when chosen
      throw e;
    });
    const options = files.map((s) => ({
      value: s.definition.id,
      label: `${renderText(s.definition.title.sv, vars)} (${s.definition.id})`,
    }));
    const uploaded = (await db('survey_versions').where({ source: 'upload' }).distinct('survey_id', 'title')) as Array<{
      survey_id: string;
      title: string;
    }>;
    for (const u of uploaded)
      if (!options.some((o) => o.value === u.survey_id))
        options.push({ value: u.survey_id, label: `${renderText(u.title, vars)} (${u.survey_id}, uppladdad)` });
    return options;
  };

  const render = async (res: Response, extra: Record<string, unknown>, status = 200) => {
    const panels = await listPanels(db);
    res.status(status).render('pages/rounds/import', {
      title: 'Importera tidigare svar',
      surveys: await surveyOptions(),
      panels: panels.map((p) => ({ value: String(p.id), label: p.name })),
      values: { survey: '', year: String(new Date().getFullYear() - 1), panel: '', confidential: 'nej' },
      ...extra,
    });
  };

  const inputOf = (req: Request, bytes: Buffer): { input: ResponseImportInput; values: Record<string, string> } => {
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
  };

  r.get('/rounds/import', requireRole('coordinator'), async (_req, res) => {
    await render(res, {});
  });

  r.post('/rounds/import', requireRole('coordinator'), async (req, res) => {
    const file = req.file;
    const { input, values } = inputOf(req, file?.buffer ?? Buffer.alloc(0));
    if (!file || file.size === 0)
      return render(res, { values, errors: [{ field: 'file', message: 'Välj en CSV-fil att importera.' }] }, 400);
    if (!values.survey) return render(res, { values, errors: [{ field: 'survey', message: 'Välj vilken enkät svaren hör till.' }] }, 400);
    const plan = await planResponseImport(db, config, input);
    if (plan.problems.length) {
      return render(
        res,
        { values, fileName: file.originalname, problems: plan.problems.map(problemText), problemCount: plan.problems.length },
        400,
      );
    }
    if (file.size > MAX_PREVIEW_BYTES)
      return render(
        res,
        {
          values,
          errors: [
            {
              field: 'file',
              message: 'Filen är för stor för att importeras i webbläsaren. Använd kommandot npm run cli -- import responses.',
            },
          ],
        },
        400,
      );
    await render(res, {
      values,
      fileName: file.originalname,
      preview: {
        content: file.buffer.toString('base64'),
        surveyTitle: plan.survey!.title,
        panelName: plan.panel!.name,
        year: input.year,
        rows: plan.responses.length,
        columns: plan.columns,
        roundTitle: plan.existingRound?.title ?? null,
        organisations: plan.responses.map((p) => ({ row: p.row, name: p.organisationName, answers: p.answers.length })),
      },
    });
  });

  r.post('/rounds/import/bekrafta', requireRole('coordinator'), async (req, res) => {
    const content = str(req.body, 'content');
    const { input, values } = inputOf(req, Buffer.from(content, 'base64'));
    try {
      const result = await runResponseImport(db, config, actorOf(req), input);
      flash(req, 'success', `${result.imported} svar är importerade${result.createdRound ? ' i en ny, stängd omgång' : ''}.`);
      res.redirect(303, `/rounds/${result.roundId}`);
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      await render(res, { values, problems: e.problems.map((p) => p.message), problemCount: e.problems.length }, 400);
    }
  });
}
