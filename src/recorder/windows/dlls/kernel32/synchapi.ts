// synchapi.h

import { DWORD_FAILED, ERROR_NOACCESS, winapi } from '../../api.ts';
import { EventObject, WaitableTimer } from '../../objects.ts';
import { deadlineMs, ERROR_INVALID_HANDLE, objectsOf, WAIT, waitOn } from '../wait.ts';

const CREATE_WAITABLE_TIMER_MANUAL_RESET = 1n;
const ERROR_INVALID_PARAMETER = 87;

function createEvent(manual: bigint, initial: bigint) {
  return new EventObject(manual !== 0n, initial !== 0n);
}

export const synchapi = [
  // HANDLE CreateEventA(LPSECURITY_ATTRIBUTES lpEventAttributes, BOOL bManualReset, BOOL bInitialState, LPCSTR lpName);
  winapi('kernel32.dll', 'HANDLE CreateEventA(LPSECURITY_ATTRIBUTES lpEventAttributes, BOOL bManualReset, BOOL bInitialState, LPCSTR lpName)', (c) =>
    c.process.handles.add(createEvent(c.args[1]!, c.args[2]!))),
  // HANDLE CreateEventW(LPSECURITY_ATTRIBUTES lpEventAttributes, BOOL bManualReset, BOOL bInitialState, LPCWSTR lpName);
  winapi('kernel32.dll', 'HANDLE CreateEventW(LPSECURITY_ATTRIBUTES lpEventAttributes, BOOL bManualReset, BOOL bInitialState, LPCWSTR lpName)', (c) =>
    c.process.handles.add(createEvent(c.args[1]!, c.args[2]!))),

  // BOOL SetEvent(HANDLE hEvent);
  winapi('kernel32.dll', 'BOOL SetEvent(HANDLE hEvent)', (c) => {
    const o = c.process.object(c.args[0]!);
    if (!(o instanceof EventObject)) {
      c.setLastError(ERROR_INVALID_HANDLE);
      return false;
    }
    o.state = true;
    return true;
  }),

  // BOOL ResetEvent(HANDLE hEvent);
  winapi('kernel32.dll', 'BOOL ResetEvent(HANDLE hEvent)', (c) => {
    const o = c.process.object(c.args[0]!);
    if (!(o instanceof EventObject)) {
      c.setLastError(ERROR_INVALID_HANDLE);
      return false;
    }
    o.state = false;
    return true;
  }),

  // DWORD WaitForSingleObject(HANDLE hHandle, DWORD dwMilliseconds);
  winapi('kernel32.dll', 'DWORD WaitForSingleObject(HANDLE hHandle, DWORD dwMilliseconds)', (c) => {
    const objs = objectsOf(c, [c.args[0]!]);
    if (!objs) {
      c.setLastError(ERROR_INVALID_HANDLE);
      return WAIT.FAILED;
    }
    return waitOn(c, 'WaitForSingleObject', objs, false, deadlineMs(c, c.args[1]!), (o) => (o === 'timeout' ? WAIT.TIMEOUT : 0n));
  }),

  // DWORD WaitForMultipleObjects(DWORD nCount, const HANDLE *lpHandles, BOOL bWaitAll, DWORD dwMilliseconds);
  winapi('kernel32.dll', 'DWORD WaitForMultipleObjects(DWORD nCount, const HANDLE *lpHandles, BOOL bWaitAll, DWORD dwMilliseconds)', (c) => {
    const n = Number(c.args[0]! & 0xffffffffn);
    if (n === 0 || n > 64) {
      c.setLastError(87);
      return WAIT.FAILED;
    }
    const handles = Array.from({ length: n }, (_, i) => c.mem.u64(c.args[1]! + BigInt(8 * i)));
    const objs = objectsOf(c, handles);
    if (!objs) {
      c.setLastError(ERROR_INVALID_HANDLE);
      return WAIT.FAILED;
    }
    return waitOn(c, 'WaitForMultipleObjects', objs, c.args[2]! !== 0n, deadlineMs(c, c.args[3]!),
      (o) => (o === 'timeout' ? WAIT.TIMEOUT : BigInt(o)));
  }, { onBadPointer: { value: DWORD_FAILED, lastError: ERROR_NOACCESS } }),

  // void Sleep(DWORD dwMilliseconds);
  winapi('kernel32.dll', 'void Sleep(DWORD dwMilliseconds)', (c) => {
    const ms = c.args[0]! & 0xffffffffn;
    if (ms === 0n) return { kind: 'yield', result: 0n };
    return waitOn(c, 'Sleep', [], false, deadlineMs(c, ms), () => 0n);
  }),

  // HANDLE CreateWaitableTimerExW(LPSECURITY_ATTRIBUTES lpTimerAttributes, LPCWSTR lpTimerName, DWORD dwFlags,
  //   DWORD dwDesiredAccess);
  winapi('kernel32.dll', 'HANDLE CreateWaitableTimerExW(LPSECURITY_ATTRIBUTES lpTimerAttributes, LPCWSTR lpTimerName, DWORD dwFlags, DWORD dwDesiredAccess)', (c) =>
    c.process.handles.add(new WaitableTimer((c.args[2]! & CREATE_WAITABLE_TIMER_MANUAL_RESET) !== 0n))),

  // HANDLE CreateWaitableTimerW(LPSECURITY_ATTRIBUTES lpTimerAttributes, BOOL bManualReset, LPCWSTR lpTimerName);
  winapi('kernel32.dll', 'HANDLE CreateWaitableTimerW(LPSECURITY_ATTRIBUTES lpTimerAttributes, BOOL bManualReset, LPCWSTR lpTimerName)', (c) =>
    c.process.handles.add(new WaitableTimer((c.args[1]! & 0xffffffffn) !== 0n))),

  // BOOL SetWaitableTimer(HANDLE hTimer, const LARGE_INTEGER *lpDueTime, LONG lPeriod,
  //   PTIMERAPCROUTINE pfnCompletionRoutine, LPVOID lpArgToCompletionRoutine, BOOL fResume);
  winapi('kernel32.dll', 'BOOL SetWaitableTimer(HANDLE hTimer, const LARGE_INTEGER *lpDueTime, LONG lPeriod, PTIMERAPCROUTINE pfnCompletionRoutine, LPVOID lpArgToCompletionRoutine, BOOL fResume)', (c) => {
    const o = c.process.object(c.args[0]!);
    if (!(o instanceof WaitableTimer)) {
      c.setLastError(ERROR_INVALID_HANDLE);
      return false;
    }
    const period = BigInt.asIntN(32, c.args[2]!);
    if (period < 0n) {
      c.setLastError(ERROR_INVALID_PARAMETER);
      return false;
    }
    const due = BigInt.asIntN(64, c.mem.u64(c.args[1]!));
    // Negative: relative, in 100 ns; positive: absolute FILETIME. Go stops its profiler's timer with the most
    // negative value and no period: an expiration 29,000 years away.
    const now = c.process.clock.now();
    const at = due < 0n ? now - due * 100n : now + (due - c.process.clock.systemTime()) * 100n;
    o.set(at, period * 1_000_000n);
    return true;
  }),

  // BOOL CancelWaitableTimer(HANDLE hTimer);
  winapi('kernel32.dll', 'BOOL CancelWaitableTimer(HANDLE hTimer)', (c) => {
    const o = c.process.object(c.args[0]!);
    if (!(o instanceof WaitableTimer)) {
      c.setLastError(ERROR_INVALID_HANDLE);
      return false;
    }
    o.cancel(c.process.clock.now());
    return true;
  }),
];
