// The partnership register for coordinators: organisations, contact persons, CSV import (upload →
// preview → confirm) and export, erasing a contact.
import { type Request, type Response, Router } from 'express';
import type { Deps } from '../deps';
import { type FieldProblem, NotFoundError, ValidationError } from '../errors';
import { handleForm, intParam, str } from '../forms';
import type { Locale } from '../i18n';
import { actorOf, flash, requireRole } from '../middleware/auth';
import { exportFileName, writeRegisterCsv, writeRegisterXlsx } from '../services/csv-export';
import { type ImportPlan, type ParsedCsv, parseRegisterCsv } from '../services/csv-import';
import { eraseContact } from '../services/gdpr';
import { organisationTypeLabel, ORGANISATION_TYPES } from '../services/organisation-types';
import { findPanel, listPanels, type Panel } from '../services/panels';
import { cancelImport, confirmImport, type ImportResult, PENDING_IMPORT_MINUTES, previewImport } from '../services/register-import';
import {
  type ContactForm,
  createContact,
  createOrganisation,
  editContact,
  editOrganisation,
  findLiveContact,
  findLiveOrganisation,
  type OrganisationForm,
  organisationPage,
  parseSearch,
  searchOrganisations,
  setContactActive,
  setOrganisationActive,
  CONTACT_LANGUAGES,
} from '../services/register';
import { currentYear, parseYear } from '../lib/year';
import { titleOfData } from '../lib/titles';
import { listedProblems, UPLOAD_LIMITS, uploadLimitText } from '../lib/upload-limits';

const DELIMITER_LABELS: Record<string, string> = { ';': 'semikolon (;)', ',': 'komma (,)', '\t': 'tabb' };
const ENCODING_LABELS: Record<string, string> = {
  'utf-8': 'UTF-8',
  'windows-1252': 'Windows-1252 (äldre Excel)',
  'utf-16': 'UTF-16 (Unicode-text)',
};
const PREVIEW_ROWS = 50;

function typeOptions(locale: Locale, selected?: string) {
  return ORGANISATION_TYPES.map((t) => ({ value: t.code, label: t[locale], selected: t.code === selected }));
}

function organisationForm(body: unknown): OrganisationForm {
  return {
    name: str(body, 'name'),
    organisationNumber: str(body, 'organisationNumber'),
    type: str(body, 'type'),
    municipality: str(body, 'municipality'),
  };
}

function contactForm(body: unknown): ContactForm {
  return {
    name: str(body, 'name'),
    email: str(body, 'email'),
    phone: str(body, 'phone'),
    role: str(body, 'role'),
    language: str(body, 'language'),
  };
}

function idOf(req: Request): number {
  const id = intParam(req.params.id);
  if (!id) throw new NotFoundError();
  return id;
}

function renderOrgForm(
  res: Response,
  extra: { values: Partial<OrganisationForm>; organisation?: { id: number; name: string }; errors?: FieldProblem[] },
): void {
  res.render('pages/organisations/form', {
    title: extra.organisation ? 'Ändra organisation' : 'Ny organisation',
    types: typeOptions(res.locals.locale, extra.values.type),
    action: extra.organisation ? `/organisations/${extra.organisation.id}` : '/organisations',
    ...extra,
  });
}

// ---- list, search, create, export ------------------------------------------------------------
function listRoutes(r: Router, { db }: Deps): void {
  r.get('/organisations', requireRole('coordinator'), async (req, res) => {
    const search = parseSearch(req.query);
    const result = await searchOrganisations(db, search);
    const locale = res.locals.locale;
    const qs = (page: number) =>
      new URLSearchParams({ q: search.q, type: search.type, status: search.status, page: String(page) }).toString();
    res.render('pages/organisations/list', {
      title: 'Organisationer',
      search,
      types: typeOptions(locale, search.type),
      statuses: [
        { value: 'aktiva', label: 'Aktiva', selected: search.status === 'aktiva' },
        { value: 'inaktiva', label: 'Inaktiva', selected: search.status === 'inaktiva' },
        { value: 'alla', label: 'Alla', selected: search.status === 'alla' },
      ],
      organisations: result.organisations.map((o) => ({ ...o, typeLabel: organisationTypeLabel(o.type, locale) })),
      total: result.total,
      page: result.page,
      pages: result.pages,
      prevUrl: result.page > 1 ? `/organisations?${qs(result.page - 1)}` : null,
      nextUrl: result.page < result.pages ? `/organisations?${qs(result.page + 1)}` : null,
    });
  });

  r.get('/organisations/new', requireRole('coordinator'), (_req, res) => {
    renderOrgForm(res, { values: { type: '' } });
  });

  r.post('/organisations', requireRole('coordinator'), async (req, res) => {
    const form = organisationForm(req.body);
    await handleForm(
      res,
      async () => {
        const id = await createOrganisation(db, actorOf(req), form);
        flash(req, 'success', 'Organisationen är tillagd.');
        res.redirect(303, `/organisations/${id}`);
      },
      (errors) => renderOrgForm(res, { values: form, errors }),
    );
  });

  // streamed while the register is read (services/csv-export.ts)
  const download = (ext: 'csv' | 'xlsx', contentType: string, write: typeof writeRegisterCsv) =>
    r.get(`/organisations/export.${ext}`, requireRole('coordinator'), async (req, res) => {
      res.set('Content-Type', contentType);
      res.set('Content-Disposition', `attachment; filename="${exportFileName(new Date(), ext)}"`);
      res.set('Cache-Control', 'no-store');
      try {
        await write(db, { includeInactive: req.query.alla === '1' }, res);
      } catch (e) {
        // the headers are gone: break the download off, so no half file looks whole
        res.destroy(e instanceof Error ? e : undefined);
        throw e;
      }
    });
  download('csv', 'text/csv; charset=utf-8', writeRegisterCsv);
  download('xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', writeRegisterXlsx);
}

// ---- import: upload → preview → confirm --------------------------------------------------------
interface PreviewView {
  parsed: Pick<ParsedCsv, 'rows' | 'columns'> & Partial<ParsedCsv>;
  plan: ImportPlan | null;
  fileName: string | null;
  importId: string | null;
  panel: { name: string } | null;
  year: number | null;
}

/** The preview page (with status 400 when the file has problems: nothing can be imported). */
function renderPreview(res: Response, view: PreviewView): void {
  const problems = view.parsed.problems?.length ? view.parsed.problems : (view.plan?.problems ?? []);
  if (problems.length) res.status(400);
  res.render('pages/organisations/import-preview', {
    title: 'Förhandsgranskning av inläsningen',
    errors: problems.length
      ? [{ field: '', message: `Filen har ${problems.length} fel. Inget har lästs in. Rätta filen och ladda upp den igen.` }]
      : undefined,
    problems: listedProblems(problems.map((p) => ({ ...p, field: '' }))),
    problemCount: problems.length,
    fileName: view.fileName,
    // (not called `encoding`: express-handlebars reads that option as the template file's encoding)
    encodingLabel: view.parsed.encoding ? ENCODING_LABELS[view.parsed.encoding] : null,
    delimiter: view.parsed.delimiter ? DELIMITER_LABELS[view.parsed.delimiter] : null,
    ignoredColumns: view.parsed.ignoredColumns ?? [],
    columns: Object.entries(view.parsed.columns).map(([field, label]) => ({ field, label })),
    counts: view.plan?.counts ?? null,
    sample: view.parsed.rows.slice(0, PREVIEW_ROWS),
    moreRows: Math.max(0, view.parsed.rows.length - PREVIEW_ROWS),
    importId: problems.length ? null : view.importId,
    panel: view.panel,
    year: view.year,
  });
}

/** The upload form's fields: a file, and optionally a panel (that exists) and a year for it. */
async function checkUpload(deps: Deps, req: Request): Promise<{ file: Express.Multer.File; panel: Panel | null; year: number | null }> {
  const panelId = intParam(str(req.body, 'panel'));
  const errors: FieldProblem[] = [];
  if (!req.file || req.file.size === 0) errors.push({ field: 'file', message: 'Välj en CSV-fil att läsa in.' });
  const panel = panelId ? await findPanel(deps.db, panelId) : null;
  if (panelId && !panel) errors.push({ field: 'panel', message: 'Panelen finns inte längre. Välj en annan.' });
  const year = parseYear(str(req.body, 'year'));
  if (panel && !year) errors.push({ field: 'year', message: 'Ange året som fyra siffror, t.ex. 2025.' });
  if (errors.length || !req.file) throw new ValidationError(errors);
  return { file: req.file, panel, year: panel ? year : null };
}

function importSummary(result: ImportResult): string {
  const c = result.plan.counts;
  return (
    `Inläsningen är klar: ${c.newOrganisations} nya och ${c.updatedOrganisations} uppdaterade organisationer, ${c.newContacts} nya och ${c.updatedContacts} uppdaterade kontaktpersoner.` +
    (result.panel ? ` ${result.panel.added} organisationer lades till i panelen ”${result.panel.name}” för ${result.panel.year}.` : '')
  );
}

function importRoutes(r: Router, deps: Deps): void {
  const { db } = deps;
  const renderUpload = async (res: Response, extra: Record<string, unknown> = {}) => {
    res.render('pages/organisations/import', {
      title: 'Läs in organisationer från CSV',
      panels: await listPanels(db),
      values: { year: String(currentYear()) },
      minutes: PENDING_IMPORT_MINUTES,
      uploadLimit: uploadLimitText(UPLOAD_LIMITS.register),
      ...extra,
    });
  };

  r.get('/organisations/import', requireRole('coordinator'), async (_req, res) => renderUpload(res));

  r.post('/organisations/import', requireRole('coordinator'), async (req, res) => {
    const values = { panel: str(req.body, 'panel'), year: str(req.body, 'year') };
    await handleForm(
      res,
      async () => {
        const { file, panel, year } = await checkUpload(deps, req);
        const parsed = await parseRegisterCsv(file.buffer);
        const fileName = file.originalname || null;
        if (parsed.problems.length) return renderPreview(res, { parsed, plan: null, fileName, importId: null, panel, year });
        const options = panel && year ? { panelId: panel.id, year } : {};
        const { plan, importId } = await previewImport(db, req.user!.id, { fileName, parsed, options });
        renderPreview(res, { parsed, plan, fileName, importId, panel, year });
      },
      (errors) => renderUpload(res, { errors, values }),
    );
  });

  r.post('/organisations/import/:importId', requireRole('coordinator'), async (req, res) => {
    const { result, pending } = await confirmImport(db, actorOf(req), String(req.params.importId), req.user!.id);
    if (!result.imported) {
      // The register changed since the preview: show what is wrong now; nothing was written.
      const { panelId, year } = pending.options;
      const panel = panelId ? await findPanel(db, panelId) : null;
      const view = { parsed: pending, plan: result.plan, fileName: pending.fileName, importId: null, panel, year: year ?? null };
      return renderPreview(res, view);
    }
    flash(req, 'success', importSummary(result));
    res.redirect(303, '/organisations');
  });

  r.post('/organisations/import/:importId/cancel', requireRole('coordinator'), async (req, res) => {
    await cancelImport(db, String(req.params.importId), req.user!.id);
    flash(req, 'info', 'Inläsningen är avbruten. Inget har ändrats.');
    res.redirect(303, '/organisations/import');
  });
}

// ---- one organisation -------------------------------------------------------------------------
function organisationRoutes(r: Router, { db, config }: Deps): void {
  r.get('/organisations/:id', requireRole('coordinator'), async (req, res) => {
    const { organisation, contacts, panels } = await organisationPage(db, idOf(req));
    res.render('pages/organisations/show', {
      ...titleOfData(organisation.name),
      organisation: { ...organisation, typeLabel: organisationTypeLabel(organisation.type, res.locals.locale) },
      contacts,
      panels: panels.map((p) => ({ ...p, yearsText: p.years.join(', ') })),
      retentionMonths: config.retentionMonths,
    });
  });

  r.get('/organisations/:id/edit', requireRole('coordinator'), async (req, res) => {
    const organisation = await findLiveOrganisation(db, idOf(req));
    renderOrgForm(res, {
      organisation,
      values: {
        name: organisation.name,
        organisationNumber: organisation.organisationNumber ?? '',
        type: organisation.type,
        municipality: organisation.municipality ?? '',
      },
    });
  });

  r.post('/organisations/:id', requireRole('coordinator'), async (req, res) => {
    const organisation = await findLiveOrganisation(db, idOf(req));
    const form = organisationForm(req.body);
    await handleForm(
      res,
      async () => {
        await editOrganisation(db, actorOf(req), organisation.id, form);
        flash(req, 'success', 'Ändringarna är sparade.');
        res.redirect(303, `/organisations/${organisation.id}`);
      },
      (errors) => renderOrgForm(res, { organisation, values: form, errors }),
    );
  });

  r.post('/organisations/:id/active', requireRole('coordinator'), async (req, res) => {
    const id = idOf(req);
    const active = str(req.body, 'active') === 'true';
    await setOrganisationActive(db, actorOf(req), id, active);
    flash(
      req,
      'success',
      active
        ? 'Organisationen är aktiv igen.'
        : 'Organisationen är inaktiverad. Den finns kvar i registret med sina svar, men bjuds inte in och kopieras inte till nya år.',
    );
    res.redirect(303, `/organisations/${id}`);
  });
}

// ---- contacts ---------------------------------------------------------------------------------
function contactRoutes(r: Router, { db, config }: Deps): void {
  const renderContactForm = async (res: Response, organisationId: number, extra: Record<string, unknown>) => {
    const organisation = await findLiveOrganisation(db, organisationId);
    res.render('pages/organisations/contact', {
      title: extra.contact ? 'Kontaktperson' : 'Ny kontaktperson',
      organisation,
      retentionMonths: config.retentionMonths,
      languages: CONTACT_LANGUAGES,
      ...extra,
    });
  };

  r.get('/organisations/:id/contacts/new', requireRole('coordinator'), async (req, res) => {
    await renderContactForm(res, idOf(req), { values: {}, action: `/organisations/${idOf(req)}/contacts` });
  });

  r.post('/organisations/:id/contacts', requireRole('coordinator'), async (req, res) => {
    const id = idOf(req);
    const form = contactForm(req.body);
    await handleForm(
      res,
      async () => {
        await createContact(db, actorOf(req), id, form);
        flash(req, 'success', 'Kontaktpersonen är tillagd.');
        res.redirect(303, `/organisations/${id}`);
      },
      (errors) => renderContactForm(res, id, { values: form, errors, action: `/organisations/${id}/contacts` }),
    );
  });

  r.get('/contacts/:id', requireRole('coordinator'), async (req, res) => {
    const contact = await findLiveContact(db, idOf(req));
    await renderContactForm(res, contact.organisationId, {
      contact,
      values: {
        name: contact.name ?? '',
        email: contact.email ?? '',
        phone: contact.phone ?? '',
        role: contact.role ?? '',
        language: contact.language,
      },
      action: `/contacts/${contact.id}`,
    });
  });

  r.post('/contacts/:id', requireRole('coordinator'), async (req, res) => {
    const contact = await findLiveContact(db, idOf(req));
    const form = contactForm(req.body);
    await handleForm(
      res,
      async () => {
        await editContact(db, actorOf(req), contact.id, form);
        flash(req, 'success', 'Ändringarna är sparade.');
        res.redirect(303, `/organisations/${contact.organisationId}`);
      },
      (errors) => renderContactForm(res, contact.organisationId, { contact, values: form, errors, action: `/contacts/${contact.id}` }),
    );
  });

  r.post('/contacts/:id/active', requireRole('coordinator'), async (req, res) => {
    const active = str(req.body, 'active') === 'true';
    const contact = await setContactActive(db, actorOf(req), idOf(req), active);
    flash(
      req,
      'success',
      active
        ? 'Kontaktpersonen är aktiv igen.'
        : 'Kontaktpersonen är inaktiverad och får inga fler utskick. Personens länkar till enkäter fungerar inte längre.',
    );
    res.redirect(303, `/organisations/${contact.organisationId}`);
  });

  eraseRoutes(r, { db, config });
}

function eraseRoutes(r: Router, { db, config }: Pick<Deps, 'db' | 'config'>): void {
  const renderErase = async (res: Response, contactId: number, errors?: FieldProblem[]) => {
    const contact = await findLiveContact(db, contactId);
    const organisation = await findLiveOrganisation(db, contact.organisationId);
    res.render('pages/organisations/contact-erase', { title: 'Radera kontaktpersonens uppgifter', contact, organisation, errors });
  };

  r.get('/contacts/:id/erase', requireRole('coordinator'), async (req, res) => renderErase(res, idOf(req)));

  r.post('/contacts/:id/erase', requireRole('coordinator'), async (req, res) => {
    const id = idOf(req);
    await handleForm(
      res,
      async () => {
        if (str(req.body, 'confirm') !== 'ja')
          throw new ValidationError([{ field: 'confirm', message: 'Kryssa i rutan för att bekräfta att uppgifterna ska raderas.' }]);
        const organisationId = await eraseContact(db, config, actorOf(req), id);
        flash(req, 'success', 'Kontaktpersonens personuppgifter är raderade. Organisationen och dess svar finns kvar.');
        res.redirect(303, `/organisations/${organisationId}`);
      },
      (errors) => renderErase(res, id, errors),
    );
  });
}

export function organisationsRouter(deps: Deps): Router {
  const r = Router();
  listRoutes(r, deps);
  importRoutes(r, deps);
  organisationRoutes(r, deps);
  contactRoutes(r, deps);
  return r;
}
