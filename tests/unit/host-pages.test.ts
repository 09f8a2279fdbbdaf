// Guest memory on host pages (src/recorder/engine/host-pages.ts) through the real engine: page-granular mapping
// that never grows Unicorn's region count with the number of calls, and faults exactly where pages are missing
// or protected.

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { reg } from '../../src/arch/arm64.ts';
import { PROT_R, PROT_RW, PROT_RX } from '../../src/recorder/engine/engine.ts';
import { EngineFault } from '../../src/recorder/engine/faults.ts';
import { BLOCK } from '../../src/recorder/engine/host-pages.ts';
import { UnicornEngine } from '../../src/recorder/engine/unicorn.ts';
import { Rng } from '../fuzz/rng.ts';
import * as code from '../helpers/arm64-code.ts';

const CODE = 0x10000n;
const HEAP = 0xc0_0000_0000n;
const PAGE = 0x1000n;

describe('guest memory on host pages', () => {
  let e: UnicornEngine;
  beforeEach(() => {
    e = new UnicornEngine();
    e.map(CODE, 0x1000, PROT_RX);
  });
  afterEach(() => e.close());

  test('Unicorn uses 4 KiB pages', () => {
    assert.equal(e.pageSize, 4096);
  });

  test('5,000 page-sized commits side by side stay one region per block', () => {
    for (let i = 0n; i < 5000n; i++) e.map(HEAP + i * PAGE, PAGE, PROT_RW);
    const blocks = Number((5000n * PAGE + BLOCK - 1n) / BLOCK);
    assert.equal(e.memoryStats().regions, 1 + blocks);
    assert.equal(e.regions().length, 1 + blocks);
  });

  test('random commits, decommits and protections: Unicorn agrees with a page model, regions stay few', () => {
    const rng = new Rng(7n);
    const draw = (n: number) => rng.below(n);
    const PAGES = 4096; // 16 MiB of guest space across two blocks
    const base = HEAP + BLOCK / 2n;
    const model = new Uint8Array(PAGES); // 0 unmapped, 1 rw, 2 r
    for (let step = 0; step < 5000; step++) {
      const first = draw(PAGES);
      const n = 1 + draw(Math.min(64, PAGES - first));
      const want = draw(3);
      // Apply page by page so every call meets uc_mem_map's contract (map only unmapped pages, and so on).
      for (let p = first; p < first + n;) {
        let q = p + 1;
        while (q < first + n && (model[q] === 0) === (model[p] === 0)) q++;
        const at = base + BigInt(p) * PAGE;
        const size = BigInt(q - p) * PAGE;
        if (want === 0 && model[p] !== 0) e.unmap(at, size);
        else if (want !== 0 && model[p] === 0) e.map(at, size, want === 1 ? PROT_RW : PROT_R);
        else if (want !== 0) e.protect(at, size, want === 1 ? PROT_RW : PROT_R);
        model.fill(want, p, q);
        p = q;
      }
    }
    // Unicorn's regions are exactly the model's maximal runs, split at block boundaries.
    const expected: Array<[bigint, bigint, boolean]> = [];
    for (let p = 0; p < PAGES;) {
      let q = p + 1;
      const blockEnd = Number(((base + BigInt(p) * PAGE) / BLOCK + 1n) * BLOCK - base) / Number(PAGE);
      while (q < PAGES && q < blockEnd && model[q] === model[p]) q++;
      if (model[p] !== 0) expected.push([base + BigInt(p) * PAGE, base + BigInt(q) * PAGE, model[p] === 1]);
      p = q;
    }
    const got = e.regions().filter((r) => r.begin >= HEAP).map((r) => [r.begin, r.end, r.prot.write] as [bigint, bigint, boolean]);
    assert.deepEqual(got, expected);
    assert.equal(e.memoryStats().regions, expected.length + 1);
  });

  test('a page unmapped and mapped again reads as zeros; its neighbours keep their bytes', () => {
    e.map(HEAP, 3n * PAGE, PROT_RW);
    e.write(HEAP, new Uint8Array(3 * 4096).fill(0xab));
    e.unmap(HEAP + PAGE, PAGE);
    e.map(HEAP + PAGE, PAGE, PROT_RW);
    const bytes = e.read(HEAP, 3 * 4096);
    assert.equal(bytes[4095], 0xab);
    assert.equal(bytes[4096], 0);
    assert.equal(bytes[8191], 0);
    assert.equal(bytes[8192], 0xab);
    assert.equal(e.memoryStats().regions, 2, 'the re-mapped page joined its neighbours');
  });

  test('a large unmap (madvise) also reads back as zeros', () => {
    e.map(HEAP, 0x100000n, PROT_RW);
    e.write(HEAP + 0x80000n, Uint8Array.of(1, 2, 3));
    e.unmap(HEAP + 0x40000n, 0x80000n);
    e.map(HEAP + 0x40000n, 0x80000n, PROT_RW);
    assert.deepEqual([...e.read(HEAP + 0x80000n, 3)], [0, 0, 0]);
  });

  test('stores fault on a read-only page inside a run, and reads fault on an unmapped hole', () => {
    e.map(HEAP, 4n * PAGE, PROT_RW);
    e.protect(HEAP + PAGE, PAGE, PROT_R);
    e.unmap(HEAP + 2n * PAGE, PAGE);
    e.write(CODE, code.words([code.STR_X1_X2, code.LDR_X3_X4]));
    e.writeRegs([[reg('x2'), HEAP + PAGE + 8n], [reg('x4'), HEAP]]);
    assert.throws(() => e.start(CODE, { until: CODE + 8n }), (err: unknown) =>
      err instanceof EngineFault && err.fault.type === 'memory' && err.fault.access === 'write' && err.fault.kind === 'protected' && err.fault.address === HEAP + PAGE + 8n);
    e.writeRegs([[reg('x2'), HEAP], [reg('x4'), HEAP + 2n * PAGE + 16n]]);
    assert.throws(() => e.start(CODE, { until: CODE + 8n }), (err: unknown) =>
      err instanceof EngineFault && err.fault.type === 'memory' && err.fault.access === 'read' && err.fault.kind === 'unmapped' && err.fault.address === HEAP + 2n * PAGE + 16n);
  });

  test('mapHost gives a live view: host stores are guest memory', () => {
    const view = e.mapHost(0x7ffe0000n, 4096, PROT_R);
    view[8] = 0x5a;
    assert.equal(e.read(0x7ffe0008n, 1)[0], 0x5a);
  });

  test('mapping a mapped page, or unmapping a hole, is refused as Unicorn would', () => {
    e.map(HEAP, PAGE, PROT_RW);
    assert.throws(() => e.map(HEAP, PAGE, PROT_RW), /mapped already \(uc_err 11\)/);
    assert.throws(() => e.unmap(HEAP + PAGE, PAGE), /not all mapped \(uc_err 1\)/);
    assert.throws(() => e.protect(HEAP + 5n * PAGE, PAGE, PROT_R), /not all mapped/);
  });
});
