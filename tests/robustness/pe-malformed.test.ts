// A corpus of malformed PE inputs, each made from hello.exe by one named mutation, each with the exact line the
// loader must give (through loadImageBytes, the path `wintrace run` and `wintrace record` take). A few are
// also fed to the CLI, which must print `wintrace: <file>: <defect>` and exit 3 for both verbs.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { BadImageError } from '../../src/errors.ts';
import { parsePe, type PeImage } from '../../src/recorder/loader/pe.ts';
import { DIR } from '../../src/recorder/loader/pe-structs.ts';
import { FALLBACK_IMAGE_BASE, loadImageBytes } from '../../src/recorder/program.ts';
import { fixtureExe } from '../helpers/fixtures.ts';
import { dv, type PeOffsets, peOffsets, rebaseFile, rvaToFileOffset, set16, set32, set64, u16, u32, u64 } from '../helpers/pe-bytes.ts';
import { WINTRACE_BIN } from '../helpers/bin.ts';

const NAME = 'hello.exe';
const CLEAN = new Uint8Array(readFileSync(fixtureExe('hello')));
const IMG = parsePe(CLEAN, NAME);
const O = peOffsets(CLEAN);
const LEN = CLEAN.length;
const hex = (n: number | bigint): string => `0x${n.toString(16)}`;

interface Ctx {
  img: PeImage;
  o: PeOffsets;
  len: number;
}

interface Malformed {
  name: string;
  /** Returns the mutated bytes (a changed copy, or a shorter one). */
  make(b: Uint8Array, c: Ctx): Uint8Array;
  defect(c: Ctx): string;
}

const CTX: Ctx = { img: IMG, o: O, len: LEN };
const section = (name: string) => IMG.sections.find((s) => s.name === name)!;
const fileAt = (rva: number): number => {
  const at = rvaToFileOffset(IMG, rva);
  assert.ok(at !== undefined, `RVA ${hex(rva)} has file data in ${NAME}`);
  return at;
};
/** Changes bytes in place and returns them. */
const edit = (fn: (b: Uint8Array) => void) => (b: Uint8Array): Uint8Array => {
  fn(b);
  return b;
};
const dir = (i: number): number => O.dirs + i * 8;
const symtab = u32(CLEAN, O.coff + 8);
const nsyms = u32(CLEAN, O.coff + 12);
const strtab = symtab + nsyms * 18;
const pclntab = fileAt(IMG.goPclntab!.rva);
const moduledataRva = IMG.symbols.find((x) => x.name === 'runtime.firstmoduledata')!.rva;
const moduledata = fileAt(moduledataRva);
const importDesc = fileAt(IMG.dataDirectories[DIR.IMPORT]!.rva);
const reloc = IMG.dataDirectories[DIR.BASERELOC]!;
/** The first COFF symbol record in a section with a long (string table) name. */
const longNamed = (() => {
  for (let i = 0; i < nsyms; i++) {
    const r = symtab + i * 18;
    if (u32(CLEAN, r) === 0 && dv(CLEAN).getInt16(r + 12, true) >= 1 && [2, 3, 6, 101].includes(CLEAN[r + 16]!) && CLEAN[r + 17] === 0) return { i, r };
  }
  throw new Error('hello.exe has no long-named COFF symbol');
})();

const CORPUS: Malformed[] = [
  { name: 'empty file', make: () => new Uint8Array(0), defect: () => 'file is 0 bytes, too small for the 64-byte DOS header' },
  {
    name: 'an ELF header where the DOS header belongs',
    make: edit((b) => b.set([0x7f, 0x45, 0x4c, 0x46], 0)),
    defect: () => 'bad DOS signature 0x457f (expected 0x5a4d "MZ")',
  },
  {
    name: 'e_lfanew points at the DOS header itself',
    make: edit((b) => set32(b, 0x3c, 0)),
    defect: () => `bad PE signature ${hex(u32(CLEAN, 0))} at 0x0 (expected 0x4550 "PE\\0\\0")`,
  },
  {
    name: 'ARM64EC machine',
    make: edit((b) => set16(b, O.coff, 0xa641)),
    defect: () => 'machine 0xa641 (ARM64EC) is not ARM64 (0xAA64)',
  },
  {
    name: 'an object file: no IMAGE_FILE_EXECUTABLE_IMAGE',
    make: edit((b) => set16(b, O.coff + 18, u16(CLEAN, O.coff + 18) & ~2)),
    defect: () => `COFF Characteristics ${hex(u16(CLEAN, O.coff + 18) & ~2)} lack IMAGE_FILE_EXECUTABLE_IMAGE (0x2): an object file, not an image`,
  },
  {
    name: 'ROM optional header magic',
    make: edit((b) => set16(b, O.opt, 0x107)),
    defect: () => 'optional header magic 0x107 (ROM) is not PE32+ (0x20b)',
  },
  {
    name: 'truncated just after the optional header magic',
    make: (b) => b.slice(0, O.opt + 2),
    defect: () => `optional header truncated: SizeOfOptionalHeader ${O.sec - O.opt} at ${hex(O.opt)} runs past the end of the ${O.opt + 2}-byte file`,
  },
  {
    name: '17 data directories',
    make: edit((b) => set32(b, O.opt + 108, 17)),
    defect: () => 'NumberOfRvaAndSizes 17 exceeds the 16 data directories PE32+ defines',
  },
  {
    name: 'SectionAlignment not a power of two',
    make: edit((b) => set32(b, O.opt + 32, 0x3000)),
    defect: () => 'SectionAlignment 0x3000 is not a power of two',
  },
  {
    name: 'FileAlignment 0',
    make: edit((b) => set32(b, O.opt + 36, 0)),
    defect: () => 'FileAlignment 0x0 is not a power of two',
  },
  {
    name: 'ImageBase not 64 KiB aligned',
    make: edit((b) => set64(b, O.opt + 24, 0x1_0000_1000n)),
    defect: () => 'ImageBase 0x100001000 is not a multiple of 64 KiB',
  },
  {
    name: 'SizeOfStackReserve of 1 TiB',
    make: edit((b) => set64(b, O.opt + 72, 1n << 40n)),
    defect: () => 'SizeOfStackReserve 0x10000000000 exceeds the limit of 0x10000000 (256 MiB)',
  },
  {
    name: 'SizeOfHeaders past the end of the file',
    make: edit((b) => set32(b, O.opt + 60, 0x7fff_ffff)),
    defect: ({ len }) => `SizeOfHeaders 0x7fffffff runs past the end of the ${len}-byte file`,
  },
  {
    name: 'SizeOfImage smaller than the headers',
    make: edit((b) => set32(b, O.opt + 56, 0x200)),
    defect: ({ img }) => `SizeOfImage 0x200 is smaller than SizeOfHeaders ${hex(img.sizeOfHeaders)}`,
  },
  {
    name: 'absurd VirtualSize of .text',
    make: edit((b) => set32(b, O.sec + 8, 0xffff_ff00)),
    defect: ({ img }) => `section 1 (.text) virtual range 0x1000-0x100000f00 is outside SizeOfImage ${hex(img.sizeOfImage)}`,
  },
  {
    name: 'sections out of order: .data placed at .text',
    make: edit((b) => set32(b, O.sec + 2 * 40 + 12, 0x1000)),
    defect: () => `section 3 (.data) RVA 0x1000 is below section 2 (.rdata) at ${hex(section('.rdata').rva)}: sections must be in ascending order`,
  },
  {
    // Without a COFF symbol table (as -ldflags=-s leaves it), whose end past the cut would be found first.
    name: 'stripped image cut inside the .text raw data',
    make: (b) => {
      set32(b, O.coff + 8, 0);
      return b.slice(0, 0x40000);
    },
    defect: () => {
      const t = section('.text');
      return `section 1 (.text) raw data ${hex(t.rawOffset)}-${hex(t.rawOffset + t.rawSize)} runs past the end of the 262144-byte file`;
    },
  },
  {
    name: 'section name offset outside the string table',
    make: edit((b) => b.set(new TextEncoder().encode('/999999\0'), O.sec + 3 * 40)),
    defect: () => `section 4 name "/999999" refers to offset 999999 outside the COFF string table (size ${u32(CLEAN, strtab)})`,
  },
  {
    name: 'entry point past SizeOfImage',
    make: edit((b) => set32(b, O.opt + 16, 0xffff_fff0)),
    defect: ({ img }) => `entry point RVA 0xfffffff0 is outside the image (SizeOfImage ${hex(img.sizeOfImage)})`,
  },
  {
    name: 'base relocation directory 4 bytes longer than its blocks',
    make: edit((b) => set32(b, dir(DIR.BASERELOC) + 4, reloc.size + 4)),
    defect: () => `base relocation block at RVA ${hex(reloc.rva + reloc.size)} is truncated: 4 bytes left in the directory, the header needs 8`,
  },
  {
    name: 'base relocation directory larger than the file',
    make: edit((b) => set32(b, dir(DIR.BASERELOC) + 4, 0x0100_0000)),
    defect: ({ len }) => `base relocation directory (0x1000000 bytes) is larger than the ${len}-byte file`,
  },
  {
    name: 'DIR64 relocation straddling the end of the image',
    make: edit((b) => {
      const at = fileAt(reloc.rva);
      set32(b, at, IMG.sizeOfImage - 0x1000);
      set16(b, at + 8, (10 << 12) | 0xffc);
    }),
    defect: ({ img }) => `base relocation (DIR64) target at RVA ${hex(img.sizeOfImage - 4)}+0x8 runs past the end of the image (SizeOfImage ${hex(img.sizeOfImage)})`,
  },
  {
    name: 'import directory outside the image',
    make: edit((b) => set32(b, dir(DIR.IMPORT), 0x7fff_0000)),
    defect: ({ img }) => `import directory at RVA 0x7fff0000 is outside the image (SizeOfImage ${hex(img.sizeOfImage)})`,
  },
  {
    name: 'import DLL name is an empty string',
    make: edit((b) => set32(b, importDesc + 12, section('.idata').rva + 0xff0)),
    defect: () => `import descriptor 0 DLL name at RVA ${hex(section('.idata').rva + 0xff0)} is empty`,
  },
  {
    // Found by the fuzz harness: the name reached an "unsupported API" message, line break and all.
    name: 'import DLL name holding a line break',
    make: edit((b) => (b[fileAt(u32(CLEAN, importDesc + 12)) + 3] = 0x0a)),
    defect: () => `import descriptor 0 DLL name at RVA ${hex(u32(CLEAN, importDesc + 12))} holds the control character 0xa, which no file name can`,
  },
  {
    name: 'section name holding a line break, and a misaligned RVA',
    make: edit((b) => {
      b[O.sec + 3] = 0x0a;
      set32(b, O.sec + 12, 0x1001);
    }),
    defect: () => 'section 1 (.te\\x0at) RVA 0x1001 is not a multiple of SectionAlignment 0x1000',
  },
  {
    name: 'import lookup table runs off the end of the image',
    make: edit((b) => set32(b, importDesc, IMG.sizeOfImage - 4)),
    defect: ({ img }) => `import descriptor 0 (kernel32.dll) lookup entry 0 at RVA ${hex(img.sizeOfImage - 4)}+0x8 runs past the end of the image (SizeOfImage ${hex(img.sizeOfImage)})`,
  },
  {
    name: 'COFF string table size below 4',
    make: edit((b) => set32(b, strtab, 2)),
    defect: () => `COFF string table at ${hex(strtab)} has size 2 (must be at least 4)`,
  },
  {
    name: 'COFF string table size past the end of the file',
    make: edit((b) => set32(b, strtab, 0x100000)),
    defect: ({ len }) => `COFF string table (0x100000 bytes at ${hex(strtab)}) runs past the end of the ${len}-byte file`,
  },
  {
    name: 'COFF symbol name offset outside the string table',
    make: edit((b) => set32(b, longNamed.r + 4, 0xfffff)),
    defect: () => `COFF symbol ${longNamed.i} name refers to offset 1048575 outside the COFF string table (size ${u32(CLEAN, strtab)})`,
  },
  {
    name: 'COFF symbol in section 99',
    make: edit((b) => set16(b, longNamed.r + 12, 99)),
    defect: ({ img }) => `COFF symbol ${longNamed.i} refers to section 99, but the image has ${img.sections.length} sections`,
  },
  {
    name: 'Go pclntab with a foreign magic',
    make: edit((b) => set32(b, pclntab, 0x12345678)),
    defect: ({ img }) => `Go pclntab at RVA ${hex(img.goPclntab!.rva)}: magic 0x12345678 is not a Go 1.18+ pclntab (0xfffffff0 or 0xfffffff1)`,
  },
  {
    name: 'Go pclntab with 4-byte pointers',
    make: edit((b) => (b[pclntab + 7] = 4)),
    defect: ({ img }) => `Go pclntab at RVA ${hex(img.goPclntab!.rva)}: pointer size 4 is not 8`,
  },
  {
    // Go 1.26+ write 0 there, but a Go 1.19 runtime refuses a textStart that is not moduledata.text.
    name: 'Go 1.19 pclntab textStart 0',
    make: edit((b) => set64(b, pclntab + 24, 0n)),
    defect: ({ img }) => `Go pclntab at RVA ${hex(img.goPclntab!.rva)}: textStart 0x0 differs from moduledata.text 0x100001000`,
  },
  {
    name: 'Go moduledata text outside the executable sections',
    make: edit((b) => set64(b, moduledata + 176, 0x1_0000_0000n + BigInt(section('.rdata').rva))),
    defect: () => `Go moduledata at RVA ${hex(moduledataRva)}: text ${hex(0x1_0000_0000n + BigInt(section('.rdata').rva))} is not inside an executable section (ImageBase 0x100000000)`,
  },
  {
    name: 'Go moduledata pointing at another pcHeader',
    make: edit((b) => set64(b, moduledata, 0x1_0000_0000n + BigInt(IMG.goPclntab!.rva + 8))),
    defect: ({ img }) => `Go moduledata at RVA ${hex(moduledataRva)}: pcHeader ${hex(0x1_0000_0000n + BigInt(img.goPclntab!.rva + 8))} is not runtime.pclntab at ${hex(0x1_0000_0000n + BigInt(img.goPclntab!.rva))}`,
  },
  {
    name: 'Go pclntab function name offset past the table',
    make: edit((b) => {
      const pcln = pclntab + Number(u64(CLEAN, pclntab + 64));
      set32(b, pclntab + Number(u64(CLEAN, pclntab + 64)) + u32(CLEAN, pcln + 4) + 4, 0x7fff_ffff);
    }),
    defect: ({ img }) => `Go pclntab at RVA ${hex(img.goPclntab!.rva)}: function 0 name offset 0x7fffffff is outside the table`,
  },
  {
    name: 'a DLL, not a program',
    make: edit((b) => set16(b, O.coff + 18, u16(CLEAN, O.coff + 18) | 0x2000)),
    defect: () => `COFF Characteristics ${hex(u16(CLEAN, O.coff + 18) | 0x2000)} mark a DLL (IMAGE_FILE_DLL 0x2000), not a program wintrace can run`,
  },
  {
    name: 'ImageBase in the TEB area, relocations stripped',
    make: edit((b) => {
      rebaseFile(b, IMG, 0x7ff8_0000_0000n); // Go's pclntab and moduledata agree with the new ImageBase
      set16(b, O.coff + 18, u16(CLEAN, O.coff + 18) | 1);
    }),
    defect: ({ img }) => `ImageBase 0x7ff800000000 + SizeOfImage ${hex(img.sizeOfImage)} overlaps the system areas of the emulated address space and the image has no base relocations to move it`,
  },
];

function rejection(bytes: Uint8Array): string {
  try {
    loadImageBytes(bytes, NAME);
  } catch (e) {
    assert.ok(e instanceof BadImageError, `expected a BadImageError, got ${(e as Error)?.stack ?? String(e)}`);
    assert.equal(e.exitCode, 3);
    return e.message;
  }
  return assert.fail('the input loaded');
}

describe('malformed PE corpus', () => {
  test('the corpus holds at least 30 distinct mutations', () => {
    assert.ok(CORPUS.length >= 30, `${CORPUS.length} entries`);
    assert.equal(new Set(CORPUS.map((m) => m.name)).size, CORPUS.length);
    assert.equal(new Set(CORPUS.map((m) => m.defect(CTX))).size, CORPUS.length, 'two entries test the same defect');
  });

  for (const m of CORPUS) {
    test(m.name, () => {
      assert.equal(rejection(m.make(CLEAN.slice(), CTX)), `${NAME}: ${m.defect(CTX)}`);
    });
  }

  test('an ImageBase in the TEB area with relocations is loaded at the fallback base instead', () => {
    const b = CLEAN.slice();
    rebaseFile(b, IMG, 0x7ff8_0000_0000n);
    const loaded = loadImageBytes(b, NAME);
    assert.equal(loaded.base, FALLBACK_IMAGE_BASE);
    assert.ok(loaded.relocationsApplied > 0);
  });

  test('a cut anywhere — every structure boundary and 64 points across the file — is one clear BadImageError', () => {
    const points = new Set<number>([1, 2, 0x3c, 0x40, O.pe + 2, O.coff + 10, O.opt + 50, O.dirs + 40, O.sec + 20, IMG.sizeOfHeaders]);
    for (const s of IMG.sections) for (const d of [-1, 0, 1, s.rawSize >> 1]) points.add(s.rawOffset + d);
    for (const at of [symtab, strtab, strtab + 4, LEN - 1]) points.add(at);
    for (let k = 1; k < 64; k++) points.add(Math.floor((LEN * k) / 64));
    for (const at of points) {
      if (at <= 0 || at >= LEN) continue;
      const message = rejection(CLEAN.slice(0, at));
      assert.ok(message.startsWith(`${NAME}: `) && !message.includes('\n'), `cut at ${hex(at)}: ${message}`);
    }
  });
});

describe('malformed PE on the command line', () => {
  const cases = [CORPUS.find((m) => m.name === 'ARM64EC machine')!, CORPUS.find((m) => m.name === 'DIR64 relocation straddling the end of the image')!];
  for (const m of cases) {
    for (const verb of ['run', 'record']) {
      test(`wintrace ${verb}: ${m.name} is one line and exit 3`, () => {
        const dir = mkdtempSync(join(tmpdir(), 'wintrace-bad-'));
        try {
          const exe = join(dir, 'bad.exe');
          writeFileSync(exe, m.make(CLEAN.slice(), CTX));
          const trace = join(dir, 'bad.mp');
          const args = verb === 'record' ? ['record', exe, '-o', trace] : ['run', exe];
          const r = spawnSync(process.execPath, [WINTRACE_BIN, ...args], { encoding: 'utf8', timeout: 60_000 });
          assert.equal(r.stderr, `wintrace: bad.exe: ${m.defect(CTX)}\n`);
          assert.equal(r.status, 3);
          assert.equal(r.stdout, '');
          assert.equal(existsSync(trace), false, 'no trace file for a program that never ran');
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });
    }
  }
});
