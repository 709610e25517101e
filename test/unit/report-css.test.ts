// The printed report's page box (services/report-files.ts) puts the region's name into CSS inside
// the report file's <style>: quotes, backslashes and "<" are escaped, so no name ends the string or
// the element.
import { reportPageCss } from '../../server/services/report-files';

it('escapes a region name that would end the CSS string or the <style> element', () => {
  const css = reportPageCss('Region "Test" \\ </style><script>alert(1)</script>', 2025, 'sv');
  expect(css).not.toMatch(/<\/?(style|script)/i);
  expect(css).toContain('content: "Region \\"Test\\" \\\\ \\3c /style>\\3c script>alert(1)\\3c /script> · Indikatorer 2025"');
});
