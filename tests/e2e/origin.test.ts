// `wintrace origin`: where a value came from, on the demo (panic-recover) as Go 1.19 and Go 1.27 build it.
//
// Hand check of the nil pointer, from the 1.19 disassembly (`wintrace show --at <fault>` and the steps before it):
//   main.main+0xbc  mov x0, #0          <- safeRead(nil): Go's register ABI passes n in x0, so the nil pointer is
//   main.main+0xc0  bl main.safeRead       never stored to memory: it is put in x0 here and travels in x0
//   main.safeRead   ... 20 instructions that write x1, x16, x29, x30, sp and the stack, never x0 ...
//   main.safeRead+0x50  bl main.readValue
//   main.readValue  ldr x0, [x0]        <- faults on x0 = 0
// so the origin of x0 at the fault is main.main+0xbc, a constant. Go 1.27 writes it as `mov x0, xzr`. In the
// loop's nil reads the compiler keeps n in x2: `mov x2, #0` (x2 already 0, so the trace has no delta for it), then
// `mov x0, x2` before the call: the origin must find that silent write, not the older change of x2.
//
// The good read (`safeRead(&node{value: 42})`) goes through memory both ways: main.main stores 42 into the node
// on its stack (`mov x1, #0x2a; str x1, [sp, #0x68]`), readValue loads it (`ldr x0, [x0]`), safeRead spills the
// result (`str x0, [sp, #0x18]`) and reloads it after the deferred call (`ldr x0, [sp, #0x18]`).

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { evaluateAddress } from '../../src/replayer/address-expr.ts';
import { locate } from '../../src/replayer/locate.ts';
import { expandOrigin, OriginExplorer, type OriginRole, type OriginTree, parseOriginTarget } from '../../src/replayer/origin.ts';
import { Replay } from '../../src/replayer/replay.ts';
import { wintrace } from '../helpers/cli.ts';
import { fixtureExe } from '../helpers/fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'wintrace-origin-'));
const traces: Record<string, string> = { '1.19': join(dir, 'pr119.mp'), '1.27': join(dir, 'pr127.mp') };
const replays = new Map<string, { replay: Replay; explorer: OriginExplorer }>();

before(async () => {
  for (const [release, path] of Object.entries(traces)) {
    const r = wintrace('record', fixtureExe('panic-recover', release), '-o', path, '-q');
    assert.equal(r.code, 0, r.err);
    const replay = Replay.open(path);
    replays.set(release, { replay, explorer: new OriginExplorer(replay, await replay.disassembler()) });
  }
});
after(() => {
  for (const { replay } of replays.values()) replay.close();
  rmSync(dir, { recursive: true, force: true });
});

function eventPositions(release: string, kind: string): Array<{ position: number; context?: bigint }> {
  return replays.get(release)!.replay.trace.events().filter((e) => e.event.kind === kind)
    .map((e) => ({ position: e.position, ...(e.event.kind === 'exception-raised' ? { context: e.event.context } : {}) }));
}

/** The origin tree as `wintrace origin` builds it, in process (a command per question is seconds each). */
async function origin(release: string, at: number | string, what: string, depth = 6, addresses = false): Promise<OriginTree> {
  const { replay, explorer } = replays.get(release)!;
  const p = (await locate(replay, String(at))).position;
  const target = parseOriginTarget(replay, p, what, (q, a) => evaluateAddress(replay, q, a));
  return expandOrigin(explorer, explorer.root(target, p), depth, new Set<OriginRole>(addresses ? ['value', 'address', 'condition'] : ['value']));
}

const valueChildren = (t: OriginTree) => (t.children ?? []).filter((c) => c.node.role === 'value');

describe('wintrace origin', () => {
  for (const [release, mov] of [['1.19', 'mov x0, #0'], ['1.27', 'mov x0, xzr']] as const) {
    test(`Go ${release}: the faulting ldr x0, [x0]'s x0 comes from the ${mov} in main.main that made the nil pointer`, async () => {
      // The faulting step changed nothing; the exception is raised after it.
      const fault = eventPositions(release, 'exception-raised')[0]!.position - 1;
      const tree = await origin(release, fault, 'x0');
      assert.equal(tree.node.value, '0x0');
      assert.equal(tree.node.source.kind, 'instruction');
      assert.match(tree.node.source.symbol!, /^main\.main\+0x[0-9a-f]+$/);
      assert.equal(tree.node.source.instruction, mov);
      assert.ok(tree.node.source.step! < fault);
      assert.deepEqual(valueChildren(tree), [], 'a constant has no inputs');
      // As a user reads it, from the command line.
      const text = wintrace('origin', traces[release]!, '--at', String(fault), 'x0');
      assert.equal(text.code, 0, text.err);
      assert.match(text.out, new RegExp(`x0 = 0x0 {2}<- main\\.main\\+0x[0-9a-f]+ {2}${mov.replace(/[#,]/g, '.')} {2}\\(step \\d+\\) {2}\\(no inputs: a constant\\)`));
    });
  }

  test('a register written with the value it already held: the silent write is the origin, not the older change', async () => {
    const fault = eventPositions('1.19', 'exception-raised')[1]!.position - 1;
    const tree = await origin('1.19', fault, 'x0');
    assert.equal(tree.node.source.instruction, 'mov x0, x2');
    const [x2] = valueChildren(tree);
    assert.equal(x2!.node.label, 'x2');
    assert.equal(x2!.node.source.instruction, 'mov x2, #0');
    assert.equal(x2!.node.source.silent, true);
    assert.ok(x2!.node.source.step! < tree.node.source.step!);
  });

  test('through memory: reload <- spill <- load <- store <- constant 42', async () => {
    const tree = await origin('1.19', 'main.safeRead+0x70', 'x0', 8);
    const chain: Array<[string, string]> = [];
    for (let t: OriginTree | undefined = tree; t; t = valueChildren(t)[0]) chain.push([t.node.label.startsWith('[') ? 'memory' : t.node.label, t.node.source.instruction ?? '']);
    assert.deepEqual(chain, [
      ['x0', 'ldr x0, [sp, #0x18]'],
      ['memory', 'str x0, [sp, #0x18]'],
      ['x0', 'ldr x0, [x0]'],
      ['memory', 'str x1, [sp, #0x68]'],
      ['x1', 'mov x1, #0x2a'],
    ]);
    assert.equal(tree.node.value, '0x2a');
    // The load's address register is listed (role address) but not followed without --addresses.
    const load = valueChildren(valueChildren(tree)[0]!)[0]!;
    const address = load.children!.find((c) => c.node.role === 'address')!;
    assert.equal(address.node.label, 'x0');
    assert.equal(address.node.source.instruction, 'add x0, sp, #0x68');
    assert.equal(address.children, undefined);
    const followed = await origin('1.19', 'main.safeRead+0x70', 'x0', 8, true);
    const load2 = valueChildren(valueChildren(followed)[0]!)[0]!;
    assert.equal(load2.children!.find((c) => c.node.role === 'address')!.children![0]!.node.label, 'sp');
  });

  test('across an exception: a resumed register <- its CONTEXT field <- what the Go handler or Windows wrote there', async () => {
    const resume = eventPositions('1.19', 'context-resumed')[0]!.position;
    const raised = eventPositions('1.19', 'exception-raised')[0]!;
    const x0 = await origin('1.19', resume, 'x0', 2);
    assert.equal(x0.node.source.kind, 'windows');
    assert.match(x0.node.source.detail!, /resuming an exception's CONTEXT/);
    const field = x0.children![0]!;
    assert.equal(field.node.label, `[0x${(Number(raised.context) + 8).toString(16)}, 8]`);
    assert.match(field.node.source.symbol!, /^sigtramp_g0\+0x/);
    // x2 is one the handler left alone: Windows saved it when it raised the exception, from the faulting thread's x2.
    const x2 = await origin('1.19', resume, 'x2', 3);
    const saved = x2.children![0]!;
    assert.equal(saved.node.source.kind, 'windows');
    assert.match(saved.node.source.detail!, /raising exception 0xC0000005/);
    assert.equal(saved.children![0]!.node.label, 'x2');
    assert.equal(saved.children![0]!.node.source.kind, 'instruction');
  });

  test('bad input: one line naming what is wrong, exit 2', async () => {
    const trace = traces['1.19']!;
    const reg = wintrace('origin', trace, '--at', '5', 'x99');
    assert.equal(reg.code, 2);
    assert.equal(reg.err, "wintrace: 'x99' is not a register or memory range: use x0-x30, fp, lr, sp, nzcv, v0-v31, or [ADDRESS] / [ADDRESS,SIZE]\n");
    const far = wintrace('origin', trace, '--at', '999999999', 'x0');
    assert.equal(far.code, 2);
    assert.match(far.err, /^wintrace: --at 999999999: the trace has positions 0-\d+\n$/);
    await assert.rejects(origin('1.19', 5, '[sp,0]'), /^UsageError: '\[sp,0\]': a size is 1 to 4096 bytes$/);
    await assert.rejects(origin('1.19', 5, 'pc'), /is not a register or memory range/);
    const depth = wintrace('origin', trace, '--at', '5', 'x0', '--depth', '0');
    assert.equal(depth.code, 2);
    assert.match(depth.err, /^wintrace: --depth 0: /);
  });

  test('memory by the address syntax: [sp,8] at the fault is the return address safeRead saved', async () => {
    const fault = eventPositions('1.19', 'exception-raised')[0]!.position - 1;
    const tree = await origin('1.19', fault, '[sp,8]');
    assert.equal(tree.node.source.instruction, 'str x30, [sp, #-0x50]!');
    const lr = valueChildren(tree)[0]!;
    assert.equal(lr.node.label, 'lr');
    assert.match(lr.node.source.instruction!, /^bl /);
  });
});
