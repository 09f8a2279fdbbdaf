import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BadImageError } from '../../src/errors.ts';
import { layoutImage, parsePe, readU64, SymbolTable, writeU64, type PeImage } from '../../src/recorder/loader/pe.ts';
import { DIR, IMAGE_REL_BASED, IMAGE_SCN } from '../../src/recorder/loader/pe-structs.ts';
import { dv, type PeOffsets, peOffsets, rvaToFileOffset, set16, set32, set64, u16, u32 } from '../helpers/pe-bytes.ts';

const FIXTURE = fileURLToPath(new URL('../../fixtures/bin/hello.exe', import.meta.url));
const NAME = 'hello.exe';

let cached: Uint8Array | undefined;
/** The fixture's bytes; fails (never skips) when scripts/build-fixtures.sh has not been run. */
function hello(): Uint8Array {
  if (cached === undefined) {
    if (!existsSync(FIXTURE)) assert.fail('fixtures/bin/hello.exe missing: run scripts/build-fixtures.sh');
    cached = new Uint8Array(readFileSync(FIXTURE));
  }
  return cached;
}

let cleanImage: PeImage | undefined;
function clean(): PeImage {
  cleanImage ??= parsePe(hello(), NAME);
  return cleanImage;
}

// ---- little helpers to mutate a copy of the fixture --------------------------------------------------------

/** File offset of an RVA inside a section's raw data (per the clean parse). */
function fileOffset(rva: number): number {
  const at = rvaToFileOffset(clean(), rva);
  assert.ok(at !== undefined, `RVA 0x${rva.toString(16)} has file data`);
  return at;
}

function mutate(fn: (b: Uint8Array, o: PeOffsets) => void): Uint8Array {
  const b = hello().slice();
  fn(b, peOffsets(b));
  return b;
}

function assertBad(bytes: Uint8Array, message: string): void {
  assert.throws(
    () => parsePe(bytes, NAME),
    (e: unknown) => {
      assert.ok(e instanceof BadImageError, `expected BadImageError, got ${String(e)}`);
      assert.equal(e.message, `${NAME}: ${message}`);
      assert.equal(e.exitCode, 3);
      return true;
    },
  );
}

const hex = (n: number | bigint): string => `0x${n.toString(16)}`;

// ---- the well-formed fixture ----------------------------------------------------------------------------

test('hello.exe: PE32+ ARM64 headers and sections', () => {
  const img = clean();
  assert.equal(img.machine, 0xaa64);
  assert.equal(img.imageBase, 0x1_0000_0000n);
  assert.equal(img.sectionAlignment, 0x1000);
  assert.equal(img.subsystem, 3); // console
  assert.ok(img.sizeOfImage > 0 && img.sizeOfImage % 0x1000 === 0);
  assert.ok(img.stackReserve >= img.stackCommit && img.stackCommit > 0n);
  const byName = new Map(img.sections.map((s) => [s.name, s]));
  const text = byName.get('.text');
  const data = byName.get('.data');
  const rdata = byName.get('.rdata');
  assert.ok(text && data && rdata, `sections: ${img.sections.map((s) => s.name).join(' ')}`);
  assert.deepEqual(text.protection, { read: true, write: false, execute: true });
  assert.ok((text.characteristics & IMAGE_SCN.CNT_CODE) !== 0);
  assert.deepEqual(data.protection, { read: true, write: true, execute: false });
  assert.deepEqual(rdata.protection, { read: true, write: false, execute: false });
  assert.ok(data.virtualSize > data.rawSize, '.data carries zero-filled bss beyond its raw data');
  // Long (>8 char) section names resolve through the COFF string table.
  assert.ok(img.sections.some((s) => s.name === '.zdebug_info'));
  assert.ok(img.entryPointRva >= text.rva && img.entryPointRva < text.rva + text.virtualSize);
});

test('hello.exe: imports come from kernel32.dll with one IAT slot each', () => {
  const img = clean();
  const k32 = img.imports.find((d) => d.dll.toLowerCase() === 'kernel32.dll');
  assert.ok(k32, `imports: ${img.imports.map((d) => d.dll).join(', ')}`);
  const names = new Set(k32.functions.map((f) => f.name));
  for (const fn of ['VirtualAlloc', 'CreateThread', 'AddVectoredExceptionHandler', 'WriteFile', 'ExitProcess', 'GetProcAddress', 'LoadLibraryW']) {
    assert.ok(names.has(fn), `kernel32.dll imports ${fn}`);
  }
  const iat = img.dataDirectories[DIR.IAT]!;
  const slots = new Set<number>();
  for (const d of img.imports) {
    for (const f of d.functions) {
      assert.ok(f.iatRva >= iat.rva && f.iatRva + 8 <= iat.rva + iat.size, `${f.name} IAT slot inside the IAT directory`);
      assert.ok(!slots.has(f.iatRva));
      slots.add(f.iatRva);
    }
  }
  const loaded = layoutImage(img, 0x2_0000_0000n);
  const va = loaded.imports.flatMap((d) => d.functions).find((f) => f.name === 'VirtualAlloc')!;
  assert.equal(va.iatAddress, 0x2_0000_0000n + BigInt(va.iatRva));
  writeU64(loaded, va.iatAddress, 0xdead_beef_0000n);
  assert.equal(readU64(loaded, va.iatAddress), 0xdead_beef_0000n);
});

test('hello.exe: COFF symbols and Go pclntab give the runtime trampolines, main.main and the entry symbol', () => {
  const img = clean();
  assert.ok(img.coffSymbolCount > 1000, `COFF symbols: ${img.coffSymbolCount}`);
  assert.ok(img.goPclntab && img.goPclntab.functions.length > 1000, 'Go pclntab found');
  for (let i = 1; i < img.symbols.length; i++) assert.ok(img.symbols[i - 1]!.rva <= img.symbols[i]!.rva, 'sorted by rva');
  const names = new Set(img.symbols.map((s) => s.name));
  // Go 1.19 names: sigtramp is file-local in sys_windows_arm64.s (`sigtramp<>`), so it has no package prefix;
  // ABI0 assembly functions carry ".abi0" in the COFF table but not in pclntab (the names tracebacks print).
  for (const n of ['sigtramp', 'sigtramp_g0', 'runtime.exceptiontramp', 'runtime.tstart_stdcall', 'runtime.asmstdcall', 'main.main', '_rt0_arm64_windows']) {
    assert.ok(names.has(n), `symbol ${n}`);
  }
  const entry = img.symbols.find((s) => s.rva === img.entryPointRva && s.kind === 'function');
  assert.equal(entry?.name, '_rt0_arm64_windows');
  const asm = img.symbols.find((s) => s.name === 'runtime.asmstdcall')!;
  assert.equal(asm.coffName, 'runtime.asmstdcall.abi0');
  assert.equal(asm.source, 'coff+pclntab');
  assert.ok(asm.size > 0 && asm.size % 4 === 0);
});

test('hello.exe: SymbolTable looks up, formats and resolves names of the laid-out image', () => {
  const base = 0x1_4000_0000n;
  const loaded = layoutImage(clean(), base);
  const st = loaded.symbolTable;
  assert.equal(st.format(loaded.entryPoint), '_rt0_arm64_windows');
  const sigtramp = st.addressOf('sigtramp');
  assert.ok(sigtramp !== undefined && sigtramp >= base && sigtramp < base + BigInt(loaded.size));
  assert.equal(st.format(sigtramp + 0x24n), 'sigtramp+0x24');
  assert.equal(st.addressOf('runtime.asmstdcall.abi0'), st.addressOf('runtime.asmstdcall'));
  const tramp = st.addressOf('runtime.exceptiontramp')!;
  assert.deepEqual(st.lookup(tramp + 8n), { name: 'runtime.exceptiontramp', offset: 8n, address: tramp });
  const main = loaded.symbols.find((s) => s.name === 'main.main')!;
  assert.equal(st.addressOf('main.main'), main.address);
  assert.equal(st.format(main.address + BigInt(main.size) - 4n), `main.main+${hex(main.size - 4)}`);
  assert.notEqual(st.lookup(main.address + BigInt(main.size))?.name, 'main.main');
  assert.equal(st.format(0x1234n), '0x1234');
  assert.equal(st.format(base + BigInt(loaded.size) + 0x10000n), hex(base + BigInt(loaded.size) + 0x10000n));
  assert.equal(st.addressOf('no.such.symbol'), undefined);
});

test('SymbolTable on hand-made symbols: sizes, ties and gaps', () => {
  const st = new SymbolTable([
    { name: 'b', address: 0x2000n, size: 0x10 },
    { name: 'a', address: 0x1000n },
    { name: 'a.alias', address: 0x1000n },
    { name: 'c', address: 0x3000n, size: 4, aliases: ['c.abi0'] },
  ]);
  assert.equal(st.format(0xfffn), '0xfff');
  assert.equal(st.format(0x1000n), 'a');
  assert.equal(st.format(0x1ffcn), 'a+0xffc'); // unsized: up to the next symbol
  assert.equal(st.format(0x200fn), 'b+0xf');
  assert.equal(st.format(0x2010n), '0x2010'); // past b's size
  assert.equal(st.format(0x3004n), '0x3004');
  assert.equal(st.addressOf('c.abi0'), 0x3000n);
  assert.equal(st.addressOf('a.alias'), 0x1000n);
  assert.equal(new SymbolTable([]).lookup(5n), undefined);
});

test('hello.exe: layout regions are page-aligned, zero-filled and carry the file data', () => {
  const img = clean();
  const loaded = layoutImage(img, img.imageBase);
  assert.equal(loaded.delta, 0n);
  assert.equal(loaded.relocationsApplied, 0);
  assert.equal(loaded.entryPoint, img.imageBase + BigInt(img.entryPointRva));
  const [hdr, ...secs] = loaded.regions;
  assert.deepEqual(hdr && { name: hdr.name, rva: hdr.rva, prot: hdr.protection }, { name: 'headers', rva: 0, prot: { read: true, write: false, execute: false } });
  assert.equal(hdr!.bytes[0], 0x4d);
  for (const r of loaded.regions) {
    assert.equal(r.size % 0x1000, 0, `${r.name} size`);
    assert.equal(r.bytes.length, r.size);
    assert.equal(r.address, img.imageBase + BigInt(r.rva));
    assert.ok(r.rva + r.size <= loaded.size);
  }
  for (let i = 1; i < loaded.regions.length; i++) {
    const p = loaded.regions[i - 1]!;
    assert.ok(p.rva + p.size <= loaded.regions[i]!.rva, 'regions do not overlap');
  }
  const data = secs.find((r) => r.name === '.data')!;
  const dataSec = img.sections.find((s) => s.name === '.data')!;
  assert.equal(data.size, Math.ceil(dataSec.virtualSize / 0x1000) * 0x1000);
  assert.deepEqual(data.bytes.subarray(0, 64), hello().subarray(dataSec.rawOffset, dataSec.rawOffset + 64));
  assert.ok(data.bytes.subarray(dataSec.rawSize).every((x) => x === 0), 'bss is zero');
});

test('hello.exe: relocating by 0x10000000 changes exactly the DIR64 words, each by the delta', () => {
  const img = clean();
  assert.ok(img.relocatable, 'Go sets DYNAMIC_BASE and writes a .reloc section');
  assert.ok(img.relocations.length > 1000, `relocations: ${img.relocations.length}`);
  assert.ok(img.relocations.every((r) => r.type === IMAGE_REL_BASED.DIR64));
  const delta = 0x1000_0000n;
  const a = layoutImage(img, img.imageBase);
  const b = layoutImage(img, img.imageBase + delta);
  assert.equal(b.delta, delta);
  assert.equal(b.relocationsApplied, img.relocations.length);
  // Expected: a's bytes with delta added at every relocated word; every other byte identical.
  const expected = a.regions.map((r) => ({ ...r, bytes: r.bytes.slice() }));
  let changed = 0;
  for (const rel of img.relocations) {
    const r = expected.find((x) => rel.rva >= x.rva && rel.rva < x.rva + x.size)!;
    const v = dv(r.bytes).getBigUint64(rel.rva - r.rva, true);
    const after = dv(b.regions[expected.indexOf(r)]!.bytes).getBigUint64(rel.rva - r.rva, true);
    assert.equal(after - v, delta, `word at RVA ${hex(rel.rva)}`);
    dv(r.bytes).setBigUint64(rel.rva - r.rva, v + delta, true);
    changed++;
  }
  assert.equal(changed, img.relocations.length);
  assert.equal(b.regions.length, expected.length);
  for (let i = 0; i < expected.length; i++) assert.ok(Buffer.from(b.regions[i]!.bytes).equals(expected[i]!.bytes), `region ${expected[i]!.name}`);
  // Deltas whose low halves carry into the high word, and a negative delta (base below ImageBase).
  for (const other of [0x7fff_fff0_0000n, 0x1_0000n]) {
    const c = layoutImage(img, other);
    const d = other - img.imageBase;
    for (const rel of img.relocations) {
      const i = a.regions.findIndex((x) => rel.rva >= x.rva && rel.rva < x.rva + x.size);
      const o = rel.rva - a.regions[i]!.rva;
      const before = dv(a.regions[i]!.bytes).getBigUint64(o, true);
      assert.equal(dv(c.regions[i]!.bytes).getBigUint64(o, true), (before + d) & 0xffff_ffff_ffff_ffffn);
    }
  }
  // Symbols, entry point and IAT slots move with the base.
  assert.equal(b.entryPoint - a.entryPoint, delta);
  assert.equal(b.symbolTable.addressOf('main.main')! - a.symbolTable.addressOf('main.main')!, delta);
});

test('hello.exe without its COFF symbol table (as with -ldflags=-s) still has Go functions from pclntab', () => {
  const img = parsePe(
    mutate((b, o) => {
      set32(b, o.coff + 8, 0);
      set32(b, o.coff + 12, 0);
    }),
    NAME,
  );
  assert.equal(img.coffSymbolCount, 0);
  assert.ok(img.goPclntab, 'pclntab found by scanning');
  assert.equal(img.goPclntab.rva, clean().goPclntab!.rva);
  assert.ok(img.symbols.every((s) => s.source === 'pclntab'));
  const names = new Set(img.symbols.map((s) => s.name));
  for (const n of ['sigtramp', 'runtime.asmstdcall', 'main.main', '_rt0_arm64_windows']) assert.ok(names.has(n), n);
  assert.ok(img.sections.some((s) => s.name === '/4'), 'long section names stay unresolved without a string table');
});

test('synthetic export and TLS directories (written into .idata slack) are parsed and rebased', () => {
  const img = clean();
  const idata = img.sections.find((x) => x.name === '.idata')!;
  const mainRva = img.symbols.find((x) => x.name === 'main.main')!.rva;
  const dataRva = img.sections.find((x) => x.name === '.data')!.rva;
  const S = idata.rva + Math.ceil(idata.virtualSize / 16) * 16; // zero slack after the import data
  assert.ok(S + 0xc0 <= idata.rva + idata.initializedSize, '.idata has file-backed slack');
  const T = S + 0x80;
  const ib = img.imageBase;
  const bytes = mutate((b, o) => {
    const f = (rva: number): number => idata.rawOffset + (rva - idata.rva);
    const str = (rva: number, text: string): void => b.set(Buffer.from(`${text}\0`, 'latin1'), f(rva));
    // IMAGE_EXPORT_DIRECTORY
    set32(b, f(S + 12), S + 0x40); // Name
    set32(b, f(S + 16), 1); // Base
    set32(b, f(S + 20), 3); // NumberOfFunctions
    set32(b, f(S + 24), 2); // NumberOfNames
    set32(b, f(S + 28), S + 0x28);
    set32(b, f(S + 32), S + 0x34);
    set32(b, f(S + 36), S + 0x3c);
    set32(b, f(S + 0x28), mainRva);
    set32(b, f(S + 0x2c), 0);
    set32(b, f(S + 0x30), S + 0x60); // inside the directory: a forwarder
    set32(b, f(S + 0x34), S + 0x50);
    set32(b, f(S + 0x38), S + 0x58);
    set16(b, f(S + 0x3c), 0);
    set16(b, f(S + 0x3e), 2);
    str(S + 0x40, 'hello.exe');
    str(S + 0x50, 'Go');
    str(S + 0x58, 'Fwd');
    str(S + 0x60, 'KERNEL32.ExitProcess');
    // IMAGE_TLS_DIRECTORY64 + callback array
    set64(b, f(T), ib + BigInt(dataRva));
    set64(b, f(T + 8), ib + BigInt(dataRva + 0x10));
    set64(b, f(T + 16), ib + BigInt(dataRva + 0x20));
    set64(b, f(T + 24), ib + BigInt(T + 0x28));
    set64(b, f(T + 0x28), ib + BigInt(mainRva));
    set64(b, f(T + 0x30), 0n);
    const dd = o.opt + 112;
    set32(b, dd + DIR.EXPORT * 8, S);
    set32(b, dd + DIR.EXPORT * 8 + 4, 0x80);
    set32(b, dd + DIR.TLS * 8, T);
    set32(b, dd + DIR.TLS * 8 + 4, 40);
  });
  const x = parsePe(bytes, NAME);
  assert.deepEqual(x.exports, {
    dll: 'hello.exe',
    ordinalBase: 1,
    functions: [
      { ordinal: 1, name: 'Go', rva: mainRva },
      { ordinal: 3, name: 'Fwd', forwarder: 'KERNEL32.ExitProcess' },
    ],
  });
  assert.deepEqual(x.tlsDirectory, {
    rawDataStartRva: dataRva,
    rawDataEndRva: dataRva + 0x10,
    indexRva: dataRva + 0x20,
    callbacksRva: T + 0x28,
    callbackRvas: [mainRva],
    sizeOfZeroFill: 0,
    characteristics: 0,
  });
  const base = 0x7ff0_0000_0000n;
  const l = layoutImage(x, base);
  assert.deepEqual(l.tls?.callbacks, [base + BigInt(mainRva)]);
  assert.equal(l.tls?.index, base + BigInt(dataRva + 0x20));

  // And a broken one: more names than functions.
  const bad = bytes.slice();
  set32(bad, idata.rawOffset + (S + 24 - idata.rva), 7);
  assertBad(bad, 'export directory NumberOfNames 7 exceeds NumberOfFunctions 3');
  const badTls = bytes.slice();
  set64(badTls, idata.rawOffset + (T + 24 - idata.rva), 0x5000_0000_0000n);
  assertBad(badTls, `TLS directory AddressOfCallBacks VA 0x500000000000 is outside the image (ImageBase ${hex(ib)}, SizeOfImage ${hex(img.sizeOfImage)})`);
});

// ---- malformed inputs: each must be a BadImageError with this exact message ---------------------------------

test('malformed: truncated before the end of the DOS header', () => {
  assertBad(hello().slice(0, 10), 'file is 10 bytes, too small for the 64-byte DOS header');
});

test('malformed: bad MZ signature', () => {
  assertBad(mutate((b) => (b[1] = 0x58)), 'bad DOS signature 0x584d (expected 0x5a4d "MZ")');
});

test('malformed: e_lfanew past the end of the file', () => {
  const b = mutate((b) => set32(b, 0x3c, 0xfffffff0));
  assertBad(b, `e_lfanew 0xfffffff0 is out of range: the PE signature and COFF header (24 bytes) do not fit in the ${b.length}-byte file`);
});

test('malformed: truncated inside the COFF file header', () => {
  const pe = peOffsets(hello()).pe;
  assertBad(hello().slice(0, pe + 10), `e_lfanew ${hex(pe)} is out of range: the PE signature and COFF header (24 bytes) do not fit in the ${pe + 10}-byte file`);
});

test('malformed: bad PE signature', () => {
  const pe = peOffsets(hello()).pe;
  assertBad(mutate((b, o) => (b[o.pe + 1] = 0x58)), `bad PE signature 0x5850 at ${hex(pe)} (expected 0x4550 "PE\\0\\0")`);
});

test('malformed: x86-64 machine', () => {
  assertBad(mutate((b, o) => set16(b, o.coff, 0x8664)), 'machine 0x8664 (x86-64) is not ARM64 (0xAA64)');
  assertBad(mutate((b, o) => set16(b, o.coff, 0x1234)), 'machine 0x1234 is not ARM64 (0xAA64)');
});

test('malformed: PE32 magic instead of PE32+', () => {
  assertBad(mutate((b, o) => set16(b, o.opt, 0x10b)), 'optional header magic 0x10b (PE32) is not PE32+ (0x20b)');
});

test('malformed: truncated inside the optional header', () => {
  const { opt } = peOffsets(hello());
  const size = u16(hello(), peOffsets(hello()).coff + 16);
  assertBad(hello().slice(0, opt + 100), `optional header truncated: SizeOfOptionalHeader ${size} at ${hex(opt)} runs past the end of the ${opt + 100}-byte file`);
  assertBad(mutate((b, o) => set16(b, o.coff + 16, 100)), 'SizeOfOptionalHeader 100 is smaller than the 112-byte PE32+ optional header');
});

test('malformed: NumberOfSections huge, or beyond SizeOfHeaders', () => {
  assertBad(mutate((b, o) => set16(b, o.coff + 2, 0xffff)), 'NumberOfSections 65535 exceeds the limit of 96');
  const { sec } = peOffsets(hello());
  const soh = clean().sizeOfHeaders;
  assertBad(mutate((b, o) => set16(b, o.coff + 2, 90)), `SizeOfHeaders ${hex(soh)} does not cover the section table, which ends at ${hex(sec + 90 * 40)}`);
  assertBad(mutate((b, o) => set16(b, o.coff + 2, 0)), 'NumberOfSections is 0: the image has no sections');
});

test('malformed: truncated inside the section table', () => {
  const { sec } = peOffsets(hello());
  const n = clean().sections.length;
  assertBad(hello().slice(0, sec + 50), `section table (${n} entries at ${hex(sec)}) runs past the end of the ${sec + 50}-byte file`);
});

test('malformed: SizeOfImage absurd or too small', () => {
  assertBad(mutate((b, o) => set32(b, o.opt + 56, 0xffffffff)), 'SizeOfImage 0xffffffff exceeds the limit of 0x10000000 (256 MiB)');
  const rdata = clean().sections[1]!;
  assertBad(
    mutate((b, o) => set32(b, o.opt + 56, rdata.rva)),
    `section 2 (.rdata) virtual range ${hex(rdata.rva)}-${hex(rdata.rva + rdata.virtualSize)} is outside SizeOfImage ${hex(rdata.rva)}`,
  );
});

test('malformed: section raw data pointer past the end of the file', () => {
  const len = hello().length;
  const text = clean().sections[0]!;
  assertBad(
    mutate((b, o) => set32(b, o.sec + 20, len)),
    `section 1 (.text) raw data ${hex(len)}-${hex(len + text.rawSize)} runs past the end of the ${len}-byte file`,
  );
});

test('malformed: overlapping or misaligned section virtual addresses', () => {
  const [text, rdata] = clean().sections;
  assertBad(
    mutate((b, o) => set32(b, o.sec + 40 + 12, 0x2000)),
    `section 2 (.rdata) virtual range 0x2000-${hex(0x2000 + rdata!.mappedSize)} overlaps section 1 (.text) at ${hex(text!.rva)}-${hex(text!.rva + text!.mappedSize)}`,
  );
  assertBad(mutate((b, o) => set32(b, o.sec + 12, 0x1001)), 'section 1 (.text) RVA 0x1001 is not a multiple of SectionAlignment 0x1000');
});

test('malformed: entry point outside executable code', () => {
  const rdata = clean().sections[1]!;
  assertBad(mutate((b, o) => set32(b, o.opt + 16, rdata.rva)), `entry point RVA ${hex(rdata.rva)} is not inside an executable section`);
});

test('malformed: base relocation blocks', () => {
  const dir = clean().dataDirectories[DIR.BASERELOC]!;
  const at = fileOffset(dir.rva);
  assertBad(mutate((b) => set32(b, at + 4, 4)), `base relocation block at RVA ${hex(dir.rva)} has SizeOfBlock 4 (must be at least 8 and even)`);
  assertBad(mutate((b) => set32(b, at + 4, 0)), `base relocation block at RVA ${hex(dir.rva)} has SizeOfBlock 0 (must be at least 8 and even)`);
  assertBad(
    mutate((b) => set32(b, at + 4, 0x100000)),
    `base relocation block at RVA ${hex(dir.rva)} has SizeOfBlock 0x100000, past the end of the directory (${hex(dir.size)} bytes left)`,
  );
  const page = u32(hello(), at);
  const first = u16(hello(), at + 8);
  assertBad(mutate((b) => set16(b, at + 8, (5 << 12) | (first & 0xfff))), `unsupported base relocation type 5 (ARM_MOV32) for RVA ${hex(page + (first & 0xfff))}`);
  assertBad(mutate((b) => set32(b, at, 0x7fff0000)), `base relocation block at RVA ${hex(dir.rva)} is for page RVA 0x7fff0000, outside the image`);
  assertBad(
    mutate((b, o) => set32(b, o.opt + 112 + DIR.BASERELOC * 8 + 4, 0x100000)),
    `base relocation directory at RVA ${hex(dir.rva)}+0x100000 runs past the end of the image (SizeOfImage ${hex(clean().sizeOfImage)})`,
  );
});

test('malformed: import descriptor names and thunks outside the image, unterminated names', () => {
  const img = clean();
  const dir = img.dataDirectories[DIR.IMPORT]!;
  const desc = fileOffset(dir.rva);
  const soi = hex(img.sizeOfImage);
  assertBad(mutate((b) => set32(b, desc + 12, 0x7fff0000)), `import descriptor 0 DLL name at RVA 0x7fff0000 is outside the image (SizeOfImage ${soi})`);
  assertBad(mutate((b) => set32(b, desc + 0, 0x7fff0000)), `import descriptor 0 (kernel32.dll) lookup entry 0 at RVA 0x7fff0000 is outside the image (SizeOfImage ${soi})`);
  const ilt = fileOffset(u32(hello(), desc));
  assertBad(mutate((b) => set64(b, ilt, 0x7ff00000n)), `import descriptor 0 (kernel32.dll) entry 0 hint/name at RVA 0x7ff00000 is outside the image (SizeOfImage ${soi})`);
  assertBad(mutate((b) => set64(b, ilt, 0x1_0000_0000n)), 'import descriptor 0 (kernel32.dll) entry 0 hint/name RVA 0x100000000 is outside the image');
  // A DLL name pointing at 5000 non-NUL bytes.
  const rdata = img.sections[1]!;
  assertBad(
    mutate((b) => {
      b.fill(0x41, rdata.rawOffset, rdata.rawOffset + 5000);
      set32(b, desc + 12, rdata.rva);
    }),
    `import descriptor 0 DLL name at RVA ${hex(rdata.rva)} is not NUL-terminated within 4096 bytes`,
  );
  assertBad(mutate((b) => set32(b, desc + 16, 0)), 'import descriptor 0 (kernel32.dll) has no import address table (FirstThunk 0)');
});

test('malformed: COFF symbol table past the end of the file', () => {
  const ptr = u32(hello(), peOffsets(hello()).coff + 8);
  assertBad(mutate((b, o) => set32(b, o.coff + 12, 0x100000)), `COFF symbol table (1048576 symbols at ${hex(ptr)}) runs past the end of the ${hello().length}-byte file`);
});

test('malformed: Go pclntab function count past the end of its section', () => {
  const img = clean();
  const rva = img.goPclntab!.rva;
  const at = fileOffset(rva);
  const sec = img.sections.find((x) => rva >= x.rva && rva < x.rva + x.mappedSize)!;
  const avail = sec.initializedSize - (rva - sec.rva);
  const pcln = Number(dv(hello()).getBigUint64(at + 64, true));
  assertBad(
    mutate((b) => set64(b, at + 8, 0x300000n)),
    `Go pclntab at RVA ${hex(rva)}: function table (3145728 entries at offset ${hex(pcln)}) runs past the available ${hex(avail)} bytes`,
  );
  assertBad(mutate((b) => set64(b, at + 8, 1n << 40n)), `Go pclntab at RVA ${hex(rva)}: nfunc 1099511627776 exceeds the limit of 4194304`);
});

test('malformed: random byte mutations of the headers and directories only ever raise BadImageError', () => {
  const img = clean();
  const hot: number[] = [];
  for (let i = 0; i < img.sizeOfHeaders; i++) hot.push(i);
  for (const d of [DIR.IMPORT, DIR.BASERELOC]) {
    const at = fileOffset(img.dataDirectories[d]!.rva);
    for (let i = 0; i < 0x100; i++) hot.push(at + i);
  }
  let seed = 0x5eed;
  const rnd = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  let parsed = 0;
  for (let n = 0; n < 150; n++) {
    const b = mutate((b) => {
      for (let k = 0; k < 3; k++) b[hot[Math.floor(rnd() * hot.length)]!] = rnd() < 0.3 ? 0xff : Math.floor(rnd() * 256);
    });
    try {
      layoutImage(parsePe(b, NAME), 0x7ff0_0000_0000n);
      parsed++;
    } catch (e) {
      assert.ok(e instanceof BadImageError, `mutation ${n}: ${String(e)}`);
      assert.ok(!e.message.includes('\n'), 'one line');
    }
  }
  assert.ok(parsed > 0 && parsed < 150, `parsed ${parsed} of 150`);
});

test('layoutImage refuses to move an image whose relocations were stripped', () => {
  const img = parsePe(mutate((b, o) => set16(b, o.coff + 18, u16(b, o.coff + 18) | 1)), NAME);
  assert.equal(img.relocatable, false);
  assert.equal(layoutImage(img, img.imageBase).base, img.imageBase);
  assert.throws(
    () => layoutImage(img, img.imageBase + 0x1000_0000n),
    (e: unknown) => e instanceof BadImageError && e.message === `${NAME}: image has no base relocations and cannot be loaded at 0x110000000 instead of its ImageBase 0x100000000`,
  );
  assert.throws(() => layoutImage(img, 0x1_0000_1000n), /load base 0x100001000 is not a non-zero multiple of 64 KiB/);
});
