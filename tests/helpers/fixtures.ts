// Fixture programs (built by scripts/build-fixtures.sh) and their expected output.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const FIXTURE_SOURCES = `${ROOT}fixtures/go`;
export const FIXTURE_BIN = `${ROOT}fixtures/bin`;

function allFixtures(): string[] {
  return readdirSync(FIXTURE_SOURCES, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(`${FIXTURE_SOURCES}/${d.name}/main.go`))
    .map((d) => d.name)
    .sort();
}

/** Whether a fixture never ends by itself (its directory holds a `runaway` file saying why). */
export function isRunaway(name: string): boolean {
  return existsSync(`${FIXTURE_SOURCES}/${name}/runaway`);
}

/**
 * Fixtures that end by themselves, with an expected output: what tests and benchmarks that run every fixture to
 * its end iterate over. Runaway fixtures (spin, deadlock) are left out; tests/e2e/runaway.test.ts runs them.
 */
export function fixtureNames(): string[] {
  return allFixtures().filter((n) => !isRunaway(n));
}

/** Fixtures that never end by themselves. */
export function runawayFixtureNames(): string[] {
  return allFixtures().filter(isRunaway);
}

/** Path of a built fixture; throws with the command to run when it is missing. */
export function fixtureExe(name: string): string {
  const p = `${FIXTURE_BIN}/${name}.exe`;
  if (!existsSync(p)) throw new Error(`fixtures/bin/${name}.exe missing: run scripts/build-fixtures.sh`);
  return p;
}

/** Expected normalised output: the hand-written Windows override when Linux cannot produce it. */
export function expectedOutput(name: string): { text: string; exitCode: number } {
  const dir = `${FIXTURE_SOURCES}/${name}`;
  const win = `${dir}/expected.windows.out`;
  const text = readFileSync(existsSync(win) ? win : `${dir}/expected.out`, 'utf8');
  return { text, exitCode: Number(readFileSync(`${dir}/expected.exit`, 'utf8').trim()) };
}
