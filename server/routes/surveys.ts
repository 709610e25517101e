// Survey definitions in the interface:
//   GET  /surveys          the current survey files (hash, questions), every survey's versions and drafts, uploaded versions
//   POST /surveys/upload   an admin uploads a definition (YAML); same validation as the files;
//                          kept as a survey version with source 'upload' (see services/surveys.ts)
import { type Response, Router } from 'express';
import type { Deps } from '../deps';
import type { FieldProblem } from '../errors';
import { handleForm } from '../forms';
import { actorOf, requireRole } from '../middleware/auth';
import { surveyOverview } from '../services/survey-history';
import { currentSurveysOrProblems, listUploadedVersions, placeholderValues, uploadSurveyDefinition } from '../services/surveys';

export function surveysRouter(deps: Deps): Router {
  const r = Router();
  const { db, config } = deps;

  /** The surveys page, with whatever status the response already has (400 after a refused upload). */
  const render = async (res: Response, extra: { errors?: FieldProblem[]; uploaded?: Record<string, unknown> } = {}) => {
    res.render('pages/surveys/list', {
      title: 'Enkäter',
      ...(await currentSurveysOrProblems(config)),
      uploads: await listUploadedVersions(db, placeholderValues(config)),
      overview: await surveyOverview(db, config),
      surveysDir: config.surveysDir,
      ...extra,
    });
  };

  r.get('/surveys', requireRole('coordinator', 'analyst'), async (_req, res) => {
    await render(res);
  });

  r.post('/surveys/upload', requireRole('admin'), async (req, res) => {
    const file = req.file;
    if (!file) return render(res.status(400), { errors: [{ field: 'file', message: 'Välj en enkätfil (.yaml) att ladda upp.' }] });
    await handleForm(
      res,
      async () => {
        const result = await uploadSurveyDefinition(db, actorOf(req), config.surveysDir, {
          originalName: file.originalname,
          bytes: file.buffer,
        });
        await render(res, { uploaded: { ...result, shortHash: result.hash.slice(0, 12) } });
      },
      (errors) => render(res, { errors }),
    );
  });

  return r;
}
