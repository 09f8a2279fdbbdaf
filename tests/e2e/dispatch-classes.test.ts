// Exception episodes that say how a dispatch went beyond its handlers (issue 18), on Go 1.19 and 1.27:
// a fault on a thread Go did not create (fixtures/go/fault-no-g: no g; 1.19 sends it to badsignal2, whose abort
// faults again until the thread's stack is gone, 1.27's sigtrampgo passes it on and Windows ends the process),
// and a fault in code outside the Go image that every Go handler before the last passes on
// (fixtures/go/last-continue: lastcontinuehandler → winthrow → exit 2). A process that exits inside a handler
// was listed as "(unhandled)", as if Windows had ended it.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { normalizeOutput } from '../../scripts/normalize-output.ts';
import type { Episode } from '../../src/replayer/episodes.ts';
import { Replay } from '../../src/replayer/replay.ts';
import { wintrace } from '../helpers/cli.ts';
import { expectedOutput, fixtureExe } from '../helpers/fixtures.ts';
import { runProgram } from '../helpers/run-program.ts';

const dir = mkdtempSync(join(tmpdir(), 'wintrace-dispatch-classes-'));
after(() => rmSync(dir, { recursive: true, force: true }));

type Ep = Episode;

function exceptions(fixture: string, release: string): Ep[] {
  const trace = join(dir, `${fixture}-${release}.mp`);
  const rec = wintrace('record', fixtureExe(fixture, release), '-o', trace, '-q');
  assert.equal(rec.code, 0, rec.err);
  // Through the library: 1.19's storm lists 1,721 episodes, more JSON than the CLI helper's pipe buffer holds.
  const replay = Replay.open(trace);
  try {
    return replay.episodes().filter((e) => e.kind === 'exception');
  } finally {
    replay.close();
  }
}

const labels = (e: Ep) => e.marks.map((m) => m.label.replace(/0x[0-9a-f]+/g, 'T'));

function outputMatches(fixture: string, release: string): void {
  const expected = expectedOutput(fixture, release);
  const run = runProgram(fixtureExe(fixture, release));
  assert.equal(normalizeOutput(run.output), expected.text);
  assert.equal(run.exitCode, expected.exitCode);
}

describe('exception episodes: a thread without g, the last continue handler', () => {
  test('go1.19 fault-no-g: badsignal2 on every nested fault until the stack is exhausted', () => {
    outputMatches('fault-no-g', '1.19');
    const list = exceptions('fault-no-g', '1.19');
    // The first fault, then one per abort: each prints the message once (1,721 lines in expected.windows.out).
    assert.equal(list.length, 1721);
    assert.ok(list.every((e) => e.withoutG?.badsignal === 'runtime.badsignal2'), 'an exception on the foreign thread without its badsignal');
    assert.match(list[0]!.name, /at main\.faultStart(\.abi0)?\+0x4$/);
    assert.match(list[1]!.name, /at runtime\.abort(\.abi0)?\+0x4$/);
    assert.deepEqual(labels(list[0]!).slice(-3), [
      'enters sigtramp',
      'enters runtime.badsignal2',
      'thread T has no g: runtime.badsignal2 prints "signal received on thread not created by Go" and aborts',
    ]);
    assert.equal(list[0]!.outcome, 'process exit 0xC0000005 during vectored handler runtime.exceptiontramp');
    assert.match(list.at(-1)!.outcome, /^fail fast 0xC0000005: .*its frame cannot be pushed on thread 0x[0-9a-f]+'s stack/);
  });

  test('go1.27 fault-no-g: sigtrampgo finds no g and every handler passes the fault on', () => {
    outputMatches('fault-no-g', '1.27');
    const list = exceptions('fault-no-g', '1.27');
    assert.equal(list.length, 1);
    const e = list[0]!;
    assert.deepEqual(e.withoutG, {});
    assert.equal(e.outcome, 'process exit 0xC0000005 (unhandled)');
    assert.deepEqual(labels(e).slice(1), [
      '0xC0000005 raised, frame at T',
      'vectored handler runtime.exceptiontramp called',
      'enters runtime.exceptiontramp',
      'enters sigtramp',
      'enters runtime.sigtrampgo',
      'thread T has no g: runtime.sigtrampgo passes the exception on',
      'vectored handler runtime.exceptiontramp returned EXCEPTION_CONTINUE_SEARCH (0)',
      'continue handler runtime.firstcontinuetramp called',
      'enters runtime.firstcontinuetramp',
      'continue handler runtime.firstcontinuetramp returned EXCEPTION_CONTINUE_SEARCH (0)',
      'continue handler runtime.lastcontinuetramp called',
      'enters runtime.lastcontinuetramp',
      'continue handler runtime.lastcontinuetramp returned EXCEPTION_CONTINUE_SEARCH (0)',
      'process exit 0xC0000005 (unhandled)',
    ]);
  });

  for (const [release, trampoline] of [['1.19', 'sigtramp_g0'], ['1.27', 'runtime.sigtrampgo']] as const) {
    test(`go${release} last-continue: a fault outside the image reaches lastcontinuehandler, whose winthrow exits 2`, () => {
      outputMatches('last-continue', release);
      const list = exceptions('last-continue', release);
      assert.equal(list.length, 1);
      const e = list[0]!;
      assert.equal(e.withoutG, undefined, 'a goroutine\'s thread has a g');
      assert.equal(e.outcome, 'process exit 2 during continue handler runtime.lastcontinuetramp');
      assert.deepEqual(labels(e).slice(3), [
        'enters runtime.exceptiontramp',
        'enters sigtramp',
        `enters ${trampoline}`,
        'enters runtime.exceptionhandler',
        'vectored handler runtime.exceptiontramp returned EXCEPTION_CONTINUE_SEARCH (0)',
        'continue handler runtime.firstcontinuetramp called',
        'enters runtime.firstcontinuetramp',
        'enters runtime.firstcontinuehandler',
        'continue handler runtime.firstcontinuetramp returned EXCEPTION_CONTINUE_SEARCH (0)',
        'continue handler runtime.lastcontinuetramp called',
        'enters runtime.lastcontinuetramp',
        'enters runtime.lastcontinuehandler',
        'reaches the last continue handler (runtime.lastcontinuehandler)',
        'enters runtime.winthrow: Go reports the exception as its own crash and exits',
        'process exit 2 during continue handler runtime.lastcontinuetramp',
      ]);
    });
  }
});
