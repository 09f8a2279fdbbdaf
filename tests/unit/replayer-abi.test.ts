// The ABI rules against a synthetic trace that breaks each of them once, at a known place, and the episode the
// exception in it makes. Bug injection into real fixtures is tested in tests/e2e/abi-injection.test.ts.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Violation } from '../../src/replayer/abi/violation.ts';
import { nativeCheckAvailable } from '../../src/replayer/abi/check-native.ts';
import { Replay } from '../../src/replayer/replay.ts';
import { A64, codeRegion, le64, SyntheticTrace } from '../helpers/synthetic-trace.ts';

const A = 0x1000;
const TEB = 0x7ff8_0000_0000n;
const SP0 = 0x7000_0000n;
const CTX = 0x6fff_f000n;
const SP = 31;
const PC = 32;

let dir: string;
let r: Replay;
let violations: Violation[];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wintrace-abi-'));
  const file = join(dir, 'abi.mp');
  const code = [A64.movX18X0, A64.nop, A64.subSp8, A64.nop, A64.stpX19X20, A64.nop, A64.ldrX20, A64.nop, A64.strXzrCtxSp, A64.nop, A64.movX18X18, A64.nop];
  const t = new SyntheticTrace({
    threads: [{ tid: A, teb: TEB, stackBase: SP0 + 0x1000n, stackLimit: SP0 - 0x10000n, regs: { [PC]: 0x10000n, [SP]: SP0, 18: TEB, 0: 0x1234n, 6: CTX } }],
    symbols: [{ name: 'main.handler', address: 0x10000n, size: 0x30 }],
    regions: [codeRegion(0x10000n, code), { base: SP0 - 0x10000n, size: 0x11000, prot: 'rw-', pages: [] }],
    segmentSteps: 4,
  });
  t.step({ set: { 18: 0x1234n } }); //                 0 mov x18, x0        x18-untouched
  t.os({ 18: TEB }); //                                the emulated Windows puts the TEB back (not a violation)
  t.step({}); //                                       1
  t.step({ set: { [SP]: SP0 - 8n } }); //              2 sub sp, sp, #8     sp-aligned
  t.step({ set: { [SP]: SP0 } }); //                   3
  t.os({ 18: 0x999n }); //                             at 4: the emulated Windows breaks X18: teb-consistent
  t.event({ kind: 'exception-raised', tid: A, code: 0xc0000005, address: 0x1000cn, information: [0n, 0n], context: CTX, regs: t.regFile() });
  t.os({ 18: TEB, 19: 5n, 20: 7n });
  t.event({ kind: 'handler-called', tid: A, handler: 0x10010n, phase: 'vectored', regs: t.regFile() });
  t.step({ set: { [SP]: SP0 - 16n }, write: [{ address: SP0 - 16n, bytes: le64(5n) }, { address: SP0 - 8n, bytes: le64(7n) }] }); // 4 stp x19, x20
  t.step({ set: { 19: 6n, 20: 0n } }); //              5
  t.step({ set: { 20: 7n } }); //                      6 ldr x20, [sp, #8]  (x19's restore is missing)
  t.step({ set: { [SP]: SP0 } }); //                   7
  t.step({ write: [{ address: CTX + 0x100n, bytes: le64(0n) }] }); // 8 str xzr, [x6, #0x100]: CONTEXT.Sp = 0
  t.step({ set: { 0: 0xffff_ffffn }, next: 0x7ffa_0000_0000n }); // 9 returns to the dispatcher
  t.event({ kind: 'handler-returned', tid: A, handler: 0x10010n, phase: 'vectored', result: -1, regs: t.regFile() });
  t.event({ kind: 'context-resumed', tid: A, pc: 0x10028n, sp: 0n, stackLimit: SP0 - 0x10000n, stackBase: SP0 + 0x1000n, regs: t.regFile() });
  t.os({ [PC]: 0x10028n });
  t.step({}); //                                       10 mov x18, x18: writes X18 without changing it
  t.write(file);
  r = Replay.open(file);
  violations = (await r.check()).violations;
});

after(() => {
  r.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('ABI rules on a synthetic trace', () => {
  test('each rule reports exactly its injected violation, at the instruction to blame', () => {
    assert.deepEqual(violations.map((v) => [v.rule, v.position, v.step, v.subject]), [
      ['x18-untouched', 0, 0, 'x18'],
      ['sp-aligned', 2, 2, 'sp'],
      ['teb-consistent', 4, undefined, 'x18'],
      ['callee-saved', 6, 6, 'x19'],
      ['resume-in-stack', 8, 8, `CONTEXT.Sp @ 0x${(CTX + 0x100n).toString(16)}`],
      ['x18-untouched', 10, 10, 'x18'],
    ]);
    // Found from the instruction's encoding: the trace records values, and this one did not change.
    assert.match(violations[5]!.detail, /with the value it already held/);
  });

  test('a violation carries the values, the instruction and why it breaks the ABI', () => {
    const x18 = violations[0]!;
    assert.equal(x18.before, '0x7ff800000000');
    assert.equal(x18.after, '0x1234');
    assert.equal(x18.instruction, 'mov x18, x0');
    assert.equal(x18.symbol, 'main.handler');
    assert.match(x18.why, /platform register/);
    const cs = violations[3]!;
    assert.equal(cs.before, '0x5');
    assert.equal(cs.after, '0x6');
    assert.match(cs.detail, /x19 was saved at 0x6ffffff0 but never reloaded: this restore reloaded x20/);
    assert.equal(cs.detectedAt, 10);
    assert.equal(violations[2]!.by, 'windows');
    assert.match(violations[4]!.detail, /SP 0x0 outside the stack/);
  });

  test('--rule limits the check to the rules named', async () => {
    const only = await r.check({ rules: ['sp-aligned', 'teb-consistent'] });
    assert.deepEqual(only.violations.map((v) => v.rule), ['sp-aligned', 'teb-consistent']);
  });

  test('the C pass reports exactly what the TypeScript pass (the reference) reports, rule by rule', { skip: nativeCheckAvailable() ? false : 'native library not built (scripts/build-native.sh)' }, async () => {
    for (const rules of [undefined, ['x18-untouched'], ['sp-aligned'], ['teb-consistent'], ['callee-saved']] as const) {
      const js = await r.check({ engine: 'js', rules });
      const native = await r.check({ engine: 'native', rules });
      assert.ok(js.violations.length > 0, `${rules ?? 'all'}: the reference found nothing to compare`);
      assert.deepEqual(native, js, `rules ${rules ?? 'all'}`);
    }
  });

  test('the exception makes one episode from the faulting instruction to the resume', () => {
    const eps = r.episodes();
    assert.equal(eps.length, 1);
    const e = eps[0]!;
    assert.equal(e.kind, 'exception');
    assert.equal(e.start, 3);
    assert.equal(e.end, 10);
    assert.match(e.name, /0xC0000005 at main.handler\+0xc/);
    assert.deepEqual(e.marks.map((m) => m.position), [3, 4, 4, 10, 10]);
  });
});
