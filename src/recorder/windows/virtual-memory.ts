// The process address space as Windows manages it: reservations (64 KiB-aligned, from VirtualAlloc, the image and
// thread stacks) holding pages that are committed with a protection, or only reserved. Committed pages are what
// the engine has mapped; decommitting unmaps them, so their contents are gone as on Windows.

import type { Engine, Prot } from '../engine/engine.ts';
import { ALLOCATION_GRANULARITY, alignDown, alignUp, hex, LAYOUT, PAGE_SIZE } from './layout.ts';
import { PageStates } from './page-states.ts';

/** PAGE_* protection constants (winnt.h). */
export const PAGE = {
  NOACCESS: 0x01,
  READONLY: 0x02,
  READWRITE: 0x04,
  WRITECOPY: 0x08,
  EXECUTE: 0x10,
  EXECUTE_READ: 0x20,
  EXECUTE_READWRITE: 0x40,
  EXECUTE_WRITECOPY: 0x80,
  GUARD: 0x100,
} as const;

export const MEM = {
  COMMIT: 0x1000,
  RESERVE: 0x2000,
  DECOMMIT: 0x4000,
  RELEASE: 0x8000,
  FREE: 0x10000,
  PRIVATE: 0x20000,
  MAPPED: 0x40000,
  RESET: 0x80000,
  TOP_DOWN: 0x100000,
  IMAGE: 0x1000000,
} as const;

export function protFromPage(p: number): Prot | undefined {
  switch (p & 0xff) {
    case PAGE.NOACCESS: return { read: false, write: false, execute: false };
    case PAGE.READONLY: return { read: true, write: false, execute: false };
    case PAGE.READWRITE: case PAGE.WRITECOPY: return { read: true, write: true, execute: false };
    case PAGE.EXECUTE: return { read: false, write: false, execute: true };
    case PAGE.EXECUTE_READ: return { read: true, write: false, execute: true };
    case PAGE.EXECUTE_READWRITE: case PAGE.EXECUTE_WRITECOPY: return { read: true, write: true, execute: true };
    default: return undefined;
  }
}

export function pageFromProt(p: Prot): number {
  if (p.execute) return p.write ? PAGE.EXECUTE_READWRITE : p.read ? PAGE.EXECUTE_READ : PAGE.EXECUTE;
  if (p.write) return PAGE.READWRITE;
  return p.read ? PAGE.READONLY : PAGE.NOACCESS;
}

export type RegionKind = 'private' | 'image' | 'stack' | 'system';

export interface Reservation {
  base: bigint;
  size: bigint;
  allocationProtect: number;
  kind: RegionKind;
  label: string;
  /** Per page: 0 = reserved only, else the PAGE_* protection it is committed with. */
  pages: PageStates;
}

export interface RegionInfo {
  baseAddress: bigint;
  allocationBase: bigint;
  allocationProtect: number;
  regionSize: bigint;
  state: number;
  protect: number;
  type: number;
}

export class VirtualMemoryError extends Error {
  constructor(message: string, readonly win32Error: number) {
    super(message);
  }
}

export const ERROR = {
  INVALID_ADDRESS: 487,
  INVALID_PARAMETER: 87,
  NOT_ENOUGH_MEMORY: 8,
  COMMITMENT_LIMIT: 1455,
  INVALID_PAGE_PROTECTION: 0x3e5,
} as const;

export class VirtualMemory {
  /** Sorted by base. */
  private readonly reservations: Reservation[] = [];
  /** Bytes committed, all reservations together: Windows' commit charge, bounded by LAYOUT.commitLimit. */
  private charge = 0n;

  constructor(private readonly engine: Engine) {}

  list(): readonly Reservation[] {
    return this.reservations;
  }

  find(address: bigint): Reservation | undefined {
    let lo = 0;
    let hi = this.reservations.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = this.reservations[mid]!;
      if (address < r.base) hi = mid - 1;
      else if (address >= r.base + r.size) lo = mid + 1;
      else return r;
    }
    return undefined;
  }

  private overlaps(base: bigint, size: bigint): boolean {
    return this.reservations.some((r) => base < r.base + r.size && r.base < base + size);
  }

  /** First free, granularity-aligned range of `size` bytes at or above `from`. */
  private findFree(size: bigint, from: bigint = LAYOUT.allocBottom): bigint {
    let candidate = alignUp(from, ALLOCATION_GRANULARITY);
    for (const r of this.reservations) {
      if (r.base + r.size <= candidate) continue;
      if (candidate + size <= r.base) break;
      candidate = alignUp(r.base + r.size, ALLOCATION_GRANULARITY);
    }
    if (candidate + size > LAYOUT.allocTop) throw new VirtualMemoryError('address space exhausted', ERROR.NOT_ENOUGH_MEMORY);
    return candidate;
  }

  reserve(address: bigint, size: bigint, protect: number, kind: RegionKind = 'private', label = ''): Reservation {
    if (size <= 0n) throw new VirtualMemoryError('zero-sized reservation', ERROR.INVALID_PARAMETER);
    let base: bigint;
    let span: bigint;
    if (address === 0n) {
      span = alignUp(size, PAGE_SIZE);
      base = this.findFree(alignUp(span, ALLOCATION_GRANULARITY));
    } else {
      base = alignDown(address, ALLOCATION_GRANULARITY);
      span = alignUp(address + size, PAGE_SIZE) - base;
      if (base < LAYOUT.minimumApplicationAddress || base + span > LAYOUT.maximumApplicationAddress + 1n) {
        throw new VirtualMemoryError(`reservation at ${hex(address)} outside the user address space`, ERROR.INVALID_ADDRESS);
      }
      if (this.overlaps(base, span)) {
        throw new VirtualMemoryError(`range ${hex(base)}+${hex(span)} overlaps an existing reservation`, ERROR.INVALID_ADDRESS);
      }
    }
    const r: Reservation = {
      base, size: span, allocationProtect: protect, kind, label, pages: new PageStates(Number(span / PAGE_SIZE)),
    };
    const at = this.reservations.findIndex((x) => x.base > base);
    this.reservations.splice(at < 0 ? this.reservations.length : at, 0, r);
    return r;
  }

  /** Records pages the caller mapped itself (host-backed system pages) as committed. */
  adopt(address: bigint, size: bigint, protect: number, label: string): void {
    const r = this.reserve(address, size, protect, 'system', label);
    r.pages.fill(protect & 0xff);
    this.charge += r.size;
  }

  /** Bytes committed in the whole address space. */
  committed(): bigint {
    return this.charge;
  }

  /** Commits [address, address+size) inside one reservation; already-committed pages keep their contents. */
  commit(address: bigint, size: bigint, protect: number): void {
    const prot = protFromPage(protect);
    if (!prot) throw new VirtualMemoryError(`unsupported page protection ${hex(protect)}`, ERROR.INVALID_PAGE_PROTECTION);
    const start = alignDown(address, PAGE_SIZE);
    const end = alignUp(address + size, PAGE_SIZE);
    const r = this.find(start);
    if (!r || end > r.base + r.size) {
      throw new VirtualMemoryError(`commit of ${hex(address)}+${hex(size)} outside a reservation`, ERROR.INVALID_ADDRESS);
    }
    // Windows charges a commit against the machine's commit limit before it touches a page; so does this, which
    // also keeps guest memory within what the host blocks and Unicorn's region table can hold.
    let added = 0n;
    this.forRuns(r, start, end, (runStart, runEnd, committed) => {
      if (!committed) added += runEnd - runStart;
    });
    if (this.charge + added > LAYOUT.commitLimit) {
      throw new VirtualMemoryError(
        `commit of ${hex(added)} bytes would exceed the commit limit (${hex(this.charge)} of ${hex(LAYOUT.commitLimit)} in use)`,
        ERROR.COMMITMENT_LIMIT,
      );
    }
    this.forRuns(r, start, end, (runStart, runEnd, committed) => {
      if (committed) this.engine.protect(runStart, runEnd - runStart, prot);
      else this.engine.map(runStart, runEnd - runStart, prot);
    });
    this.charge += added;
    r.pages.fill(protect & 0xff, Number((start - r.base) / PAGE_SIZE), Number((end - r.base) / PAGE_SIZE));
  }

  decommit(address: bigint, size: bigint): void {
    const start = alignDown(address, PAGE_SIZE);
    const r = this.find(start);
    const end = size === 0n && r ? r.base + r.size : alignUp(address + size, PAGE_SIZE);
    if (!r || end > r.base + r.size) {
      throw new VirtualMemoryError(`decommit of ${hex(address)}+${hex(size)} outside a reservation`, ERROR.INVALID_ADDRESS);
    }
    this.forRuns(r, start, end, (runStart, runEnd, committed) => {
      if (!committed) return;
      this.engine.unmap(runStart, runEnd - runStart);
      this.charge -= runEnd - runStart;
    });
    r.pages.fill(0, Number((start - r.base) / PAGE_SIZE), Number((end - r.base) / PAGE_SIZE));
  }

  release(address: bigint): void {
    const i = this.reservations.findIndex((r) => r.base === address);
    if (i < 0) throw new VirtualMemoryError(`${hex(address)} is not the base of a reservation`, ERROR.INVALID_ADDRESS);
    const r = this.reservations[i]!;
    this.decommit(r.base, r.size);
    this.reservations.splice(i, 1);
  }

  protect(address: bigint, size: bigint, protect: number): number {
    const prot = protFromPage(protect);
    if (!prot) throw new VirtualMemoryError(`unsupported page protection ${hex(protect)}`, ERROR.INVALID_PAGE_PROTECTION);
    const start = alignDown(address, PAGE_SIZE);
    const end = alignUp(address + size, PAGE_SIZE);
    const r = this.find(start);
    if (!r || end > r.base + r.size) throw new VirtualMemoryError(`protect outside a reservation`, ERROR.INVALID_ADDRESS);
    const first = Number((start - r.base) / PAGE_SIZE);
    const last = Number((end - r.base) / PAGE_SIZE);
    const old = r.pages.get(first);
    if (r.pages.runEnd(first, last, (p) => p !== 0) < last) {
      throw new VirtualMemoryError('protect of uncommitted memory', ERROR.INVALID_ADDRESS);
    }
    this.engine.protect(start, end - start, prot);
    r.pages.fill(protect & 0xff, first, last);
    return old;
  }

  /** Calls `fn` for each maximal run of pages in [start, end) that are all committed or all not committed. */
  private forRuns(r: Reservation, start: bigint, end: bigint, fn: (s: bigint, e: bigint, committed: boolean) => void): void {
    let i = Number((start - r.base) / PAGE_SIZE);
    const last = Number((end - r.base) / PAGE_SIZE);
    while (i < last) {
      const committed = r.pages.get(i) !== 0;
      const j = r.pages.runEnd(i + 1, last, (p) => (p !== 0) === committed);
      fn(r.base + BigInt(i) * PAGE_SIZE, r.base + BigInt(j) * PAGE_SIZE, committed);
      i = j;
    }
  }

  /** VirtualQuery: the run of pages from `address` sharing state and protection, as MEMORY_BASIC_INFORMATION. */
  query(address: bigint): RegionInfo {
    const page = alignDown(address, PAGE_SIZE);
    const r = this.find(page);
    if (!r) {
      const next = this.reservations.find((x) => x.base > page);
      const end = next ? next.base : LAYOUT.maximumApplicationAddress + 1n;
      const regionSize = end > page ? end - page : PAGE_SIZE;
      return { baseAddress: page, allocationBase: 0n, allocationProtect: 0, regionSize, state: MEM.FREE, protect: PAGE.NOACCESS, type: 0 };
    }
    const i0 = Number((page - r.base) / PAGE_SIZE);
    const p = r.pages.get(i0);
    const j = r.pages.runEnd(i0 + 1, r.pages.length, (q) => q === p);
    return {
      baseAddress: page,
      allocationBase: r.base,
      allocationProtect: r.allocationProtect,
      regionSize: BigInt(j - i0) * PAGE_SIZE,
      state: p === 0 ? MEM.RESERVE : MEM.COMMIT,
      protect: p,
      type: r.kind === 'image' ? MEM.IMAGE : MEM.PRIVATE,
    };
  }
}
