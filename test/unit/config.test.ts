import { ConfigError, loadConfig } from '../../server/config';

describe('configuration from the environment', () => {
  it('starts with no configuration at all: SQLite under data/, demo on, port 3000', () => {
    const c = loadConfig({}, '/srv/pp');
    expect(c.databaseUrl).toBe('file:/srv/pp/data/partnerpuls.sqlite');
    expect(c.port).toBe(3000);
    expect(c.baseUrl).toBe('http://localhost:3000');
    expect(c.demo).toBe(true);
    expect(c.smtpUrl).toBeNull();
    expect(c.outboxDir).toBe('/srv/pp/data/outbox');
    expect(c.trustProxy).toBe(false);
    expect(c.keepAliveTimeoutMs).toBe(65_000);
  });

  it('reads every setting', () => {
    const c = loadConfig(
      {
        DATABASE_URL: 'postgres://pp:secret@db:5432/pp',
        PORT: '8080',
        BASE_URL: 'https://puls.region.se/',
        SMTP_URL: 'smtps://u:p@mail.region.se:465',
        REGION_NAME: 'Region Värmland',
        RETENTION_MONTHS: '24',
        DEMO: 'false',
        TRUST_PROXY: '1',
        SESSION_SECRET: 'x'.repeat(40),
        KEEP_ALIVE_TIMEOUT_SECONDS: '120',
      },
      '/srv/pp',
    );
    expect(c.databaseUrl).toBe('postgres://pp:secret@db:5432/pp');
    expect(c.port).toBe(8080);
    expect(c.baseUrl).toBe('https://puls.region.se');
    expect(c.smtpUrl).toBe('smtps://u:p@mail.region.se:465');
    expect(c.regionName).toBe('Region Värmland');
    expect(c.retentionMonths).toBe(24);
    expect(c.demo).toBe(false);
    expect(c.trustProxy).toBe(1);
    expect(c.keepAliveTimeoutMs).toBe(120_000);
  });

  it('names every bad value in Swedish, all at once', () => {
    let err: unknown;
    try {
      loadConfig({
        PORT: 'abc',
        DATABASE_URL: 'mysql://x',
        SMTP_URL: 'http://mail',
        RETENTION_MONTHS: '0',
        DEMO: 'kanske',
        SESSION_SECRET: 'kort',
        KEEP_ALIVE_TIMEOUT_SECONDS: '0',
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join('\n');
    expect(problems).toContain('PORT ska vara ett heltal 0–65535 (fick "abc")');
    expect(problems).toContain('DATABASE_URL ska börja med postgres:// eller file:');
    expect(problems).toContain('SMTP_URL ska vara en adress som börjar med smtp:// eller smtps://');
    expect(problems).toContain('RETENTION_MONTHS ska vara ett heltal 1–600');
    expect(problems).toContain('DEMO ska vara true eller false (fick "kanske")');
    expect(problems).toContain('SESSION_SECRET ska vara minst 32 tecken lång');
    expect(problems).toContain('KEEP_ALIVE_TIMEOUT_SECONDS ska vara ett heltal 1–3600 (fick "0")');
    expect((err as ConfigError).problems).toHaveLength(7);
  });

  it('hides the password of a bad database URL in the message', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://root:hemligt@db/pp' })).toThrow(/\*\*\*@db/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://root:hemligt@db/pp' })).not.toThrow(/hemligt/);
  });
});
