import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reg } from '../../src/arch/arm64.ts';
import { PROT_R, PROT_RW, PROT_RX } from '../../src/recorder/engine/engine.ts';
import { FakeEngine } from '../../src/recorder/engine/fake.ts';
import { EngineFault } from '../../src/recorder/engine/faults.ts';
import { EngineError } from '../../src/errors.ts';

test('FakeEngine maps, merges regions and refuses overlapping maps like Unicorn', () => {
  const e = new FakeEngine();
  e.map(0x10000n, 0x2000, PROT_RX);
  e.map(0x12000n, 0x1000, PROT_RX);
  e.map(0x20000n, 0x1000, PROT_RW);
  assert.deepEqual(e.regions().map((r) => [r.begin, r.end]), [[0x10000n, 0x13000n], [0x20000n, 0x21000n]]);
  assert.throws(() => e.map(0x11000n, 0x1000, PROT_R), EngineError);
  assert.throws(() => e.map(0x30001n, 0x1000, PROT_R), /UC_ERR_ARG/);
});

test('FakeEngine runs registered steps, honours until/count, and faults on protected guest writes', () => {
  const e = new FakeEngine();
  e.map(0x10000n, 0x1000, PROT_RX);
  e.map(0x20000n, 0x1000, PROT_R);
  e.steps.set(0x10000n, (en) => en.writeReg(reg('x0'), 41n));
  e.steps.set(0x10004n, (en) => en.writeReg(reg('x0'), en.readReg(reg('x0')) + 1n));
  e.steps.set(0x10008n, (en) => en.guestAccess('write', 0x20000n, 8, 1n));
  const seen: bigint[] = [];
  e.hookCode((a) => seen.push(a));
  assert.deepEqual(e.start(0x10000n, { count: 2 }), { reason: 'count', pc: 0x10008n });
  assert.equal(e.readReg(reg('x0')), 42n);
  assert.throws(() => e.start(0x10008n, { until: 0x10010n }), (err: unknown) =>
    err instanceof EngineFault && err.fault.type === 'memory' && err.fault.kind === 'protected' && err.pc === 0x10008n);
  assert.deepEqual(seen, [0x10000n, 0x10004n, 0x10008n]);
});

test('FakeEngine traps go to interrupt hooks with decoded immediates', () => {
  const e = new FakeEngine();
  e.map(0x10000n, 0x1000, PROT_RX);
  e.steps.set(0x10000n, (en) => en.trap(0xd43e0000));
  const kinds: string[] = [];
  e.hookInterrupt((i) => kinds.push(`${i.kind}#${i.imm.toString(16)}`));
  e.start(0x10000n, { until: 0x10004n });
  assert.deepEqual(kinds, ['brk#f000']);
});
