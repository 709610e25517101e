// How a staff account gets its one-time password link: by e-mail through the outbox (kind
// 'account') when an SMTP server is configured — the e-mail says who created the account and how
// long the link works — and on the admin's screen only when no e-mail can be sent (no SMTP_URL:
// the message would only be written to a file on the server). The link's token is stored hashed
// (setup_tokens); the outbox holds the link only until the message is sent, as for respondents.
import type { Knex } from 'knex';
import type { Config } from '../config';
import { isLocale } from '../i18n';
import { renderAccountEmail } from '../mail/account-email';
import { newMessageId } from '../mail/transport';
import { insertOutboxMessage } from '../repositories/outbox';
import { findUserById, type User } from '../repositories/users';
import { inTransaction } from '../repositories/transaction';
import { createAccount, newSetupLinkFor, SETUP_LINK_HOURS } from './accounts';
import { type Actor, audit } from './audit';
import { formatStockholmDeadline } from './stockholm-time';

type LinkConfig = Pick<Config, 'baseUrl' | 'smtpUrl' | 'regionName'>;

export const ROLE_LABELS: Record<string, string> = { admin: 'Administratör', coordinator: 'Samordnare', analyst: 'Analytiker' };

/** The link was e-mailed (`emailedTo`), or — when no e-mail can be sent — is to be shown once (`link`). */
export type LinkDelivery = { user: User; emailedTo: string; link: null } | { user: User; emailedTo: null; link: string };

/** Whether this installation can e-mail a link: only with an SMTP server (without one, e-mail becomes files on the server). */
export function canEmailLinks(config: Pick<Config, 'smtpUrl'>): boolean {
  return !!config.smtpUrl;
}

async function queueLinkEmail(db: Knex, config: LinkConfig, actor: Actor, user: User, token: string, newAccount: boolean): Promise<void> {
  const link = `${config.baseUrl}/setup/${token}`;
  const creator = actor.userId ? await findUserById(db, actor.userId) : null;
  const locale = isLocale(user.locale) ? user.locale : 'sv';
  const validUntil = formatStockholmDeadline(new Date(Date.now() + SETUP_LINK_HOURS * 3600_000).toISOString(), locale);
  const email = renderAccountEmail(
    {
      name: user.name,
      createdBy: creator?.name ?? (locale === 'sv' ? 'En administratör' : 'An administrator'),
      roleLabel: locale === 'sv' ? (ROLE_LABELS[user.role] ?? user.role) : user.role,
      regionName: config.regionName,
      link,
      validUntil,
      hours: SETUP_LINK_HOURS,
      newAccount,
    },
    locale,
    config.baseUrl,
  );
  await inTransaction(db, async (trx) => {
    const outboxId = await insertOutboxMessage(trx, {
      kind: 'account',
      roundId: null,
      organisationId: null,
      contactId: null,
      to: user.email,
      subject: email.subject,
      text: email.text,
      html: email.html,
      headers: { 'Content-Language': locale, 'Auto-Submitted': 'auto-generated' },
      messageId: newMessageId(config.baseUrl),
    });
    await audit(trx, actor, 'account.link_emailed', { type: 'user', id: user.id }, { outboxId, newAccount });
  });
}

/** An admin creates an account: the password link goes by e-mail, or is returned to be shown once. */
export async function createAccountWithLink(
  db: Knex,
  config: LinkConfig,
  actor: Actor,
  input: { email: string; name: string; role: string },
): Promise<LinkDelivery> {
  const { user, setupToken } = await createAccount(db, actor, input);
  if (!canEmailLinks(config)) return { user, emailedTo: null, link: `${config.baseUrl}/setup/${setupToken}` };
  await queueLinkEmail(db, config, actor, user, setupToken, true);
  return { user, emailedTo: user.email, link: null };
}

/** A new password link for an account: by e-mail, or returned to be shown once. */
export async function newSetupLinkWithDelivery(db: Knex, config: LinkConfig, actor: Actor, userId: number): Promise<LinkDelivery> {
  const token = await newSetupLinkFor(db, actor, userId);
  const user = (await findUserById(db, userId))!;
  if (!canEmailLinks(config)) return { user, emailedTo: null, link: `${config.baseUrl}/setup/${token}` };
  await queueLinkEmail(db, config, actor, user, token, false);
  return { user, emailedTo: user.email, link: null };
}
