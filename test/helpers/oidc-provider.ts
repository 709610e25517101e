// A real OpenID Connect provider (the npm package oidc-provider) on 127.0.0.1 inside the test
// process, with its development login pages: the test types a subject as "login" and continues.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import request from 'supertest';

export interface TestAccount {
  email: string;
  name: string;
  groups?: string[];
}

export interface TestProvider {
  issuer: string;
  accounts: Map<string, TestAccount>;
  close(): Promise<void>;
}

export interface TestClient {
  clientId: string;
  clientSecret: string;
  /** the app's name for the provider (OIDC_PROVIDERS), for the redirect URI */
  name: string;
}

export async function startTestProvider(appBaseUrl: string, clients: TestClient[]): Promise<TestProvider> {
  const accounts = new Map<string, TestAccount>();
  let handler: http.RequestListener = (_req, res) => res.end();
  const server = http.createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: clients.map((c) => ({
      client_id: c.clientId,
      client_secret: c.clientSecret,
      redirect_uris: [`${appBaseUrl}/login/sso/${c.name}/callback`],
      post_logout_redirect_uris: [`${appBaseUrl}/login?utloggad=1`],
      grant_types: ['authorization_code'],
      response_types: ['code'],
    })),
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
    scopes: ['openid', 'email', 'profile', 'groups'],
    cookies: { keys: ['a test key for the provider cookies'] },
    features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
    findAccount: (_ctx: unknown, sub: string) => {
      const a = accounts.get(sub);
      if (!a) return undefined;
      return { accountId: sub, claims: () => ({ sub, email: a.email, email_verified: true, name: a.name, groups: a.groups ?? [] }) };
    },
  });
  const callback = provider.callback();
  handler = (req, res) => void callback(req, res);
  return {
    issuer,
    accounts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * A browser at the provider: follows `authorizeUrl` through the provider's login and consent pages
 * as `subject`, and returns the URL the provider sends the browser back to (the app's callback).
 */
export async function signInAtProvider(p: TestProvider, authorizeUrl: string, subject: string): Promise<string> {
  const browser = request.agent(p.issuer);
  let res = await browser.get(authorizeUrl.slice(p.issuer.length));
  for (let step = 0; step < 10; step++) {
    if (res.status === 302 || res.status === 303) {
      const location = String(res.headers.location);
      if (!location.startsWith(p.issuer) && !location.startsWith('/')) return location;
      res = await browser.get(location.startsWith('/') ? location : location.slice(p.issuer.length));
      continue;
    }
    const action = /<form[^>]*action="([^"]+)"/.exec(res.text)?.[1];
    const prompt = /name="prompt" value="([^"]+)"/.exec(res.text)?.[1];
    if (!action || !prompt)
      throw new Error(
        `unexpected page at the provider: ${res.status} ${res.text
          .replace(/<style[\s\S]*<\/style>/, '')
          .replace(/<[^>]+>/g, ' ')
          .replace(/\s+/g, ' ')
          .slice(0, 400)}`,
      );
    res = await browser
      .post(action.startsWith('/') ? action : action.slice(p.issuer.length))
      .type('form')
      .send({ prompt, login: subject, password: 'x' });
  }
  throw new Error('the provider never sent the browser back');
}
