// The QR codes of the check-in links: drawn from the `qrcode` package's modules, and read back
// with a real reader (zbarimg from Debian's zbar-tools; required in CI).
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { qrMatrix, qrSvgPath } from '../../server/services/qr';
import { describeWithService } from '../helpers/services';

describe('QR codes', () => {
  it('draws an SVG path with a quiet zone of four modules', () => {
    const { size, path: d } = qrSvgPath('HELLO');
    expect(size).toBe(qrMatrix('HELLO').length + 8);
    expect(d).toMatch(/^(M\d+ \d+h1v1h-1z)+$/);
    // the top-left finder pattern starts at the quiet zone's corner
    expect(d.startsWith('M4 4h1v1h-1z')).toBe(true);
  });
});

const zbar = ['/usr/bin/zbarimg', '/usr/local/bin/zbarimg'].find((p) => fs.existsSync(p));
describeWithService('zbarimg', zbar !== undefined, 'install Debian package "zbar-tools"', 'QR codes read back by a real reader', () => {
  it('decodes to the check-in link', () => {
    for (const text of ['HELLO', 'http://partnerpuls.test/incheckning/' + crypto.randomBytes(32).toString('base64url')]) {
      const m = qrMatrix(text);
      const scale = 4;
      const n = (m.length + 8) * scale;
      const rows: string[] = [];
      for (let y = 0; y < n; y++) {
        const row: string[] = [];
        for (let x = 0; x < n; x++) {
          const mx = Math.floor(x / scale) - 4;
          const my = Math.floor(y / scale) - 4;
          row.push(mx >= 0 && my >= 0 && mx < m.length && my < m.length && m[my][mx] ? '1' : '0');
        }
        rows.push(row.join(' '));
      }
      const file = path.join(os.tmpdir(), `pp-qr-${process.pid}-${crypto.randomBytes(4).toString('hex')}.pbm`);
      fs.writeFileSync(file, `P1\n${n} ${n}\n${rows.join('\n')}\n`);
      const out = execFileSync(zbar!, ['-q', '--raw', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      fs.rmSync(file);
      expect(out.trim()).toBe(text);
    }
  });
});
