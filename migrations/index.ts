// Every migration, in order. A custom migration source (instead of a directory scan) lets the
// same list run under tsx, jest and the compiled build. Add new files at the end; never edit
// a migration that has landed.
import type { Knex } from 'knex';
import * as m20261201120000 from './20261201120000_create-register';
import * as m20261201120100 from './20261201120100_create-staff-sessions-audit';
import * as m20261201120200 from './20261201120200_create-surveys-rounds-responses';
import * as m20261201120300 from './20261201120300_create-meetings-indicators-outbox';
import * as m20261201121000 from './20261201121000_create-register-imports';
import * as m20261201124000 from './20261201124000_mail-optout-reminders';
import * as m20261201125500 from './20261201125500_indicators-retired';
import * as m20261201140000 from './20261201140000_sso-two-factor-rate-limits';
import * as m20261201150000 from './20261201150000_background-leases';
import * as m20261202090000 from './20261202090000_invitation-token-access';
import * as m20261202091000 from './20261202091000_create-meeting-checkins';
import * as m20261202091100 from './20261202091100_checkin-attendance-to-claims';
import * as m20261202120000 from './20261202120000_outbox-list-unsubscribe';
import * as m20261202120100 from './20261202120100_outbox-tokens-out-of-headers';
import * as m20261202120200 from './20261202120200_mail-sends';
import * as m20261202130000 from './20261202130000_rounds-year-over-year';
import * as m20261202130100 from './20261202130100_rounds-closed-at-data';
import * as m20261210090000 from './20261210090000_survey-editor';
import * as m20261210100000 from './20261210100000_answer-round-indexes';
import * as m20261210100100 from './20261210100100_indicator-figures';
import * as m20261210100200 from './20261210100200_indicator-generation-triggers';
import * as m20261211090000 from './20261211090000_outbox-contact-index';
import * as m20261212090000 from './20261212090000_confirmation-queue';

type Migration = { up: (k: Knex) => Promise<void>; down: (k: Knex) => Promise<void> };

const migrations: Array<[string, Migration]> = [
  ['20261201120000_create-register', m20261201120000],
  ['20261201120100_create-staff-sessions-audit', m20261201120100],
  ['20261201120200_create-surveys-rounds-responses', m20261201120200],
  ['20261201120300_create-meetings-indicators-outbox', m20261201120300],
  ['20261201121000_create-register-imports', m20261201121000],
  ['20261201124000_mail-optout-reminders', m20261201124000],
  ['20261201125500_indicators-retired', m20261201125500],
  ['20261201140000_sso-two-factor-rate-limits', m20261201140000],
  ['20261201150000_background-leases', m20261201150000],
  ['20261202090000_invitation-token-access', m20261202090000],
  ['20261202091000_create-meeting-checkins', m20261202091000],
  ['20261202091100_checkin-attendance-to-claims', m20261202091100],
  ['20261202120000_outbox-list-unsubscribe', m20261202120000],
  ['20261202120100_outbox-tokens-out-of-headers', m20261202120100],
  ['20261202120200_mail-sends', m20261202120200],
  ['20261202130000_rounds-year-over-year', m20261202130000],
  ['20261202130100_rounds-closed-at-data', m20261202130100],
  ['20261210090000_survey-editor', m20261210090000],
  ['20261210100000_answer-round-indexes', m20261210100000],
  ['20261210100100_indicator-figures', m20261210100100],
  ['20261210100200_indicator-generation-triggers', m20261210100200],
  ['20261211090000_outbox-contact-index', m20261211090000],
  ['20261212090000_confirmation-queue', m20261212090000],
];

export const migrationSource: Knex.MigrationSource<[string, Migration]> = {
  getMigrations: () => Promise.resolve(migrations),
  getMigrationName: (m) => m[0],
  getMigration: (m) => Promise.resolve(m[1]),
};
