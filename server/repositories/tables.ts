// The row type of every table, declared once (knex's table type augmentation), so `db('rounds')`
// returns typed rows in every repository. Column names are the database's (snake_case); the
// repositories map rows to the domain types (camelCase) the services use.
//
// What the two databases hand back (see db.ts): timestamps as ISO-8601 strings, counts and numeric
// columns as numbers, booleans as 0/1 (SQLite) or true/false (PostgreSQL), JSON columns as text
// (SQLite) or parsed (PostgreSQL) — read them with bool() and json() from db.ts.

/** A boolean column: 0/1 from SQLite, true/false from PostgreSQL. Read with bool(). */
export type DbBool = boolean | number;
/** A JSON column: text from SQLite, parsed from PostgreSQL. Read with json<T>(). */
export type DbJson = unknown;
/** A timestamp column: an ISO-8601 UTC string (written with nowIso()). */
export type DbTime = string;

export type OrganisationRow = {
  id: number;
  name: string;
  organisation_number: string | null;
  type: string;
  municipality: string | null;
  active: DbBool;
  created_at: DbTime;
  updated_at: DbTime;
};

export type ContactRow = {
  id: number;
  organisation_id: number;
  name: string | null;
  email: string | null;
  phone: string | null;
  role: string | null;
  active: DbBool;
  opted_out_at: DbTime | null;
  bounced_at: DbTime | null;
  bounce_reason: string | null;
  erased_at: DbTime | null;
  created_at: DbTime;
  updated_at: DbTime;
  /** sv | en: the language of the contact's e-mails and landing page */
  language: string;
};

export type PanelRow = {
  id: number;
  slug: string;
  name: string;
  description: string | null;
  created_at: DbTime;
};

export type PanelMembershipRow = {
  id: number;
  panel_id: number;
  organisation_id: number;
  year: number;
};

export type UserRow = {
  id: number;
  email: string;
  name: string;
  password_hash: string | null;
  role: string;
  active: DbBool;
  session_epoch: number;
  locale: string;
  last_login_at: DbTime | null;
  created_at: DbTime;
  updated_at: DbTime;
};

export type SetupTokenRow = {
  id: number;
  token_hash: string;
  purpose: string;
  user_id: number | null;
  expires_at: DbTime;
  used_at: DbTime | null;
  created_at: DbTime;
  revoked_at: DbTime | null;
};

export type SessionRow = {
  sid: string;
  sess: DbJson;
  expired: DbTime;
};

export type ApiTokenRow = {
  id: number;
  name: string;
  token_hash: string;
  created_by: number | null;
  created_at: DbTime;
  last_used_at: DbTime | null;
  revoked_at: DbTime | null;
};

export type SettingRow = {
  key: string;
  value: string;
  updated_at: DbTime;
};

export type AuditRow = {
  id: number;
  at: DbTime;
  actor_user_id: number | null;
  actor: string;
  action: string;
  entity_type: string | null;
  entity_id: string | null;
  details: DbJson;
};

export type SurveyVersionRow = {
  id: number;
  survey_id: string;
  content_hash: string;
  definition: string;
  title: string;
  source: string;
  created_at: DbTime;
  created_by: number | null;
  parent_version_id: number | null;
  note: string | null;
};

/** A survey version being edited in the browser (the document is the survey file's data as JSON). */
export type SurveyDraftRow = {
  id: number;
  survey_id: string;
  parent_version_id: number | null;
  document: string;
  confirmed: string;
  note: string | null;
  revision: number;
  created_by: number | null;
  updated_by: number | null;
  created_at: DbTime;
  updated_at: DbTime;
};

export type RoundRow = {
  id: number;
  survey_version_id: number;
  survey_id: string;
  year: number;
  panel_id: number;
  title: string;
  state: string;
  opens_at: DbTime | null;
  closes_at: DbTime | null;
  contact_name: string | null;
  contact_email: string | null;
  confidential: DbBool;
  allow_changes: DbBool;
  send_confirmation: DbBool;
  reminder_days: DbJson;
  imported: DbBool;
  created_by: number | null;
  created_at: DbTime;
  updated_at: DbTime;
  /** when the round really closed (null while it has not) */
  closed_at: DbTime | null;
  /** Reply-To of the round's e-mails; null: the contact person's address */
  reply_to: string | null;
  /** the invitations are sent at this time by the background worker */
  invitations_at: DbTime | null;
  /** set by the one instance that queued the scheduled invitations */
  invitations_queued_at: DbTime | null;
};

export type InvitationRow = {
  id: number;
  round_id: number;
  organisation_id: number;
  invited_at: DbTime | null;
  first_opened_at: DbTime | null;
  revoked_at: DbTime | null;
  created_at: DbTime;
};

export type InvitationTokenRow = {
  id: number;
  invitation_id: number;
  contact_id: number | null;
  token_hash: string;
  /** 'answer' (opens and changes the organisation's answer) or 'status' (only whether it has answered). */
  access: string;
  created_at: DbTime;
  last_used_at: DbTime | null;
  revoked_at: DbTime | null;
};

export type ResponseRow = {
  id: number;
  round_id: number;
  organisation_id: number;
  status: string;
  version: number;
  revision: number;
  saved_by_contact_id: number | null;
  saved_at: DbTime | null;
  started_at: DbTime | null;
  submitted_at: DbTime | null;
  submitted_by_contact_id: number | null;
  receipt_code: string | null;
  source: string;
  created_at: DbTime;
  updated_at: DbTime;
};

export type AnswerRow = {
  id: number;
  response_id: number;
  question_id: string;
  item_id: string;
  option_code: string | null;
  text_value: string | null;
};

export type ResponseRevisionRow = {
  id: number;
  response_id: number;
  revision: number;
  kind: string;
  answers: DbJson;
  contact_id: number | null;
  created_at: DbTime;
};

export type RoundTestLinkRow = {
  id: number;
  round_id: number;
  token_hash: string;
  created_by: number | null;
  created_at: DbTime;
  revoked_at: DbTime | null;
};

/** Answers given through a round's test link: never in `responses`/`answers`, so never in a figure. */
export type TestResponseRow = {
  id: number;
  round_id: number;
  test_link_id: number | null;
  survey_version_id: number;
  answers: string;
  locale: string;
  submitted_at: DbTime;
};

export type RoundTemplateRow = {
  id: number;
  round_id: number;
  kind: string;
  locale: string;
  subject: string;
  body: string;
  updated_at: DbTime;
};

export type MeetingRow = {
  id: number;
  panel_id: number;
  year: number;
  type: string;
  held_on: string;
  place: string | null;
  checkin_token_hash: string | null;
  created_at: DbTime;
};

export type AttendanceRow = {
  id: number;
  meeting_id: number;
  organisation_id: number;
  source: string;
  created_at: DbTime;
};

export type MeetingCheckinRow = {
  id: number;
  meeting_id: number;
  organisation_id: number;
  /** SHA-256 of the browser's random check-in cookie; null for claims from before claims existed. */
  browser_hash: string | null;
  created_at: DbTime;
  confirmed_at: DbTime | null;
};

export type IndicatorRow = {
  id: string;
  survey_id: string | null;
  kind: string;
  name: string;
  goal: string | null;
  level: string | null;
  unit: string;
  direction: string;
  definition: DbJson;
  updated_at: DbTime;
  retired_at: DbTime | null;
};

export type IndicatorTargetRow = {
  id: number;
  indicator_id: string;
  year: number;
  /** decimal(9,4): a number (PostgreSQL's numeric is parsed in db.ts). */
  target: number | string;
  set_by: number | null;
  set_at: DbTime;
};

export type IndicatorValueRow = {
  id: number;
  indicator_id: string;
  year: number;
  numerator: number | null;
  denominator: number | null;
  value: number | string | null;
  source: string;
  comment: string | null;
  created_at: DbTime;
};

export type IndicatorCommentRow = {
  id: number;
  indicator_id: string;
  year: number;
  comment: string | null;
  status_override: string | null;
  status_reason: string | null;
  updated_by: number | null;
  updated_at: DbTime;
};

export type PublicationRow = {
  id: number;
  year: number;
  version: number;
  reason: string | null;
  snapshot: DbJson;
  published_by: number | null;
  published_at: DbTime;
};

export type OutboxRow = {
  id: number;
  kind: string;
  round_id: number | null;
  organisation_id: number | null;
  contact_id: number | null;
  to_address: string | null;
  subject: string;
  text_body: string | null;
  html_body: string | null;
  headers: DbJson;
  message_id: string;
  status: string;
  attempts: number;
  next_attempt_at: DbTime;
  claimed_at: DbTime | null;
  claimed_by: string | null;
  sent_at: DbTime | null;
  last_error: string | null;
  created_at: DbTime;
  /** The List-Unsubscribe header (holds an opt-out token): cleared with the bodies. */
  list_unsubscribe: string | null;
  /** The send (mail_sends) that queued the e-mail; null for confirmations and older rows. */
  send_id: number | null;
};

export type RegisterImportRow = {
  id: string;
  user_id: number | null;
  file_name: string | null;
  row_count: number;
  content: string;
  created_at: DbTime;
  expires_at: DbTime;
};

/** A submit's confirmation e-mail, waiting for the outbox worker to prepare it (migration 20261212090000). */
export type ConfirmationQueueRow = {
  id: number;
  response_id: number;
  contact_id: number | null;
  receipt_code: string | null;
  created_at: DbTime;
};

export type MailOptoutTokenRow = {
  id: number;
  token_hash: string;
  contact_id: number;
  outbox_id: number | null;
  created_at: DbTime;
  used_at: DbTime | null;
};

export type MailSendRow = {
  id: number;
  request_key: string;
  round_id: number;
  kind: string;
  scope: string;
  requested_by: number | null;
  organisations: number;
  messages: number;
  created_at: DbTime;
};

export type MailReminderRunRow = {
  id: number;
  round_id: number;
  days_before: number;
  outcome: string;
  messages: number;
  created_at: DbTime;
};

export type UserIdentityRow = {
  id: number;
  user_id: number;
  provider: string;
  subject: string;
  created_at: DbTime;
  last_login_at: DbTime | null;
};

export type UserTotpRow = {
  user_id: number;
  secret_encrypted: string;
  /** bigint: a number (parsed in db.ts). */
  last_time_step: number;
  enabled_at: DbTime;
};

export type UserRecoveryCodeRow = {
  id: number;
  user_id: number;
  code_hash: string;
  created_at: DbTime;
  used_at: DbTime | null;
};

export type RateLimitRow = {
  key: string;
  hits: number;
  /** ms since 1970 (bigint: a number, parsed in db.ts). */
  reset_at: number;
};

export type BackgroundLeaseRow = {
  name: string;
  holder: string | null;
  lease_until: DbTime | null;
  next_run_at: DbTime | null;
  last_started_at: DbTime | null;
  last_finished_at: DbTime | null;
  last_result: string | null;
};

export type IndicatorGenerationRow = {
  year: number;
  generation: number;
};

export type IndicatorFigureRow = {
  year: number;
  /** row:<indicator> | breakdowns:<indicator> */
  key: string;
  stamp: string;
  /** JSON (text on SQLite) */
  payload: string;
  computed_at: string;
};

/** Every table and its row type. A new table's migration adds its row here. */
export type TableRows = {
  organisations: OrganisationRow;
  contacts: ContactRow;
  panels: PanelRow;
  panel_memberships: PanelMembershipRow;
  users: UserRow;
  setup_tokens: SetupTokenRow;
  sessions: SessionRow;
  api_tokens: ApiTokenRow;
  settings: SettingRow;
  audit_log: AuditRow;
  survey_versions: SurveyVersionRow;
  survey_drafts: SurveyDraftRow;
  rounds: RoundRow;
  invitations: InvitationRow;
  invitation_tokens: InvitationTokenRow;
  responses: ResponseRow;
  answers: AnswerRow;
  response_revisions: ResponseRevisionRow;
  round_test_links: RoundTestLinkRow;
  test_responses: TestResponseRow;
  round_templates: RoundTemplateRow;
  meetings: MeetingRow;
  attendance: AttendanceRow;
  meeting_checkins: MeetingCheckinRow;
  indicators: IndicatorRow;
  indicator_targets: IndicatorTargetRow;
  indicator_values: IndicatorValueRow;
  indicator_comments: IndicatorCommentRow;
  publications: PublicationRow;
  email_outbox: OutboxRow;
  register_imports: RegisterImportRow;
  mail_optout_tokens: MailOptoutTokenRow;
  confirmation_queue: ConfirmationQueueRow;
  mail_reminder_runs: MailReminderRunRow;
  mail_sends: MailSendRow;
  user_identities: UserIdentityRow;
  user_totp: UserTotpRow;
  user_recovery_codes: UserRecoveryCodeRow;
  rate_limits: RateLimitRow;
  background_leases: BackgroundLeaseRow;
  indicator_generations: IndicatorGenerationRow;
  indicator_figures: IndicatorFigureRow;
};

declare module 'knex/types/tables' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- knex's augmentation point is an interface to extend
  interface Tables extends TableRows {}
}
