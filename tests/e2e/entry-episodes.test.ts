// Episodes of the ways Windows enters Go besides faults and thread starts (issue 18), on Go 1.19 and 1.27:
// a console Ctrl-C (Windows creates a control thread → the handler Go registered → runtime.ctrlHandler →
// runtime.sigsend → os/signal.process on another thread) and an asynchronous preemption (SuspendThread →
// GetThreadContext → SetThreadContext → ResumeThread by sysmon's thread, the target entering asyncPreempt).
// The control thread had no thread-created event (Windows, not the program, creates it), so no episode could
// start from it.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { wintrace } from '../helpers/cli.ts';
import { fixtureExe } from '../helpers/fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'wintrace-entry-episodes-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Ep { kind: string; name: string; tid: number; start: number; end: number; outcome: string; marks: Array<{ position: number; label: string }> }

function episodes(trace: string): Ep[] {
  const r = wintrace('episodes', trace, '--json');
  assert.equal(r.code, 0, r.err);
  return JSON.parse(r.out) as Ep[];
}

/** The marks' labels in position order, thread ids as T. */
const labels = (e: Ep) => e.marks.map((m) => m.label.replace(/0x[0-9a-f]+/g, 'T'));

describe('episodes of console events and preemptions', () => {
  for (const release of ['1.19', '1.27']) {
    test(`go${release} signal-notify with a Ctrl-C: the control thread, Go's handler, and the delivery`, () => {
      const trace = join(dir, `sn-${release}.mp`);
      const r = wintrace('record', fixtureExe('signal-notify', release), '-o', trace, '-q', '--console-event', 'ctrl-c@1000000000');
      assert.equal(r.code, 0, r.err);
      const created = wintrace('events', trace, '--kind', 'thread-created').out;
      assert.match(created, /created by Windows: start kernelbase\.dll!CtrlRoutine, parameter 0x0/);
      const list = episodes(trace).filter((e) => e.kind === 'console-event');
      assert.equal(list.length, 1, JSON.stringify(list));
      const e = list[0]!;
      assert.match(e.name, /^CTRL_C_EVENT on control thread 0x[0-9a-f]+$/);
      assert.equal(e.outcome, 'handled');
      assert.deepEqual(labels(e), [
        'Windows creates control thread T for CTRL_C_EVENT',
        'kernelbase.dll!CtrlRoutine starts',
        'calls handler runtime.callbackasm',
        'enters runtime.ctrlHandler',
        'enters runtime.sigsend: the signal is queued for os/signal',
        'the handler returned TRUE',
        'the control thread exits',
        'os/signal.process on thread T sends it to the program\'s channels',
      ]);
      // No thread-start episode pretends the control thread came from CreateThread.
      assert.ok(!episodes(trace).some((x) => x.kind === 'thread-start' && x.tid === e.tid));
    });

    test(`go${release} spin: sysmon preempts the spinning goroutine through SetThreadContext`, () => {
      const trace = join(dir, `spin-${release}.mp`);
      wintrace('record', fixtureExe('spin', release), '-o', trace, '-q', '--max-instructions', '30000000');
      const list = episodes(trace).filter((e) => e.kind === 'async-preemption');
      assert.ok(list.length >= 1, 'no preemption in 30M instructions of spin');
      for (const e of list) {
        assert.deepEqual(labels(e), [
          'thread T calls kernel32.dll!SuspendThread',
          'thread T calls kernel32.dll!GetThreadContext',
          'thread T sets the suspended thread\'s context to run runtime.asyncPreempt',
          'thread T calls ResumeThread',
          'thread T enters runtime.asyncPreempt',
          'enters runtime.asyncPreempt2: the goroutine yields',
        ], e.name);
        assert.match(e.outcome, /^thread 0x[0-9a-f]+ preempted, its goroutine yields$/);
        const preempter = /by thread (0x[0-9a-f]+)$/.exec(e.name)![1];
        assert.notEqual(Number(preempter), e.tid, 'the preempted thread is not the one that preempted it');
      }
    });
  }
});
