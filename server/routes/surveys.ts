// Survey definitions in the interface:
//   GET  /surveys          the current survey files (hash, questions) and uploaded versions
//   POST /surveys/upload   an admin uploads a definition (YAML); same validation as the files;
//                          kept as a survey version with source 'upload' (see services/surveys.ts)
import { type Response, Router } from 'express';
import type { Deps } from '../deps';
import { ValidationError } from '../errors';
import { actorOf, requireRole } from '../middleware/auth';
import { SurveyDefinitionError } from '../surveys/load';
import {
  listCurrentSurveys,
  listUploadedVersions,
  placeholderValues,
  surveyFileProblems,
  uploadSurveyDefinition,
} from '../services/surveys';

export function surveysRouter(deps: Deps): Router {
  const r = Router();
  const { db, config } = deps;

  const render = async (res: Response, extra: Record<string, unknown> = {}, status = 200) => {
    let surveys: Awaited<ReturnType<typeof listCurrentSurveys>> = [];
    let fileProblems: string[] = [];
    try {
      surveys = await listCurrentSurveys(config);
    } catch (e) {
      if (!(e instanceof SurveyDefinitionError)) throw e;
      fileProblems = await surveyFileProblems(config.surveysDir);
    }
    res.status(status).render('pages/surveys/list', {
      title: 'Enkäter',
      surveys,
      fileProblems,
      uploads: await listUploadedVersions(db, placeholderValues(config)),
      surveysDir: config.surveysDir,
      ...extra,
    });
  };

  r.get('/surveys', requireRole('coordinator', 'analyst'), async (_req, res) => {
    await render(res);
  });

  r.post('/surveys/upload', requireRole('admin'), async (req, res) => {
    const file = req.file;
    if (!file) return render(res, { errors: [{ field: 'file', message: 'Välj en enkätfil (.yaml) att ladda upp.' }] }, 400);
    try {
      const result = await uploadSurveyDefinition(db, actorOf(req), config.surveysDir, {
        originalName: file.originalname,
        bytes: file.buffer,
      });
      await render(res, { uploaded: { ...result, shortHash: result.hash.slice(0, 12) } });
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      await render(res, { errors: e.problems }, 400);
    }
  });

  return r;
}
