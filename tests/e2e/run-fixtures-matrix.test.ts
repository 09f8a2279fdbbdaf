// Every fixture built by every other pinned Go release runs on the emulated Windows and prints what the same source
// built by the same release printed natively on linux (normalised), with the same exit code. The reference release's
// builds (Go 1.19) are run-fixtures.test.ts's, twice each. At the end the matrix and its pass count are printed.
//
// WINTRACE_GO selects the releases: a comma list ("1.21,1.27"), or unset/"all" for every pinned one. A release
// whose fixtures are not built fails (the set-up builds them all), so a CI run cannot silently test less.

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { normalizeOutput } from '../../scripts/normalize-output.ts';
import { REFERENCE_GO, expectedOutput, fixtureExe, fixtureGoReleases, fixtureNames } from '../helpers/fixtures.ts';
import { runProgram } from '../helpers/run-program.ts';

// Ten times the longest fixture (gc, ~300M instructions): a runaway cell ends as a failure, not a hung suite.
const MAX_INSTRUCTIONS = 3_000_000_000n;

function selectedReleases(): string[] {
  const all = fixtureGoReleases().filter((r) => r !== REFERENCE_GO);
  const want = process.env.WINTRACE_GO;
  if (want === undefined || want === '' || want === 'all') return all;
  const list = want.split(',').map((s) => s.trim().replace(/^go/, ''));
  for (const r of list) if (!all.includes(r) && r !== REFERENCE_GO) throw new Error(`WINTRACE_GO: ${r} is not a pinned release (${all.join(', ')})`);
  return list.filter((r) => r !== REFERENCE_GO);
}

const releases = selectedReleases();
const names = fixtureNames();
const cells = new Map<string, 'pass' | 'FAIL'>();

describe('fixtures built by every Go release run on the emulated Windows', () => {
  for (const release of releases) {
    for (const name of names) {
      test(`go${release} ${name}: output and exit code match the native run`, () => {
        cells.set(`${release} ${name}`, 'FAIL');
        const expected = expectedOutput(name, release);
        const run = runProgram(fixtureExe(name, release), { maxInstructions: MAX_INSTRUCTIONS });
        assert.equal(run.end.reason, 'exit', `go${release} ${name} ended by ${run.end.reason}`);
        assert.equal(normalizeOutput(run.output), expected.text, `go${release} ${name}: output differs from the native run`);
        assert.equal(run.exitCode, expected.exitCode, `go${release} ${name}: exit code`);
        cells.set(`${release} ${name}`, 'pass');
      });
    }
  }
});

after(() => {
  const width = Math.max(...names.map((n) => n.length));
  const lines = [`${'fixture'.padEnd(width)}  ${releases.map((r) => `go${r}`.padEnd(7)).join(' ')}`];
  for (const name of names) {
    lines.push(`${name.padEnd(width)}  ${releases.map((r) => (cells.get(`${r} ${name}`) ?? '-').padEnd(7)).join(' ')}`);
  }
  const passed = [...cells.values()].filter((v) => v === 'pass').length;
  lines.push(`matrix: ${passed} of ${releases.length * names.length} cells pass (${releases.length} Go releases x ${names.length} fixtures)`);
  process.stderr.write(`\n${lines.join('\n')}\n`);
});
