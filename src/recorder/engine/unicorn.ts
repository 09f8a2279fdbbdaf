// Engine over Unicorn 2 (libunicorn.so.2) through koffi. Every hook passes through one JS trampoline per kind so
// that a JavaScript exception inside a hook stops the CPU and is rethrown from `start`, instead of unwinding
// through C frames. This binding is for control (loading, API stubs, exceptions); the per-instruction trace
// path belongs in native code, where a callback per instruction does not cost a JS round trip.

import koffi from 'koffi';
import type { RegInfo } from '../../arch/arm64.ts';
import { ROLE } from '../../arch/arm64.ts';
import { EngineError } from '../../errors.ts';
import {
  type Access,
  classifyTrap,
  type CodeHook,
  type Engine,
  type EngineContext,
  type FaultHook,
  type FaultKind,
  type HookHandle,
  type HookRange,
  type InterruptHook,
  type MemFault,
  type MemHook,
  type Prot,
  type Region,
  type StartOptions,
  type StopReason,
} from './engine.ts';
import { EngineFault } from './faults.ts';
import { HostPages, HostPagesError } from './host-pages.ts';
import { COUNTER, counterLib } from './native.ts';
import {
  EventMemProto,
  HookCodeProto,
  HookIntrProto,
  HookMemProto,
  loadUnicorn,
  UC_ARCH_ARM64,
  UC_CTL_FLUSH_TB,
  UC_CTL_REMOVE_CACHE,
  UC_CTL_SET_PAGE_SIZE,
  UC_ERR,
  UC_HOOK,
  UC_MEM,
  UC_MODE_ARM,
  UC_PROT,
  type UnicornLib,
} from './unicorn-ffi.ts';

const EVERYWHERE: HookRange = { begin: 1n, end: 0n }; // begin > end means "all addresses" in Unicorn
const U64 = (1n << 64n) - 1n;
/**
 * uc_emu_start's `until` when the caller gives none. Unicorn stops when pc reaches `until`, so the customary 0 made
 * a guest branch to address 0 (Go 1.21 calling a nil function pointer) look like a clean stop with nothing executed,
 * and the scheduler retried it forever; an unaligned address is never an A64 pc, so this one is never reached.
 */
const NO_UNTIL = U64;
const REG_SLOT = 16; // bytes per register value buffer: enough for a 128-bit V register

const FAULT_BY_TYPE: Record<number, { access: Access; kind: FaultKind }> = {
  [UC_MEM.READ_UNMAPPED]: { access: 'read', kind: 'unmapped' },
  [UC_MEM.WRITE_UNMAPPED]: { access: 'write', kind: 'unmapped' },
  [UC_MEM.FETCH_UNMAPPED]: { access: 'fetch', kind: 'unmapped' },
  [UC_MEM.READ_PROT]: { access: 'read', kind: 'protected' },
  [UC_MEM.WRITE_PROT]: { access: 'write', kind: 'protected' },
  [UC_MEM.FETCH_PROT]: { access: 'fetch', kind: 'protected' },
};

const FAULT_BY_ERROR: Record<number, { access: Access; kind: FaultKind }> = {
  [UC_ERR.READ_UNMAPPED]: { access: 'read', kind: 'unmapped' },
  [UC_ERR.WRITE_UNMAPPED]: { access: 'write', kind: 'unmapped' },
  [UC_ERR.FETCH_UNMAPPED]: { access: 'fetch', kind: 'unmapped' },
  [UC_ERR.READ_PROT]: { access: 'read', kind: 'protected' },
  [UC_ERR.WRITE_PROT]: { access: 'write', kind: 'protected' },
  [UC_ERR.FETCH_PROT]: { access: 'fetch', kind: 'protected' },
};

const MEM_HOOK_TYPE: Record<Access, number> = {
  read: UC_HOOK.MEM_READ,
  write: UC_HOOK.MEM_WRITE,
  fetch: UC_HOOK.MEM_FETCH,
};

function protBits(p: Prot): number {
  return (p.read ? UC_PROT.READ : 0) | (p.write ? UC_PROT.WRITE : 0) | (p.execute ? UC_PROT.EXEC : 0);
}

function protFromBits(b: number): Prot {
  return { read: (b & UC_PROT.READ) !== 0, write: (b & UC_PROT.WRITE) !== 0, execute: (b & UC_PROT.EXEC) !== 0 };
}

interface Registered {
  id: number;
  ucHandle: number | bigint;
  callback: koffi.IKoffiRegisteredCallback;
}

export class UnicornEngine implements Engine {
  readonly name = 'unicorn';
  private readonly lib: UnicornLib;
  private uc: unknown;
  private readonly hooks = new Map<number, Registered>();
  private nextHookId = 1;
  private readonly faultHooks = new Map<number, FaultHook>();
  private readonly interruptHooks = new Map<number, InterruptHook>();
  /** Error thrown by a JS hook during `start`, rethrown when Unicorn returns. */
  private pendingError: unknown;
  private lastFault: MemFault | undefined;
  private lastTrap: { pc: bigint; word: number } | undefined;
  private stopRequested = false;
  private regMem: unknown;
  private regView!: DataView;
  private regAddrs!: BigUint64Array;
  private regSlots = 0;
  private readonly counterMem: unknown;
  /** The counter's code hook while installed; undefined while a tracer counts instead (suspendCounter). */
  private counterHook: number | bigint | undefined;
  private readonly pages: HostPages;
  /** Unicorn's page size: 4096, or 1024 on a Unicorn that cannot change it (2.0.1). */
  readonly pageSize: number;
  /** Live view of struct wt_counter: the C code hook updates it as instructions execute. */
  private readonly counter: BigUint64Array;

  constructor() {
    this.lib = loadUnicorn();
    const out: unknown[] = [null];
    this.check('uc_open', this.lib.uc_open(UC_ARCH_ARM64, UC_MODE_ARM, out), 0n);
    this.uc = out[0];
    // 4 KiB pages as Windows has them: Unicorn's ARM default of 1 KiB makes every unmap and split flush 4x the TLB
    // pages and caps QEMU at 1,024 memory sections. Unicorn 2.0.1 refuses this for ARM64 and keeps 1 KiB.
    this.pageSize = this.lib.uc_ctl_set_page_size(this.uc, UC_CTL_SET_PAGE_SIZE, 4096) === UC_ERR.OK ? 4096 : 1024;
    this.pages = new HostPages({
      mapPtr: (address, size, perms, host) =>
        this.check(`uc_mem_map_ptr(0x${address.toString(16)}, 0x${size.toString(16)})`,
          this.lib.uc_mem_map_ptr_at(this.uc, address, size, perms, host)),
      unmap: (address, size) =>
        this.check(`uc_mem_unmap(0x${address.toString(16)}, 0x${size.toString(16)})`,
          this.lib.uc_mem_unmap(this.uc, address, size)),
    });
    this.ensureRegSlots(80);
    this.counterMem = koffi.alloc('uint64_t', COUNTER.words);
    this.counter = new BigUint64Array(koffi.view(this.counterMem, COUNTER.words * 8));
    this.counter.fill(0n);
    this.resumeCounter();
    this.installFaultTrampoline();
    this.installInterruptTrampoline();
  }

  /** Unicorn's version as "major.minor.patch". */
  static version(): string {
    const v = loadUnicorn().uc_version(null, null);
    return `${(v >>> 24) & 0xff}.${(v >>> 16) & 0xff}.${(v >>> 8) & 0xff}`;
  }

  close(): void {
    if (this.uc === undefined) return;
    for (const h of this.hooks.values()) koffi.unregister(h.callback);
    this.hooks.clear();
    this.lib.uc_close(this.uc);
    koffi.free(this.regMem);
    koffi.free(this.counterMem);
    this.pages.free();
    this.uc = undefined;
  }

  // ---- memory -------------------------------------------------------------------------------------------------

  // Guest memory lives in host blocks with wintrace's own page table (host-pages.ts); these keep uc_mem_map's
  // contract (map needs unmapped pages, unmap and protect need mapped ones) whatever Unicorn's regions look like.

  map(address: bigint, size: bigint | number, prot: Prot): void {
    this.memory(`map(0x${address.toString(16)}, 0x${BigInt(size).toString(16)})`, () => this.pages.map(address, BigInt(size), protBits(prot)));
  }

  unmap(address: bigint, size: bigint | number): void {
    this.memory(`unmap(0x${address.toString(16)}, 0x${BigInt(size).toString(16)})`, () => this.pages.unmap(address, BigInt(size)));
  }

  protect(address: bigint, size: bigint | number, prot: Prot): void {
    this.memory(`protect(0x${address.toString(16)}, 0x${BigInt(size).toString(16)})`, () => this.pages.protect(address, BigInt(size), protBits(prot)));
  }

  mapHost(address: bigint, size: number, prot: Prot): Uint8Array {
    this.map(address, size, prot);
    return this.pages.view(address, size);
  }

  /** Guest memory's host blocks now, and a listener for the ones that come and go (the tracer's store reads). */
  hostBlocks(listener: ((base: bigint, host: bigint) => void) | undefined): Array<[bigint, bigint]> {
    this.pages.onBlock = listener;
    return this.pages.hostBlocks();
  }

  /** Unicorn regions now, and pages Unicorn re-mapped since the start (docs/benchmarks.md). */
  memoryStats(): { regions: number; remappedPages: number } {
    return { regions: this.pages.regionCount, remappedPages: this.pages.remappedPages };
  }

  private memory(what: string, fn: () => void): void {
    this.handle();
    try {
      fn();
    } catch (e) {
      if (!(e instanceof HostPagesError)) throw e;
      let pc = 0n;
      try {
        pc = this.readRegs([ROLE.pc])[0]!;
      } catch {
        /* no pc before the first run */
      }
      throw new EngineError(what, e.ucError, e.message, pc);
    }
  }

  regions(): Region[] {
    const out: unknown[] = [null];
    const count = [0];
    this.check('uc_mem_regions', this.lib.uc_mem_regions(this.handle(), out, count));
    const n = count[0] ?? 0;
    const result: Region[] = [];
    if (n > 0) {
      // struct uc_mem_region { uint64_t begin; uint64_t end; uint32_t perms; } — 24 bytes with padding
      const view = new DataView(koffi.view(out[0], n * 24));
      for (let i = 0; i < n; i++) {
        const begin = view.getBigUint64(i * 24, true);
        const endInclusive = view.getBigUint64(i * 24 + 8, true);
        result.push({ begin, end: endInclusive + 1n, prot: protFromBits(view.getUint32(i * 24 + 16, true)) });
      }
      this.lib.uc_free(out[0]);
    }
    return result;
  }

  read(address: bigint, size: number): Uint8Array {
    const buf = new Uint8Array(size);
    if (size > 0) {
      this.check(`uc_mem_read(0x${address.toString(16)}, ${size})`,
        this.lib.uc_mem_read(this.handle(), address, buf, BigInt(size)));
    }
    return buf;
  }

  hostAddress(address: bigint, size: number): bigint | undefined {
    return this.pages.hostAddress(address, size);
  }

  write(address: bigint, bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.check(`uc_mem_write(0x${address.toString(16)}, ${bytes.length})`,
      this.lib.uc_mem_write(this.handle(), address, bytes, BigInt(bytes.length)));
    // Unicorn 2.0.1 keeps executing stale translated blocks for code rewritten after a run that ended in a fault
    // (measured: the old instructions ran, and `count` was ignored); dropping the blocks over the range fixes it.
    this.check('uc_ctl_remove_cache',
      this.lib.uc_ctl_remove_cache(this.handle(), UC_CTL_REMOVE_CACHE, address, address + BigInt(bytes.length)));
  }

  // ---- registers ----------------------------------------------------------------------------------------------

  private ensureRegSlots(n: number): void {
    if (n <= this.regSlots) return;
    if (this.regMem !== undefined) koffi.free(this.regMem);
    this.regMem = koffi.alloc('uint8_t', n * REG_SLOT);
    this.regView = new DataView(koffi.view(this.regMem, n * REG_SLOT));
    const base = koffi.address(this.regMem);
    this.regAddrs = new BigUint64Array(n);
    for (let i = 0; i < n; i++) this.regAddrs[i] = base + BigInt(i * REG_SLOT);
    this.regSlots = n;
  }

  readRegs(regs: readonly RegInfo[]): bigint[] {
    this.ensureRegSlots(regs.length);
    const ids = Int32Array.from(regs, (r) => r.ucId);
    for (let i = 0; i < regs.length * REG_SLOT; i += 8) this.regView.setBigUint64(i, 0n, true);
    this.check('uc_reg_read_batch', this.lib.uc_reg_read_batch(this.handle(), ids, this.regAddrs, regs.length));
    return regs.map((r, i) => {
      const lo = this.regView.getBigUint64(i * REG_SLOT, true);
      if (r.bits === 128) return lo | (this.regView.getBigUint64(i * REG_SLOT + 8, true) << 64n);
      if (r.bits === 32) return lo & 0xffffffffn;
      return lo;
    });
  }

  writeRegs(values: ReadonlyArray<readonly [RegInfo, bigint]>): void {
    this.ensureRegSlots(values.length);
    const ids = Int32Array.from(values, ([r]) => r.ucId);
    values.forEach(([, v], i) => {
      this.regView.setBigUint64(i * REG_SLOT, v & U64, true);
      this.regView.setBigUint64(i * REG_SLOT + 8, (v >> 64n) & U64, true);
    });
    this.check('uc_reg_write_batch', this.lib.uc_reg_write_batch(this.handle(), ids, this.regAddrs, values.length));
  }

  readReg(r: RegInfo): bigint {
    return this.readRegs([r])[0]!;
  }

  writeReg(r: RegInfo, value: bigint): void {
    this.writeRegs([[r, value]]);
  }

  // ---- hooks --------------------------------------------------------------------------------------------------

  private addHook(type: number, proto: koffi.IKoffiCType, fn: Function, range: HookRange): HookHandle {
    const callback = koffi.register(fn, koffi.pointer(proto));
    const out: Array<number | bigint> = [0];
    const err = this.lib.uc_hook_add(this.handle(), out, type, callback, null, range.begin, range.end);
    if (err !== UC_ERR.OK) {
      koffi.unregister(callback);
      this.check('uc_hook_add', err);
    }
    const id = this.nextHookId++;
    this.hooks.set(id, { id, ucHandle: out[0]!, callback });
    return { id };
  }

  /** Runs a JS hook body; an exception stops the CPU and is rethrown by `start`. */
  private guard<T>(fallback: T, body: () => T): T {
    if (this.pendingError !== undefined) return fallback;
    try {
      return body();
    } catch (e) {
      this.pendingError = e;
      this.lib.uc_emu_stop(this.uc);
      return fallback;
    }
  }

  hookCode(cb: CodeHook, range: HookRange = EVERYWHERE): HookHandle {
    return this.addHook(UC_HOOK.CODE, HookCodeProto,
      (_uc: unknown, address: number | bigint, size: number) => this.guard(undefined, () => cb(BigInt(address), size)),
      range);
  }

  hookBlock(cb: CodeHook, range: HookRange = EVERYWHERE): HookHandle {
    return this.addHook(UC_HOOK.BLOCK, HookCodeProto,
      (_uc: unknown, address: number | bigint, size: number) => this.guard(undefined, () => cb(BigInt(address), size)),
      range);
  }

  hookMem(access: Access, cb: MemHook, range: HookRange = EVERYWHERE): HookHandle {
    return this.addHook(MEM_HOOK_TYPE[access], HookMemProto,
      (_uc: unknown, _type: number, address: number | bigint, size: number, value: number | bigint) =>
        this.guard(undefined, () => cb({ access, address: BigInt(address), size, value: BigInt.asUintN(64, BigInt(value)) })),
      range);
  }

  hookFault(cb: FaultHook): HookHandle {
    const id = this.nextHookId++;
    this.faultHooks.set(id, cb);
    return { id };
  }

  hookInterrupt(cb: InterruptHook): HookHandle {
    const id = this.nextHookId++;
    this.interruptHooks.set(id, cb);
    return { id };
  }

  removeHook(h: HookHandle): void {
    if (this.faultHooks.delete(h.id) || this.interruptHooks.delete(h.id)) return;
    const reg = this.hooks.get(h.id);
    if (!reg) return;
    this.check('uc_hook_del', this.lib.uc_hook_del(this.handle(), reg.ucHandle));
    koffi.unregister(reg.callback);
    this.hooks.delete(h.id);
  }

  /** One Unicorn hook for all faults, so the fault that ended a run is known even when no user hook exists. */
  private installFaultTrampoline(): void {
    const types = UC_HOOK.MEM_READ_UNMAPPED | UC_HOOK.MEM_WRITE_UNMAPPED | UC_HOOK.MEM_FETCH_UNMAPPED |
      UC_HOOK.MEM_READ_PROT | UC_HOOK.MEM_WRITE_PROT | UC_HOOK.MEM_FETCH_PROT;
    this.addHook(types, EventMemProto,
      (_uc: unknown, type: number, address: number | bigint, size: number, value: number | bigint) =>
        this.guard(false, () => {
          const what = FAULT_BY_TYPE[type] ?? { access: 'read' as const, kind: 'unmapped' as const };
          const fault: MemFault = {
            ...what, address: BigInt(address), size, value: BigInt.asUintN(64, BigInt(value)),
            pc: this.readReg(ROLE.pc),
          };
          this.lastFault = fault;
          for (const h of this.faultHooks.values()) if (h(fault)) return true;
          return false;
        }),
      EVERYWHERE);
  }

  /**
   * Unicorn reports BRK/SVC/UDF (and undefined encodings, as UDF) through UC_HOOK_INTR. The trap is decoded from
   * the instruction word, so hooks see the BRK immediate that Windows maps to an exception code. With no hook,
   * the run stops with an EngineFault rather than looping on the trap.
   */
  private installInterruptTrampoline(): void {
    this.addHook(UC_HOOK.INTR, HookIntrProto, (_uc: unknown, intno: number) =>
      this.guard(undefined, () => {
        const pc = this.trapPc(intno);
        let word = 0;
        try {
          word = new DataView(this.read(pc, 4).buffer).getUint32(0, true);
        } catch {
          word = 0xffffffff;
        }
        const intr = classifyTrap(word, intno, pc);
        this.lastTrap = { pc, word };
        if (this.interruptHooks.size === 0) {
          this.lib.uc_emu_stop(this.uc);
          return;
        }
        for (const h of this.interruptHooks.values()) h(intr);
      }),
      EVERYWHERE);
  }

  /** QEMU leaves PC after SVC/HVC/SMC (preferred return address) and at BRK/UDF; report the trap's own address. */
  private trapPc(intno: number): bigint {
    const pc = this.readReg(ROLE.pc);
    // EXCP_SWI 2, EXCP_HVC 11, EXCP_SMC 13 (QEMU target/arm/cpu.h): these return past the instruction.
    return intno === 2 || intno === 11 || intno === 13 ? pc - 4n : pc;
  }

  // ---- running ------------------------------------------------------------------------------------------------

  start(begin: bigint, opts: StartOptions = {}): StopReason {
    this.pendingError = undefined;
    this.lastFault = undefined;
    this.lastTrap = undefined;
    this.stopRequested = false;
    const until = opts.until ?? NO_UNTIL;
    const count = opts.count ?? 0;
    // The instruction budget is enforced by the C counter hook rather than uc_emu_start's own count, which
    // Unicorn 2.0.1 was measured to ignore after a run that ended in a fault.
    this.counter[COUNTER.budget] = count > 0 ? this.counter[COUNTER.executed]! + BigInt(count) : 0n;
    this.counter[COUNTER.stoppedByBudget] = 0n;
    this.counter[COUNTER.stopNow] = 0n;
    const err = this.lib.uc_emu_start(this.handle(), begin, until, 0n, 0n);
    this.counter[COUNTER.budget] = 0n;
    const pc = this.readReg(ROLE.pc);
    if (err !== UC_ERR.OK || this.pendingError !== undefined) {
      // Unicorn 2.0.1 reuses the block that was executing when a run ended in a fault, and that block misses the
      // instruction-count instrumentation of later runs (measured: `count` was ignored afterwards). Dropping the
      // blocks of that page costs well under a millisecond; a full uc_ctl_flush_tb was measured at 50 ms-2 s.
      const page = pc & ~0xfffn;
      this.lib.uc_ctl_remove_cache(this.uc, UC_CTL_REMOVE_CACHE, page, page + 0x2000n); // a block may cross a page
    }
    // hooks mutate these during uc_emu_start; re-read them through wider types than the resets above narrowed to
    const lastFault = this.lastFault as MemFault | undefined;
    const lastTrap = this.lastTrap as { pc: bigint; word: number } | undefined;
    if (this.pendingError !== undefined) {
      const e = this.pendingError;
      this.pendingError = undefined;
      throw e;
    }
    if (err !== UC_ERR.OK) {
      const f = FAULT_BY_ERROR[err];
      if (f) {
        // The pc after uc_emu_start returns is the faulting instruction (QEMU restores it from the host pc);
        // the one read inside the fault hook may be the start of the translated block.
        const lf = lastFault;
        throw new EngineFault({ type: 'memory', ...f, address: lf?.address ?? 0n, size: lf?.size ?? 0 }, pc);
      }
      if (err === UC_ERR.INSN_INVALID || err === UC_ERR.EXCEPTION) {
        throw new EngineFault({ type: 'invalid-instruction', word: lastTrap?.word }, lastTrap?.pc ?? pc);
      }
      this.check('uc_emu_start', err, pc);
    }
    if (lastTrap && this.interruptHooks.size === 0) {
      throw new EngineFault({ type: 'invalid-instruction', word: lastTrap.word }, lastTrap.pc);
    }
    if (this.stopRequested) return { reason: 'stopped', pc };
    if (this.counter[COUNTER.stoppedByBudget] !== 0n) return { reason: 'count', pc };
    if (opts.until !== undefined && pc === opts.until) return { reason: 'until', pc };
    return { reason: 'paused', pc };
  }

  /** The raw handles a native hook library needs: the uc_engine pointer and the counter struct. */
  nativeHandles(): { uc: unknown; counter: unknown } {
    return { uc: this.handle(), counter: this.counterMem };
  }

  get executed(): bigint {
    return this.counter[COUNTER.executed]!;
  }

  /**
   * Removes the counter's code hook while a tracer's hook counts and enforces the budget in its place: even
   * disabled, it was a second hook call per instruction (a tenth of a traced run's main thread). Call only
   * once the tracer's hook is installed, so every translated block keeps calling a code hook.
   */
  suspendCounter(): void {
    if (this.counterHook === undefined) return;
    this.check('uc_hook_del', this.lib.uc_hook_del(this.handle(), this.counterHook));
    this.counterHook = undefined;
  }

  /** Installs the counter's code hook (again): before a tracer's hook is removed, for the same reason. */
  resumeCounter(): void {
    if (this.counterHook !== undefined) return;
    const hh: Array<number | bigint> = [0];
    this.check('wt_counter_install', counterLib().wt_counter_install(this.handle(), hh, this.counterMem));
    this.counterHook = hh[0]!;
  }

  /**
   * Drops every translated block. Unicorn 2 does not call a code hook from blocks translated before the hook
   * was added (unicorn#2200): a hook added in the middle of a run needs this, once, to see every instruction.
   */
  flushTranslations(): void {
    this.check('uc_ctl_flush_tb', this.lib.uc_ctl_flush_tb(this.handle(), UC_CTL_FLUSH_TB));
  }

  stop(): void {
    this.stopRequested = true;
    this.counter[COUNTER.stopNow] = 1n; // see native/counter.c: uc_emu_stop alone is lost inside interrupt hooks
    this.check('uc_emu_stop', this.lib.uc_emu_stop(this.handle()));
  }

  saveContext(): EngineContext {
    const out: unknown[] = [null];
    this.check('uc_context_alloc', this.lib.uc_context_alloc(this.handle(), out));
    const ctx = new UnicornContext(this, out[0], this.lib);
    this.check('uc_context_save', this.lib.uc_context_save(this.handle(), ctx.ptr));
    return ctx;
  }

  restoreContext(ctx: EngineContext): void {
    if (!(ctx instanceof UnicornContext) || ctx.engine !== this) throw new Error('context belongs to another engine');
    this.check('uc_context_restore', this.lib.uc_context_restore(this.handle(), ctx.ptr));
  }

  // ---- errors -------------------------------------------------------------------------------------------------

  private handle(): unknown {
    if (this.uc === undefined) throw new Error('the Unicorn engine is closed');
    return this.uc;
  }

  private check(op: string, err: number, pc?: bigint): void {
    if (err === UC_ERR.OK) return;
    let at = pc;
    if (at === undefined) {
      try {
        at = this.uc === undefined ? 0n : this.readRegs([ROLE.pc])[0]!;
      } catch {
        at = 0n;
      }
    }
    throw new EngineError(op, err, this.lib.uc_strerror(err), at);
  }
}

class UnicornContext implements EngineContext {
  private freed = false;
  constructor(readonly engine: Engine, readonly ptr: unknown, private readonly lib: UnicornLib) {}
  free(): void {
    if (!this.freed) this.lib.uc_context_free(this.ptr);
    this.freed = true;
  }
}
