// Tests that need a service (PostgreSQL, Chromium) that is absent are skipped LOUDLY, with the
// reason. In CI (REQUIRE_ALL_SERVICES=1) an absent service is a failure instead: nothing may be skipped.
import fs from 'node:fs';

export function chromiumPath(): string | null {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean) as string[];
  return candidates.find((p) => fs.existsSync(p)) ?? null;
}

/** describe() when the service is there; otherwise a loud skip (or a failure in CI). */
export function describeWithService(service: string, available: boolean, reason: string, name: string, fn: () => void): void {
  if (available) {
    describe(name, fn);
    return;
  }
  if (process.env.REQUIRE_ALL_SERVICES === '1') {
    describe(name, () => {
      it(`needs ${service}`, () => {
        throw new Error(`${service} is required in CI but absent: ${reason}`);
      });
    });
    return;
  }

  console.warn(`\n*** SKIPPED: "${name}" needs ${service}: ${reason} ***\n`);
  describe.skip(`${name} [SKIPPED: ${service} absent — ${reason}]`, fn);
}
