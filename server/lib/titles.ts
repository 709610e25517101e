// Page titles that are user data — an organisation's or a panel's name, a round's or a survey's
// title — go to the layout as an interpolation value, never as the translation key: the layout
// translates `title` with `titleValues` ({{t title values=titleValues}}), see server/i18n.ts.

export interface DataTitle {
  title: string;
  titleValues: Record<string, string>;
}

/** A page title that is a name or a title, shown exactly as written. */
export function titleOfData(text: string): DataTitle {
  return { title: '%{text}', titleValues: { text } };
}
