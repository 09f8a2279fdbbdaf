// Programs whose memory use used to end the run: QEMU aborted the whole process at about a thousand Unicorn
// regions, one per VirtualAlloc commit and one per thread stack. Each runs to the native output under `run` and
// under `record` (whose trace then opens), with the Go 1.27 builds; and Unicorn's region count stays small whatever
// the program does (guest memory on host pages, src/recorder/engine/host-pages.ts).

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { normalizeOutput } from '../../scripts/normalize-output.ts';
import { openProgram } from '../../src/recorder/program.ts';
import type { UnicornEngine } from '../../src/recorder/engine/unicorn.ts';
import { wintrace } from '../helpers/cli.ts';
import { expectedOutput, fixtureExe } from '../helpers/fixtures.ts';

const RELEASE = '1.27';
const PROGRAMS = ['mem-virtualalloc', 'mem-4gib', 'threads-2000'];
const dir = mkdtempSync(join(tmpdir(), 'wintrace-memory-scale-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe(`memory-hungry programs built by Go ${RELEASE}`, () => {
  for (const name of PROGRAMS) {
    test(`${name}: run prints the native output`, () => {
      const expected = expectedOutput(name, RELEASE);
      const r = wintrace('run', fixtureExe(name, RELEASE));
      assert.equal(r.code, expected.exitCode, r.err);
      assert.equal(normalizeOutput(r.out + r.err), expected.text);
    });

    test(`${name}: record prints the native output and leaves a trace that opens`, () => {
      const expected = expectedOutput(name, RELEASE);
      const trace = join(dir, `${name}.mp`);
      const r = wintrace('record', fixtureExe(name, RELEASE), '-o', trace);
      assert.equal(r.code, expected.exitCode, r.err);
      assert.ok(normalizeOutput(r.out).includes(expected.text.trim()), `${name}: recorded output:\n${r.out}`);
      const show = wintrace('show', trace, '--at', '100%');
      assert.equal(show.code, 0, show.err);
    });
  }

  test('2,000 threads started and ended leave no stacks or TEBs behind, and few Unicorn regions', () => {
    const { process: proc, engine } = openProgram(fixtureExe('threads-2000', RELEASE), {
      args: [], env: {}, stdout: () => {}, stderr: () => {},
    });
    try {
      const end = proc.run();
      assert.equal(end.reason, 'exit');
      // Those alive when the process exits keep theirs (the address space goes at once); 20 run at a time.
      const stacks = proc.vm.list().filter((r) => r.kind === 'stack').length;
      assert.equal(proc.threads.length > 2000, true);
      assert.ok(stacks <= 25, `${stacks} thread stacks still reserved after ${proc.threads.length} threads`);
      const { regions } = (engine as UnicornEngine).memoryStats();
      assert.ok(regions < 100, `${regions} Unicorn regions`);
    } finally {
      engine.close();
    }
  });
});
