// The view engine: layouts, partials and the few formatting helpers templates may use.
// Logic stays in services; templates only format. Numbers are formatted by services/numbers.
import path from 'node:path';
import { create } from 'express-handlebars';
import type { HelperOptions } from 'handlebars';
import { translate, type Locale } from './i18n';
import { dateTimeFormat } from './lib/intl';
import { PACKAGE_ROOT } from './lib/paths';

const TZ = 'Europe/Stockholm';

export function formatDateTime(iso: string | null | undefined, locale: Locale = 'sv'): string {
  if (!iso) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '–';
  return dateTimeFormat(locale === 'sv' ? 'sv-SE' : 'en-GB', {
    timeZone: TZ,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).format(d);
}

export function formatDate(iso: string | null | undefined, locale: Locale = 'sv'): string {
  if (!iso) return '–';
  const d = new Date(iso.length === 10 ? iso + 'T12:00:00Z' : iso);
  if (Number.isNaN(d.getTime())) return '–';
  return dateTimeFormat(locale === 'sv' ? 'sv-SE' : 'en-GB', {
    timeZone: TZ,
    year: 'numeric',
    month: 'long',
    day: 'numeric',
  }).format(d);
}

/** The reader's language, from the page's root context (res.locals.locale). */
function localeOf(options: HelperOptions): Locale {
  const root = (options.data as { root?: { locale?: Locale } } | undefined)?.root;
  return root?.locale || 'sv';
}

/** The views folder (views/ at the package root: found from server/ under tsx and from dist/server/ alike). */
export const VIEWS_DIR = path.join(PACKAGE_ROOT, 'views');

/**
 * A page rendered to a string outside a request (the report as an HTML file or as the PDF's
 * source, from the web and from the CLI): `view` like res.render's ("pages/report/show").
 */
export async function renderToString(view: string, context: Record<string, unknown>, viewsDir = VIEWS_DIR): Promise<string> {
  const engine = createViewEngine(viewsDir);
  return engine.renderView(path.join(viewsDir, `${view}.hbs`), { ...context, settings: { views: viewsDir } } as never);
}

export function createViewEngine(viewsDir: string) {
  return create({
    extname: '.hbs',
    defaultLayout: 'main',
    layoutsDir: path.join(viewsDir, 'layouts'),
    partialsDir: path.join(viewsDir, 'partials'),
    // An indented partial call must not indent the partial's output: that would put spaces into
    // the value of a textarea inside it (a respondent's answer, an intro in the survey editor).
    compilerOptions: { preventIndent: true },
    helpers: {
      // {{t "Svensk text %{n}" n=3}} – translated to the request's locale. The values may also
      // come as one object: {{t title values=titleValues}}. User data goes in values, never as the
      // key (see i18n.ts: a value is put in as it is, a text that is not a key is shown as it is).
      t(this: unknown, key: unknown, options: HelperOptions) {
        const { values, ...named } = (options.hash ?? {}) as Record<string, unknown>;
        const all = values !== null && typeof values === 'object' ? { ...(values as Record<string, unknown>), ...named } : named;
        return translate(localeOf(options), typeof key === 'string' || typeof key === 'number' ? String(key) : '', all);
      },
      eq: (a: unknown, b: unknown) => a === b || String(a) === String(b),
      ne: (a: unknown, b: unknown) => !(a === b || String(a) === String(b)),
      and: (...args: unknown[]) => args.slice(0, -1).every(Boolean),
      or: (...args: unknown[]) => args.slice(0, -1).some(Boolean),
      not: (a: unknown) => !a,
      gt: (a: unknown, b: unknown) => Number(a) > Number(b),
      includes: (list: unknown, v: unknown) => Array.isArray(list) && list.map(String).includes(String(v)),
      dateTime(this: unknown, iso: string, options: HelperOptions) {
        return formatDateTime(iso, localeOf(options));
      },
      date(this: unknown, iso: string, options: HelperOptions) {
        return formatDate(iso, localeOf(options));
      },
      // The error for one field, from the `errors` list given to the page.
      fieldError(errors: Array<{ field: string; message: string }> | undefined, field: string) {
        return errors?.find((e) => e.field === field)?.message ?? '';
      },
      json: (v: unknown) => JSON.stringify(v),
      add: (a: unknown, b: unknown) => Number(a) + Number(b),
      concat: (...args: unknown[]) => args.slice(0, -1).join(''),
      // {{t (plural n "%{n} organisation" "%{n} organisationer") n=n}} – the key for one or for many
      plural: (n: unknown, one: string, other: string) => (Number(n) === 1 ? one : other),
    },
  });
}
