// The emulated address space at the sizes programs really ask for: a terabyte reserved costs nothing (Windows
// allows it; before, the per-page table of one reservation took 2 bytes a page, 512 MiB for 1 TiB), and commits
// beyond the commit limit fail with ERROR_COMMITMENT_LIMIT before the engine maps anything (before, 1 TiB of stack
// spent minutes mapping host blocks).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Engine } from '../../src/recorder/engine/engine.ts';
import { LAYOUT } from '../../src/recorder/windows/layout.ts';
import { PageStates } from '../../src/recorder/windows/page-states.ts';
import { ERROR, MEM, PAGE, VirtualMemory, VirtualMemoryError } from '../../src/recorder/windows/virtual-memory.ts';

const TiB = 1n << 40n;
const GiB = 1n << 30n;

/** Only what VirtualMemory asks of an engine, counted: the mapped bytes are what a real engine would hold. */
function countingEngine(): { engine: Engine; mapped: () => bigint } {
  let mapped = 0n;
  const engine = {
    map: (_a: bigint, size: bigint | number) => { mapped += BigInt(size); },
    unmap: (_a: bigint, size: bigint | number) => { mapped -= BigInt(size); },
    protect: () => {},
  } as unknown as Engine;
  return { engine, mapped: () => mapped };
}

test('PageStates: fill, get and runs over unstored chunks', () => {
  const s = new PageStates(Number(TiB / 4096n));
  assert.equal(s.get(12345678), 0);
  s.fill(PAGE.READWRITE, 4000, 4200); // crosses a chunk boundary
  assert.equal(s.get(3999), 0);
  assert.equal(s.get(4000), PAGE.READWRITE);
  assert.equal(s.get(4199), PAGE.READWRITE);
  assert.equal(s.get(4200), 0);
  assert.equal(s.runEnd(0, s.length, (p) => p === 0), 4000);
  assert.equal(s.runEnd(4000, s.length, (p) => p !== 0), 4200);
  assert.equal(s.runEnd(4200, s.length, (p) => p === 0), s.length, 'the rest of a terabyte is one reserved run');
  assert.equal(s.countCommitted(), 200);
  s.fill(0, 0, s.length);
  assert.equal(s.countCommitted(), 0);
  assert.equal(s.runEnd(0, s.length, (p) => p === 0), s.length);
});

test('a terabyte reserved at once, committed in part, queried and released', () => {
  const { engine, mapped } = countingEngine();
  const vm = new VirtualMemory(engine);
  const t0 = performance.now();
  const r = vm.reserve(0n, TiB, PAGE.READWRITE);
  vm.commit(r.base + TiB / 2n, 0x3000n, PAGE.READONLY);
  const q = vm.query(r.base);
  assert.ok(performance.now() - t0 < 2000, 'reserving is not proportional to the size');
  assert.deepEqual([q.state, q.regionSize], [MEM.RESERVE, TiB / 2n]);
  const c = vm.query(r.base + TiB / 2n + 0x1000n);
  assert.deepEqual([c.state, c.protect, c.baseAddress, c.regionSize], [MEM.COMMIT, PAGE.READONLY, r.base + TiB / 2n + 0x1000n, 0x2000n]);
  assert.equal(mapped(), 0x3000n);
  assert.equal(vm.protect(r.base + TiB / 2n, 0x1000n, PAGE.READWRITE), PAGE.READONLY);
  assert.throws(() => vm.protect(r.base, 0x1000n, PAGE.READWRITE), /uncommitted/);
  vm.release(r.base);
  assert.equal(mapped(), 0n);
  assert.equal(vm.committed(), 0n);
});

test('commits beyond the commit limit fail with ERROR_COMMITMENT_LIMIT and map nothing', () => {
  const { engine, mapped } = countingEngine();
  const vm = new VirtualMemory(engine);
  const r = vm.reserve(0n, TiB, PAGE.READWRITE);
  const err = (() => {
    try {
      vm.commit(r.base, TiB, PAGE.READWRITE);
    } catch (e) {
      return e;
    }
    return undefined;
  })();
  assert.ok(err instanceof VirtualMemoryError);
  assert.equal(err.win32Error, ERROR.COMMITMENT_LIMIT);
  assert.equal(mapped(), 0n);

  // The charge adds up across reservations, and what is decommitted is given back.
  const half = LAYOUT.commitLimit / 2n;
  vm.commit(r.base, half, PAGE.READWRITE);
  vm.commit(r.base, half, PAGE.READWRITE); // the same pages again cost nothing more
  const other = vm.reserve(0n, 4n * GiB + LAYOUT.commitLimit, PAGE.READWRITE);
  vm.commit(other.base, half, PAGE.READWRITE);
  assert.equal(vm.committed(), LAYOUT.commitLimit);
  assert.throws(() => vm.commit(other.base + half, 0x1000n, PAGE.READWRITE), /commit limit/);
  vm.decommit(r.base, 0x1000n);
  vm.commit(other.base + half, 0x1000n, PAGE.READWRITE);
  assert.equal(mapped(), LAYOUT.commitLimit);
});
