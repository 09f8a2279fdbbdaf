// Where the wild-branch fuzz kind makes a guest branch to, by class, and what Windows does when it gets there.
// The emulated address space is laid out the same in every run of one program (no ASLR), so one booted process
// tells where its image, stack, TEB, PEB, stubs and import slots are.

import { openProgram } from '../../src/recorder/program.ts';
import { LAYOUT } from '../../src/recorder/windows/layout.ts';
import { MEM, PAGE } from '../../src/recorder/windows/virtual-memory.ts';
import type { Rng } from './rng.ts';

export const STATUS = {
  ACCESS_VIOLATION: 0xc0000005,
  ILLEGAL_INSTRUCTION: 0xc000001d,
  DATATYPE_MISALIGNMENT: 0x80000002,
} as const;

export interface ProcessMap {
  entry: bigint;
  mainMain: bigint;
  image: [bigint, bigint];
  /** The image's executable and its other sections. */
  text: Array<[bigint, bigint]>;
  data: Array<[bigint, bigint]>;
  teb: bigint;
  peb: bigint;
  /** The emulated DLLs' stubs (`SVC #0; RET`), and their pages (the first is wintrace's own: exception return, thread return). */
  stubs: bigint[];
  stubPages: bigint[];
  threadReturn: bigint;
  /** Import address table slots a program calls through. */
  iat: { CreateThread: bigint; VirtualAlloc: bigint; ExitProcess: bigint };
}

export function mapProcess(exe: string): ProcessMap {
  const p = openProgram(exe, { args: [], env: {}, stdout: () => {}, stderr: () => {} });
  try {
    const img = p.image;
    const slot = (name: string) => {
      const f = img.imports.flatMap((i) => i.functions).find((x) => x.name === name);
      if (!f) throw new Error(`${exe} does not import ${name}`);
      return f.iatAddress;
    };
    const region = (r: (typeof img.regions)[number]): [bigint, bigint] => [r.address, r.address + BigInt(r.size)];
    const stubs = p.process.stubs.list();
    return {
      entry: img.entryPoint,
      mainMain: img.symbolTable.addressOf('main.main')!,
      image: [img.base, img.base + BigInt(img.size)],
      text: img.regions.filter((r) => r.protection.execute).map(region),
      data: img.regions.filter((r) => !r.protection.execute).map(region),
      teb: p.process.threads[0]!.teb,
      peb: p.process.peb,
      stubs: stubs.map((s) => s.address),
      stubPages: [...new Set(stubs.map((s) => s.address & ~0xfffn))],
      threadReturn: stubs.find((s) => s.name === 'wintrace!ThreadReturn')!.address,
      iat: { CreateThread: slot('CreateThread'), VirtualAlloc: slot('VirtualAlloc'), ExitProcess: slot('ExitProcess') },
    };
  } finally {
    p.engine.close();
  }
}

export const CLASSES = [
  'zero', 'small', 'hole', 'high', 'data', 'stack', 'teb', 'peb', 'kuser', 'stub-page', 'thread-return', 'text',
  'reserved', 'heap', 'zeros', 'guard',
] as const;
export type TargetClass = (typeof CLASSES)[number];

/** Memory the guest asks VirtualAlloc for, to branch into. */
export interface Allocation {
  size: bigint;
  type: number;
  protect: number;
}

export interface Target {
  class: TargetClass;
  misaligned: boolean;
  /** An address; or an offset from SP, or from what VirtualAlloc returned, which only the running guest knows. */
  base: 'address' | 'sp' | 'alloc';
  value: bigint;
  alloc?: Allocation;
  /** The exception Windows raises on arriving there, when the class decides it; else anything may happen. */
  expect?: number;
}

/** An instruction-aligned address in [lo, hi). */
const pick = (rng: Rng, [lo, hi]: [bigint, bigint]): bigint => lo + (rng.next64() % ((hi - lo) / 4n)) * 4n;

function alloc(type: number, protect: number): Allocation {
  return { size: 0x10000n, type, protect };
}

/** A target of the class, with its exception. */
export function target(rng: Rng, m: ProcessMap, cls: TargetClass): Target {
  const at = (value: bigint, expect?: number): Target => ({ class: cls, misaligned: false, base: 'address', value, ...(expect !== undefined ? { expect } : {}) });
  const av = STATUS.ACCESS_VIOLATION;
  switch (cls) {
    case 'zero': return at(0n, av);
    case 'small': return at(pick(rng, [0n, 0x10000n]), av);
    case 'hole': {
      // Nothing is ever mapped there: below the image but KUSER_SHARED_DATA, between the image and the first
      // allocation, between process data and the stubs, past the stub pages, above the last system area.
      const holes: Array<[bigint, bigint]> = [
        [0x10000n, LAYOUT.kuserSharedData], [LAYOUT.kuserSharedData + 0x10000n, m.image[0]], [m.image[1], LAYOUT.allocBottom],
        [LAYOUT.processData + LAYOUT.processDataSize, LAYOUT.dllBase], [LAYOUT.dllBase + 0x10_0000n * 64n, 0x7ffe_0000_0000n],
        [0x7fff_0000_0000n, 1n << 47n],
      ];
      return at(pick(rng, rng.pick(holes)), av);
    }
    case 'high': {
      const v = rng.chance(0.3) ? rng.pick([1n << 48n, 1n << 63n, 0xffff_8000_0000_0000n, 0xffff_ffff_ffff_fffcn, 0x0001_0001_0000_0000n])
        : BigInt.asUintN(64, rng.next64()) | (1n << BigInt(48 + rng.below(16)));
      return at(v & ~3n, av);
    }
    case 'data': return at(pick(rng, rng.pick(m.data)), av);
    case 'stack': return { class: cls, misaligned: false, base: 'sp', value: -BigInt(rng.below(0x800)) * 4n, expect: av };
    case 'teb': return at(pick(rng, [m.teb, m.teb + 0x2000n]), av);
    case 'peb': return at(pick(rng, [m.peb, m.peb + LAYOUT.processDataSize]), av);
    case 'kuser': return at(pick(rng, [LAYOUT.kuserSharedData, LAYOUT.kuserSharedData + 0x1000n]), av);
    // A stub's SVC or RET (an API called with whatever the registers hold), or anywhere else in a stub page.
    case 'stub-page': return at(rng.chance(0.5) ? rng.pick(m.stubs) + (rng.chance(0.5) ? 4n : 0n) : pick(rng, [0n, 0x1000n]) + rng.pick(m.stubPages));
    case 'thread-return': return at(m.threadReturn);
    case 'text': return at(pick(rng, rng.pick(m.text)));
    // Reserved and never committed; committed data (DEP); committed code that is all zeros (UDF #0); a guard page,
    // where Windows raises STATUS_GUARD_PAGE_VIOLATION but wintrace ignores PAGE_GUARD (docs/windows-model.md).
    case 'reserved': return { class: cls, misaligned: false, base: 'alloc', value: pick(rng, [0n, 0x10000n]), alloc: alloc(MEM.RESERVE, PAGE.EXECUTE_READWRITE), expect: av };
    case 'heap': return { class: cls, misaligned: false, base: 'alloc', value: pick(rng, [0n, 0x10000n]), alloc: alloc(MEM.RESERVE | MEM.COMMIT, PAGE.READWRITE), expect: av };
    case 'zeros': return { class: cls, misaligned: false, base: 'alloc', value: pick(rng, [0n, 0x10000n]), alloc: alloc(MEM.RESERVE | MEM.COMMIT, PAGE.EXECUTE_READWRITE), expect: STATUS.ILLEGAL_INSTRUCTION };
    case 'guard': return { class: cls, misaligned: false, base: 'alloc', value: pick(rng, [0n, 0x1000n]), alloc: alloc(MEM.RESERVE | MEM.COMMIT, PAGE.EXECUTE_READ | PAGE.GUARD) };
  }
}

/**
 * A target of a random class, in one case of five moved off instruction alignment: the CPU's PC alignment check
 * comes before it fetches anything, so Windows raises STATUS_DATATYPE_MISALIGNMENT whatever lies there.
 */
export function randomTarget(rng: Rng, m: ProcessMap): Target {
  const t = target(rng, m, rng.pick(CLASSES));
  if (!rng.chance(0.2)) return t;
  return { ...t, misaligned: true, value: t.value + BigInt(rng.between(1, 3)), expect: STATUS.DATATYPE_MISALIGNMENT };
}

export function targetName(t: Target): string {
  return `${t.class}${t.misaligned ? '+misaligned' : ''}`;
}
