// processthreadsapi.h

import { reg, REGISTERS } from '../../../../arch/arm64.ts';
import { winapi } from '../../api.ts';
import { ThreadObject } from '../../objects.ts';
import { contextRanges } from '../../context-parts.ts';
import { contextBytes, contextRegisters } from '../../exceptions.ts';
import { CONTEXT, STARTUPINFOW, TEB } from '../../structs.ts';
import type { Thread } from '../../thread.ts';
import { ERROR_INVALID_HANDLE } from '../wait.ts';
import type { ApiCall } from '../../api.ts';
import { ERROR, VirtualMemoryError } from '../../virtual-memory.ts';
import { tebOf } from '../../teb-view.ts';

const CREATE_SUSPENDED = 4n;
const ERROR_INVALID_PARAMETER = 87;
/** THREAD_PRIORITY_IDLE, LOWEST, BELOW_NORMAL, NORMAL, ABOVE_NORMAL, HIGHEST, TIME_CRITICAL (a process of the normal class). */
const THREAD_PRIORITIES: ReadonlySet<number> = new Set([-15, -2, -1, 0, 1, 2, 15]);
/** Background processing mode: only for the calling thread. */
const THREAD_MODE_BACKGROUND_BEGIN = 0x10000;
const THREAD_MODE_BACKGROUND_END = 0x20000;

function threadOf(c: ApiCall, h: bigint): Thread | undefined {
  const o = c.process.object(h);
  return o instanceof ThreadObject ? o.thread : undefined;
}

/** Runs `body` with another thread's registers loaded in the engine, then puts the caller's back. */
function withThreadRegisters<T>(c: ApiCall, t: Thread, body: () => T): T {
  const e = c.process.engine;
  const mine = e.saveContext();
  e.restoreContext(t.context!);
  try {
    return body();
  } finally {
    e.restoreContext(mine);
    mine.free();
  }
}

export const processthreadsapi = [
  // HANDLE CreateThread(LPSECURITY_ATTRIBUTES lpThreadAttributes, SIZE_T dwStackSize,
  //   LPTHREAD_START_ROUTINE lpStartAddress, LPVOID lpParameter, DWORD dwCreationFlags, LPDWORD lpThreadId);
  winapi('kernel32.dll', 'HANDLE CreateThread(LPSECURITY_ATTRIBUTES lpThreadAttributes, SIZE_T dwStackSize, LPTHREAD_START_ROUTINE lpStartAddress, LPVOID lpParameter, DWORD dwCreationFlags, LPDWORD lpThreadId)', (c) => {
    const [, stackSize, start, parameter, flags, idOut] = c.args as bigint[] as [bigint, bigint, bigint, bigint, bigint, bigint];
    let t: Thread;
    try {
      t = c.process.createThread(start, parameter, stackSize, c.thread);
    } catch (e) {
      // A stack no address space or commit limit can hold: Windows fails the call rather than the process.
      if (!(e instanceof VirtualMemoryError)) throw e;
      c.setLastError(ERROR.NOT_ENOUGH_MEMORY);
      return 0n;
    }
    if (flags & CREATE_SUSPENDED) t.suspendCount = 1;
    if (idOut !== 0n) c.mem.setU32(idOut, t.id);
    return c.process.handles.add(new ThreadObject(t));
  }),

  // void ExitThread(DWORD dwExitCode);
  winapi('kernel32.dll', 'void ExitThread(DWORD dwExitCode)', (c) => ({ kind: 'exit-thread', code: Number(c.args[0]! & 0xffffffffn) })),

  // void ExitProcess(UINT uExitCode);
  winapi('kernel32.dll', 'void ExitProcess(UINT uExitCode)', (c) => ({ kind: 'exit-process', code: Number(c.args[0]! & 0xffffffffn) })),

  // BOOL TerminateProcess(HANDLE hProcess, UINT uExitCode);
  winapi('kernel32.dll', 'BOOL TerminateProcess(HANDLE hProcess, UINT uExitCode)', (c) => ({ kind: 'exit-process', code: Number(c.args[1]! & 0xffffffffn) })),

  // HANDLE GetCurrentProcess(void);
  winapi('kernel32.dll', 'HANDLE GetCurrentProcess(void)', () => 0xffff_ffff_ffff_ffffn),
  // HANDLE GetCurrentThread(void);
  winapi('kernel32.dll', 'HANDLE GetCurrentThread(void)', () => 0xffff_ffff_ffff_fffen),
  // DWORD GetCurrentProcessId(void);   (Windows: TEB.ClientId.UniqueProcess, read through X18)
  winapi('kernel32.dll', 'DWORD GetCurrentProcessId(void)', (c) => tebOf(c).u64('ClientIdProcess') & 0xffff_ffffn),
  // DWORD GetCurrentThreadId(void);   (Windows: TEB.ClientId.UniqueThread, read through X18)
  winapi('kernel32.dll', 'DWORD GetCurrentThreadId(void)', (c) => tebOf(c).u64('ClientIdThread') & 0xffff_ffffn),

  // DWORD SuspendThread(HANDLE hThread);
  winapi('kernel32.dll', 'DWORD SuspendThread(HANDLE hThread)', (c) => {
    const t = threadOf(c, c.args[0]!);
    if (!t || t.state === 'exited') {
      c.setLastError(ERROR_INVALID_HANDLE);
      return 0xffff_ffffn;
    }
    return BigInt(t.suspendCount++);
  }),

  // DWORD ResumeThread(HANDLE hThread);
  winapi('kernel32.dll', 'DWORD ResumeThread(HANDLE hThread)', (c) => {
    const t = threadOf(c, c.args[0]!);
    if (!t) {
      c.setLastError(ERROR_INVALID_HANDLE);
      return 0xffff_ffffn;
    }
    const prev = t.suspendCount;
    if (t.suspendCount > 0) t.suspendCount--;
    return BigInt(prev);
  }),

  // BOOL GetThreadContext(HANDLE hThread, LPCONTEXT lpContext);
  // Fills only the parts lpContext->ContextFlags names; the rest of the buffer, ContextFlags included, is left as
  // the caller had it. The thread's registers are those it was switched out with: it is never mid-instruction.
  winapi('kernel32.dll', 'BOOL GetThreadContext(HANDLE hThread, LPCONTEXT lpContext)', (c) => {
    const t = threadOf(c, c.args[0]!);
    if (!t || t === c.thread || !t.context) {
      c.setLastError(ERROR_INVALID_HANDLE);
      return false;
    }
    const at = c.args[1]!;
    const flags = c.mem.u32(at + BigInt(CONTEXT.fields.ContextFlags[0]));
    const full = contextBytes(withThreadRegisters(c, t, () => c.process.engine.readRegs(REGISTERS)));
    for (const [start, end] of contextRanges(flags)) c.mem.write(at + BigInt(start), full.subarray(start, end));
    return true;
  }),

  // BOOL SetThreadContext(HANDLE hThread, const CONTEXT *lpContext);
  // Loads only the parts ContextFlags names; X18 stays the thread's TEB whatever the CONTEXT holds.
  winapi('kernel32.dll', 'BOOL SetThreadContext(HANDLE hThread, const CONTEXT *lpContext)', (c) => {
    const t = threadOf(c, c.args[0]!);
    if (!t || t === c.thread || !t.context) {
      c.setLastError(ERROR_INVALID_HANDLE);
      return false;
    }
    const given = c.mem.bytes(c.args[1]!, CONTEXT.size);
    const flags = new DataView(given.buffer, given.byteOffset).getUint32(CONTEXT.fields.ContextFlags[0], true);
    const e = c.process.engine;
    const updated = withThreadRegisters(c, t, () => {
      const merged = contextBytes(e.readRegs(REGISTERS));
      for (const [start, end] of contextRanges(flags)) merged.set(given.subarray(start, end), start);
      e.writeRegs(contextRegisters(merged));
      e.writeReg(reg('x18'), t.teb); // the platform register is not the caller's to change
      return e.saveContext();
    });
    t.context.free();
    t.context = updated;
    return true;
  }),

  // BOOL GetExitCodeThread(HANDLE hThread, LPDWORD lpExitCode);
  winapi('kernel32.dll', 'BOOL GetExitCodeThread(HANDLE hThread, LPDWORD lpExitCode)', (c) => {
    const t = threadOf(c, c.args[0]!);
    if (!t) {
      c.setLastError(ERROR_INVALID_HANDLE);
      return false;
    }
    c.mem.setU32(c.args[1]!, t.state === 'exited' ? t.exitCode : 259 /* STILL_ACTIVE */);
    return true;
  }),

  // BOOL SetThreadPriority(HANDLE hThread, int nPriority);
  // Checked but without effect: the scheduler has one priority (Go raises only its profiler thread, which spends
  // its life waiting on a timer; it runs at its turn in the round robin after the timer fires).
  winapi('kernel32.dll', 'BOOL SetThreadPriority(HANDLE hThread, int nPriority)', (c) => {
    const t = threadOf(c, c.args[0]!);
    if (!t) {
      c.setLastError(ERROR_INVALID_HANDLE);
      return false;
    }
    const priority = Number(BigInt.asIntN(32, c.args[1]!));
    const background = priority === THREAD_MODE_BACKGROUND_BEGIN || priority === THREAD_MODE_BACKGROUND_END;
    if (!THREAD_PRIORITIES.has(priority) && !(background && t === c.thread)) {
      c.setLastError(ERROR_INVALID_PARAMETER);
      return false;
    }
    return true;
  }),

  // BOOL SwitchToThread(void);
  winapi('kernel32.dll', 'BOOL SwitchToThread(void)', () => ({ kind: 'yield', result: 1n })),

  // DWORD TlsAlloc(void);
  winapi('kernel32.dll', 'DWORD TlsAlloc(void)', (c) => {
    const i = c.process.allocTlsIndex();
    if (i < 0) {
      c.setLastError(8);
      return 0xffff_ffffn; // TLS_OUT_OF_INDEXES
    }
    for (const t of c.process.threads) c.mem.setU64(t.teb + BigInt(TEB.fields.TlsSlots[0] + 8 * i), 0n);
    return BigInt(i);
  }),

  // BOOL TlsFree(DWORD dwTlsIndex);
  winapi('kernel32.dll', 'BOOL TlsFree(DWORD dwTlsIndex)', (c) => c.process.freeTlsIndex(Number(c.args[0]!))),

  // LPVOID TlsGetValue(DWORD dwTlsIndex);   (Windows: TEB.TlsSlots[i] through X18, and LastErrorValue = 0)
  winapi('kernel32.dll', 'LPVOID TlsGetValue(DWORD dwTlsIndex)', (c) => {
    c.setLastError(0);
    return c.args[0]! < 64n ? tebOf(c).u64('TlsSlots', Number(c.args[0]!)) : 0n;
  }),

  // BOOL TlsSetValue(DWORD dwTlsIndex, LPVOID lpTlsValue);   (Windows: a store to TEB.TlsSlots[i] through X18)
  winapi('kernel32.dll', 'BOOL TlsSetValue(DWORD dwTlsIndex, LPVOID lpTlsValue)', (c) => {
    if (c.args[0]! >= 64n) return false;
    tebOf(c).setU64('TlsSlots', c.args[1]!, Number(c.args[0]!));
    return true;
  }),

  // void GetStartupInfoW(LPSTARTUPINFOW lpStartupInfo);
  winapi('kernel32.dll', 'void GetStartupInfoW(LPSTARTUPINFOW lpStartupInfo)', (c) => {
    const b = new Uint8Array(STARTUPINFOW.size);
    const v = new DataView(b.buffer);
    v.setUint32(STARTUPINFOW.fields.cb[0], STARTUPINFOW.size, true);
    c.mem.write(c.args[0]!, b);
    return 0n;
  }),

  // BOOL IsProcessorFeaturePresent(DWORD ProcessorFeature);
  winapi('kernel32.dll', 'BOOL IsProcessorFeaturePresent(DWORD ProcessorFeature)', () => false),

  // void FlushProcessWriteBuffers(void);
  winapi('kernel32.dll', 'void FlushProcessWriteBuffers(void)', () => 0n),
];
