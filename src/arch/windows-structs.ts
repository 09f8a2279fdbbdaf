// Windows structures the recorder writes and the replayer decodes, as data: field → [offset, size in bytes].
// Offsets are for 64-bit ARM64 Windows and come from ../shared/design/windows-arm64.md (Go's
// runtime/defs_windows_arm64.go agrees for CONTEXT); every part of wintrace reads and writes these through the
// tables, never through literal offsets. They live here, beside the register table, because both the emulated
// Windows (src/recorder) and the views of a trace (src/replayer) use them and the replayer never imports the
// recorder.

export type Field = readonly [offset: number, size: 1 | 2 | 4 | 8 | 16];

export interface StructDef<F extends string> {
  readonly name: string;
  readonly size: number;
  readonly fields: Readonly<Record<F, Field>>;
  /** Array fields: the field names the first element (`X0`, `ExceptionInformation`), this is how many there are. */
  readonly counts: Readonly<Partial<Record<F, number>>>;
}

export function struct<F extends string>(name: string, size: number, fields: Record<F, Field>, counts: Partial<Record<F, number>> = {}): StructDef<F> {
  return Object.freeze({ name, size, fields: Object.freeze(fields), counts: Object.freeze(counts) });
}

/** ARM64 CONTEXT (winnt.h), 16-byte aligned. X[n] at 8 + 8n, V[n] at 0x110 + 16n. */
export const CONTEXT = struct('CONTEXT', 0x390, {
  ContextFlags: [0x0, 4],
  Cpsr: [0x4, 4],
  X0: [0x8, 8],
  Fp: [0xf0, 8],
  Lr: [0xf8, 8],
  Sp: [0x100, 8],
  Pc: [0x108, 8],
  V0: [0x110, 16],
  Fpcr: [0x310, 4],
  Fpsr: [0x314, 4],
  Bcr: [0x318, 4],
  Bvr: [0x338, 8],
  Wcr: [0x378, 4],
  Wvr: [0x380, 8],
}, { X0: 29, V0: 32, Bcr: 8, Bvr: 8, Wcr: 2, Wvr: 2 });
export const CONTEXT_X = (n: number): number => 0x8 + 8 * n; // X0..X28
export const CONTEXT_V = (n: number): number => 0x110 + 16 * n;

export const CONTEXT_FLAGS = {
  ARM64: 0x400000,
  CONTROL: 0x400001,
  INTEGER: 0x400002,
  FLOATING_POINT: 0x400004,
  DEBUG: 0x400008,
  FULL: 0x400007,
  ALL: 0x40000f,
} as const;

export const EXCEPTION_RECORD = struct('EXCEPTION_RECORD', 0x98, {
  ExceptionCode: [0x0, 4],
  ExceptionFlags: [0x4, 4],
  ExceptionRecord: [0x8, 8],
  ExceptionAddress: [0x10, 8],
  NumberParameters: [0x18, 4],
  ExceptionInformation: [0x20, 8],
}, { ExceptionInformation: 15 });

export const EXCEPTION_POINTERS = struct('EXCEPTION_POINTERS', 0x10, {
  ExceptionRecord: [0x0, 8],
  ContextRecord: [0x8, 8],
});

/** The parts of the TEB that Windows code and the Go runtime read (winternl.h / ntpsapi). */
export const TEB = struct('TEB', 0x1838, {
  ExceptionList: [0x0, 8],
  StackBase: [0x8, 8],
  StackLimit: [0x10, 8],
  ArbitraryUserPointer: [0x28, 8],
  Self: [0x30, 8],
  ClientIdProcess: [0x40, 8],
  ClientIdThread: [0x48, 8],
  ThreadLocalStoragePointer: [0x58, 8],
  ProcessEnvironmentBlock: [0x60, 8],
  LastErrorValue: [0x68, 4],
  DeallocationStack: [0x1478, 8],
  TlsSlots: [0x1480, 8],
  TlsExpansionSlots: [0x1780, 8],
}, { TlsSlots: 64 });

/** KUSER_SHARED_DATA at 0x7ffe0000: KSYSTEM_TIME is {LowPart u32, High1Time i32, High2Time i32}. */
export const KUSER_SHARED_DATA = struct('KUSER_SHARED_DATA', 0x1000, {
  TickCountMultiplier: [0x4, 4],
  InterruptTime: [0x8, 4],
  SystemTime: [0x14, 4],
  TimeZoneBias: [0x20, 4],
  NtMajorVersion: [0x26c, 4],
  NtMinorVersion: [0x270, 4],
  ActiveProcessorCount: [0x3c0, 4],
  NtBuildNumber: [0x260, 4],
});
