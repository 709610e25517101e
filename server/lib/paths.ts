// Where the package's own files are (views/, surveys/, the e-mail templates): the folder that holds
// Partnerpuls' package.json, found by walking up from this file. The same code then works from
// server/lib/*.ts under tsx and from dist/server/lib/*.js after `npm run build`.
import fs from 'node:fs';
import path from 'node:path';

function isPackageRoot(dir: string): boolean {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown };
    return pkg.name === 'partnerpuls';
  } catch {
    return false;
  }
}

export function findPackageRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (isPackageRoot(dir)) return dir;
    if (path.dirname(dir) === dir) throw new Error(`Hittar inte Partnerpuls package.json ovanför ${start}`);
  }
}

/** The folder with package.json, views/ and surveys/. */
export const PACKAGE_ROOT = findPackageRoot(__dirname);

/** True when running the JavaScript from `npm run build` (dist/), false under tsx. */
export const RUNNING_BUILT = path.relative(PACKAGE_ROOT, __dirname).split(path.sep)[0] === 'dist';

/** How an operator runs one of the app's commands from this installation, e.g. `npm run -s cli -- migrate --unlock`. */
export function cliCommand(args: string): string {
  return `npm run -s ${RUNNING_BUILT ? 'cli:prod' : 'cli'} -- ${args}`;
}
