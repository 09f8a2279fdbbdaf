// Every release with a goroutine layout in go-runtimes.ts (GOROUTINE_RUNTIMES), checked on a recording of the
// hello fixture built by that release: the runtime's own invariants hold at main.main with the profile's offsets
// (m0.g0 = &runtime.g0, g0.m = &runtime.m0, m0.id = 0, m0.curg is goroutine 1 starting at runtime.main with a
// stack that holds its SP), and goroutineAt decodes goroutine 1 there. A wrong offset fails one of them.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RecordSession } from '../../src/recorder/session.ts';
import { GOROUTINE_RUNTIMES } from '../../src/replayer/go-runtimes.ts';
import { goroutineAt } from '../../src/replayer/goroutines.ts';
import { Replay } from '../../src/replayer/replay.ts';
import { findExecution } from '../../src/replayer/search.ts';
import { fixtureExe, fixtureGoReleases } from '../helpers/fixtures.ts';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'wintrace-goroutine-layouts-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('every pinned toolchain\'s release has a goroutine layout', () => {
  for (const r of fixtureGoReleases()) assert.ok(GOROUTINE_RUNTIMES[r], `go${r}`);
});

describe('each release\'s layout agrees with its runtime in a recording', () => {
  for (const release of fixtureGoReleases()) {
    test(`go${release}`, () => {
      const path = join(dir, `hello-${release}.mp`);
      new RecordSession({ program: fixtureExe('hello', release), output: path, args: [], env: {} }).run();
      const r = Replay.open(path);
      try {
        const { layout } = GOROUTINE_RUNTIMES[release]!;
        const s = r.trace.symbols;
        const p = findExecution(r.trace, 0, 1, s.resolve('main.main')!);
        assert.ok(p !== undefined, 'main.main runs');
        const u64 = (a: number) => Number(r.memory.u64(p, a));
        const g0 = s.resolve('runtime.g0')!;
        const m0 = s.resolve('runtime.m0')!;
        assert.equal(u64(m0 + layout.m.g0), g0, 'm0.g0');
        assert.equal(u64(g0 + layout.g.m), m0, 'g0.m');
        assert.equal(u64(m0 + layout.m.id), 0, 'm0.id');
        const main = u64(m0 + layout.m.curg);
        assert.equal(u64(main + layout.g.goid), 1, 'm0.curg.goid');
        assert.equal(u64(main + layout.g.startpc), s.resolve('runtime.main'), 'm0.curg.startpc');
        assert.equal(u64(main + layout.g.m), m0, 'm0.curg.m');
        assert.equal(u64(main + layout.g.atomicstatus) % 2 ** 32, 2, 'm0.curg is _Grunning');
        const sp = Number(r.trace.state(p).regs[31]);
        assert.ok(u64(main + layout.g.stackLo) <= sp && sp < u64(main + layout.g.stackHi), 'SP on m0.curg\'s stack');
        const g = goroutineAt(r, p);
        assert.deepEqual([g?.goid, g?.kind, g?.mid, g?.g], [1, 'user', 0, main]);
      } finally {
        r.close();
      }
    });
  }
});
