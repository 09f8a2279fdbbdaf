// The call stack across what a shadow stack cannot pair by itself, on Go 1.19 and 1.27 recordings: a callback from C
// (cgocallback moves to the goroutine's stack, below callbackasm1 on g0's; asmcgocall moved to g0's before calling C)
// and the resume of a handled exception (sigresume runs where Windows put it; its callers are the faulting code's), and
// the bottom of a thread, where a frame record returns to the emulated Windows' return stub.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RecordSession } from '../../src/recorder/session.ts';
import { callStack } from '../../src/replayer/callstack.ts';
import { goRuntimeProfile } from '../../src/replayer/go-runtimes.ts';
import { Replay } from '../../src/replayer/replay.ts';
import { findExecution } from '../../src/replayer/search.ts';
import { fixtureExe } from '../helpers/fixtures.ts';

/** The function of each frame: its symbol without the offset. */
const functions = (r: Replay, p: number): string[] =>
  callStack(r.trace, r.memory, r.code, p, { maxFrames: 32 }).map((f) => (f.source === 'windows' ? `[windows] ${f.symbol}` : f.symbol.replace(/\+0x[0-9a-f]+$/, '')));

const firstExecution = (r: Replay, name: string): number => {
  const a = r.trace.symbols.resolve(name);
  assert.ok(a !== undefined, `${name} in the symbols`);
  const p = findExecution(r.trace, 0, 1, a);
  assert.ok(p !== undefined, `${name} executes`);
  return p;
};

for (const release of ['1.19', '1.27']) {
  describe(`call stacks on go${release}`, () => {
    let dir: string;
    let callback: Replay;
    let demo: Replay;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), `wintrace-callstack-${release}-`));
      for (const name of ['callback', 'panic-recover']) {
        new RecordSession({ program: fixtureExe(name, release), output: join(dir, `${name}.mp`), args: [], env: {} }).run();
      }
      callback = Replay.open(join(dir, 'callback.mp'));
      demo = Replay.open(join(dir, 'panic-recover.mp'));
    });
    after(() => {
      callback?.close();
      demo?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    test('in a Go callback called from C, past cgocallback and callbackasm1 to the Go code that made the C call', () => {
      const fns = functions(callback, firstExecution(callback, 'main.digits3'));
      const order = ['main.digits3', 'runtime.cgocallbackg', 'runtime.cgocallback', 'runtime.callbackasm1', 'runtime.cgocall', 'main.call3', 'main.main', 'runtime.main'];
      let i = -1;
      for (const name of order) {
        const j = fns.findIndex((f, k) => k > i && f === name);
        assert.ok(j > i, `${name} after ${order[order.indexOf(name) - 1] ?? 'the start'} in ${fns.join(' <- ')}`);
        i = j;
      }
      // The C call itself: the runtime's C-ABI caller's BLR, made on g0's stack.
      const stdcall = goRuntimeProfile(callback.trace.symbols, callback.trace.header.program.goVersion)!.stdcall;
      const c = fns.indexOf(stdcall);
      assert.ok(c > fns.indexOf('runtime.callbackasm1') && c < fns.indexOf('runtime.cgocall'), `${stdcall} in ${fns.join(' <- ')}`);
    });

    test('at sigresume, and in sigpanic after it, the faulting function and its callers', () => {
      const path = goRuntimeProfile(demo.trace.symbols, demo.trace.header.program.goVersion)!.dispatchPath;
      const sigresume = path[path.length - 1]!;
      for (const [at, p] of [[sigresume, firstExecution(demo, sigresume)], ['runtime.sigpanic', firstExecution(demo, 'runtime.sigpanic')]] as const) {
        const fns = functions(demo, p);
        assert.equal(fns[0], at);
        assert.match(fns[1]!, new RegExp(`^\\[windows\\] main\\.readValue(\\+0x[0-9a-f]+)?: exception 0xC0000005, resumed by Windows at ${sigresume}$`), fns.join(' <- '));
        assert.deepEqual(fns.slice(2, 5), ['main.safeRead', 'main.main', 'runtime.main'], fns.join(' <- '));
      }
    });

    test('a frame record returning to the emulated Windows\' return stub is the thread\'s bottom, named as that stub', () => {
      const start = functions(demo, firstExecution(demo, 'runtime.mstart'));
      assert.ok(!start.some((f) => f.startsWith('wintrace!ExceptionHandlerReturn')), start.join(' <- '));
      // 1.27's rt0_go leaves no frame record chain down to it: its walk ends at rt0_go's call.
      assert.equal(start.at(-1), release === '1.19' ? 'wintrace!ThreadReturn' : 'runtime.rt0_go', start.join(' <- '));
      const handler = functions(demo, firstExecution(demo, 'runtime.exceptionhandler'));
      assert.ok(!handler.some((f) => f.startsWith('wintrace!')), `the dispatch is its Windows frame, once: ${handler.join(' <- ')}`);
      assert.equal(handler.filter((f) => f.startsWith('[windows] exception 0xC0000005 dispatched by Windows from main.readValue')).length, 1, handler.join(' <- '));
    });
  });
}
