// Code the program rewrote is shown as it ran: dump, show and the TUI's disassembly read the instruction word from
// memory as it was at the position, not from the initial code pages, wherever the run wrote a code page.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { wholeTrace } from '../../src/replayer/dump-selection.ts';
import { dumpTextLines } from '../../src/replayer/dump.ts';
import { Replay } from '../../src/replayer/replay.ts';
import { disassemblyAround } from '../../src/replayer/view.ts';
import { A64, codeRegion, SyntheticTrace } from '../helpers/synthetic-trace.ts';

const MOV_X0_10 = 0xd2800140;
const PC = 32;
const SP = 31;
const SP0 = 0x7000_0000n;
let dir: string;
let r: Replay;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wintrace-smc-'));
  const file = join(dir, 'smc.mp');
  const t = new SyntheticTrace({
    threads: [{ tid: 0x1000, teb: 0x7ff8_0000_0000n, stackBase: SP0 + 0x1000n, stackLimit: SP0 - 0x10000n, regs: { [PC]: 0x10000n, [SP]: SP0 } }],
    symbols: [{ name: 'main.jit', address: 0x10000n, size: 0x40 }],
    regions: [codeRegion(0x10000n, new Array(16).fill(A64.nop)), { base: SP0 - 0x10000n, size: 0x11000, prot: 'rw-', pages: [] }],
  });
  // Step 0 stores `mov x0, #10` over the nop at 0x10008; steps 1 and 2 run up to it, step 2 runs the new word.
  const word = new Uint8Array(4);
  new DataView(word.buffer).setUint32(0, MOV_X0_10, true);
  t.step({ write: [{ address: 0x10008n, bytes: word }] });
  t.step();
  t.step({ set: { 0: 10n } });
  t.step();
  t.write(file);
  r = Replay.open(file);
  await r.disassembler();
});
after(() => {
  r.close();
  rmSync(dir, { recursive: true, force: true });
});

test('dump shows the rewritten instruction where it ran', () => {
  const lines = [...dumpTextLines(r, wholeTrace(r.trace))].filter((l) => /^\s*0x1000 main\.jit\+0x8 /.test(l));
  assert.equal(lines.length, 1, lines.join('\n'));
  assert.match(lines[0]!, /mov x0, #0xa/);
});

test('the disassembly around a position shows memory as it was then', () => {
  const at = (p: number) => disassemblyAround(r, 0x10004, 0, 1, p).find((l) => l.address === 0x10008)!.text;
  assert.equal(at(0), 'nop', 'before the store');
  assert.equal(at(2), 'mov x0, #0xa', 'after it');
  assert.equal(r.instructionText(0x10008, 2), 'mov x0, #0xa');
});
