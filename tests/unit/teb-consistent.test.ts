// teb-consistent where Windows reads X18 (src/replayer/abi/teb-checks.ts), on synthetic traces: a program write that
// leaves X18 off the TEB across a call into Windows is one violation, blamed at that write; the write that gives
// X18 its TEB back is no second violation of either rule; a wrong X18 that never reaches Windows is only
// x18-untouched's business. The C pass and the TypeScript reference agree on each.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { nativeCheckAvailable } from '../../src/replayer/abi/check-native.ts';
import type { RuleId } from '../../src/replayer/abi/rules.ts';
import { Replay } from '../../src/replayer/replay.ts';
import { A64, codeRegion, SyntheticTrace } from '../helpers/synthetic-trace.ts';

const A = 0x1000;
const TEB = 0x7ff8_0000_0000n;
const FAKE = 0x4000_1000n;
const MOV_X18_X19 = 0xaa1303f2;
const dir = mkdtempSync(join(tmpdir(), 'wintrace-teb-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** mov x18, x0 (FAKE); nop; [a call into Windows]; mov x18, x19 (the TEB back); [a call]; nop. */
function trace(name: string, callWhileWrong: boolean): string {
  const t = new SyntheticTrace({
    threads: [{ tid: A, teb: TEB, stackBase: 0x7000_1000n, stackLimit: 0x6fff_0000n, regs: { 32: 0x10000n, 31: 0x7000_0000n, 18: TEB, 19: TEB, 0: FAKE } }],
    symbols: [{ name: 'main.callWithFakeTeb', address: 0x10000n, size: 0x10 }],
    regions: [codeRegion(0x10000n, [A64.movX18X0, A64.nop, MOV_X18_X19, A64.nop])],
  });
  const call = () => t.event({ kind: 'api-call', tid: A, api: 'kernel32.dll!GetCurrentThreadId', args: [], caller: 0x10008n });
  t.step({ set: { 18: FAKE } });
  t.step({});
  if (callWhileWrong) call();
  t.step({ set: { 18: TEB } });
  call();
  t.step({});
  const file = join(dir, `${name}.mp`);
  t.write(file);
  return file;
}

async function check(file: string, rules?: RuleId[]) {
  const r = Replay.open(file);
  try {
    const js = await r.check({ engine: 'js', ...(rules ? { rules } : {}) });
    if (nativeCheckAvailable()) assert.deepEqual(await r.check({ engine: 'native', ...(rules ? { rules } : {}) }), js, 'the C pass differs from the reference');
    return js.violations;
  } finally {
    r.close();
  }
}

test('X18 off the TEB across a call into Windows: teb-consistent at the write, and the restore is no violation', async () => {
  const file = trace('across-a-call', true);
  const all = await check(file);
  assert.deepEqual(all.map((v) => [v.rule, v.position, v.pc]), [['teb-consistent', 0, 0x10000], ['x18-untouched', 0, 0x10000]]);
  assert.equal(all[0]!.detectedAt, 2);
  assert.match(all[0]!.detail, /^kernel32\.dll!GetCurrentThreadId was called at position 2 with X18 = 0x40001000, not thread 0x1000's TEB 0x7ff800000000/);
  assert.match(all[0]!.detail, /X18 got its TEB back at position 2 \(main\.callWithFakeTeb\+0x8\), which is no violation of its own$/);
  assert.match(all[1]!.detail, /X18 got its TEB back at position 2/);
  const alone = await check(file, ['teb-consistent']);
  assert.deepEqual(alone.map((v) => [v.rule, v.position]), [['teb-consistent', 0]]);
});

test('X18 off the TEB that never reaches Windows is x18-untouched only', async () => {
  const vs = await check(trace('no-call', false));
  assert.deepEqual(vs.map((v) => [v.rule, v.position]), [['x18-untouched', 0]]);
});
