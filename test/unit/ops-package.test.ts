// What an operator relies on in package.json and beside it (issue 12): the licence, the supported
// Node versions, start scripts that exec the server (so stopping npm stops the app), and the
// production defaults.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../server/config';
import { productionChecklist } from '../../server/services/production-checklist';

const root = path.resolve(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  license: string;
  engines: { node: string };
  scripts: Record<string, string>;
};

describe('package.json', () => {
  it('is EUPL-1.2, with the official text in LICENSE', () => {
    expect(pkg.license).toBe('EUPL-1.2');
    const text = fs.readFileSync(path.join(root, 'LICENSE'), 'utf8');
    expect(text).toMatch(/^\s*EUROPEAN UNION PUBLIC LICENCE v\. 1\.2/);
    expect(text).toMatch(/15\. Applicable Law/);
    expect(text).toMatch(/Appendix/);
  });

  it('declares the Node versions CI tests: 20, 22 and 24', () => {
    expect(pkg.engines.node).toBe('^20.19.0 || ^22.12.0 || >=24.0.0');
  });

  it('every script that runs the server or the CLI execs it: a signal to npm reaches the app, no child is left', () => {
    for (const name of ['start', 'start:prod', 'dev', 'cli', 'cli:prod'])
      expect([name, pkg.scripts[name]]).toEqual([name, expect.stringMatching(/^exec /)]);
    expect(pkg.scripts['start:prod']).toContain('NODE_ENV=production');
    expect(pkg.scripts.start).toContain('dist/server/index.js');
    expect(pkg.scripts.prestart).toBe('node tools/build-if-stale.mjs');
  });
});

describe('production defaults', () => {
  it('the demo is off in production unless asked for', () => {
    expect(loadConfig({ NODE_ENV: 'production' }).demo).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', DEMO: 'true' }).demo).toBe(true);
    expect(loadConfig({}).demo).toBe(true);
  });

  it('the start lists what is not yet set: https BASE_URL, SMTP, TRUST_PROXY, backups', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-checklist-'));
    const bare = productionChecklist({ config: loadConfig({ NODE_ENV: 'production', DATA_DIR: dir }) });
    expect(bare.join('\n')).toMatch(/BASE_URL/);
    expect(bare.join('\n')).toMatch(/SMTP_URL/);
    expect(bare.join('\n')).toMatch(/TRUST_PROXY=1/);
    expect(bare.join('\n')).toMatch(/säkerhetskopia/);
    const file = path.join(dir, 'partnerpuls.sqlite');
    fs.writeFileSync(`${file}.last-backup.json`, JSON.stringify({ at: new Date().toISOString() }));
    const ready = productionChecklist({
      config: loadConfig({
        NODE_ENV: 'production',
        DATA_DIR: dir,
        BASE_URL: 'https://partnerpuls.region.example.se',
        SMTP_URL: 'smtp://mail.region.example.se:587',
        TRUST_PROXY: '1',
      }),
    });
    expect(ready).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
