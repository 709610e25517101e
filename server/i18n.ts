// Swedish first, English second. Keys are the Swedish text itself, so a template reads as
// Swedish and a missing English string falls back to Swedish rather than to a key.
// Interpolation uses %{name} so it cannot clash with Handlebars' {{ }}.
import i18next, { type i18n as I18n, type TFunction } from 'i18next';
import en from './locales/en.json';

export type Locale = 'sv' | 'en';
export const LOCALES: Locale[] = ['sv', 'en'];

let instance: I18n | null = null;

export function getI18n(): I18n {
  if (instance) return instance;
  const i = i18next.createInstance();
  void i.init({
    initAsync: false,
    lng: 'sv',
    fallbackLng: false,
    supportedLngs: LOCALES,
    keySeparator: false,
    nsSeparator: false,
    returnEmptyString: false,
    interpolation: { escapeValue: false, prefix: '%{', suffix: '}' },
    resources: { sv: { translation: {} }, en: { translation: en } },
  });
  instance = i;
  return i;
}

export function translator(locale: Locale): TFunction {
  return getI18n().getFixedT(locale);
}

export function isLocale(v: unknown): v is Locale {
  return v === 'sv' || v === 'en';
}
