// The pclntab line decoder: on the committed golden traces (Go 1.19's 0xFFFFFFF0 layout and 1.27's 0xFFFFFFF1),
// found by runtime.firstmoduledata's name and, as in a stripped build, by scanning for the moduledata that points
// at the pcHeader; and on a hand-built table whose streams hold negative deltas, multi-byte varints and a second
// file, against the values written into it.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { wholeTrace } from '../../src/replayer/dump-selection.ts';
import { dumpText } from '../../src/replayer/dump.ts';
import { type ImageReader, PclntabLines } from '../../src/replayer/pclntab-lines.ts';
import { Replay } from '../../src/replayer/replay.ts';
import { sourceLinesOf } from '../../src/replayer/source-lines.ts';
import { resolveFileLine } from '../../src/replayer/source-position.ts';
import { ROOT } from '../helpers/fixtures.ts';

for (const golden of ['recovered-nil-dereference', 'recovered-nil-dereference-go1.27']) {
  describe(`traces/${golden}.mp`, () => {
    test('main.readValue is main.go:20, the line of `return n.value`, by name and by a stripped build\'s scan', () => {
      const r = Replay.open(join(ROOT, 'traces', `${golden}.mp`));
      try {
        const pc = r.trace.symbols.resolve('main.readValue')!;
        const named = r.trace.sourceLines!;
        assert.deepEqual(named.lineAt(pc), { file: 'wintrace.dev/fixtures/panic-recover/main.go', line: 20 });
        const header = { ...r.trace.header, symbols: r.trace.header.symbols.filter((s) => s.name !== 'runtime.firstmoduledata') };
        const scanned = sourceLinesOf(header)!;
        for (const name of ['main.readValue', 'main.main', 'runtime.main', 'runtime.exceptiontramp']) {
          const a = r.trace.symbols.resolve(name)!;
          for (let k = 0; k < 16; k++) assert.deepEqual(scanned.lineAt(a + 4 * k), named.lineAt(a + 4 * k), `${name}+${4 * k}`);
        }
        assert.equal(named.lineAt(0x1000), undefined, 'outside the text');
        const at = resolveFileLine(named, 'main.go:20');
        assert.deepEqual(at.runs.map((x) => [x.start, x.end]), [[pc, pc + 16]]);
      } finally {
        r.close();
      }
    });

    test('dump --lines puts the line after each instruction\'s location; a plain dump stays as it was', async () => {
      const r = Replay.open(join(ROOT, 'traces', `${golden}.mp`));
      try {
        await r.disassembler();
        assert.match(dumpText(r, wholeTrace(r.trace), { lines: true }), /^0x[0-9a-f]+ main\.readValue +main\.go:20 +ldr x0, \[x0\]$/m);
        assert.match(dumpText(r, wholeTrace(r.trace)), /^0x[0-9a-f]+ main\.readValue +ldr x0, \[x0\]$/m);
      } finally {
        r.close();
      }
    });
  });
}

/** A reader over a byte array placed at `base`. */
function reader(bytes: Uint8Array, base: number): ImageReader {
  const at = (a: number) => bytes[a - base] ?? 0;
  const u32 = (a: number) => (at(a) | (at(a + 1) << 8) | (at(a + 2) << 16)) + at(a + 3) * 2 ** 24;
  return { u8: at, u32, u64: (a) => u32(a) + u32(a + 4) * 2 ** 32 };
}

describe('a hand-built table', () => {
  // One function at text+0x100, 0x40 bytes; pcfile: file 0 for 0x10 bytes, then file 1; pcln: line 300 for 8
  // bytes, line 290 (a negative delta) for 0x38 bytes (a two-byte pc varint: 0x38/4 = 14, so use a long line).
  const text = 0x10000;
  const mem = new Uint8Array(0x400);
  const dv = new DataView(mem.buffer);
  const base = 0x20000;
  const pclntable = 0x000;
  const cutab = 0x100;
  const filetab = 0x140;
  const pctab = 0x200;
  dv.setUint32(pclntable + 0, 0x100, true); // ftab[0] entryoff
  dv.setUint32(pclntable + 4, 0x10, true); // ftab[0] funcoff
  dv.setUint32(pclntable + 8, 0x100 + 0x240, true); // end
  const f = pclntable + 0x10;
  dv.setUint32(f + 0, 0x100, true);
  dv.setUint32(f + 20, 1, true); // pcfile at pctab+1
  dv.setUint32(f + 24, 8, true); // pcln at pctab+8
  dv.setUint32(f + 32, 2, true); // cuOffset
  dv.setUint32(cutab + 8, 0, true);
  dv.setUint32(cutab + 12, 7, true);
  mem.set(Buffer.from('a/x.go\0b/y.s\0'), filetab);
  // pcfile: value -1 -> 0 (+1: zigzag 2), pc +4 insns; 0 -> 1 (+1: 2), pc +0x8c insns (varint 0x8c 0x01); end.
  mem.set([2, 4, 2, 0x8c, 0x01, 0], pctab + 1);
  // pcln: -1 -> 300 (+301: zigzag 602 = 0xda 0x04), pc +2 insns; 300 -> 290 (-10: zigzag 19), pc +0x8e; end.
  mem.set([0xda, 0x04, 2, 19, 0x8e, 0x01, 0], pctab + 8);
  const lines = new PclntabLines(reader(mem, base), {
    cutab: { address: base + cutab, length: 4 },
    filetab: { address: base + filetab, length: 13 },
    pctab: { address: base + pctab, length: 0x40 },
    pclntable: { address: base + pclntable, length: 0x100 },
    nfunc: 1,
    text,
    minLC: 4,
  });
  const e = text + 0x100;

  test('values change where the streams say, with negative deltas and two-byte varints', () => {
    assert.deepEqual(lines.lineAt(e), { file: 'a/x.go', line: 300 });
    assert.deepEqual(lines.lineAt(e + 4), { file: 'a/x.go', line: 300 });
    assert.deepEqual(lines.lineAt(e + 8), { file: 'a/x.go', line: 290 });
    assert.deepEqual(lines.lineAt(e + 0x10), { file: 'b/y.s', line: 290 });
    assert.deepEqual(lines.lineAt(e + 0x23c), { file: 'b/y.s', line: 290 });
    assert.equal(lines.lineAt(e + 0x240), undefined);
    assert.equal(lines.lineAt(e - 4), undefined);
  });

  test('runs of a line by file, and a line without code named', () => {
    assert.deepEqual(lines.runsIn((n) => n.endsWith('y.s')).map((r) => [r.start - e, r.end - e, r.line]), [[0x10, 0x240, 290]]);
    assert.deepEqual(resolveFileLine(lines, 'x.go:290').runs.map((r) => [r.start - e, r.end - e]), [[8, 0x10]]);
    assert.throws(() => resolveFileLine(lines, 'x.go:295'), /no instruction of a\/x\.go is at line 295 \(nearest lines with code: 290, 300\)/);
    assert.throws(() => resolveFileLine(lines, 'z.go:1'), /no file z\.go/);
  });
});
