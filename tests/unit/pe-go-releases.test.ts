// The loader on binaries of every pinned Go release (1.19 to 1.27, windows/arm64): pclntab functions wherever the
// linker put the text start (Go 1.26+ write 0 in the header and link at 0x140000000), relocation above 4 GiB, and
// the Go version from the build info. Tests of a release whose fixtures are not built are skipped, saying so.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { UnicornEngine } from '../../src/recorder/engine/unicorn.ts';
import { readGoVersion } from '../../src/recorder/loader/gobuildinfo.ts';
import { layoutImage, parsePe, readU64, regionAt, type LoadedImage, type PeImage } from '../../src/recorder/loader/pe.ts';
import { FALLBACK_IMAGE_BASE, loadImageBytes } from '../../src/recorder/program.ts';
import { WindowsProcess } from '../../src/recorder/windows/process.ts';
import { fixtureExe } from '../helpers/fixtures.ts';
import { peOffsets, rebaseFile, set32, set64 } from '../helpers/pe-bytes.ts';

const RELEASES = ['1.19', '1.21', '1.22', '1.23', '1.24', '1.26', '1.27'];
const hex = (n: number | bigint): string => `0x${n.toString(16)}`;

const bytesCache = new Map<string, Uint8Array>();
/** hello.exe built by `release`, or a reason to skip (the release's fixtures are built by scripts/build-fixtures.sh). */
function hello(release: string): { bytes: Uint8Array } | { skip: string } {
  let b = bytesCache.get(release);
  if (b === undefined) {
    try {
      b = new Uint8Array(readFileSync(fixtureExe('hello', release)));
    } catch (e) {
      return { skip: (e as Error).message };
    }
    bytesCache.set(release, b);
  }
  return { bytes: b };
}

const parsed = new Map<string, PeImage>();
function image(release: string, bytes: Uint8Array): PeImage {
  let img = parsed.get(release);
  if (img === undefined) parsed.set(release, (img = parsePe(bytes, `hello-${release}.exe`)));
  return img;
}

const minor = (release: string): number => Number(release.split('.')[1]);

for (const release of RELEASES) {
  test(`go${release} hello.exe: pclntab functions start at moduledata.text and agree with the COFF symbols`, (t) => {
    const h = hello(release);
    if ('skip' in h) return t.skip(h.skip);
    const img = image(release, h.bytes);
    const pcln = img.goPclntab;
    assert.ok(pcln !== undefined, 'pclntab found');
    assert.equal(img.imageBase, minor(release) >= 26 ? 0x1_4000_0000n : 0x1_0000_0000n);
    assert.equal(pcln.version, minor(release) >= 20 ? '1.20' : '1.18');
    const text = img.sections.find((s) => s.name === '.text')!;
    assert.equal(pcln.textRva, text.rva, 'runtime.text is the start of .text');
    assert.equal(img.symbols.find((s) => s.name === 'runtime.text')?.rva, text.rva);
    // The header's textStart: a relocated VA up to 1.24, no longer written from 1.26.
    assert.equal(pcln.textStart, minor(release) >= 26 ? 0n : img.imageBase + BigInt(text.rva));

    // Every function's name and entry as the COFF table (independent of pclntab) has them; Go 1.19 abbreviates
    // array types in generated equality functions (type..eq.[...]T where the COFF name has type..eq.[9]T).
    const at = new Map<number, { name: string; coffName?: string; source: string }[]>();
    for (const s of img.symbols) at.set(s.rva, [...(at.get(s.rva) ?? []), s]);
    let agree = 0;
    for (const f of pcln.functions) {
      const s = at.get(f.entryRva)?.find((x) => x.name === f.name || x.name === `${f.name}.abi0`);
      if (s?.source === 'coff+pclntab' && (s.coffName === undefined || s.coffName === `${f.name}.abi0`)) agree++;
      else assert.ok(release === '1.19' && f.name.startsWith('type..eq.[...]'), `${f.name} at RVA ${hex(f.entryRva)}: no COFF symbol of that name`);
    }
    assert.ok(agree > 1400 && agree >= pcln.functions.length - 2, `${agree} of ${pcln.functions.length}`);
    assert.ok(pcln.functions.at(-1)!.endRva <= text.rva + text.virtualSize);

    // The Windows boundary routines wintrace is about, under each release's names (checked against `go tool nm`
    // and `go tool objdump` of the same builds).
    const sym = (name: string) => img.symbols.find((s) => s.name === name && s.kind === 'function');
    const asmstdcall = minor(release) >= 26 ? 'internal/runtime/syscall/windows.asmstdcall' : 'runtime.asmstdcall';
    const routines = ['sigtramp', 'runtime.exceptiontramp', 'runtime.tstart_stdcall', 'runtime.callbackasm1', asmstdcall, '_rt0_arm64_windows', 'main.main'];
    if (minor(release) >= 21) routines.push('runtime.sigresume');
    for (const n of routines) assert.ok(sym(n) !== undefined, `${n} present`);
    assert.equal(sym(asmstdcall)!.coffName, `${asmstdcall}.abi0`);
    assert.equal(sym(asmstdcall)!.size, 0xf0);
    assert.equal(sym('sigtramp')!.size, minor(release) >= 21 ? 0x80 : 0xa0);
    assert.equal(img.symbols.find((s) => s.rva === img.entryPointRva && s.kind === 'function')?.name, '_rt0_arm64_windows');
  });

  test(`go${release} hello.exe: an ABI wrapper is named apart from the function it calls`, (t) => {
    const h = hello(release);
    if ('skip' in h) return t.skip(h.skip);
    const img = image(release, h.bytes);
    const loaded = layoutImage(img, img.imageBase);
    /** What the B and BL instructions of a function's body name. */
    const branches = (s: { rva: number; size: number }): string[] => {
      const region = regionAt(loaded, img.imageBase + BigInt(s.rva))!;
      const code = new DataView(region.bytes.buffer, region.bytes.byteOffset + s.rva - region.rva, s.size);
      const out: string[] = [];
      for (let o = 0; o < code.byteLength; o += 4) {
        const w = code.getUint32(o, true);
        if ((w & 0x7c000000) >>> 0 !== 0x14000000) continue;
        const off = ((w & 0x3ffffff) << 6) >> 4; // imm26 * 4, sign-extended
        out.push(loaded.symbolTable.format(img.imageBase + BigInt(s.rva + o + off)));
      }
      return out;
    };
    const entries = new Map<string, Set<number>>();
    for (const f of img.goPclntab!.functions) entries.set(f.name, (entries.get(f.name) ?? new Set<number>()).add(f.entryRva));
    const twice = [...entries].filter(([, e]) => e.size > 1).map(([n]) => n);
    // pclntab names runtime.osinit and its ABI0 wrapper alike (1.19's runtime.exceptionhandler too).
    assert.ok(twice.includes('runtime.osinit'), `pclntab names given twice: ${twice.join(', ')}`);
    if (release === '1.19') assert.ok(twice.includes('runtime.exceptionhandler'));
    for (const name of twice) {
      const fn = img.symbols.filter((s) => s.name === name && s.kind === 'function');
      const abi0 = img.symbols.filter((s) => s.name === `${name}.abi0` && s.kind === 'function');
      assert.equal(fn.length, 1, `${name}: one function of that name`);
      assert.equal(abi0.length, 1, `${name}.abi0: one of that name`);
      // One is the other's wrapper (ABI0 to ABIInternal for a Go function assembly calls, the other way for an
      // assembly function Go calls): it calls, or branches in tail position to, the other.
      const there = [...branches(fn[0]!), ...branches(abi0[0]!)];
      assert.ok(branches(abi0[0]!).includes(name) || branches(fn[0]!).includes(`${name}.abi0`), `${name}: ${there.join(', ') || 'no branch'}`);
    }
  });

  test(`go${release} hello.exe: the Go version comes from the build info`, (t) => {
    const h = hello(release);
    if ('skip' in h) return t.skip(h.skip);
    const v = image(release, h.bytes).goVersion;
    assert.match(v ?? '(none)', new RegExp(`^go${release.replace('.', '\\.')}(\\.\\d+)?$`));
  });
}

test('go1.27 hello.exe without its COFF symbol table (-ldflags=-s): pclntab found through the moduledata that points to it', (t) => {
  const h = hello('1.27');
  if ('skip' in h) return t.skip(h.skip);
  const stripped = h.bytes.slice();
  const { coff } = peOffsets(stripped);
  set32(stripped, coff + 8, 0);
  set32(stripped, coff + 12, 0);
  const img = parsePe(stripped, 'hello.exe');
  assert.equal(img.coffSymbolCount, 0);
  const full = image('1.27', h.bytes).goPclntab!;
  assert.equal(img.goPclntab?.rva, full.rva);
  assert.equal(img.goPclntab.textRva, full.textRva);
  assert.deepEqual(img.goPclntab.functions, full.functions);
  assert.ok(img.symbols.some((s) => s.name === 'sigtramp' && s.source === 'pclntab'));
});

/** Reads the moduledata's pcHeader and text words from a laid-out image. */
function moduledataWords(l: LoadedImage, mdRva: number): { pcHeader: bigint; text: bigint } {
  return { pcHeader: readU64(l, l.base + BigInt(mdRva)), text: readU64(l, l.base + BigInt(mdRva + 176)) };
}

test('go1.27 hello.exe above 4 GiB: loads at 0x140000000 and relocates to bases above and below it', (t) => {
  const h = hello('1.27');
  if ('skip' in h) return t.skip(h.skip);
  const img = image('1.27', h.bytes);
  const loaded = loadImageBytes(h.bytes, 'hello.exe');
  assert.equal(loaded.base, 0x1_4000_0000n);
  assert.equal(loaded.delta, 0n);
  const md = img.symbols.find((s) => s.name === 'runtime.firstmoduledata')!.rva;
  const pcln = img.goPclntab!;
  for (const base of [0x1_4000_0000n, 0x5_0000_0000n, 0x1_0000_0000n, 0x7ff0_0000_0000n]) {
    const l = layoutImage(img, base);
    assert.equal(l.relocationsApplied, base === img.imageBase ? 0 : img.relocations.length);
    // The runtime's own pointers (base-relocated DIR64 words) now name the laid-out addresses.
    assert.deepEqual(moduledataWords(l, md), { pcHeader: base + BigInt(pcln.rva), text: base + BigInt(pcln.textRva) });
    assert.equal(l.entryPoint, base + BigInt(img.entryPointRva));
    assert.equal(l.symbolTable.format(base + BigInt(img.entryPointRva)), '_rt0_arm64_windows');
    const sigtramp = l.symbolTable.addressOf('sigtramp')!;
    assert.equal(sigtramp, base + BigInt(img.symbols.find((s) => s.name === 'sigtramp')!.rva));
    assert.equal(l.symbolTable.format(sigtramp + 4n), 'sigtramp+0x4');
    assert.equal(l.symbolTable.addressOf('internal/runtime/syscall/windows.asmstdcall.abi0'), l.symbolTable.addressOf('internal/runtime/syscall/windows.asmstdcall'));
  }

  // A copy linked for a base in the TEB area is moved to the fallback base, where every section byte comes out as
  // the one the 0x140000000 link has there.
  const moved = h.bytes.slice();
  rebaseFile(moved, img, 0x7ff8_0000_0000n);
  const l = loadImageBytes(moved, 'hello.exe');
  assert.equal(l.base, FALLBACK_IMAGE_BASE);
  assert.equal(l.delta, FALLBACK_IMAGE_BASE - 0x7ff8_0000_0000n);
  assert.equal(l.regions.length, loaded.regions.length);
  for (let i = 1; i < l.regions.length; i++) {
    assert.ok(Buffer.from(l.regions[i]!.bytes).equals(loaded.regions[i]!.bytes), `region ${l.regions[i]!.name}`);
  }
});

/** Boots hello.exe laid out at `base` and runs it until it ends or stops (an API not emulated yet, say). */
function runAt(img: PeImage, base: bigint): { output: string; end: string; instructions: bigint } {
  const engine = new UnicornEngine();
  const chunks: Buffer[] = [];
  try {
    const proc = new WindowsProcess(engine, layoutImage(img, base), {
      imagePath: 'C:\\wintrace\\hello.exe', args: [], env: {},
      stdout: (b) => chunks.push(Buffer.from(b)), stderr: (b) => chunks.push(Buffer.from(b)),
      maxInstructions: 100_000_000n,
    });
    let end: string;
    try {
      const e = proc.run();
      end = `${e.reason} ${e.exitCode}`;
    } catch (e) {
      end = `stopped: ${(e as Error).message}`;
    }
    return { output: Buffer.concat(chunks).toString('utf8'), end, instructions: engine.executed };
  } finally {
    engine.close();
  }
}

test('go1.27 hello.exe runs the same at its ImageBase and relocated 13 GiB higher', (t) => {
  const h = hello('1.27');
  if ('skip' in h) return t.skip(h.skip);
  const img = image('1.27', h.bytes);
  const home = runAt(img, img.imageBase);
  const away = runAt(img, 0x5_0000_0000n);
  // However far the emulated Windows takes it today (it may stop at an API not emulated yet), it gets through
  // the runtime's start-up, and a relocation missed or applied twice would send the moved copy elsewhere.
  assert.ok(home.instructions > 100_000n, `ran ${home.instructions} instructions: ${home.end}`);
  assert.deepEqual(away, home);
});

test('readGoVersion: the inline (Go 1.18+) blob, and undefined for anything else, never an exception', () => {
  const blob = (version: string, opts: { at?: number; flags?: number; len?: number[] } = {}): Uint8Array => {
    const at = opts.at ?? 32;
    const b = new Uint8Array(at + 32 + 2 + version.length + 8);
    b.set(Buffer.from('\xff Go buildinf:', 'latin1'), at);
    b[at + 14] = 8;
    b[at + 15] = opts.flags ?? 2;
    b.set(opts.len ?? [version.length], at + 32);
    b.set(Buffer.from(version, 'latin1'), at + 32 + (opts.len?.length ?? 1));
    return b;
  };
  assert.equal(readGoVersion(blob('go1.27.3')), 'go1.27.3');
  assert.equal(readGoVersion(blob('go1.27.3', { at: 0 })), 'go1.27.3');
  assert.equal(readGoVersion(blob('go1.27.3', { len: [0x88, 0x00] })), 'go1.27.3', 'a non-minimal varint still reads');
  assert.equal(readGoVersion(blob('go1.27.3', { flags: 0 })), undefined, 'pre-1.18 pointer layout');
  assert.equal(readGoVersion(blob('go1.27.3', { at: 8 })), undefined, 'magic not 16-byte aligned');
  assert.equal(readGoVersion(blob('go1.2\x007')), undefined, 'control character');
  assert.equal(readGoVersion(blob('', { len: [0] })), undefined, 'empty version');
  assert.equal(readGoVersion(blob('go', { len: [0xff, 0xff, 0x03] })), undefined, 'absurd length');
  assert.equal(readGoVersion(blob('go1.27.3', { len: [200] })), undefined, 'length past the data');
  assert.equal(readGoVersion(blob('go1.27.3').subarray(0, 40)), undefined, 'header cut short');
  assert.equal(readGoVersion(new Uint8Array(0)), undefined);
  // Misaligned copies of the magic before the real one are skipped, up to a bound.
  const many = new Uint8Array(4096 + 64);
  for (let i = 0; i < 100; i++) many.set(Buffer.from('\xff Go buildinf:', 'latin1'), 1 + i * 16);
  many.set(blob('go1.22.12', { at: 0 }).subarray(0, 64), 4096);
  assert.equal(readGoVersion(many), undefined, 'gives up after 64 misaligned hits');
  assert.equal(readGoVersion(many.subarray(1600)), 'go1.22.12');
  let seed = 7;
  const rnd = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const base = blob('go1.27.3');
  for (let n = 0; n < 2000; n++) {
    const b = base.slice(0, 32 + Math.floor(rnd() * (base.length - 31)));
    for (let k = 0; k < 3; k++) b[32 + Math.floor(rnd() * (b.length - 32))] = Math.floor(rnd() * 256);
    const v = readGoVersion(b);
    assert.ok(v === undefined || /^[\x20-\x7e]{1,256}$/.test(v), JSON.stringify(v));
  }
});

test('a Go image whose build info is damaged still loads, without a version', (t) => {
  const h = hello('1.19');
  if ('skip' in h) return t.skip(h.skip);
  const b = h.bytes.slice();
  const at = Buffer.from(b.buffer, b.byteOffset, b.byteLength).indexOf('\xff Go buildinf:', 0, 'latin1');
  assert.ok(at > 0);
  set64(b, at + 32, 0xffff_ffff_ffff_ffffn); // the version's length varint runs on
  const img = parsePe(b, 'hello.exe');
  assert.equal(img.goVersion, undefined);
  assert.ok(img.goPclntab !== undefined);
});
