// Boots the real app in-process on a fresh database: a temporary SQLite file, or — when
// TEST_DATABASE_URL points at PostgreSQL — a new database created for this test file.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory from 'knex';
import request from 'supertest';
import type { Express } from 'express';
import { createApp } from '../../server/app';
import { type Config, loadConfig } from '../../server/config';
import { buildDeps, type Deps } from '../../server/deps';
import { createDb, migrateLatest } from '../../server/db';
import { hashPassword } from '../../server/services/accounts';
import { insertUser, type Role } from '../../server/repositories/users';

export interface TestApp {
  app: Express;
  deps: Deps;
  config: Config;
  tmpDir: string;
  close(): Promise<void>;
}

export function testDatabaseKind(): 'postgres' | 'sqlite' {
  return process.env.TEST_DATABASE_URL?.startsWith('postgres') ? 'postgres' : 'sqlite';
}

export async function freshDatabaseUrl(tmpDir: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const pgUrl = process.env.TEST_DATABASE_URL;
  if (pgUrl && pgUrl.startsWith('postgres')) {
    const name = 'pp_test_' + crypto.randomBytes(6).toString('hex');
    const admin = knexFactory({ client: 'pg', connection: pgUrl, pool: { min: 0, max: 1 } });
    await admin.raw(`create database ${name}`);
    await admin.destroy();
    const u = new URL(pgUrl);
    u.pathname = '/' + name;
    return {
      url: u.toString(),
      drop: async () => {
        const a = knexFactory({ client: 'pg', connection: pgUrl, pool: { min: 0, max: 1 } });
        await a.raw(`drop database if exists ${name} with (force)`);
        await a.destroy();
      },
    };
  }
  return { url: `file:${path.join(tmpDir, 'test.sqlite')}`, drop: async () => {} };
}

export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'partnerpuls-test-'));
  const { url, drop } = await freshDatabaseUrl(tmpDir);
  const config = loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: tmpDir,
    DATABASE_URL: url,
    BASE_URL: 'http://partnerpuls.test',
    DEMO: 'false',
    OUTBOX_WORKER: 'false',
    // most tests sign admins in with a password only; test/e2e/two-factor.test.ts sets `required`
    TWO_FACTOR_ADMINS: 'optional',
    ...env,
  });
  const db = createDb(config.databaseUrl);
  await migrateLatest(db);
  const deps = buildDeps(config, { db, secret: 'test-secret-test-secret-test-secret-0123456789' });
  const app = createApp(deps);
  return {
    app,
    deps,
    config,
    tmpDir,
    async close() {
      await db.destroy();
      await drop();
      fs.rmSync(tmpDir, { recursive: true, force: true });
    },
  };
}

export const TEST_PASSWORD = 'ett riktigt bra lösenord';

export async function createUser(
  deps: Deps,
  role: Role,
  email = `${role}-${crypto.randomBytes(3).toString('hex')}@region.example.se`,
): Promise<{ id: number; email: string }> {
  const id = await insertUser(deps.db, { email, name: `Test ${role}`, role, passwordHash: await hashPassword(TEST_PASSWORD) });
  return { id, email };
}

/** The CSRF token of the first form on a page. */
export function csrfFrom(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no CSRF token on the page');
  return m[1];
}

export type Agent = ReturnType<typeof request.agent>;

/** A supertest agent (keeps cookies) that is logged in as a new user with the given role. */
export async function loggedInAgent(t: TestApp, role: Role): Promise<{ agent: Agent; user: { id: number; email: string } }> {
  const user = await createUser(t.deps, role);
  const agent = request.agent(t.app);
  const page = await agent.get('/login').expect(200);
  const res = await agent
    .post('/login')
    .type('form')
    .send({ _csrf: csrfFrom(page.text), email: user.email, password: TEST_PASSWORD });
  if (res.status !== 303) throw new Error(`login failed: ${res.status}`);
  return { agent, user };
}

/** GET a page with the agent, then POST a form to `url` with the page's CSRF token. */
export async function postForm(agent: Agent, pageUrl: string, url: string, fields: Record<string, string | string[]>) {
  const page = await agent.get(pageUrl);
  return agent
    .post(url)
    .type('form')
    .send({ _csrf: csrfFrom(page.text), ...fields });
}
