// The stack view's frame records: [fp] and [fp + 8] are named saved fp and saved lr only when fp points at one;
// a code address there is a code pointer, named as such (issue 17: a return address was called "saved fp").

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Replay } from '../../src/replayer/replay.ts';
import { stackView } from '../../src/replayer/view.ts';
import { openBuiltTrace } from '../helpers/dispatch-trace.ts';
import { A64, codeRegion, le64, SyntheticTrace } from '../helpers/synthetic-trace.ts';

const SP0 = 0x7000_0000n;
const FP = 29;
const SP = 31;
const PC = 32;

let opened: ReturnType<typeof openBuiltTrace>;
let r: Replay;

function build(file: string): void {
  const t = new SyntheticTrace({
    threads: [{ tid: 0x1000, teb: 0x7ff8_0000_0000n, stackBase: SP0 + 0x1000n, stackLimit: SP0 - 0x10000n, regs: { [PC]: 0x10000n, [SP]: SP0 } }],
    symbols: [{ name: 'main.main', address: 0x10000n, size: 0x40 }],
    regions: [codeRegion(0x10000n, new Array(16).fill(A64.nop)), { base: SP0 - 0x10000n, size: 0x11000, prot: 'rw-', pages: [] }],
  });
  // 0: a frame record at SP0 (caller's fp SP0+0x20, return address main.main+0x8), fp pointing at it.
  t.step({ set: { [FP]: SP0 }, write: [{ address: SP0, bytes: le64(SP0 + 0x20n) }, { address: SP0 + 8n, bytes: le64(0x10008n) }] });
  // 1: fp moved onto a slot holding a code address (main.main+0xc), as assembly using fp as scratch leaves it.
  t.step({ set: { [FP]: SP0 + 0x10n }, write: [{ address: SP0 + 0x10n, bytes: le64(0x1000cn) }] });
  t.step({});
  t.write(file);
}

before(() => {
  opened = openBuiltTrace(build);
  r = opened.replay;
});

after(() => opened.close());

const notes = (p: number) => new Map(stackView(r, p, 4, 0).map((l) => [l.offset, l.note]));

test('fp at a frame record: saved fp and saved lr', () => {
  const n = notes(1);
  assert.equal(n.get(0), 'saved fp');
  assert.equal(n.get(8), 'saved lr -> main.main+0x8');
});

test('fp at a code address: the slot is named as the code it points to, not saved fp', () => {
  const n = notes(2);
  assert.equal(n.get(0x10), 'main.main+0xc');
  assert.equal(n.get(0x18), undefined);
});
