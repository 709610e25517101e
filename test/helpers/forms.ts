// A form as a browser would submit it: every successful control of the form on the page (text
// inputs, hidden inputs, checked checkboxes and radios, selected options, textareas), so a test
// changes a field or two and posts the whole form, the way a person does without JavaScript.
import { load } from 'cheerio';

export type FormFields = Record<string, string | string[]>;

/** The fields of the form matching `selector` (default: the first form in main with method post). */
export function formFields(html: string, selector = 'main form[method="post"]'): FormFields {
  const $ = load(html);
  const form = $(selector).first();
  if (form.length === 0) throw new Error(`no form "${selector}" on the page`);
  const out: FormFields = {};
  const add = (name: string | undefined, value: string) => {
    if (!name) return;
    const had = out[name];
    out[name] = had === undefined ? value : Array.isArray(had) ? [...had, value] : [had, value];
  };
  form.find('input, textarea, select').each((_, el) => {
    const e = $(el);
    const name = e.attr('name');
    const tag = el.tagName.toLowerCase();
    if (tag === 'textarea') return add(name, e.text());
    if (tag === 'select') {
      const chosen = e.find('option[selected]').first();
      return add(name, chosen.length ? (chosen.attr('value') ?? chosen.text()) : (e.find('option').first().attr('value') ?? ''));
    }
    const type = (e.attr('type') ?? 'text').toLowerCase();
    if (type === 'submit' || type === 'button' || type === 'file') return;
    if ((type === 'checkbox' || type === 'radio') && e.attr('checked') === undefined) return;
    add(name, e.attr('value') ?? (type === 'checkbox' ? 'on' : ''));
  });
  return out;
}

/** The id of the element a label with exactly this text is for (fails when there is none or several). */
export function idOfLabel(html: string, text: string, within?: string): string {
  const $ = load(html);
  const labels = $(`${within ?? ''} label`)
    .toArray()
    .filter((l) => $(l).text().replace(/\s+/g, ' ').trim() === text);
  if (labels.length !== 1) throw new Error(`expected one label "${text}", found ${labels.length}`);
  return $(labels[0]).attr('for') ?? '';
}

/** The name of the field with this id. */
export function nameOf(html: string, id: string): string {
  const name = load(html)(`[id="${id}"]`).attr('name');
  if (!name) throw new Error(`no field with id ${id}`);
  return name;
}
