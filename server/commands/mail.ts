// Command-line commands of the e-mail outbox (listed in server/cli-commands.ts):
//   outbox status                       counts per status, the latest failures
//   outbox send [--now]                 sends everything due now (when no app instance runs a worker);
//                                       --now: also what waits out a backoff after an outage
//   outbox retry --id N | --failed [--round N]   failed messages back to the queue
//   reminders run                       queues the scheduled reminders that are due now
//   mail bounces FIL…                   delivery reports (.eml) mark their messages and contacts bounced
//   mail bounces --mailbox              reads the bounce mailbox (BOUNCE_IMAP_URL) once
import type { CliCommand } from './command';
import { progress } from './io';
import { CLI } from '../services/audit';
import { applyDeliveryReport, type BounceOutcome, readBounceMailbox } from '../services/bounces';
import { readInputFile } from './io';
import {
  OUTBOX_STATUS_LABELS,
  outboxMessages,
  outboxStatusCounts,
  queueScheduledReminders,
  retryFailedOfRound,
  retryMessage,
  sendDueMail,
} from '../services/mailings';

function positiveInt(v: unknown): number | null {
  return typeof v === 'string' && /^\d{1,9}$/.test(v) && Number(v) > 0 ? Number(v) : null;
}

export const mailCommands: CliCommand[] = [
  {
    name: 'outbox status',
    usage: 'outbox status',
    description: 'Visar hur många e-postmeddelanden som ligger i kö, har skickats, studsat eller misslyckats, och de senaste felen.',
    async run(deps, _a, out) {
      const c = await outboxStatusCounts(deps.db);
      out.log(
        `E-post skickas via: ${deps.mailer.description}${deps.config.outboxWorker ? '' : ' (OUTBOX_WORKER=false: ingen utskicksprocess i appen)'}`,
      );
      for (const s of ['queued', 'sending', 'sent', 'bounced', 'failed'] as const)
        out.log(`  ${OUTBOX_STATUS_LABELS[s].padEnd(13)} ${c[s]}`);
      out.log(`  ${'Totalt'.padEnd(13)} ${c.total}`);
      const failed = await outboxMessages(deps.db, { status: 'failed', limit: 10 });
      if (failed.length) {
        out.log('\nSenaste misslyckade (försök igen: npm run cli -- outbox retry --failed):');
        for (const r of failed) out.log(`  #${r.id} ${r.kind} omgång ${r.roundId ?? '–'}, ${r.attempts} försök: ${r.lastError ?? ''}`);
      }
      return 0;
    },
  },
  {
    name: 'outbox send',
    usage: 'outbox send [--now]',
    description:
      'Skickar allt i utkorgen som ska skickas nu och avslutar sedan (för drift utan utskicksprocess i appen, OUTBOX_WORKER=false). Med --now skickas också det som väntar på ett nytt försök efter ett avbrott hos e-postservern.',
    options: { now: { type: 'boolean' } },
    async run(deps, { values }, out) {
      const r = await sendDueMail(deps, {
        now: values.now === true,
        onBatch: (t) => progress(out, `Skickat ${t.sent} (studsade ${t.bounced}, försöks igen ${t.retried}, misslyckades ${t.failed}) …`),
      });
      await deps.mailer.close();
      out.log(`Skickade: ${r.sent}, studsade: ${r.bounced}, försöks igen senare: ${r.retried}, misslyckades: ${r.failed}.`);
      return 0;
    },
  },
  {
    name: 'outbox retry',
    usage: 'outbox retry --id N | --failed [--round N]',
    description: 'Lägger misslyckade meddelanden i kö igen: ett med --id, eller alla (för en omgång med --round) med --failed.',
    options: { id: { type: 'string' }, failed: { type: 'boolean' }, round: { type: 'string' } },
    async run(deps, { values }, out) {
      if (values.id !== undefined) {
        const id = positiveInt(values.id);
        if (!id) {
          out.error('--id ska vara meddelandets nummer, t.ex. --id 42.');
          return 2;
        }
        const ok = await retryMessage(deps.db, CLI, id);
        out.log(
          ok
            ? `Meddelande #${id} ligger i kö igen.`
            : `Meddelande #${id} kan inte skickas igen (det är inte misslyckat, eller innehållet är raderat).`,
        );
        return ok ? 0 : 1;
      }
      if (values.failed) {
        const round = values.round === undefined ? null : positiveInt(values.round);
        if (values.round !== undefined && !round) {
          out.error('--round ska vara omgångens nummer, t.ex. --round 3.');
          return 2;
        }
        const n = await retryFailedOfRound(deps.db, CLI, round);
        out.log(`${n} misslyckade meddelanden ligger i kö igen.`);
        return 0;
      }
      out.error('Ange --id N eller --failed. Användning: npm run cli -- outbox retry --id N | --failed [--round N]');
      return 2;
    },
  },
  {
    name: 'reminders run',
    usage: 'reminders run',
    description: 'Lägger de schemalagda påminnelser som är aktuella nu i utkorgen (görs annars av utskicksprocessen en gång i minuten).',
    async run(deps, _a, out) {
      const n = await queueScheduledReminders(deps, new Date());
      out.log(n ? `${n} påminnelser ligger i kö.` : 'Inga schemalagda påminnelser är aktuella nu.');
      return 0;
    },
  },
  {
    name: 'mail bounces',
    usage: 'mail bounces FIL.eml … | mail bounces --mailbox',
    description:
      'Läser studsrapporter (leveransrapporter enligt RFC 3464) från filer, eller en gång från studsbrevlådan (BOUNCE_IMAP_URL), och markerar meddelandena och kontaktpersonerna som studsade.',
    options: { mailbox: { type: 'boolean' } },
    async run(deps, { positionals, values }, out) {
      if (values.mailbox) {
        if (!deps.config.bounceImapUrl) {
          out.error('BOUNCE_IMAP_URL är inte inställd.');
          return 2;
        }
        out.log(`Markerade som studsade: ${await readBounceMailbox(deps.db, deps.config)}.`);
        return 0;
      }
      if (!positionals.length) {
        out.error('Ange en eller flera .eml-filer, eller --mailbox.');
        return 2;
      }
      const texts: Record<BounceOutcome, string> = {
        bounced: 'markerad som studsad',
        'unknown-message': 'inget skickat meddelande med det Message-ID:t (redan markerat, eller inte från Partnerpuls)',
        'not-failed': 'ingen misslyckad leverans (t.ex. en försening): ingenting ändrat',
        'not-a-report': 'ingen leveransrapport',
      };
      let failed = 0;
      for (const file of positionals) {
        const raw = readInputFile(file, out);
        if (!raw) {
          failed++;
          continue;
        }
        const r = await applyDeliveryReport(deps.db, raw, CLI);
        out.log(`${file}: ${texts[r.outcome]}${r.status ? ` (${r.status})` : ''}.`);
      }
      return failed ? 1 : 0;
    },
  },
];
