// QR codes for the årshjul check-in links, drawn as an SVG path on the server (no JavaScript).
// The encoding is done by the `qrcode` package; this file only turns its modules into a path.
import QRCode from 'qrcode';

/** The dark modules of the QR code for `text` (error correction level M). */
export function qrMatrix(text: string): boolean[][] {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const n = modules.size;
  return Array.from({ length: n }, (_, y) => Array.from({ length: n }, (_, x) => Boolean(modules.get(y, x))));
}

/** An SVG path of unit squares with a quiet zone of four modules; `size` is the viewBox side. */
export function qrSvgPath(text: string): { size: number; path: string } {
  const m = qrMatrix(text);
  const quiet = 4;
  let path = '';
  m.forEach((row, y) => row.forEach((dark, x) => (path += dark ? `M${x + quiet} ${y + quiet}h1v1h-1z` : '')));
  return { size: m.length + 2 * quiet, path };
}
