// Fixture programs (built by scripts/build-fixtures.sh) and their expected output.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const FIXTURE_SOURCES = `${ROOT}fixtures/go`;
export const FIXTURE_BIN = `${ROOT}fixtures/bin`;

export function fixtureNames(): string[] {
  return readdirSync(FIXTURE_SOURCES, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(`${FIXTURE_SOURCES}/${d.name}/main.go`))
    .map((d) => d.name)
    .sort();
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
