// Console control events (issue 18): `--console-event ctrl-c@N` makes the emulated Windows create a thread that runs
// the handlers the program registered with SetConsoleCtrlHandler. A Go program waiting on signal.Notify(c,
// os.Interrupt) must then print what the same source prints natively after SIGINT, and the trace must show the new
// thread entering kernelbase!CtrlRoutine and from there the runtime's ctrlHandler.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { normalizeOutput } from '../../scripts/normalize-output.ts';
import { wintrace } from '../helpers/cli.ts';
import { expectedOutput, fixtureExe } from '../helpers/fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'wintrace-console-event-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Ev { kind: string; step: number; tid: number; exitCode?: number }

describe('a console Ctrl-C reaches signal.Notify through the runtime ctrlHandler', () => {
  for (const release of ['1.19', '1.27']) {
    test(`go${release} signal-notify`, () => {
      const trace = join(dir, `sn-${release}.mp`);
      // Far beyond the wait: every thread waits before the count is reached, so the event is raised while the
      // program waits (console-events.ts), the point a user would press Ctrl-C.
      const r = wintrace('record', fixtureExe('signal-notify', release), '-o', trace, '-q', '--console-event', 'ctrl-c@1000000000');
      assert.equal(r.code, 0, r.err);
      const expected = expectedOutput('signal-notify', release);
      assert.equal(normalizeOutput(r.out), expected.text);

      const events = wintrace('events', trace, '--json', '--kind', 'thread-started', 'process-exit').out.trim().split('\n').map((l) => JSON.parse(l) as Ev);
      const exit = events.find((e) => e.kind === 'process-exit');
      assert.equal(exit?.exitCode, expected.exitCode, 'exit code of the native run after SIGINT');

      const text = wintrace('events', trace, '--kind', 'api-call').out;
      const entry = /^\s*\d+\s+(\d+)\s+(0x[0-9a-f]+)\s+api-call\s+kernelbase\.dll!CtrlRoutine\(0x0\)/m.exec(text);
      assert.ok(entry, 'a thread enters kernelbase!CtrlRoutine with CTRL_C_EVENT');
      const [, step, tid] = entry;
      const started = events.find((e) => e.kind === 'thread-started' && e.tid === Number(tid));
      assert.ok(started, `thread ${tid} starts in the trace`);
      const waiting = /^\s*\d+\s+(\d+)\s+0x[0-9a-f]+\s+api-call\s+kernel32\.dll!WriteFile/m.exec(text);
      assert.ok(waiting && Number(waiting[1]) < started.step, 'the control thread is created after the program printed that it waits');
      assert.ok(Number(step) >= started.step);

      const show = wintrace('show', trace, '--at', 'runtime.ctrlHandler');
      assert.equal(show.code, 0, show.err);
      assert.match(show.out, new RegExp(`^first execution of runtime\\.ctrlHandler: position \\d+ of \\d+ \\([\\d.]+%\\), thread ${tid} `, 'm'));
      const sigsend = wintrace('show', trace, '--at', 'runtime.sigsend');
      assert.match(sigsend.out, new RegExp(`thread ${tid} `), 'the handler goes on to sigsend on the control thread');
    });
  }
});

describe('console events without a Go handler, and bad values', () => {
  test('before the runtime registered its handler, the default handler ends the process with STATUS_CONTROL_C_EXIT', () => {
    const trace = join(dir, 'early.mp');
    const r = wintrace('record', fixtureExe('signal-notify'), '-o', trace, '-q', '--console-event', 'ctrl-c@1');
    assert.equal(r.out, '', 'the program never got to print');
    const events = wintrace('events', trace, '--json', '--kind', 'process-exit').out.trim().split('\n').map((l) => JSON.parse(l) as Ev);
    assert.equal(events.find((e) => e.kind === 'process-exit')?.exitCode, 0xc000013a);
  });

  test('an event in virtual ms: raised at that time of the emulated clock, also while every thread sleeps', () => {
    // At 0 ms, before the runtime registered its handler (1 ms, a million instructions at the clock's one
    // instruction per ns, is already after).
    const early = join(dir, 'early-ms.mp');
    wintrace('record', fixtureExe('signal-notify'), '-o', early, '-q', '--console-event', 'ctrl-c@0ms');
    const exit = (trace: string) => (wintrace('events', trace, '--json', '--kind', 'process-exit').out.trim().split('\n').map((l) => JSON.parse(l) as Ev))[0]?.exitCode;
    assert.equal(exit(early), 0xc000013a, 'the default handler ends the process');
    // An hour of virtual time: the program waits long before, sysmon sleeps on, and the clock jumps to the event.
    const late = join(dir, 'late-ms.mp');
    const r = wintrace('record', fixtureExe('signal-notify'), '-o', late, '-q', '--console-event', 'ctrl-c@3600000ms');
    assert.equal(r.code, 0, r.err);
    assert.equal(normalizeOutput(r.out), expectedOutput('signal-notify', '1.19').text);
    // The trace says what it was recorded with.
    assert.match(wintrace('show', late, '--at', '0').out, /^recorded with --console-event ctrl-c@3600000ms$/m);
    const created = wintrace('events', late, '--json', '--kind', 'thread-created').out.trim().split('\n').map((l) => JSON.parse(l) as Ev & { newTid: number });
    const control = created.find((e) => e.tid === e.newTid);
    assert.ok(control, 'Windows created the control thread');
    // KUSER_SHARED_DATA.InterruptTime (100 ns units, 1 s at boot) when Windows creates the thread: boot + 3600 s.
    const kuser = wintrace('show', late, '--at', String(control.step), '--struct', 'KUSER_SHARED_DATA@0x7ffe0000').out;
    const low = /^\s*0x8\s+InterruptTime\s+(0x[0-9a-f]+)/m.exec(kuser);
    assert.ok(low, kuser);
    assert.equal(BigInt(low[1]!), ((1_000_000_000n + 3_600_000_000_000n) / 100n) & 0xffff_ffffn);
  });

  for (const bad of ['ctrl-x@5', 'ctrl-c@', 'ctrl-c', 'ctrl-c@-1', 'close@1e6', 'ctrl-c@5s', 'ctrl-c@ms']) {
    test(`run --console-event ${bad}: one line, exit 2`, () => {
      const r = wintrace('run', fixtureExe('hello'), '--console-event', bad);
      assert.equal(r.code, 2);
      assert.equal(r.err.trim().split('\n').length, 1, r.err);
      assert.match(r.err, /^wintrace: --console-event .*expected KIND@N/);
    });
  }
});
