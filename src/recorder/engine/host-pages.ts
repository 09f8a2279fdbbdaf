// Guest memory held in host memory, with wintrace's own page table, mapped into Unicorn as few regions as the
// protections allow.
//
// Unicorn gives every uc_mem_map its own QEMU memory region: each map rebuilds a flat view whose cost grows with
// the number of regions (12 ms per map at 2,500 regions, measured), and QEMU aborts the process past 1,024 (1 KiB
// pages) or 4,096 sections. A Go heap committed and decommitted page by page would reach that. So guest memory
// lives in host blocks (BLOCK bytes of guest address space each, host pages reserved lazily by the kernel), the
// page table says which guest pages are mapped and how, and Unicorn sees one region per maximal run of pages with
// the same protection inside a block. A change re-maps only the runs it touches: Unicorn splits a region by
// unmapping all of it and flushing each of its pages from the TLB, so a block bounds the cost of a change (16 MiB:
// 1.5 ms with 4 KiB pages) whatever the size of the heap, and host backing makes re-mapping copy nothing.

import koffi from 'koffi';

export const HOST_PAGE = 0x1000n;
/** Guest bytes per host block: no Unicorn region crosses a block boundary. */
export const BLOCK = 0x100_0000n;
const PAGES_PER_BLOCK = Number(BLOCK / HOST_PAGE);
const MAPPED = 0x80;

/** What HostPages needs from Unicorn: mapping host memory, unmapping whole regions, and errors as Unicorn's. */
export interface RegionOps {
  /** `host` is the host address of the region's first byte. */
  mapPtr(address: bigint, size: bigint, perms: number, host: bigint): void;
  unmap(address: bigint, size: bigint): void;
}

/** Carries the uc_err Unicorn would have returned for the same call (UC_ERR_MAP, UC_ERR_NOMEM, UC_ERR_ARG). */
export class HostPagesError extends Error {
  constructor(message: string, readonly ucError: number) {
    super(message);
  }
}
const UC_ERR_NOMEM = 1;
const UC_ERR_MAP = 11;
const UC_ERR_ARG = 15;

interface Run {
  first: number;
  /** Exclusive. */
  end: number;
  perms: number;
}

interface Block {
  base: bigint;
  host: unknown;
  /** The whole block as host memory: guest byte `base + i` is `view[i]`. */
  view: Uint8Array;
  /** Per page: 0 = not mapped, else MAPPED | Unicorn permission bits. */
  pages: Uint8Array;
  /** The Unicorn regions of this block, sorted. */
  runs: Run[];
  mappedPages: number;
}

interface Libc {
  mmap(addr: null, length: number, prot: number, flags: number, fd: number, offset: number): unknown;
  munmap(addr: unknown, length: number): number;
  madvise(addr: bigint, length: number, advice: number): number;
}

let libc: Libc | undefined;
function loadLibc(): Libc {
  if (!libc) {
    const lib = koffi.load('libc.so.6');
    libc = {
      // void *mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset);
      mmap: lib.func('void *mmap(void *addr, size_t length, int prot, int flags, int fd, int64_t offset)'),
      // int munmap(void *addr, size_t length);
      munmap: lib.func('int munmap(void *addr, size_t length)'),
      // int madvise(void *addr, size_t length, int advice); the address as an integer: it is computed, not returned
      madvise: lib.func('madvise', 'int', ['uint64_t', 'size_t', 'int']),
    } as unknown as Libc;
  }
  return libc;
}

const PROT_READ = 1;
const PROT_WRITE = 2;
const MAP_PRIVATE = 0x02;
const MAP_ANONYMOUS = 0x20;
const MAP_NORESERVE = 0x4000;
const MADV_DONTNEED = 4;
/** Below this, zeroing with a store is cheaper than a system call. */
const MADVISE_MIN = 0x10000;

export class HostPages {
  private readonly blocks = new Map<bigint, Block>();
  /** Regions Unicorn holds now (for the benchmark and for tests). */
  regionCount = 0;
  /** Pages flushed by re-mapping since the start: what the changes cost inside Unicorn. */
  remappedPages = 0;

  /** Told of each host block as it comes (host address) and goes (0n): the tracer reads old bytes from them. */
  onBlock: ((base: bigint, host: bigint) => void) | undefined;

  constructor(private readonly ops: RegionOps) {}

  /** Every host block now, as [guest base, host address]. */
  hostBlocks(): Array<[bigint, bigint]> {
    return [...this.blocks.values()].map((b) => [b.base, koffi.address(b.host)]);
  }

  /** Maps [address, address+size) with `perms`; every page must be unmapped (as uc_mem_map requires). */
  map(address: bigint, size: bigint, perms: number): void {
    this.check(address, size, 'map');
    this.forEachBlock(address, size, (b, first, end) => {
      for (let i = first; i < end; i++) {
        if (b.pages[i] !== 0) throw new HostPagesError(`page ${hex(b.base + BigInt(i) * HOST_PAGE)} is mapped already`, UC_ERR_MAP);
      }
    });
    this.forEachBlock(address, size, (b, first, end) => {
      b.pages.fill(MAPPED | perms, first, end);
      b.mappedPages += end - first;
      this.resync(b, first, end);
    }, true);
  }

  /** Unmaps [address, address+size); every page must be mapped. Their contents are gone: they read as 0 if mapped again. */
  unmap(address: bigint, size: bigint): void {
    this.check(address, size, 'unmap');
    this.requireMapped(address, size);
    this.forEachBlock(address, size, (b, first, end) => {
      b.pages.fill(0, first, end);
      b.mappedPages -= end - first;
      this.resync(b, first, end);
      if (b.mappedPages === 0) this.dropBlock(b);
      else this.zero(b, first, end);
    });
  }

  protect(address: bigint, size: bigint, perms: number): void {
    this.check(address, size, 'protect');
    this.requireMapped(address, size);
    this.forEachBlock(address, size, (b, first, end) => {
      b.pages.fill(MAPPED | perms, first, end);
      this.resync(b, first, end);
    });
  }

  /** The host address of guest [address, address+size) when it lies inside one block, else undefined. */
  hostAddress(address: bigint, size: number): bigint | undefined {
    const base = address & ~(BLOCK - 1n);
    const b = this.blocks.get(base);
    if (!b || address - base + BigInt(size) > BLOCK) return undefined;
    return koffi.address(b.host) + (address - base);
  }

  /** A live view of mapped guest memory inside one block: host stores change guest memory with no engine call. */
  view(address: bigint, size: number): Uint8Array {
    const base = address & ~(BLOCK - 1n);
    const b = this.blocks.get(base);
    const off = Number(address - base);
    if (!b || off + size > Number(BLOCK)) throw new HostPagesError(`${hex(address)}+${size} is not inside one mapped block`, UC_ERR_ARG);
    return b.view.subarray(off, off + size);
  }

  /** Whether every page of [address, address+size) is mapped. */
  mapped(address: bigint, size: bigint): boolean {
    let ok = true;
    this.forEachBlock(address, size, (b, first, end) => {
      for (let i = first; i < end && ok; i++) if (b.pages[i] === 0) ok = false;
    }, false, true);
    return ok;
  }

  /** Releases the host memory (the engine is closing; Unicorn's regions are gone with it). */
  free(): void {
    for (const b of this.blocks.values()) loadLibc().munmap(b.host, Number(BLOCK));
    this.blocks.clear();
    this.regionCount = 0;
  }

  private check(address: bigint, size: bigint, what: string): void {
    if ((address & (HOST_PAGE - 1n)) !== 0n || (size & (HOST_PAGE - 1n)) !== 0n || size <= 0n) {
      throw new HostPagesError(`${what} of ${hex(address)}+${hex(size)}: not whole 4 KiB pages`, UC_ERR_ARG);
    }
    if (address + size > 1n << 48n) throw new HostPagesError(`${what} of ${hex(address)}+${hex(size)}: beyond 48-bit addresses`, UC_ERR_ARG);
  }

  private requireMapped(address: bigint, size: bigint): void {
    if (!this.mapped(address, size)) throw new HostPagesError(`${hex(address)}+${hex(size)} is not all mapped`, UC_ERR_NOMEM);
  }

  /** Calls `fn` with each block [address, address+size) touches and the page range inside it. */
  private forEachBlock(
    address: bigint, size: bigint, fn: (b: Block, first: number, end: number) => void, create = false, absentIsUnmapped = false,
  ): void {
    const stop = address + size;
    for (let at = address; at < stop;) {
      const base = at & ~(BLOCK - 1n);
      const next = base + BLOCK < stop ? base + BLOCK : stop;
      let b = this.blocks.get(base);
      if (!b && create) b = this.newBlock(base);
      const first = Number((at - base) / HOST_PAGE);
      const end = Number((next - base) / HOST_PAGE);
      if (b) fn(b, first, end);
      else if (absentIsUnmapped) fn(EMPTY, first, end);
      at = next;
    }
  }

  private newBlock(base: bigint): Block {
    const c = loadLibc();
    const host = c.mmap(null, Number(BLOCK), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    const address = koffi.address(host);
    if (address === 0n || address === (1n << 64n) - 1n) throw new HostPagesError(`no host memory for ${hex(base)} (mmap failed)`, UC_ERR_NOMEM);
    const b: Block = {
      base, host, view: new Uint8Array(koffi.view(host, Number(BLOCK))), pages: new Uint8Array(PAGES_PER_BLOCK), runs: [], mappedPages: 0,
    };
    this.blocks.set(base, b);
    this.onBlock?.(base, address);
    return b;
  }

  private dropBlock(b: Block): void {
    this.onBlock?.(b.base, 0n);
    loadLibc().munmap(b.host, Number(BLOCK));
    this.blocks.delete(b.base);
  }

  private zero(b: Block, first: number, end: number): void {
    const bytes = (end - first) * Number(HOST_PAGE);
    if (bytes >= MADVISE_MIN) {
      const at = koffi.address(b.host) + BigInt(first) * HOST_PAGE;
      loadLibc().madvise(at, bytes, MADV_DONTNEED);
    } else {
      b.view.fill(0, first * Number(HOST_PAGE), end * Number(HOST_PAGE));
    }
  }

  /**
   * Makes Unicorn's regions over pages [first, end) of `b` the maximal same-permission runs of the page table.
   * Regions that overlap the change or touch it are unmapped whole and the window they cover is mapped again as
   * runs; regions further away are already maximal (neighbouring regions always differ in permissions).
   */
  private resync(b: Block, first: number, end: number): void {
    let lo = first;
    let hi = end;
    let i = 0;
    while (i < b.runs.length && b.runs[i]!.end < first) i++;
    let j = i;
    while (j < b.runs.length && b.runs[j]!.first <= end) {
      const r = b.runs[j]!;
      if (r.first < lo) lo = r.first;
      if (r.end > hi) hi = r.end;
      j++;
    }
    const host = koffi.address(b.host);
    for (let k = i; k < j; k++) {
      const r = b.runs[k]!;
      this.ops.unmap(b.base + BigInt(r.first) * HOST_PAGE, BigInt(r.end - r.first) * HOST_PAGE);
      this.remappedPages += r.end - r.first;
      this.regionCount--;
    }
    const fresh: Run[] = [];
    for (let p = lo; p < hi;) {
      const state = b.pages[p]!;
      let q = p + 1;
      while (q < hi && b.pages[q] === state) q++;
      if (state !== 0) fresh.push({ first: p, end: q, perms: state & ~MAPPED });
      p = q;
    }
    for (const r of fresh) {
      this.ops.mapPtr(
        b.base + BigInt(r.first) * HOST_PAGE, BigInt(r.end - r.first) * HOST_PAGE, r.perms,
        host + BigInt(r.first) * HOST_PAGE,
      );
      this.regionCount++;
    }
    b.runs.splice(i, j - i, ...fresh);
  }
}

const EMPTY: Block = { base: 0n, host: null, view: new Uint8Array(0), pages: new Uint8Array(PAGES_PER_BLOCK), runs: [], mappedPages: 0 };

function hex(v: bigint): string {
  return `0x${v.toString(16)}`;
}
