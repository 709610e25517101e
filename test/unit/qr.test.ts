// The QR encoder of the check-in links (services/qr.ts). The two pinned matrices were decoded
// with zbarimg (ZBar) when the encoder was written; where zbarimg is installed the test decodes
// fresh codes too.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { qrMatrix, qrSvgPath } from '../../server/services/qr';

const hashOf = (m: boolean[][]) => crypto.createHash('sha256').update(m.map((r) => r.map((d) => (d ? '1' : '0')).join('')).join('\n')).digest('hex');

function finderAt(m: boolean[][], x: number, y: number): boolean {
  for (let dy = -3; dy <= 3; dy++) {
    for (let dx = -3; dx <= 3; dx++) {
      const dist = Math.max(Math.abs(dx), Math.abs(dy));
      if (m[y + dy][x + dx] !== (dist !== 2)) return false;
    }
  }
  return true;
}

describe('QR codes', () => {
  it('pins two codes that a reader decoded', () => {
    expect(qrMatrix('HELLO').length).toBe(21);
    expect(hashOf(qrMatrix('HELLO'))).toBe('c346c75add5698735afe3f7eb4f3e6c57ccefd9563f45f65c6d76aa518fb6f91');
    const link = 'http://partnerpuls.test/incheckning/abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ';
    expect(qrMatrix(link).length).toBe(37); // version 5
    expect(hashOf(qrMatrix(link))).toBe('5c815d1ec97c5fa3ea1807361d31134b3c8436dd912140b0901a083b0db658a7');
  });

  it('has the three finder patterns, the timing patterns and the dark module', () => {
    const m = qrMatrix('https://region.example.se/incheckning/' + 'A'.repeat(43));
    const n = m.length;
    expect(finderAt(m, 3, 3) && finderAt(m, n - 4, 3) && finderAt(m, 3, n - 4)).toBe(true);
    for (let i = 8; i < n - 8; i++) {
      expect(m[6][i]).toBe(i % 2 === 0);
      expect(m[i][6]).toBe(i % 2 === 0);
    }
    expect(m[n - 8][8]).toBe(true);
  });

  it('grows the version with the text and refuses what does not fit in version 10', () => {
    expect(qrMatrix('a'.repeat(150)).length).toBe(49); // version 8
    expect(qrMatrix('b'.repeat(213)).length).toBe(57); // version 10, full
    expect(() => qrMatrix('c'.repeat(214))).toThrow(RangeError);
  });

  it('draws an SVG path with a quiet zone of four modules', () => {
    const { size, path: d } = qrSvgPath('HELLO');
    expect(size).toBe(29);
    expect(d.startsWith('M4 4h1v1h-1z')).toBe(true);
    expect(d).toMatch(/^(M\d+ \d+h1v1h-1z)+$/);
  });

  const zbar = ['/usr/bin/zbarimg', '/usr/local/bin/zbarimg'].find((p) => fs.existsSync(p));
  (zbar ? it : it.skip)('decodes with zbarimg (when installed)', () => {
    for (const text of ['HELLO', 'http://partnerpuls.test/incheckning/' + crypto.randomBytes(32).toString('base64url'), 'x'.repeat(200)]) {
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
      const file = path.join(os.tmpdir(), `pp-qr-${process.pid}.pbm`);
      fs.writeFileSync(file, `P1\n${n} ${n}\n${rows.join('\n')}\n`);
      const out = execFileSync(zbar!, ['-q', '--raw', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      expect(out.trim()).toBe(text);
      fs.rmSync(file);
    }
  });
});
