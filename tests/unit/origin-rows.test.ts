// The origin tree as an interactive view's rows (src/replayer/origin-rows.ts), on panic-recover: the good read
// (`safeRead(&node{value: 42})`) goes x0 <- ldr [x0] <- the node's word <- str x1 <- mov x1, #0x2a; at the
// exception's resume, sp comes from the emulated Windows loading the CONTEXT, whose Sp field sigtramp_g0 stored.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { evaluateAddress } from '../../src/replayer/address-expr.ts';
import { locate } from '../../src/replayer/locate.ts';
import { initiallyOpen, originJump, originRows } from '../../src/replayer/origin-rows.ts';
import { OriginExplorer, type OriginNode, parseOriginTarget } from '../../src/replayer/origin.ts';
import { Replay } from '../../src/replayer/replay.ts';
import { RecordSession } from '../../src/recorder/session.ts';
import { fixtureExe } from '../helpers/fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'wintrace-origin-rows-'));
let replay: Replay;
let explorer: OriginExplorer;

before(async () => {
  const path = join(dir, 'pr.mp');
  new RecordSession({ program: fixtureExe('panic-recover'), output: path, args: [], env: {} }).run();
  replay = Replay.open(path);
  explorer = new OriginExplorer(replay, await replay.disassembler());
});
after(() => {
  replay.close();
  rmSync(dir, { recursive: true, force: true });
});

function rootAt(position: number, what: string): OriginNode {
  return explorer.root(parseOriginTarget(replay, position, what, (p, a) => evaluateAddress(replay, p, a)), position);
}

const pcSymbol = (position: number) => replay.trace.symbols.format(replay.trace.stepAt(position).pc);

describe('origin rows', () => {
  test('the good read, opened along the values: load, store, constant; address registers listed closed', async () => {
    const p = (await locate(replay, 'main.readValue')).position + 1;
    const root = rootAt(p, 'x0');
    const rows = originRows(explorer, root, initiallyOpen(explorer, root, 4));
    const text = rows.map((r) => `${r.prefix}${r.node.role}:${r.node.source.instruction ?? r.node.source.kind}`);
    assert.deepEqual(text.slice(0, 3), ['value:ldr x0, [x0]', '├─ value:str x1, [sp, #0x68]', '│  ├─ value:mov x1, #0x2a']);
    assert.equal(rows[2]!.leaf, 'a constant');
    assert.equal(rows[2]!.openable, false, 'opened and without inputs');
    const addresses = rows.filter((r) => r.node.role === 'address');
    assert.ok(addresses.length >= 2, 'the store\'s and the load\'s address registers');
    for (const r of addresses) assert.ok(!r.open && r.openable, 'listed, not followed, and openable');
    assert.equal(rows.at(-1)!.prefix, '└─ ', 'the last child closes the branch');
    assert.equal(rows[0]!.node.value, '0x2a');
  });

  test('opening and closing: only the open nodes\' children are rows', async () => {
    const p = (await locate(replay, 'main.readValue')).position + 1;
    const root = rootAt(p, 'x0');
    assert.equal(originRows(explorer, root, new Set()).length, 1, 'closed: the root alone');
    const one = originRows(explorer, root, new Set([root.id]));
    assert.equal(one.length, 1 + explorer.childrenOf(root).length);
    assert.ok(one.slice(1).every((r) => r.depth === 1 && !r.open));
  });

  test('a row goes to the instruction that wrote it, standing on it', async () => {
    const p = (await locate(replay, 'main.readValue')).position + 1;
    const root = rootAt(p, 'x0');
    const rows = originRows(explorer, root, initiallyOpen(explorer, root, 4));
    const store = originJump(rows[1]!.node)!;
    assert.equal(store.position, rows[1]!.node.source.step);
    assert.equal(pcSymbol(store.position), rows[1]!.node.source.symbol, 'the pc there is the storing instruction');
    assert.match(store.label, /\[0x[0-9a-f]+, 8\] = 0x2a written by main\.main\+0x[0-9a-f]+ {2}str x1/);
  });

  test('a write by the emulated Windows goes to where it wrote; its input is the CONTEXT field sigtramp_g0 stored', () => {
    const events = replay.trace.events();
    const raised = events.find((e) => e.event.kind === 'exception-raised')!;
    const resumed = events.find((e) => e.event.kind === 'context-resumed' && e.position > raised.position)!;
    const root = rootAt(resumed.position, 'sp');
    assert.equal(root.source.kind, 'windows');
    assert.deepEqual(originJump(root)?.position, root.source.position);
    const rows = originRows(explorer, root, initiallyOpen(explorer, root, 2));
    assert.match(rows[1]!.node.source.symbol ?? '', /^sigtramp_g0\+/);
    assert.equal(pcSymbol(originJump(rows[1]!.node)!.position), rows[1]!.node.source.symbol);
  });

  test('the initial state has nowhere to go and nothing to open', () => {
    const root = rootAt(0, 'x5');
    assert.equal(root.source.kind, 'initial');
    assert.equal(originJump(root), undefined);
    assert.equal(originRows(explorer, root, initiallyOpen(explorer, root, 4))[0]!.openable, false);
  });
});
