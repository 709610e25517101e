// The partnership register for coordinators: organisations, contact persons, CSV import (upload →
// preview → confirm) and export, erasing a contact.
import { type Request, type Response, Router } from 'express';
import type { Deps } from '../deps';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { intParam, str } from '../forms';
import type { Locale } from '../i18n';
import { actorOf, flash, requireRole } from '../middleware/auth';
import { findOrganisation, listContacts, membershipsOf } from '../repositories/organisations';
import { deletePendingImport, findPendingImport, PENDING_IMPORT_MINUTES, savePendingImport } from '../repositories/register-imports';
import { findPanel, listPanels } from '../repositories/panels';
import { exportFileName, exportRegisterCsv } from '../services/csv-export';
import { type ImportPlan, type ParsedCsv, parseRegisterCsv, planImport } from '../services/csv-import';
import { eraseContact } from '../services/gdpr';
import { organisationTypeLabel, ORGANISATION_TYPES } from '../services/organisation-types';

import { importRegister } from '../services/register-import';
import { registerSnapshot } from '../repositories/organisations';
import {
  type ContactForm,
  createContact,
  createOrganisation,
  editContact,
  editOrganisation,
  findLiveContact,
  type OrganisationForm,
  parseSearch,
  searchOrganisations,
  setContactActive,
  setOrganisationActive,
} from '../services/register';
import { currentYear, parseYear } from '../lib/year';

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
  return { name: str(body, 'name'), email: str(body, 'email'), phone: str(body, 'phone'), role: str(body, 'role') };
}

export function organisationsRouter(deps: Deps): Router {
  const r = Router();
  const db = deps.db;
  const idOf = (req: Request, key = 'id'): number => {
    const id = intParam(req.params[key]);
    if (!id) throw new NotFoundError();
    return id;
  };

  // ---- list and search ----------------------------------------------------------------------
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

  // ---- create ---------------------------------------------------------------------------------
  const renderOrgForm = (
    res: Response,
    extra: { values: Partial<OrganisationForm>; organisation?: { id: number; name: string }; errors?: unknown },
  ) => {
    res.render('pages/organisations/form', {
      title: extra.organisation ? 'Ändra organisation' : 'Ny organisation',
      types: typeOptions(res.locals.locale, extra.values.type),
      action: extra.organisation ? `/organisations/${extra.organisation.id}` : '/organisations',
      ...extra,
    });
  };

  r.get('/organisations/new', requireRole('coordinator'), (_req, res) => {
    renderOrgForm(res, { values: { type: '' } });
  });

  r.post('/organisations', requireRole('coordinator'), async (req, res) => {
    const form = organisationForm(req.body);
    try {
      const id = await createOrganisation(db, actorOf(req), form);
      flash(req, 'success', 'Organisationen är tillagd.');
      res.redirect(303, `/organisations/${id}`);
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      res.status(400);
      renderOrgForm(res, { values: form, errors: e.problems });
    }
  });

  // ---- export ---------------------------------------------------------------------------------
  r.get('/organisations/export.csv', requireRole('coordinator'), async (req, res) => {
    const csv = await exportRegisterCsv(db, { includeInactive: req.query.alla === '1' });
    res.set('Content-Type', 'text/csv; charset=utf-8');
    res.set('Content-Disposition', `attachment; filename="${exportFileName()}"`);
    res.set('Cache-Control', 'no-store');
    res.send(csv);
  });

  // ---- import: upload → preview → confirm -----------------------------------------------------
  const renderUpload = async (res: Response, extra: Record<string, unknown> = {}) => {
    res.render('pages/organisations/import', {
      title: 'Läs in organisationer från CSV',
      panels: await listPanels(db),
      values: { year: String(currentYear()) },
      minutes: PENDING_IMPORT_MINUTES,
      ...extra,
    });
  };

  const renderPreview = (
    res: Response,
    view: {
      parsed: Pick<ParsedCsv, 'rows' | 'columns'> & Partial<ParsedCsv>;
      plan: ImportPlan | null;
      fileName: string | null;
      importId: string | null;
      panel: { name: string } | null;
      year: number | null;
    },
  ) => {
    const problems = view.parsed.problems?.length ? view.parsed.problems : (view.plan?.problems ?? []);
    if (problems.length) res.status(400);
    res.render('pages/organisations/import-preview', {
      title: 'Förhandsgranskning av inläsningen',
      errors: problems.length
        ? [
            {
              field: '',
              message: `Filen har ${problems.length} ${problems.length === 1 ? 'fel' : 'fel'}. Inget har lästs in. Rätta filen och ladda upp den igen.`,
            },
          ]
        : undefined,
      problems,
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
  };

  r.get('/organisations/import', requireRole('coordinator'), async (_req, res) => renderUpload(res));

  r.post('/organisations/import', requireRole('coordinator'), async (req, res) => {
    const panelId = intParam(str(req.body, 'panel'));
    const yearText = str(req.body, 'year');
    const values = { panel: str(req.body, 'panel'), year: yearText };
    const errors = [];
    if (!req.file || req.file.size === 0) errors.push({ field: 'file', message: 'Välj en CSV-fil att läsa in.' });
    const panel = panelId ? await findPanel(db, panelId) : null;
    if (panelId && !panel) errors.push({ field: 'panel', message: 'Panelen finns inte längre. Välj en annan.' });
    const year = parseYear(yearText);
    if (panel && !year) errors.push({ field: 'year', message: 'Ange året som fyra siffror, t.ex. 2025.' });
    if (errors.length) {
      res.status(400);
      return renderUpload(res, { errors, values });
    }
    const parsed = parseRegisterCsv(req.file!.buffer);
    const fileName = req.file!.originalname || null;
    if (parsed.problems.length) return renderPreview(res, { parsed, plan: null, fileName, importId: null, panel, year });
    const plan = planImport(parsed, await registerSnapshot(db));
    let importId: string | null = null;
    if (!plan.problems.length) {
      importId = await savePendingImport(db, {
        userId: req.user!.id,
        fileName,
        rows: parsed.rows,
        columns: parsed.columns,
        options: panel && year ? { panelId: panel.id, year } : {},
      });
    }
    renderPreview(res, { parsed, plan, fileName, importId, panel, year: panel ? year : null });
  });

  r.post('/organisations/import/:importId', requireRole('coordinator'), async (req, res) => {
    const pending = await findPendingImport(db, String(req.params.importId), req.user!.id);
    if (!pending)
      throw new ConflictError(
        'Förhandsgranskningen finns inte längre (den gäller i en timme och kan användas en gång). Ladda upp filen igen.',
        'import_expired',
      );
    const { panelId, year } = pending.options;
    const result = await importRegister(db, actorOf(req), pending, panelId && year ? { panel: { id: panelId }, year } : {});
    await deletePendingImport(db, pending.id);
    if (!result.imported) {
      // The register changed since the preview: show what is wrong now; nothing was written.
      const panel = panelId ? await findPanel(db, panelId) : null;
      return renderPreview(res, {
        parsed: pending,
        plan: result.plan,
        fileName: pending.fileName,
        importId: null,
        panel,
        year: year ?? null,
      });
    }
    const c = result.plan.counts;
    flash(
      req,
      'success',
      `Inläsningen är klar: ${c.newOrganisations} nya och ${c.updatedOrganisations} uppdaterade organisationer, ${c.newContacts} nya och ${c.updatedContacts} uppdaterade kontaktpersoner.` +
        (result.panel ? ` ${result.panel.added} organisationer lades till i panelen ”${result.panel.name}” för ${result.panel.year}.` : ''),
    );
    res.redirect(303, '/organisations');
  });

  r.post('/organisations/import/:importId/cancel', requireRole('coordinator'), async (req, res) => {
    const pending = await findPendingImport(db, String(req.params.importId), req.user!.id);
    if (pending) await deletePendingImport(db, pending.id);
    flash(req, 'info', 'Inläsningen är avbruten. Inget har ändrats.');
    res.redirect(303, '/organisations/import');
  });

  // ---- one organisation -------------------------------------------------------------------
  r.get('/organisations/:id', requireRole('coordinator'), async (req, res) => {
    const id = idOf(req);
    const organisation = await findOrganisation(db, id);
    if (!organisation) throw new NotFoundError('Organisationen finns inte.');
    const memberships = await membershipsOf(db, id);
    const panels: Array<{ id: number; name: string; years: number[] }> = [];
    for (const m of memberships) {
      let p = panels.find((x) => x.id === m.panelId);
      if (!p) panels.push((p = { id: m.panelId, name: m.panelName, years: [] }));
      p.years.push(m.year);
    }
    res.render('pages/organisations/show', {
      title: organisation.name,
      organisation: { ...organisation, typeLabel: organisationTypeLabel(organisation.type, res.locals.locale) },
      contacts: await listContacts(db, id),
      panels: panels.map((p) => ({ ...p, yearsText: p.years.join(', ') })),
      retentionMonths: deps.config.retentionMonths,
    });
  });

  r.get('/organisations/:id/edit', requireRole('coordinator'), async (req, res) => {
    const organisation = await findOrganisation(db, idOf(req));
    if (!organisation) throw new NotFoundError('Organisationen finns inte.');
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
    const id = idOf(req);
    const organisation = await findOrganisation(db, id);
    if (!organisation) throw new NotFoundError('Organisationen finns inte.');
    const form = organisationForm(req.body);
    try {
      await editOrganisation(db, actorOf(req), id, form);
      flash(req, 'success', 'Ändringarna är sparade.');
      res.redirect(303, `/organisations/${id}`);
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      res.status(400);
      renderOrgForm(res, { organisation, values: form, errors: e.problems });
    }
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

  // ---- contacts -----------------------------------------------------------------------------
  const renderContactForm = async (res: Response, organisationId: number, extra: Record<string, unknown>) => {
    const organisation = await findOrganisation(db, organisationId);
    if (!organisation) throw new NotFoundError('Organisationen finns inte.');
    res.render('pages/organisations/contact', {
      title: extra.contact ? 'Kontaktperson' : 'Ny kontaktperson',
      organisation,
      retentionMonths: deps.config.retentionMonths,
      ...extra,
    });
  };

  r.get('/organisations/:id/contacts/new', requireRole('coordinator'), async (req, res) => {
    await renderContactForm(res, idOf(req), { values: {}, action: `/organisations/${idOf(req)}/contacts` });
  });

  r.post('/organisations/:id/contacts', requireRole('coordinator'), async (req, res) => {
    const id = idOf(req);
    const form = contactForm(req.body);
    try {
      await createContact(db, actorOf(req), id, form);
      flash(req, 'success', 'Kontaktpersonen är tillagd.');
      res.redirect(303, `/organisations/${id}`);
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      res.status(400);
      await renderContactForm(res, id, { values: form, errors: e.problems, action: `/organisations/${id}/contacts` });
    }
  });

  r.get('/contacts/:id', requireRole('coordinator'), async (req, res) => {
    const contact = await findLiveContact(db, idOf(req));
    await renderContactForm(res, contact.organisationId, {
      contact,
      values: { name: contact.name ?? '', email: contact.email ?? '', phone: contact.phone ?? '', role: contact.role ?? '' },
      action: `/contacts/${contact.id}`,
    });
  });

  r.post('/contacts/:id', requireRole('coordinator'), async (req, res) => {
    const contact = await findLiveContact(db, idOf(req));
    const form = contactForm(req.body);
    try {
      await editContact(db, actorOf(req), contact.id, form);
      flash(req, 'success', 'Ändringarna är sparade.');
      res.redirect(303, `/organisations/${contact.organisationId}`);
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      res.status(400);
      await renderContactForm(res, contact.organisationId, {
        contact,
        values: form,
        errors: e.problems,
        action: `/contacts/${contact.id}`,
      });
    }
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

  r.get('/contacts/:id/erase', requireRole('coordinator'), async (req, res) => {
    const contact = await findLiveContact(db, idOf(req));
    const organisation = await findOrganisation(db, contact.organisationId);
    res.render('pages/organisations/contact-erase', { title: 'Radera kontaktpersonens uppgifter', contact, organisation });
  });

  r.post('/contacts/:id/erase', requireRole('coordinator'), async (req, res) => {
    const id = idOf(req);
    if (str(req.body, 'confirm') !== 'ja') {
      const contact = await findLiveContact(db, id);
      const organisation = await findOrganisation(db, contact.organisationId);
      res.status(400);
      return res.render('pages/organisations/contact-erase', {
        title: 'Radera kontaktpersonens uppgifter',
        contact,
        organisation,
        errors: [{ field: 'confirm', message: 'Kryssa i rutan för att bekräfta att uppgifterna ska raderas.' }],
      });
    }
    const organisationId = await eraseContact(db, deps.config, actorOf(req), id);
    flash(req, 'success', 'Kontaktpersonens personuppgifter är raderade. Organisationen och dess svar finns kvar.');
    res.redirect(303, `/organisations/${organisationId}`);
  });

  return r;
}
