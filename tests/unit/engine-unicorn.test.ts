import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { reg } from '../../src/arch/arm64.ts';
import { PROT_R, PROT_RW, PROT_RX, type Interrupt, type MemAccess, type MemFault } from '../../src/recorder/engine/engine.ts';
import { EngineFault } from '../../src/recorder/engine/faults.ts';
import { UnicornEngine } from '../../src/recorder/engine/unicorn.ts';
import { EngineError } from '../../src/errors.ts';
import * as code from '../helpers/arm64-code.ts';

const CODE = 0x10000n;
const DATA = 0x20000n;
const RODATA = 0x30000n;

describe('UnicornEngine', () => {
  let e: UnicornEngine;
  beforeEach(() => {
    e = new UnicornEngine();
    e.map(CODE, 0x1000, PROT_RX);
    e.map(DATA, 0x1000, PROT_RW);
    e.map(RODATA, 0x1000, PROT_R);
  });
  afterEach(() => e.close());

  const load = (ws: readonly number[]) => e.write(CODE, code.words(ws));
  const end = (ws: readonly number[]) => CODE + BigInt(ws.length * 4);

  test('is Unicorn 2', () => {
    assert.match(UnicornEngine.version(), /^2\./);
  });

  test('arithmetic sets registers and flags', () => {
    load(code.ARITH);
    const stop = e.start(CODE, { until: end(code.ARITH) });
    assert.deepEqual(stop, { reason: 'until', pc: end(code.ARITH) });
    const [x0, x1, x2, x3, x4, x5, nzcv] = e.readRegs(['x0', 'x1', 'x2', 'x3', 'x4', 'x5', 'nzcv'].map(reg));
    assert.deepEqual([x0, x1, x2, x3, x4, x5], [6n, 7n, 42n, 40n, 80n, 640n]);
    assert.equal(nzcv, 0n, 'adds of two positives clears NZCV');
  });

  test('loads and stores move the expected bytes', () => {
    load(code.LOADS_STORES);
    e.write(DATA, Uint8Array.from([0x10, 0x22, 0, 0, 0, 0, 0, 0]));
    e.writeReg(reg('x0'), DATA);
    e.start(CODE, { until: end(code.LOADS_STORES) });
    const mem = new DataView(e.read(DATA, 40).buffer);
    assert.equal(mem.getBigUint64(8, true), 0x2211n);
    assert.equal(mem.getBigUint64(16, true), 0x2211n);
    assert.equal(mem.getBigUint64(24, true), 0x2211n);
    assert.equal(mem.getUint16(32, true), 0x22);
    assert.equal(e.readReg(reg('x2')), 0x22n);
  });

  test('branches, loops, calls and returns', () => {
    load(code.BRANCHES);
    const blocks: bigint[] = [];
    e.hookBlock((a) => blocks.push(a - CODE));
    e.start(CODE, { until: CODE + 0x24n });
    assert.equal(e.readReg(reg('x0')), 15n + 100n);
    assert.equal(e.readReg(reg('lr')), CODE + 0x18n, 'bl leaves the return address in x30');
    // the loop body runs five times (the first pass inside the entry block), then bl, fn, and the return site
    assert.deepEqual(blocks, [0x00n, 0x08n, 0x08n, 0x08n, 0x08n, 0x14n, 0x1cn, 0x18n]);
  });

  test('code hook sees every instruction; count stops the run', () => {
    load(code.ARITH);
    const seen: bigint[] = [];
    e.hookCode((a, size) => {
      assert.equal(size, 4);
      seen.push(a - CODE);
    });
    const stop = e.start(CODE, { count: 3 });
    assert.deepEqual(stop, { reason: 'count', pc: CODE + 12n });
    assert.deepEqual(seen, [0n, 4n, 8n]);
  });

  test('V registers are 128 bits and D8 round-trips through FP code', () => {
    load(code.FLOAT);
    e.writeReg(reg('x0'), 0x4008000000000000n); // 3.0
    e.start(CODE, { until: end(code.FLOAT) });
    assert.equal(e.readReg(reg('x1')), 0x4018000000000000n); // 6.0
    const v = (0x0123456789abcdefn << 64n) | 0xfedcba9876543210n;
    e.writeReg(reg('v15'), v);
    assert.equal(e.readReg(reg('v15')), v);
    e.writeRegs([[reg('fpcr'), 0x03c00000n]]);
    assert.equal(e.readReg(reg('fpcr')), 0x03c00000n);
  });

  test('memory hooks report reads and writes with values', () => {
    load([code.STR_X1_X2, code.LDR_X3_X4]);
    const log: MemAccess[] = [];
    e.hookMem('write', (m) => log.push(m));
    e.hookMem('read', (m) => log.push(m));
    e.writeRegs([[reg('x1'), 0xdeadbeefn], [reg('x2'), DATA + 8n], [reg('x4'), DATA + 8n]]);
    e.start(CODE, { until: CODE + 8n });
    assert.deepEqual(log, [
      { access: 'write', address: DATA + 8n, size: 8, value: 0xdeadbeefn },
      { access: 'read', address: DATA + 8n, size: 8, value: 0n },
    ]);
    assert.equal(e.readReg(reg('x3')), 0xdeadbeefn);
  });

  test('unmapped read is a typed fault at the faulting pc', () => {
    load([code.NOP, code.LDR_X3_X4]);
    e.writeReg(reg('x4'), 0x90000n);
    const faults: MemFault[] = [];
    e.hookFault((f) => {
      faults.push(f);
      return false;
    });
    assert.throws(() => e.start(CODE, { until: CODE + 8n }), (err: unknown) => {
      assert.ok(err instanceof EngineFault);
      assert.deepEqual(err.fault, { type: 'memory', access: 'read', kind: 'unmapped', address: 0x90000n, size: 8 });
      assert.equal(err.pc, CODE + 4n);
      assert.equal(err.message, 'read of unmapped memory at 0x90000 (8 bytes) at pc 0x10004');
      return true;
    });
    assert.equal(faults.length, 1);
    assert.equal(faults[0]!.address, 0x90000n);
  });

  test('the fault pc is exact with no user hook at all (the native counter hook keeps it in sync)', () => {
    load([code.NOP, code.NOP, code.LDR_X3_X4]);
    e.writeReg(reg('x4'), 0x90000n);
    assert.throws(() => e.start(CODE, { until: CODE + 12n }), (err: unknown) => err instanceof EngineFault && err.pc === CODE + 8n);
  });

  test('executed counts every instruction that started, across runs', () => {
    load(code.BRANCHES);
    const before = e.executed;
    e.start(CODE, { until: CODE + 0x24n });
    // 2 movs, 5 x (add, subs, b.ne), bl, add, ret, b
    assert.equal(e.executed - before, 2n + 15n + 4n);
    e.start(CODE, { count: 5 });
    assert.equal(e.executed - before, 21n + 5n);
  });

  test('store to read-only memory is a protection fault; memory is unchanged', () => {
    load([code.STR_X1_X2]);
    e.writeRegs([[reg('x1'), 7n], [reg('x2'), RODATA]]);
    assert.throws(() => e.start(CODE, { count: 1 }), (err: unknown) =>
      err instanceof EngineFault && err.fault.type === 'memory' && err.fault.access === 'write' &&
      err.fault.kind === 'protected' && err.fault.address === RODATA && err.pc === CODE);
    assert.deepEqual([...e.read(RODATA, 8)], [0, 0, 0, 0, 0, 0, 0, 0]);
  });

  test('a fault hook that maps the page lets the access retry and succeed', () => {
    load([code.LDR_X3_X4]);
    e.writeReg(reg('x4'), 0x50008n);
    e.hookFault((f) => {
      e.map(f.address & ~0xfffn, 0x1000, PROT_RW);
      e.write(f.address, Uint8Array.from([0x2a]));
      return true;
    });
    e.start(CODE, { until: CODE + 4n });
    assert.equal(e.readReg(reg('x3')), 0x2an);
  });

  test('a call to address 0 is an execute fault at 0, not a clean stop (Go 1.21 calls a nil function in a throw)', () => {
    load([code.NOP, 0xd63f0060 /* blr x3 */]);
    e.writeReg(reg('x3'), 0n);
    assert.throws(() => e.start(CODE, { count: 10 }), (err: unknown) =>
      err instanceof EngineFault && err.fault.type === 'memory' && err.fault.access === 'fetch' &&
      err.fault.kind === 'unmapped' && err.pc === 0n);
    assert.equal(e.readReg(reg('lr')), CODE + 8n);
  });

  test('fetch from non-executable memory faults as a fetch', () => {
    e.write(DATA, code.words([code.NOP]));
    assert.throws(() => e.start(DATA, { count: 1 }), (err: unknown) =>
      err instanceof EngineFault && err.fault.type === 'memory' && err.fault.access === 'fetch' &&
      err.fault.kind === 'protected' && err.pc === DATA);
  });

  test('BRK, SVC, UDF and undefined words reach the interrupt hook with their immediates and own pc', () => {
    const prog = [code.BRK_F000, code.BRK_0, code.SVC_0, code.UDF_0, code.UNDEFINED, code.NOP];
    load(prog);
    const traps: Interrupt[] = [];
    e.hookInterrupt((i) => {
      traps.push(i);
      e.writeReg(reg('pc'), i.pc + 4n); // resume after the trap, as an emulated OS would
    });
    e.start(CODE, { until: end(prog) });
    assert.deepEqual(traps.map((t) => [t.kind, t.imm, t.pc - CODE]), [
      ['brk', 0xf000, 0n], ['brk', 0, 4n], ['svc', 0, 8n], ['udf', 0, 12n], ['other', 0xffff, 16n],
    ]);
  });

  test('stop() inside an interrupt hook stops before the next instruction (Unicorn alone would rerun the BRK)', () => {
    load([code.NOP, code.BRK_F000, code.NOP]);
    let traps = 0;
    e.hookInterrupt((i) => {
      traps++;
      e.writeReg(reg('pc'), i.pc); // Windows reports the BRK itself as the exception address
      e.stop();
    });
    const before = e.executed;
    assert.deepEqual(e.start(CODE, { count: 1000 }), { reason: 'stopped', pc: CODE + 4n });
    assert.equal(traps, 1);
    assert.equal(e.executed - before, 2n);
  });

  test('a trap with no interrupt hook ends the run as an invalid-instruction fault', () => {
    load([code.NOP, code.BRK_F003]);
    assert.throws(() => e.start(CODE, { until: CODE + 8n }), (err: unknown) =>
      err instanceof EngineFault && err.fault.type === 'invalid-instruction' && err.fault.word === code.BRK_F003 &&
      err.pc === CODE + 4n);
  });

  test('stop() from a hook returns at once; an exception in a hook is rethrown from start', () => {
    load(code.ARITH);
    const h = e.hookCode((a) => {
      if (a === CODE + 8n) e.stop();
    });
    assert.deepEqual(e.start(CODE, { until: end(code.ARITH) }), { reason: 'stopped', pc: CODE + 8n });
    e.removeHook(h);
    e.hookCode((a) => {
      if (a === CODE + 4n) throw new Error('hook failed');
    });
    assert.throws(() => e.start(CODE, { until: end(code.ARITH) }), /hook failed/);
  });

  test('code rewritten after a faulting run executes the new instructions, and count still holds', () => {
    load([code.NOP, code.LDR_X3_X4]);
    e.writeReg(reg('x4'), 0x90000n);
    assert.throws(() => e.start(CODE, { until: CODE + 8n }), EngineFault);
    load([code.MOV_X0_10, code.LDR_X3_X4]);
    assert.deepEqual(e.start(CODE, { count: 1 }), { reason: 'count', pc: CODE + 4n });
    assert.equal(e.readReg(reg('x0')), 10n);
  });

  test('regions, protect and unmap', () => {
    assert.deepEqual(e.regions().map((r) => [r.begin, r.end]), [[CODE, CODE + 0x1000n], [DATA, DATA + 0x1000n], [RODATA, RODATA + 0x1000n]]);
    e.protect(RODATA, 0x1000, PROT_RW);
    assert.equal(e.regions()[2]!.prot.write, true);
    e.unmap(DATA, 0x1000);
    assert.equal(e.regions().length, 2);
    assert.throws(() => e.read(DATA, 4), (err: unknown) =>
      err instanceof EngineError && /uc_mem_read\(0x20000, 4\) failed: Invalid memory read \(UC_ERR_READ_UNMAPPED\)/.test(err.message));
  });

  test('errors carry Unicorn\'s message and the pc', () => {
    e.writeReg(reg('pc'), 0x10040n);
    assert.throws(() => e.map(CODE, 0x1000, PROT_RX), (err: unknown) =>
      err instanceof EngineError && err.message === 'map(0x10000, 0x1000) failed: page 0x10000 is mapped already (uc_err 11) at pc 0x10040');
  });

  test('context save/restore brings registers back', () => {
    e.writeRegs([[reg('x19'), 19n], [reg('sp'), 0x20ff0n], [reg('v8'), 8n << 64n]]);
    const ctx = e.saveContext();
    e.writeRegs([[reg('x19'), 0n], [reg('sp'), 0n], [reg('v8'), 0n]]);
    e.restoreContext(ctx);
    ctx.free();
    assert.deepEqual(e.readRegs([reg('x19'), reg('sp'), reg('v8')]), [19n, 0x20ff0n, 8n << 64n]);
  });
});
