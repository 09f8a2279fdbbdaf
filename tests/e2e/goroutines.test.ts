// Goroutines decoded from recorded Go 1.19 and 1.27 programs: the demo (panic-recover) and the goroutines fixture.
// The profile's g/m offsets are checked against the runtime's own invariants (m0.g0 = &runtime.g0,
// g0.m = &runtime.m0, m0.id = 0, main is goroutine 1 on m0), the g0 is recognised in the exception dispatch, the
// listing names every goroutine the fixture starts, and stepping on one goroutine follows it across threads.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RecordSession } from '../../src/recorder/session.ts';
import { goroutineHistory } from '../../src/replayer/goroutine-history.ts';
import { tidName } from '../../src/replayer/describe.ts';
import { findGoroutine, type GoroutineTarget, goroutineRunTo, goroutineStep, onGoroutine } from '../../src/replayer/goroutine-stepping.ts';
import { goroutineAt, goroutinesAt, goRuntimeView } from '../../src/replayer/goroutines.ts';
import { Replay } from '../../src/replayer/replay.ts';
import { findExecution } from '../../src/replayer/search.ts';
import { threadStep } from '../../src/replayer/stepping.ts';
import { wintrace } from '../helpers/cli.ts';
import { fixtureExe } from '../helpers/fixtures.ts';
import { startTui } from '../helpers/tui-app.ts';

const RELEASES = ['1.19', '1.27'];

for (const release of RELEASES) {
  describe(`goroutines on go${release}`, () => {
    let dir: string;
    let demoPath: string;
    let demo: Replay;
    let gors: Replay;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), `wintrace-goroutines-${release}-`));
      demoPath = join(dir, 'demo.mp');
      new RecordSession({ program: fixtureExe('panic-recover', release), output: demoPath, args: [], env: {} }).run();
      const gorPath = join(dir, 'goroutines.mp');
      new RecordSession({ program: fixtureExe('goroutines', release), output: gorPath, args: [], env: {} }).run();
      demo = Replay.open(demoPath);
      gors = Replay.open(gorPath);
    });
    after(() => {
      demo?.close();
      gors?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    const at = (r: Replay, name: string, from = 0): number => {
      const a = r.trace.symbols.resolve(name);
      assert.ok(a !== undefined, `${name} in the symbols`);
      const p = findExecution(r.trace, from, 1, a);
      assert.ok(p !== undefined, `${name} executes`);
      return p;
    };

    test('the profile\'s offsets agree with the runtime: m0.g0 = g0, g0.m = m0, m0.id = 0, m0.curg is goroutine 1', () => {
      const view = goRuntimeView(demo.trace);
      assert.ok(typeof view !== 'string', String(view));
      const s = demo.trace.symbols;
      const g0 = s.resolve('runtime.g0')!;
      const m0 = s.resolve('runtime.m0')!;
      const p = at(demo, 'main.readValue');
      const u64 = (a: number) => Number(demo.memory.u64(p, a));
      assert.equal(u64(m0 + view.layout.m.g0), g0);
      assert.equal(u64(g0 + view.layout.g.m), m0);
      assert.equal(u64(m0 + view.layout.m.id), 0);
      const curg = u64(m0 + view.layout.m.curg);
      assert.equal(u64(curg + view.layout.g.goid), 1);
      assert.equal(u64(curg + view.layout.g.startpc), s.resolve('runtime.main'));
      assert.ok(u64(curg + view.layout.g.stackLo) < u64(curg + view.layout.g.stackHi));
    });

    test('in main.readValue the goroutine is 1, the user g of m0, from X28; `show` prints it', () => {
      const p = at(demo, 'main.readValue');
      const g = goroutineAt(demo, p);
      assert.ok(g);
      assert.deepEqual([g.goid, g.kind, g.mid, g.source], [1, 'user', 0, 'x28']);
      const r = wintrace('show', demoPath, '--at', 'main.readValue');
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /^goroutine 1 \(m0\): g 0x[0-9a-f]+ \(from X28\)/m);
    });

    test('inside the exception dispatch the g0 of m0 runs, for goroutine 1', () => {
      const handler = at(demo, 'runtime.exceptionhandler');
      const g = goroutineAt(demo, handler);
      assert.ok(g);
      assert.deepEqual([g.kind, g.goid, g.mid, g.curgGoid], ['g0', 0, 0, 1]);
      assert.equal(g.g, demo.trace.symbols.resolve('runtime.g0'));
      // sigtramp's entry: X28 is Windows' value there, the TLS slot names the faulting goroutine.
      const entry = goroutineAt(demo, at(demo, 'sigtramp'));
      assert.deepEqual([entry?.kind, entry?.goid, entry?.source], ['user', 1, 'tls']);
      const r = wintrace('show', demoPath, '--at', 'runtime.exceptionhandler');
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /^g0 of m0, for goroutine 1: /m);
    });

    test('bad --goroutine values and a goroutine that never exists are one line and exit 2', () => {
      for (const [arg, want] of [['abc', /--goroutine abc: expected a goroutine id/], ['0', /--goroutine 0: expected/], ['99999', /goroutine 99999 never exists in this trace/]] as const) {
        const r = wintrace('show', demoPath, '--at', 'main.readValue', '--goroutine', arg);
        assert.equal(r.code, 2, r.err);
        assert.match(r.err, want);
        assert.equal(r.err.trim().split('\n').length, 1, r.err);
      }
    });

    test('goroutines at the end of the fixture: runtime.allgs, and with --all every goroutine main started, by id', () => {
      const now = goroutinesAt(gors, gors.trace.totalSteps);
      assert.ok(Array.isArray(now));
      assert.deepEqual(now.find((x) => x.goid === 1)?.status, 'running');
      const history = goroutineHistory(gors, gors.trace.totalSteps);
      assert.ok(Array.isArray(history));
      const s = gors.trace.symbols;
      const started = history.filter((x) => s.format(x.startpc).startsWith('main.main.'));
      // 100 workers, the feeder, the closer, 100 chain links, 100 mutex users.
      assert.equal(started.length, 302);
      assert.equal(new Set(history.map((x) => x.goid)).size, history.length, 'goroutine ids are unique');
      const byFunction = new Map<string, number>();
      for (const x of started) byFunction.set(s.format(x.startpc), (byFunction.get(s.format(x.startpc)) ?? 0) + 1);
      assert.deepEqual([...byFunction.values()].sort((a, b) => a - b), [1, 1, 100, 100, 100]);
      const r = wintrace('goroutines', gors.trace.path, '--all');
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /, 30\d goroutines started/);
      for (const x of started) assert.match(r.out, new RegExp(`^\\s+${x.goid}\\s+dead\\s.*main\\.main\\.`, 'm'), `goroutine ${x.goid} listed`);
      assert.match(r.out, /^\s+1\s+running\s+m0\s+0x1000\s.*runtime\.main/m);
    });

    // A worker that parks on one thread and, stepped on its goroutine, resumes on another.
    let crossing: { target: GoroutineTarget; from: number; to: number } | undefined;
    test('stepping and continuing on one goroutine follows it across the threads it migrates between', () => {
      const s = gors.trace.symbols;
      const history = goroutineHistory(gors, gors.trace.totalSteps);
      assert.ok(Array.isArray(history));
      const parks = new Set([s.resolve('runtime.gopark')!]);
      const workers = history.filter((x) => s.format(x.startpc) === 'main.main.func1');
      assert.equal(workers.length, 100);
      for (const w of workers.slice(0, 20)) {
        const target = findGoroutine(gors, w.createdAt, w.goid);
        assert.ok(typeof target !== 'string', String(target));
        for (let q = w.createdAt, i = 0; i < 20 && !crossing; i++) {
          const stop = goroutineRunTo(gors, q, 1, target, { breakpoints: parks });
          if (stop.reason !== 'breakpoint') break;
          assert.equal(goroutineAt(gors, stop.position)?.goid, w.goid, `stop at ${stop.position} is on goroutine ${w.goid}`);
          q = stop.position;
          // Step on from the park until the goroutine runs again (a jump in position).
          const tid = gors.trace.stepAt(q).tid;
          let p = q;
          for (let k = 0; k < 400; k++) {
            const n = goroutineStep(gors, p, target, 1);
            if (n === undefined) break;
            assert.ok(n > p && onGoroutine(gors, n, target), `step ${n} is goroutine ${w.goid}'s`);
            if (n - p > 1 && gors.trace.stepAt(n).tid !== tid) {
              crossing = { target, from: p, to: n };
              assert.equal(goroutineStep(gors, n, target, -1), p, 'stepping back returns to the other thread');
              break;
            }
            if (n - p > 1) break;
            p = n;
          }
        }
        if (crossing) break;
      }
      assert.ok(crossing, 'some worker resumed on another thread');
    });

    test('the TUI shows the goroutine in its status line, and G follows it across threads with s and S', async () => {
      assert.ok(crossing, 'found by the test before');
      const { target, from, to } = crossing;
      const ui = await startTui(gors, from, { width: 140 });
      try {
        await ui.waitFor((f) => new RegExp(` g${target.goid} m\\d+ `).test(f));
        await ui.press('G');
        assert.match(ui.frame(), new RegExp(`follow:goroutine ${target.goid}`));
        await ui.press('s');
        assert.equal(ui.position(), to);
        assert.match(ui.frame(), new RegExp(`thread ${tidName(gors.trace.stepAt(to).tid)} `));
        await ui.press('S');
        assert.equal(ui.position(), from);
        await ui.press('G', 's');
        assert.equal(ui.position(), threadStep(gors.trace, from, gors.trace.stepAt(from).tid, 1), 'G again: s steps the thread');
      } finally {
        ui.unmount();
      }
    });
  });
}
