// errhandlingapi.h

import { winapi } from '../../api.ts';
import { EXCEPTION_RECORD } from '../../structs.ts';
import { tebOf } from '../../teb-view.ts';

/** The code RaiseFailFastException gives a process when the caller passes no EXCEPTION_RECORD (ntstatus.h). */
const STATUS_FAIL_FAST_EXCEPTION = 0xc0000602;

export const errhandlingapi = [
  // PVOID AddVectoredExceptionHandler(ULONG First, PVECTORED_EXCEPTION_HANDLER Handler);
  winapi('kernel32.dll', 'PVOID AddVectoredExceptionHandler(ULONG First, PVECTORED_EXCEPTION_HANDLER Handler)', (c) => {
    const list = c.process.exceptions.vectored;
    if ((c.args[0]! & 0xffffffffn) !== 0n) list.unshift(c.args[1]!);
    else list.push(c.args[1]!);
    return c.args[1]!; // the handle is opaque; the handler address identifies it
  }),

  // PVOID AddVectoredContinueHandler(ULONG First, PVECTORED_EXCEPTION_HANDLER Handler);
  winapi('kernel32.dll', 'PVOID AddVectoredContinueHandler(ULONG First, PVECTORED_EXCEPTION_HANDLER Handler)', (c) => {
    const list = c.process.exceptions.continues;
    if ((c.args[0]! & 0xffffffffn) !== 0n) list.unshift(c.args[1]!);
    else list.push(c.args[1]!);
    return c.args[1]!;
  }),

  // ULONG RemoveVectoredExceptionHandler(PVOID Handle);
  winapi('kernel32.dll', 'ULONG RemoveVectoredExceptionHandler(PVOID Handle)', (c) => {
    const list = c.process.exceptions.vectored;
    const i = list.indexOf(c.args[0]!);
    if (i < 0) return 0n;
    list.splice(i, 1);
    return 1n;
  }),

  // LPTOP_LEVEL_EXCEPTION_FILTER SetUnhandledExceptionFilter(LPTOP_LEVEL_EXCEPTION_FILTER lpTopLevelExceptionFilter);
  winapi('kernel32.dll', 'LPTOP_LEVEL_EXCEPTION_FILTER SetUnhandledExceptionFilter(LPTOP_LEVEL_EXCEPTION_FILTER lpTopLevelExceptionFilter)', (c) => {
    const old = c.process.exceptions.unhandledFilter;
    c.process.exceptions.unhandledFilter = c.args[0]!;
    return old;
  }),

  // UINT SetErrorMode(UINT uMode);
  winapi('kernel32.dll', 'UINT SetErrorMode(UINT uMode)', (c) => {
    const old = c.process.errorMode;
    c.process.errorMode = Number(c.args[0]! & 0xffffffffn);
    return BigInt(old);
  }),

  // UINT GetErrorMode(void);
  winapi('kernel32.dll', 'UINT GetErrorMode(void)', (c) => BigInt(c.process.errorMode)),

  // void RaiseFailFastException(PEXCEPTION_RECORD pExceptionRecord, PCONTEXT pContextRecord, DWORD dwFlags);
  winapi('kernel32.dll', 'void RaiseFailFastException(PEXCEPTION_RECORD pExceptionRecord, PCONTEXT pContextRecord, DWORD dwFlags)', (c) => {
    // Bypasses every handler and ends the process (WER, when enabled, only reports): the exit status is the
    // record's ExceptionCode. Go's crash() passes a record with code 2 (or the signal's exception code), so a
    // GOTRACEBACK=crash death exits 2 as on Windows; a NULL record means STATUS_FAIL_FAST_EXCEPTION.
    const record = c.args[0]!;
    const code = record === 0n ? STATUS_FAIL_FAST_EXCEPTION : c.mem.u32(record + BigInt(EXCEPTION_RECORD.fields.ExceptionCode[0]));
    c.process.exceptions.failFast(c.thread, code, `RaiseFailFastException(code 0x${code.toString(16)}) from ${c.process.symbolize(c.caller - 4n)}`);
    return { kind: 'exit-process', code };
  }),

  // DWORD GetLastError(void);   (Windows: a load of TEB.LastErrorValue through X18)
  winapi('kernel32.dll', 'DWORD GetLastError(void)', (c) => BigInt(tebOf(c).u32('LastErrorValue'))),

  // void SetLastError(DWORD dwErrCode);   (Windows: a store to TEB.LastErrorValue through X18)
  winapi('kernel32.dll', 'void SetLastError(DWORD dwErrCode)', (c) => {
    c.setLastError(Number(c.args[0]! & 0xffffffffn));
    return 0n;
  }),
];
