// The emulated Windows process: boots a loaded PE image (image, PEB, KUSER_SHARED_DATA, emulated DLLs, the main
// thread) and runs its threads on one engine under a deterministic scheduler. Win32 functions live in dlls/;
// exception dispatch in exceptions.ts. Everything the guest can observe derives from the image, the options
// and the instruction count, never from the host.

import { REGISTERS, reg, ROLE } from '../../arch/arm64.ts';
import { ExitCode, UnsupportedApiError, WintraceError } from '../../errors.ts';
import type { Engine, EngineContext, Interrupt } from '../engine/engine.ts';
import { PROT_R } from '../engine/engine.ts';
import { EngineFault } from '../engine/faults.ts';
import type { LoadedImage } from '../loader/pe.ts';
import { type ApiCall, type ApiDef, type ApiOutcome, badPointerFailure } from './api.ts';
import { VirtualClock } from './clock.ts';
import { API_TABLE, KNOWN_DLLS } from './dlls/index.ts';
import { ExceptionDispatcher } from './exceptions.ts';
import { GuestAccessError, GuestMemory } from './guest-memory.ts';
import { DeterministicRandom } from './random.ts';
import { HandleTable, PSEUDO } from './handles.ts';
import { alignDown, hex, LAYOUT, PAGE_SIZE } from './layout.ts';
import { describeWaits, IDLE_LIMIT_NS, IdleWatch } from './deadlock.ts';
import { FileObject, type KObject, ProcessObject, ThreadObject } from './objects.ts';
import { KUSER_SHARED_DATA, PEB, TEB } from './structs.ts';
import { StubTable } from './stubs.ts';
import { type ConsoleEvent, ConsoleControl } from './console-events.ts';
import { EntrySentinels, sentinelRegisters, sentinelsLost, writeFrameRecord } from './entry-sentinels.ts';
import { Sandbox } from './sandbox.ts';
import { TebAccessFault, tebOf } from './teb-view.ts';
import { Thread, type Wait } from './thread.ts';
import { PAGE, VirtualMemory } from './virtual-memory.ts';
import { ProcessHeap } from './process-heap.ts';

export interface ProcessOptions {
  /** The guest's idea of its own path, e.g. C:\wintrace\hello.exe. */
  imagePath: string;
  args: readonly string[];
  /** Extra environment variables on top of the small deterministic default set. */
  env: Readonly<Record<string, string>>;
  stdout: (bytes: Uint8Array) => void;
  stderr: (bytes: Uint8Array) => void;
  /** Instructions a thread runs before the scheduler switches (default 50,000). */
  quantum?: number;
  /** Stop the run after this many instructions in all (0 = no limit). */
  maxInstructions?: bigint;
  /** Stop the run after this much wall-clock time; checked between slices, so the guest never sees it. */
  timeoutMs?: number;
  /** Host directories the guest may read (none by default); refusals are recorded in it. */
  sandbox?: Sandbox;
  checkpoints?: Checkpoints;
  /** Console control events to raise, each from an instruction count on (console-events.ts). */
  consoleEvents?: readonly ConsoleEvent[];
  /** Observer of process-level events (thread start/exit, API calls, exceptions). */
  observer?: ProcessObserver;
}

export interface ProcessObserver {
  apiCall?(thread: Thread, api: ApiDef, args: readonly bigint[], caller: bigint): void;
  apiReturn?(thread: Thread, api: ApiDef, outcome: ApiOutcome): void;
  threadCreated?(thread: Thread, creator: Thread | undefined): void;
  threadExited?(thread: Thread): void;
  /** The outgoing thread's registers are about to leave the engine (its last instruction is settled here). */
  beforeSwitch?(from: Thread): void;
  /** `to` is on the CPU now (its registers are in the engine; a completed wait's result is not yet in X0). */
  threadSwitched?(from: Thread | undefined, to: Thread): void;
  /** After the emulated Windows acted inside a trap (API call, system stub), before the guest goes on. */
  afterTrap?(thread: Thread): void;
  /** Before each engine run: whatever the emulated Windows changed since the last instruction is settled. */
  beforeRun?(thread: Thread): void;
  /** The engine stopped itself to let native hooks drain (tracer buffer); the guest is unaffected. */
  paused?(): void;
  /** The emulated Windows changed host-backed guest memory (KUSER_SHARED_DATA) without an engine write. */
  hostWrite?(address: bigint, old: Uint8Array, data: Uint8Array): void;
}

/**
 * Instruction counts at which the run pauses between two instructions (segment boundaries of a recording,
 * sample points of a test). Pausing never changes what the guest does: the same thread continues its slice.
 */
export interface Checkpoints {
  /** The next executed-instruction count to stop at, or undefined. */
  next(): bigint | undefined;
  reached(executed: bigint): void;
}

export type RunEnd =
  | { reason: 'exit'; exitCode: number }
  | { reason: 'budget'; exitCode: number }
  | { reason: 'interrupted'; exitCode: number }
  | { reason: 'timeout'; exitCode: number }
  /** idleNs: 0 when no wait has a deadline, else how long only timeouts happened (deadlock.ts). */
  | { reason: 'deadlock'; exitCode: number; waits: string[]; idleNs: bigint };

const DEFAULT_ENV: Record<string, string> = {
  ALLUSERSPROFILE: 'C:\\ProgramData',
  COMPUTERNAME: 'WINTRACE',
  HOMEDRIVE: 'C:',
  HOMEPATH: '\\Users\\wintrace',
  NUMBER_OF_PROCESSORS: '4',
  OS: 'Windows_NT',
  PATH: 'C:\\Windows\\system32;C:\\Windows',
  PROCESSOR_ARCHITECTURE: 'ARM64',
  SystemDrive: 'C:',
  SystemRoot: 'C:\\Windows',
  TEMP: 'C:\\Users\\wintrace\\AppData\\Local\\Temp',
  TMP: 'C:\\Users\\wintrace\\AppData\\Local\\Temp',
  USERNAME: 'wintrace',
  USERPROFILE: 'C:\\Users\\wintrace',
  windir: 'C:\\Windows',
};

export const PROCESS_ID = 0x1234;
/** Exports that real Windows does not have: Go 1.19 checks ntdll!wine_get_version to detect Wine. */
const ABSENT_EXPORTS = /^wine_|^#/;
export const NUMBER_OF_PROCESSORS = 4;
const FIRST_THREAD_ID = 0x1000;
/** The uncommitted bottom of every thread's stack reservation (Windows keeps at least a page there). */
const STACK_HARD_GUARD = PAGE_SIZE;

/** Raised inside an API implementation to end the run with a clear message (bad guest behaviour we model). */
export class GuestError extends WintraceError {
  constructor(message: string) {
    super(message, ExitCode.emulationFault);
  }
}

export class WindowsProcess {
  readonly mem: GuestMemory;
  readonly vm: VirtualMemory;
  readonly handles = new HandleTable();
  readonly stubs: StubTable;
  readonly clock: VirtualClock;
  readonly threads: Thread[] = [];
  readonly exceptions: ExceptionDispatcher;
  readonly processObject = new ProcessObject();
  readonly console: ConsoleControl;
  readonly stdHandles: { input: bigint; output: bigint; error: bigint };
  readonly environment: Record<string, string>;
  readonly commandLine: string;
  current: Thread | undefined;
  peb = 0n;
  /** Bump allocator inside the process-data area (environment blocks, command line copies). */
  private processHeap!: ProcessHeap;
  private readonly tlsUsed = new Set<number>();
  exitCode: number | undefined;
  private endReason: RunEnd | undefined;
  private readonly quantum: number;
  private lastScheduled = -1;
  private readonly threadReturnStub: bigint;
  apiCalls = 0;
  /** Waits satisfied by a signaled object other than a timer, and bytes of console output: activity for IdleWatch. */
  objectWakes = 0;
  outputBytes = 0;
  /** The values every entry from Windows into the program starts with (entry-sentinels.ts). */
  readonly sentinels = new EntrySentinels();
  /** Set (e.g. by a SIGINT handler) to end the run at the next scheduling point. */
  stopRequested = false;
  errorMode = 0;
  /** WerSetFlags' WER_FAULT_REPORTING_* bits (nothing reports faults here; the value is only handed back). */
  werFlags = 0;
  readonly processorCount = NUMBER_OF_PROCESSORS;
  readonly random = new DeterministicRandom(0x5eed_1234_abcd_0001n);
  readonly sandbox: Sandbox;
  /** What the guest tried that the sandbox refused (host files, network), in order. */
  readonly sandboxDenials: string[];
  private commandLineAddrW = 0n;
  private commandLineAddrA = 0n;

  constructor(
    readonly engine: Engine,
    readonly image: LoadedImage,
    readonly options: ProcessOptions,
  ) {
    this.mem = new GuestMemory(engine);
    this.vm = new VirtualMemory(engine);
    this.stubs = new StubTable(engine);
    this.clock = new VirtualClock(() => engine.executed);
    this.quantum = options.quantum ?? 50_000;
    this.sandbox = options.sandbox ?? new Sandbox();
    this.sandboxDenials = this.sandbox.denials;
    this.environment = { ...DEFAULT_ENV, ...options.env };
    this.commandLine = [options.imagePath, ...options.args].map(quoteArg).join(' ');
    this.stdHandles = {
      input: this.handles.add(new FileObject('stdin', 'CONIN$')),
      output: this.handles.add(new FileObject('stdout', 'CONOUT$')),
      error: this.handles.add(new FileObject('stderr', 'CONERR$')),
    };
    this.exceptions = new ExceptionDispatcher(this);
    this.console = new ConsoleControl(this, options.consoleEvents ?? []);
    this.mapImage();
    this.mapSystemData();
    this.bindImports();
    this.threadReturnStub = this.stubs.system('ThreadReturn');
    engine.hookInterrupt((intr) => this.onTrap(intr));
    const main = this.createThread(image.entryPoint, this.peb, image.image.stackReserve, undefined);
    this.current = main;
  }

  get symbols() {
    return this.image.symbolTable;
  }

  /** `symbol+0xoff` for guest code, `kernel32.dll!Name` for stubs, else hex. */
  symbolize(address: bigint): string {
    const stub = this.stubs.at(address);
    if (stub) return this.stubs.describe(address);
    return this.image.symbolTable.format(address);
  }

  // ---- boot ---------------------------------------------------------------------------------------------------

  private mapImage(): void {
    const img = this.image;
    this.vm.reserve(img.base, BigInt(img.size), PAGE.EXECUTE_WRITECOPY, 'image', img.image.file);
    for (const region of img.regions) {
      const protect = region.protection.execute
        ? region.protection.write ? PAGE.EXECUTE_READWRITE : PAGE.EXECUTE_READ
        : region.protection.write ? PAGE.READWRITE : PAGE.READONLY;
      this.vm.commit(region.address, BigInt(region.size), protect);
      this.engine.write(region.address, region.bytes);
    }
  }

  private mapSystemData(): void {
    // KUSER_SHARED_DATA: read-only to the guest, backed by host memory the clock writes directly. Writing a
    // read-only page through the engine made Unicorn re-protect the region each time (27-200 us, measured).
    this.kuser = this.engine.mapHost(LAYOUT.kuserSharedData, Number(PAGE_SIZE), PROT_R);
    this.vm.adopt(LAYOUT.kuserSharedData, PAGE_SIZE, PAGE.READONLY, 'KUSER_SHARED_DATA');
    const k = KUSER_SHARED_DATA.fields;
    const kv = new DataView(this.kuser.buffer, this.kuser.byteOffset, this.kuser.byteLength);
    kv.setUint32(k.TickCountMultiplier[0], 0x0fa00000, true);
    kv.setUint32(k.NtMajorVersion[0], 10, true);
    kv.setUint32(k.NtMinorVersion[0], 0, true);
    kv.setUint32(k.NtBuildNumber[0], 22631, true);
    kv.setUint32(k.ActiveProcessorCount[0], NUMBER_OF_PROCESSORS, true);
    this.updateSharedTime();

    // Process data: PEB first, then a bump area for strings the emulated Windows hands out.
    this.vm.reserve(LAYOUT.processData, LAYOUT.processDataSize, PAGE.READWRITE, 'system', 'process data');
    this.vm.commit(LAYOUT.processData, LAYOUT.processDataSize, PAGE.READWRITE);
    this.peb = LAYOUT.processData;
    this.processHeap = new ProcessHeap(LAYOUT.processData + 0x1000n, LAYOUT.processData + LAYOUT.processDataSize);
    const p = PEB.fields;
    this.mem.setU64(this.peb + BigInt(p.ImageBaseAddress[0]), this.image.base);
    this.mem.setU32(this.peb + BigInt(p.NumberOfProcessors[0]), NUMBER_OF_PROCESSORS);
    this.mem.setU32(this.peb + BigInt(p.OSMajorVersion[0]), 10);
    this.mem.setU32(this.peb + BigInt(p.OSMinorVersion[0]), 0);
    this.mem.setU16(this.peb + BigInt(p.OSBuildNumber[0]), 22631);
  }

  commandLineW(): bigint {
    if (this.commandLineAddrW === 0n) this.commandLineAddrW = this.allocProcessData(GuestMemory.utf16z(this.commandLine));
    return this.commandLineAddrW;
  }

  commandLineA(): bigint {
    if (this.commandLineAddrA === 0n) this.commandLineAddrA = this.allocProcessData(GuestMemory.cz(this.commandLine));
    return this.commandLineAddrA;
  }

  sandboxDenied(what: string): void {
    this.sandboxDenials.push(what);
  }

  /** Copies bytes into the process-data area and returns their address (8-byte aligned). */
  allocProcessData(bytes: Uint8Array): bigint {
    const at = this.processHeap.alloc(bytes.length);
    if (at === undefined) throw new GuestError(`process data area exhausted (${this.processHeap.used} bytes held by the guest)`);
    this.engine.write(at, bytes);
    return at;
  }

  /** Gives back a block of allocProcessData; false when `at` is not one the guest holds. */
  freeProcessData(at: bigint): boolean {
    return this.processHeap.release(at);
  }

  /** Writes the address of each imported function's stub into its IAT slot. */
  private bindImports(): void {
    for (const imp of this.image.imports) {
      for (const f of imp.functions) {
        const name = f.name ?? `#${f.ordinal}`;
        const addr = this.stubs.api(imp.dll, name, API_TABLE.get(apiKey(imp.dll, name)));
        this.mem.setU64(f.iatAddress, addr);
      }
    }
  }

  /**
   * GetProcAddress over the emulated DLLs. A function wintrace does not implement still gets a stub, so that a
   * program calling it stops with a clear "unsupported API" line; only names no Windows DLL exports (Wine's
   * markers, which Go probes to detect Wine) resolve to NULL.
   */
  procAddress(dllBase: bigint, name: string): bigint {
    const dll = this.stubs.dllByBase(dllBase);
    if (!dll || ABSENT_EXPORTS.test(name)) return 0n;
    return this.stubs.api(dll.name, name, API_TABLE.get(apiKey(dll.name, name)));
  }

  /** LoadLibrary over the emulated DLLs: returns the module base, or 0 for a DLL wintrace does not emulate. */
  loadLibrary(name: string): bigint {
    const base = name.replace(/^.*[\\/]/, '').toLowerCase();
    const file = base.endsWith('.dll') ? base : `${base}.dll`;
    if (!KNOWN_DLLS.has(file)) return 0n;
    return this.stubs.dll(file).base;
  }

  // ---- threads ------------------------------------------------------------------------------------------------

  createThread(start: bigint, parameter: bigint, stackSize: bigint, creator: Thread | undefined): Thread {
    const index = this.threads.length;
    const id = FIRST_THREAD_ID + index * 4;
    const size = stackSize > 0n ? stackSize : this.image.image.stackReserve || 0x100000n;
    const stack = this.vm.reserve(0n, size, PAGE.READWRITE, 'stack', `stack of thread ${id}`);
    // The lowest page of the reservation is never committed, as on Windows (Go's minit counts on a guard region
    // there): a thread that exhausts its stack faults on it instead of writing into the next reservation, which is
    // often another thread's stack.
    const limit = stack.base + STACK_HARD_GUARD;
    try {
      this.vm.commit(limit, stack.size - STACK_HARD_GUARD, PAGE.READWRITE);
    } catch (e) {
      this.vm.release(stack.base); // a thread that could not be created leaves nothing reserved, as on Windows
      throw e;
    }
    const teb = LAYOUT.tebBase + BigInt(index) * LAYOUT.tebStride;
    this.vm.reserve(teb, LAYOUT.tebSize, PAGE.READWRITE, 'system', `TEB of thread ${id}`);
    this.vm.commit(teb, LAYOUT.tebSize, PAGE.READWRITE);
    const stackBase = stack.base + stack.size;
    const t = new Thread(id, teb, { reservation: stack.base, limit, base: stackBase }, start, parameter);
    const f = TEB.fields;
    this.mem.setU64(teb + BigInt(f.StackBase[0]), stackBase);
    this.mem.setU64(teb + BigInt(f.StackLimit[0]), limit);
    this.mem.setU64(teb + BigInt(f.Self[0]), teb);
    this.mem.setU64(teb + BigInt(f.ClientIdProcess[0]), BigInt(PROCESS_ID));
    this.mem.setU64(teb + BigInt(f.ClientIdThread[0]), BigInt(id));
    this.mem.setU64(teb + BigInt(f.ProcessEnvironmentBlock[0]), this.peb);
    this.mem.setU64(teb + BigInt(f.DeallocationStack[0]), stack.base);

    // Registers as a new Windows thread sees them in its start routine: X0 = parameter, X18 = TEB, LR at a stub
    // that ends the thread with X0 as the exit code, X19-X28 and D8-D15 holding the entry's sentinels, and FP at
    // the frame record of the caller Windows stands for (BaseThreadInitThunk), at the top of the fresh stack
    // with SP just below it.
    const sp = alignDown(stackBase, 16n) - 16n;
    writeFrameRecord(this.mem, sp, this.threadReturnStub);
    t.entrySentinels = this.sentinels.take(this.threads.length === 0 ? 'process-entry' : 'thread-start', id);
    const saved = this.current ? this.engine.saveContext() : undefined;
    this.engine.writeRegs(REGISTERS.map((r) => [r, 0n] as const));
    this.engine.writeRegs([
      ...sentinelRegisters(t.entrySentinels),
      [reg('x0'), parameter],
      [ROLE.teb, teb],
      [ROLE.sp, sp],
      [ROLE.fp, sp],
      [ROLE.lr, this.threadReturnStub],
      [ROLE.pc, start],
    ]);
    t.context = this.engine.saveContext();
    if (saved) {
      this.engine.restoreContext(saved);
      saved.free();
    }
    this.threads.push(t);
    this.options.observer?.threadCreated?.(t, creator);
    return t;
  }

  /** Resolves a handle, including the current-process and current-thread pseudo handles. */
  object(handle: bigint): KObject | undefined {
    if (handle === PSEUDO.currentProcess) return this.processObject;
    if (handle === PSEUDO.currentThread && this.current) return new ThreadObject(this.current);
    return this.handles.get(handle);
  }

  allocTlsIndex(): number {
    for (let i = 0; i < 64; i++) {
      if (!this.tlsUsed.has(i)) {
        this.tlsUsed.add(i);
        return i;
      }
    }
    return -1;
  }

  freeTlsIndex(i: number): boolean {
    return this.tlsUsed.delete(i);
  }

  /**
   * The last error of a thread that is not on the CPU (a wait completing while it sleeps), straight into its own
   * TEB. An API running on the calling thread stores it through X18 instead (ApiCall.setLastError).
   */
  setLastError(t: Thread, code: number): void {
    this.mem.setU32(t.teb + BigInt(TEB.fields.LastErrorValue[0]), code);
  }

  // ---- traps: API calls, system stubs, exceptions ------------------------------------------------------------

  private onTrap(intr: Interrupt): void {
    const t = this.current!;
    const stub = intr.kind === 'svc' ? this.stubs.at(intr.pc) : undefined;
    if (!stub) {
      this.exceptions.raiseTrap(t, intr);
      this.engine.stop();
      return;
    }
    this.updateSharedTime();
    if (stub.kind === 'system') {
      // A start routine returning hands its thread back to Windows: did the callee-saved registers come back?
      if (stub.name === 'ThreadReturn' && t.entrySentinels) t.sentinelsLost = sentinelsLost(this.engine, t.entrySentinels);
      const outcome: ApiOutcome = stub.name === 'ThreadReturn'
        ? { kind: 'exit-thread', code: Number(this.engine.readReg(reg('x0')) & 0xffffffffn) }
        : this.exceptions.onSystemStub(t, stub.name);
      this.applyOutcome(t, outcome);
      this.options.observer?.afterTrap?.(t);
      return;
    }
    const lr = this.engine.readReg(ROLE.lr);
    if (!stub.def) throw new UnsupportedApiError(`${displayDll(stub.dll)}!${stub.name}`, this.symbolize(lr - 4n));
    const def = stub.def;
    const args = this.readArgs(def.proto.params.length);
    this.apiCalls++;
    this.options.observer?.apiCall?.(t, def, args, lr);
    const call: ApiCall = {
      process: this, thread: t, mem: this.mem, args, caller: lr,
      // kernel32 stores the error through X18, whatever X18 holds (teb-view.ts).
      setLastError: (code) => tebOf({ process: this, mem: this.mem }).setU32('LastErrorValue', code),
    };
    let outcome: ApiOutcome;
    try {
      outcome = callApi(def, call);
    } catch (e) {
      if (!(e instanceof TebAccessFault)) throw e;
      outcome = { kind: 'fault', access: e.access, address: e.address };
    }
    this.options.observer?.apiReturn?.(t, def, outcome);
    this.applyOutcome(t, outcome);
    this.options.observer?.afterTrap?.(t);
  }

  private readArgs(n: number): bigint[] {
    const regs = this.engine.readRegs(REGISTERS.slice(0, Math.min(n, 8)));
    if (n <= 8) return regs;
    const sp = this.engine.readReg(ROLE.sp);
    for (let i = 8; i < n; i++) regs.push(this.mem.u64(sp + BigInt((i - 8) * 8)));
    return regs;
  }

  /** Applies what an API (or system stub) decided; runs inside the interrupt hook. */
  applyOutcome(t: Thread, outcome: ApiOutcome): void {
    if (typeof outcome === 'bigint' || typeof outcome === 'number' || typeof outcome === 'boolean') {
      this.engine.writeReg(reg('x0'), BigInt.asUintN(64, BigInt(outcome === true ? 1 : outcome === false ? 0 : outcome)));
      return;
    }
    switch (outcome.kind) {
      case 'block':
        t.state = 'waiting';
        t.wait = outcome.wait;
        this.engine.stop();
        return;
      case 'yield':
        this.engine.writeReg(reg('x0'), outcome.result);
        this.engine.stop();
        return;
      case 'exit-thread':
        this.exitThread(t, outcome.code);
        this.freeThreadMemory(t);
        this.engine.stop();
        return;
      case 'exit-process':
        this.exitProcess(outcome.code);
        this.engine.stop();
        return;
      case 'jump':
        return; // the implementation set pc and the registers itself
      case 'fault':
        // SVC leaves pc after itself: the stub's SVC stands for the API instruction that faulted.
        this.exceptions.raiseInApi(t, this.engine.readReg(ROLE.pc) - 4n, outcome.access, outcome.address);
        return;
    }
  }

  exitThread(t: Thread, code: number): void {
    t.state = 'exited';
    t.exitCode = code;
    t.wait = undefined;
    this.options.observer?.threadExited?.(t);
  }

  /**
   * Windows frees an ended thread's stack and TEB: a program that starts and ends thousands of threads (Go ends the
   * thread of a goroutine that exits locked to it) must not keep every stack it ever had. Not at process exit,
   * where the whole address space goes at once.
   */
  private freeThreadMemory(t: Thread): void {
    this.vm.release(t.stack.reservation);
    this.vm.release(t.teb);
  }

  exitProcess(code: number): void {
    if (this.exitCode !== undefined) return;
    this.exitCode = code >>> 0;
    for (const t of this.threads) if (t.state !== 'exited') this.exitThread(t, code);
  }

  // ---- scheduling ---------------------------------------------------------------------------------------------

  /** Host view of KUSER_SHARED_DATA. */
  private kuser!: Uint8Array;

  /**
   * KUSER_SHARED_DATA's InterruptTime and SystemTime (KSYSTEM_TIME: LowPart, High1Time, High2Time). The change is
   * reported to the observer as a write by the emulated Windows, so a trace still holds it.
   */
  updateSharedTime(): void {
    const k = KUSER_SHARED_DATA.fields;
    for (const [off, v] of [[k.InterruptTime[0], this.clock.interruptTime()], [k.SystemTime[0], this.clock.systemTime()]] as const) {
      const b = new Uint8Array(12);
      const dv = new DataView(b.buffer);
      dv.setUint32(0, Number(v & 0xffffffffn), true);
      dv.setUint32(4, Number(v >> 32n), true);
      dv.setUint32(8, Number(v >> 32n), true);
      const old = this.kuser.subarray(off, off + 12);
      if (Buffer.compare(old, b) === 0) continue;
      this.options.observer?.hostWrite?.(LAYOUT.kuserSharedData + BigInt(off), old.slice(), b);
      this.kuser.set(b, off);
    }
  }

  /** Completes waits that are satisfied or timed out; returns the earliest pending deadline. */
  private pollWaits(): bigint | undefined {
    const now = this.clock.now();
    let earliest: bigint | undefined;
    for (const t of this.threads) {
      const w = t.wait;
      if (t.state !== 'waiting' || !w) continue;
      const outcome = satisfied(w, now);
      if (outcome !== undefined) {
        if (typeof outcome === 'number') {
          const by = w.all ? w.objects : [w.objects[outcome]!];
          // Judged before acquiring: acquiring may empty a port or reset a timer.
          if (!by.every((o) => o.onlyTime())) this.objectWakes++;
          for (const o of by) o.acquire();
        }
        t.pendingResult = w.complete(outcome);
        t.wait = undefined;
        t.state = 'ready';
        continue;
      }
      for (const d of wakeTimes(w)) if (earliest === undefined || d < earliest) earliest = d;
    }
    return earliest;
  }

  private pickNext(): Thread | undefined {
    const n = this.threads.length;
    for (let k = 1; k <= n; k++) {
      const i = (this.lastScheduled + k) % n;
      const t = this.threads[i]!;
      if (t.runnable) {
        this.lastScheduled = i;
        return t;
      }
    }
    return undefined;
  }

  /** Runs until the process exits, the instruction budget is spent, or every thread waits forever. */
  run(): RunEnd {
    const budget = this.options.maxInstructions ?? 0n;
    const deadline = this.options.timeoutMs !== undefined ? performance.now() + this.options.timeoutMs : undefined;
    const idleWatch = new IdleWatch();
    let onCpu: Thread | undefined;
    while (this.exitCode === undefined) {
      this.console.deliverDue();
      const earliest = this.pollWaits();
      const t = this.pickNext();
      if (!t) {
        if (this.threads.every((x) => x.state === 'exited')) {
          this.exitProcess(this.threads[this.threads.length - 1]?.exitCode ?? 0);
          break;
        }
        const exited = this.threads.filter((x) => x.state === 'exited').length;
        const activity = { threads: this.threads.length, exited, objectWakes: this.objectWakes, outputBytes: this.outputBytes };
        const idle = idleWatch.idleFor(activity, this.clock.now());
        if (earliest === undefined || idle >= IDLE_LIMIT_NS) {
          if (this.console.deliverNext()) continue;
          const waits = describeWaits(this.threads, this.clock.now());
          this.endReason = { reason: 'deadlock', exitCode: ExitCode.emulationFault, waits, idleNs: earliest === undefined ? 0n : idle };
          break;
        }
        const timed = this.console.nextTimedNs();
        this.clock.advanceTo(timed !== undefined && timed < earliest ? timed : earliest);
        this.updateSharedTime();
        continue;
      }
      if (budget > 0n && this.engine.executed >= budget) {
        this.endReason = { reason: 'budget', exitCode: ExitCode.emulationFault };
        break;
      }
      if (this.stopRequested) {
        this.endReason = { reason: 'interrupted', exitCode: ExitCode.emulationFault };
        break;
      }
      if (deadline !== undefined && performance.now() >= deadline) {
        this.endReason = { reason: 'timeout', exitCode: ExitCode.emulationFault };
        break;
      }
      if (onCpu !== t) {
        if (onCpu) this.options.observer?.beforeSwitch?.(onCpu);
        if (onCpu && onCpu.state !== 'exited') onCpu.context = this.saveInto(onCpu);
        this.engine.restoreContext(t.context!);
        this.options.observer?.threadSwitched?.(onCpu, t);
        this.current = t;
        onCpu = t;
      }
      if (t.pendingResult !== undefined) {
        this.engine.writeReg(reg('x0'), t.pendingResult);
        t.pendingResult = undefined;
      }
      this.updateSharedTime();
      this.runSlice(t, budget);
      this.exceptions.afterSlice(t);
    }
    return this.endReason ?? { reason: 'exit', exitCode: this.exitCode ?? 0 };
  }

  /**
   * Runs one scheduling slice of `quantum` instructions, split at checkpoints and native pauses without any
   * effect on the guest; ends early when the thread blocks, yields, exits or faults.
   */
  private runSlice(t: Thread, budget: bigint): void {
    const obs = this.options.observer;
    const cps = this.options.checkpoints;
    let remaining = BigInt(this.quantum);
    while (remaining > 0n && this.exitCode === undefined) {
      let count = remaining;
      if (budget > 0n && this.engine.executed + count > budget) count = budget - this.engine.executed;
      const next = cps?.next();
      if (next !== undefined && next - this.engine.executed < count) count = next - this.engine.executed;
      if (count <= 0n) {
        if (next !== undefined && next <= this.engine.executed) {
          cps!.reached(this.engine.executed);
          continue;
        }
        return; // the instruction budget is spent
      }
      obs?.beforeRun?.(t);
      const pc = this.engine.readReg(ROLE.pc);
      if (this.exceptions.raiseIfPcMisaligned(t, pc)) {
        if (t.runnable) continue;
        return;
      }
      const before = this.engine.executed;
      let stop;
      try {
        stop = this.engine.start(pc, { count: Number(count) });
      } catch (e) {
        if (!(e instanceof EngineFault)) throw e;
        const ran = this.engine.executed - before;
        t.executed += ran;
        remaining -= ran;
        obs?.beforeRun?.(t); // settle the faulting step before the dispatcher writes the exception frame
        this.exceptions.raiseFault(t, e);
        // The faulting thread goes on into the dispatcher within its slice, as on Windows: the dispatch is part
        // of its own execution, not a reason to run another thread.
        if (t.runnable) continue;
        return;
      }
      const ran = this.engine.executed - before;
      t.executed += ran;
      remaining -= ran;
      if (stop.reason === 'count') continue;
      if (stop.reason === 'paused') {
        obs?.paused?.();
        continue;
      }
      // A BRK/UDF trap: dispatched now, and the thread goes on into the dispatcher like after a fault.
      if (this.exceptions.afterSlice(t) && t.runnable) continue;
      return; // stopped by the emulated Windows: a block, yield or exit
    }
  }

  /** Saves the engine's registers into the thread's own context buffer (allocated once per thread). */
  private saveInto(t: Thread): EngineContext {
    t.context?.free();
    return this.engine.saveContext();
  }
}

function satisfied(w: Wait, now: bigint): number | 'timeout' | undefined {
  if (w.objects.length > 0) {
    if (w.all) {
      if (w.objects.every((o) => o.signaled(now))) return 0;
    } else {
      const i = w.objects.findIndex((o) => o.signaled(now));
      if (i >= 0) return i;
    }
  }
  if (w.deadline !== undefined && now >= w.deadline) return 'timeout';
  return undefined;
}

/** Times at which a wait could become satisfiable without another thread acting: its deadline, timers' due. */
function wakeTimes(w: Wait): bigint[] {
  const out: bigint[] = [];
  if (w.deadline !== undefined) out.push(w.deadline);
  for (const o of w.objects) {
    const due = (o as { due?: bigint }).due;
    if (typeof due === 'bigint') out.push(due);
  }
  return out;
}

/** Runs an implementation; a pointer argument the guest cannot access is answered as Windows answers it. */
function callApi(def: ApiDef, call: ApiCall): ApiOutcome {
  try {
    return def.impl(call);
  } catch (e) {
    if (!(e instanceof GuestAccessError)) throw e;
    const failure = badPointerFailure(def);
    if (failure.lastError !== undefined) call.setLastError(failure.lastError);
    return failure.value;
  }
}

export function apiKey(dll: string, name: string): string {
  return `${dll.toLowerCase()}!${name}`;
}

function displayDll(dll: string): string {
  return dll.toUpperCase().replace(/\.DLL$/, '.dll');
}

/** Quotes one argument as CommandLineToArgvW expects it. */
function quoteArg(a: string): string {
  if (a !== '' && !/[\s"]/.test(a)) return a;
  let out = '"';
  let backslashes = 0;
  for (const ch of a) {
    if (ch === '\\') {
      backslashes++;
      continue;
    }
    if (ch === '"') out += '\\'.repeat(backslashes * 2 + 1) + '"';
    else out += '\\'.repeat(backslashes) + ch;
    backslashes = 0;
  }
  return `${out}${'\\'.repeat(backslashes * 2)}"`;
}

export { hex };
