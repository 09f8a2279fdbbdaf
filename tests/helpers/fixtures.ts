// Fixture programs (built by scripts/build-fixtures.sh) and their expected output.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { pinnedToolchains } from '../../src/toolchains.ts';

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
  return allFixtures().filter((n) => !isRunaway(n) && !needsConsoleEvent(n));
}

/** Whether a fixture waits for a console control event (a `console-event` file says which); tests/e2e/console-event.test.ts runs it. */
export function needsConsoleEvent(name: string): boolean {
  return existsSync(`${FIXTURE_SOURCES}/${name}/console-event`);
}

/** Fixtures that never end by themselves. */
export function runawayFixtureNames(): string[] {
  return allFixtures().filter(isRunaway);
}

/** The Go release the goldens and the committed expected outputs are made with: its builds are fixtures/bin/*.exe. */
export const REFERENCE_GO = '1.19';

/** Every Go release toolchains/go.tsv pins, oldest first: scripts/build-fixtures.sh builds each fixture with each. */
export function fixtureGoReleases(): string[] {
  return pinnedToolchains().map((t) => t.release);
}

/** Where the fixtures built by one Go release live (the reference's in fixtures/bin itself). */
function binDir(release: string): string {
  return release === REFERENCE_GO ? FIXTURE_BIN : `${FIXTURE_BIN}/go${release}`;
}

/** Path of a built fixture; throws with the command to run when it is missing. */
export function fixtureExe(name: string, release = REFERENCE_GO): string {
  const p = `${binDir(release)}/${name}.exe`;
  if (!existsSync(p)) throw new Error(`${p.slice(ROOT.length)} missing: run scripts/build-fixtures.sh --go ${release}`);
  return p;
}

/**
 * Expected normalised output of a fixture built by one Go release: its native linux run, or the hand-written
 * Windows override where linux cannot produce it: expected.windows.goX.out for release X when its runtime prints
 * something else, else expected.windows.out (written from Go 1.19's runtime); the same for the exit code
 * (expected.windows[.goX].exit), where Windows ends the process with an exception code linux cannot exit with.
 */
export function expectedOutput(name: string, release = REFERENCE_GO): { text: string; exitCode: number } {
  const dir = `${FIXTURE_SOURCES}/${name}`;
  const native = release === REFERENCE_GO ? `${dir}/expected` : `${binDir(release)}/${name}.expected`;
  if (!existsSync(`${native}.exit`)) throw new Error(`${native.slice(ROOT.length)}.exit missing: run scripts/build-fixtures.sh --go ${release}`);
  const windows = (ext: string) => [`${dir}/expected.windows.go${release}.${ext}`, `${dir}/expected.windows.${ext}`].find((f) => existsSync(f));
  const text = readFileSync(windows('out') ?? `${native}.out`, 'utf8');
  return { text, exitCode: Number(readFileSync(windows('exit') ?? `${native}.exit`, 'utf8').trim()) };
}
