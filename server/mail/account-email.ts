// The e-mail with a staff account's one-time password link: who created the account (or asked for
// a new link), with which role, and until when the link works. Plain text and an HTML version
// built from it (everything escaped; only the link under BASE_URL becomes a link). No opt-out: it
// is not an e-mail to the partnership but a message about the reader's own account.
import Handlebars from 'handlebars';
import type { Locale } from '../i18n';
import { type RenderedEmail, textToHtmlParagraphs } from './templates';

export interface AccountEmailInput {
  name: string;
  /** Who created the account, or asked for the link (a staff account's name). */
  createdBy: string;
  roleLabel: string;
  regionName: string;
  link: string;
  /** "4 december 2026 kl. 10.15" */
  validUntil: string;
  hours: number;
  /** A new account, or a new link for an existing one. */
  newAccount: boolean;
}

const TEXTS: Record<Locale, { subject: (i: AccountEmailInput) => string; body: (i: AccountEmailInput) => string }> = {
  sv: {
    subject: (i) => (i.newAccount ? `Ditt konto i Partnerpuls (${i.regionName})` : `Ny lösenordslänk till Partnerpuls (${i.regionName})`),
    body: (i) =>
      [
        `Hej ${i.name}!`,
        i.newAccount
          ? `${i.createdBy} har skapat ett konto åt dig i Partnerpuls hos ${i.regionName}, med rollen ${i.roleLabel.toLowerCase()}.`
          : `${i.createdBy} har skapat en ny lösenordslänk till ditt konto i Partnerpuls hos ${i.regionName}.`,
        `Välj ditt lösenord här:\n${i.link}`,
        `Länken gäller i ${i.hours} timmar, till ${i.validUntil}, och kan användas en gång. Har den slutat gälla kan en administratör skapa en ny.`,
        `Väntade du dig inte det här meddelandet? Kontakta ${i.createdBy} eller regionens administratör för Partnerpuls.`,
      ].join('\n\n'),
  },
  en: {
    subject: (i) => (i.newAccount ? `Your Partnerpuls account (${i.regionName})` : `New password link for Partnerpuls (${i.regionName})`),
    body: (i) =>
      [
        `Hello ${i.name},`,
        i.newAccount
          ? `${i.createdBy} has created an account for you in Partnerpuls at ${i.regionName}, with the role ${i.roleLabel.toLowerCase()}.`
          : `${i.createdBy} has created a new password link for your Partnerpuls account at ${i.regionName}.`,
        `Choose your password here:\n${i.link}`,
        `The link works for ${i.hours} hours, until ${i.validUntil}, and can be used once. If it has expired, an administrator can make a new one.`,
        `Not expecting this message? Contact ${i.createdBy} or your region's Partnerpuls administrator.`,
      ].join('\n\n'),
  },
};

const HTML = Handlebars.create().compile(
  `<!DOCTYPE html>
<html lang="{{lang}}"><head><meta charset="utf-8"><title>{{subject}}</title></head>
<body style="margin:0;padding:0;background:#ffffff;color:#1b1b1b;font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5;">
<div style="max-width:40rem;margin:0 auto;padding:1rem;">
{{#each paragraphs}}<p style="margin:0 0 1em 0;">{{#each lines}}{{#unless @first}}<br>{{/unless}}{{#each parts}}{{#if href}}<a href="{{href}}" style="color:#1a4f8b;">{{text}}</a>{{else}}{{text}}{{/if}}{{/each}}{{/each}}</p>
{{/each}}</div></body></html>`,
  { knownHelpersOnly: true, knownHelpers: { each: true, if: true, unless: true } },
);

export function renderAccountEmail(input: AccountEmailInput, locale: Locale, baseUrl: string): RenderedEmail {
  const t = TEXTS[locale];
  const subject = t.subject(input);
  const text = t.body(input) + '\n';
  return { subject, text, html: HTML({ lang: locale, subject, paragraphs: textToHtmlParagraphs(text, baseUrl) }) };
}
