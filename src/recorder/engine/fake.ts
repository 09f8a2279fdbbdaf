// A CPU-less Engine for unit tests of the layers above it (loader, emulated Windows, recorder plumbing).
// Memory and registers behave like Unicorn's (page-granular maps, protections, faults with the same types);
// "executing" an address runs the JS step a test registered for it, or just advances pc by 4.

import { REGISTERS, ROLE, type RegInfo } from '../../arch/arm64.ts';
import { EngineError } from '../../errors.ts';
import type {
  Access, CodeHook, Engine, EngineContext, FaultHook, HookHandle, HookRange, InterruptHook, MemHook, Prot,
  Region, StartOptions, StopReason,
} from './engine.ts';
import { classifyTrap } from './engine.ts';
import { EngineFault } from './faults.ts';

const PAGE = 0x1000n;
const U64 = (1n << 64n) - 1n;

/** What a registered step does: mutate the engine through its public API. */
export type FakeStep = (engine: FakeEngine) => void;

interface Page {
  bytes: Uint8Array;
  prot: Prot;
}

type AnyHook =
  | { kind: 'code' | 'block'; cb: CodeHook; range: HookRange | undefined }
  | { kind: 'mem'; access: Access; cb: MemHook; range: HookRange | undefined }
  | { kind: 'fault'; cb: FaultHook }
  | { kind: 'interrupt'; cb: InterruptHook };

function inRange(r: HookRange | undefined, a: bigint): boolean {
  return !r || r.begin > r.end || (a >= r.begin && a <= r.end);
}

export class FakeEngine implements Engine {
  readonly name = 'fake';
  private readonly pages = new Map<bigint, Page>();
  private regs = new Array<bigint>(REGISTERS.length).fill(0n);
  private readonly hooks = new Map<number, AnyHook>();
  private nextId = 1;
  private stopRequested = false;
  /** Steps keyed by address; a step that throws EngineFault ends the run like a CPU fault would. */
  readonly steps = new Map<bigint, FakeStep>();
  private executedCount = 0n;

  get executed(): bigint {
    return this.executedCount;
  }

  close(): void {
    this.pages.clear();
    this.hooks.clear();
  }

  private checkRange(op: string, address: bigint, size: bigint): void {
    if (address % PAGE !== 0n || size % PAGE !== 0n || size === 0n) {
      throw new EngineError(op, 15, 'Invalid argument (UC_ERR_ARG)', this.regs[ROLE.pc.index]!);
    }
  }

  map(address: bigint, size: bigint | number, prot: Prot): void {
    const sz = BigInt(size);
    this.checkRange('map', address, sz);
    for (let p = address; p < address + sz; p += PAGE) {
      if (this.pages.has(p)) throw new EngineError('map', 11, 'Invalid memory mapping (UC_ERR_MAP)', 0n);
    }
    for (let p = address; p < address + sz; p += PAGE) this.pages.set(p, { bytes: new Uint8Array(Number(PAGE)), prot });
  }

  mapHost(address: bigint, size: number, prot: Prot): Uint8Array {
    this.map(address, size, prot);
    const view = new Uint8Array(size);
    // One buffer for the whole range: the pages are views into it.
    for (let off = 0; off < size; off += Number(PAGE)) {
      this.pages.get(address + BigInt(off))!.bytes = view.subarray(off, off + Number(PAGE));
    }
    return view;
  }

  unmap(address: bigint, size: bigint | number): void {
    const sz = BigInt(size);
    this.checkRange('unmap', address, sz);
    for (let p = address; p < address + sz; p += PAGE) this.pages.delete(p);
  }

  protect(address: bigint, size: bigint | number, prot: Prot): void {
    const sz = BigInt(size);
    this.checkRange('protect', address, sz);
    for (let p = address; p < address + sz; p += PAGE) {
      const page = this.pages.get(p);
      if (!page) throw new EngineError('protect', 11, 'Invalid memory mapping (UC_ERR_MAP)', 0n);
      page.prot = prot;
    }
  }

  regions(): Region[] {
    const keys = [...this.pages.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const out: Region[] = [];
    for (const k of keys) {
      const prot = this.pages.get(k)!.prot;
      const last = out[out.length - 1];
      if (last && last.end === k && sameProt(last.prot, prot)) last.end = k + PAGE;
      else out.push({ begin: k, end: k + PAGE, prot });
    }
    return out;
  }

  /** Host-side access, like uc_mem_read: ignores protections, fails on unmapped pages. */
  read(address: bigint, size: number): Uint8Array {
    const out = new Uint8Array(size);
    for (let i = 0; i < size; i++) out[i] = this.pageAt('read', address + BigInt(i)).bytes[Number((address + BigInt(i)) % PAGE)]!;
    return out;
  }

  hostAddress(): bigint | undefined {
    return undefined;
  }

  write(address: bigint, bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; i++) {
      this.pageAt('write', address + BigInt(i)).bytes[Number((address + BigInt(i)) % PAGE)] = bytes[i]!;
    }
  }

  private pageAt(op: string, a: bigint): Page {
    const page = this.pages.get(a - (a % PAGE));
    if (!page) throw new EngineError(`${op} 0x${a.toString(16)}`, 6, 'Invalid memory read (UC_ERR_READ_UNMAPPED)', 0n);
    return page;
  }

  /** Guest-side access from a step: checks protections and raises faults through the fault hooks. */
  guestAccess(access: Access, address: bigint, size: number, value = 0n): void {
    for (let i = 0; i < size; i++) {
      const a = address + BigInt(i);
      const page = this.pages.get(a - (a % PAGE));
      const need = access === 'read' ? 'read' : access === 'write' ? 'write' : 'execute';
      if (!page || !page.prot[need]) {
        const fault = { access, kind: page ? ('protected' as const) : ('unmapped' as const), address, size, value, pc: this.pc };
        for (const h of this.hooks.values()) if (h.kind === 'fault' && h.cb(fault)) return;
        throw new EngineFault({ type: 'memory', access, kind: fault.kind, address, size }, this.pc);
      }
    }
    for (const h of this.hooks.values()) {
      if (h.kind === 'mem' && h.access === access && inRange(h.range, address)) h.cb({ access, address, size, value });
    }
  }

  get pc(): bigint {
    return this.regs[ROLE.pc.index]!;
  }

  readRegs(regs: readonly RegInfo[]): bigint[] {
    return regs.map((r) => this.regs[r.index]!);
  }

  writeRegs(values: ReadonlyArray<readonly [RegInfo, bigint]>): void {
    for (const [r, v] of values) this.regs[r.index] = BigInt.asUintN(r.bits, v);
  }

  readReg(r: RegInfo): bigint {
    return this.regs[r.index]!;
  }

  writeReg(r: RegInfo, value: bigint): void {
    this.regs[r.index] = BigInt.asUintN(r.bits, value);
  }

  private add(h: AnyHook): HookHandle {
    const id = this.nextId++;
    this.hooks.set(id, h);
    return { id };
  }

  hookCode(cb: CodeHook, range?: HookRange): HookHandle {
    return this.add({ kind: 'code', cb, range });
  }

  hookBlock(cb: CodeHook, range?: HookRange): HookHandle {
    return this.add({ kind: 'block', cb, range });
  }

  hookMem(access: Access, cb: MemHook, range?: HookRange): HookHandle {
    return this.add({ kind: 'mem', access, cb, range });
  }

  hookFault(cb: FaultHook): HookHandle {
    return this.add({ kind: 'fault', cb });
  }

  hookInterrupt(cb: InterruptHook): HookHandle {
    return this.add({ kind: 'interrupt', cb });
  }

  removeHook(h: HookHandle): void {
    this.hooks.delete(h.id);
  }

  /** Raises a trap at the current pc as Unicorn would (BRK/SVC/UDF decoded from `word`). */
  trap(word: number): void {
    const intno = (word & 0xffe0001f) >>> 0 === 0xd4200000 ? 7 : (word & 0xffe0001f) >>> 0 === 0xd4000001 ? 2 : 1;
    const intr = classifyTrap(word, intno, this.pc);
    const hs = [...this.hooks.values()].filter((h) => h.kind === 'interrupt');
    if (hs.length === 0) throw new EngineFault({ type: 'invalid-instruction', word }, this.pc);
    for (const h of hs) if (h.kind === 'interrupt') h.cb(intr);
  }

  start(begin: bigint, opts: StartOptions = {}): StopReason {
    this.stopRequested = false;
    this.writeReg(ROLE.pc, begin);
    let n = 0;
    let first = true;
    for (;;) {
      const pc = this.pc;
      if (!first && opts.until !== undefined && pc === opts.until) return { reason: 'until', pc };
      if (opts.count && n >= opts.count) return { reason: 'count', pc };
      if (this.stopRequested) return { reason: 'stopped', pc };
      first = false;
      this.guestAccess('fetch', pc, 4);
      for (const h of this.hooks.values()) if (h.kind === 'code' && inRange(h.range, pc)) h.cb(pc, 4);
      if (this.stopRequested) return { reason: 'stopped', pc };
      const step = this.steps.get(pc);
      if (step) step(this);
      if (this.pc === pc) this.writeReg(ROLE.pc, (pc + 4n) & U64);
      n++;
      this.executedCount++;
      if (n > 10_000_000) throw new Error('FakeEngine: more than 10M steps; a test program loops');
    }
  }

  stop(): void {
    this.stopRequested = true;
  }

  saveContext(): EngineContext {
    const saved = [...this.regs];
    return Object.assign({ engine: this as Engine, free() {} }, { saved });
  }

  restoreContext(ctx: EngineContext): void {
    if (ctx.engine !== this) throw new Error('context belongs to another engine');
    this.regs = [...(ctx as EngineContext & { saved: bigint[] }).saved];
  }
}

function sameProt(a: Prot, b: Prot): boolean {
  return a.read === b.read && a.write === b.write && a.execute === b.execute;
}
