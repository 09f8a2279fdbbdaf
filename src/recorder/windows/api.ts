// How an emulated Win32 function is declared: its DLL, its C prototype (parsed once, so parameter names and types
// are data the recorder and the trace use to decode calls), and an implementation over an ApiCall.

import type { GuestMemory } from './guest-memory.ts';
import type { Thread, Wait } from './thread.ts';
import type { WindowsProcess } from './process.ts';

export interface Param {
  type: string;
  name: string;
}

export interface Prototype {
  returns: string;
  name: string;
  params: Param[];
}

/** Parses `BOOL WINAPI CloseHandle(HANDLE hObject)`-style prototypes (no function pointers, no varargs). */
export function parsePrototype(proto: string): Prototype {
  const m = /^\s*([\w\s*]+?)\s*(?:WINAPI\s+|NTAPI\s+|APIENTRY\s+)?(\w+)\s*\(([^)]*)\)\s*;?\s*$/.exec(proto);
  if (!m) throw new Error(`cannot parse prototype: ${proto}`);
  const [, returns, name, list] = m as unknown as [string, string, string, string];
  const params: Param[] = [];
  const body = list.trim();
  if (body !== '' && body !== 'VOID' && body !== 'void') {
    for (const part of body.split(',')) {
      const p = /^\s*(.*?)\s*(\w+)\s*$/.exec(part.replace(/\b(_In_|_Out_|_Inout_|_In_opt_|_Out_opt_|_Inout_opt_|const|CONST)\b/g, ' '));
      if (!p || !p[1]) throw new Error(`cannot parse parameter '${part}' of ${proto}`);
      params.push({ type: p[1].replace(/\s+/g, ' ').replace(/\s+\*/g, '*'), name: p[2]! });
    }
  }
  return { returns: returns.replace(/\bWINAPI\b/, '').trim(), name, params };
}

/** What an implementation returns: X0 (bigint/number/boolean), or a request to the scheduler. */
export type ApiOutcome =
  | bigint
  | number
  | boolean
  | { kind: 'block'; wait: Wait }
  | { kind: 'yield'; result: bigint }
  | { kind: 'exit-thread'; code: number }
  | { kind: 'exit-process'; code: number }
  | { kind: 'jump' }
  /** The API's own load or store through X18 faulted (teb-view.ts): an access violation at the API's pc. */
  | { kind: 'fault'; access: 'read' | 'write'; address: bigint };

export interface ApiCall {
  readonly process: WindowsProcess;
  readonly thread: Thread;
  readonly mem: GuestMemory;
  /** Raw 64-bit arguments in declaration order (X0–X7, then the stack). */
  readonly args: readonly bigint[];
  /** Return address (LR at the call). */
  readonly caller: bigint;
  /** Stores the error in TEB.LastErrorValue; through X18 (teb-view.ts) when the dispatcher makes the call. */
  setLastError(code: number): void;
}

export type ApiImpl = (call: ApiCall) => ApiOutcome;

/** What a function returns, and the error it sets, when it fails in a way its return type does not imply. */
export interface Failure {
  readonly value: bigint;
  /** The thread's last error (GetLastError, or WSAGetLastError for Winsock); absent: left as it is. */
  readonly lastError?: number;
}

export interface ApiDef {
  readonly dll: string;
  readonly proto: Prototype;
  readonly impl: ApiImpl;
  /** Its answer to a bad pointer argument when its return type's (badPointerFailure) is not the documented one. */
  readonly onBadPointer?: Failure;
}

/** Declares one Win32 function. `dll` is lower-case with extension, e.g. 'kernel32.dll'. */
export function winapi(dll: string, prototype: string, impl: ApiImpl, opts: { onBadPointer?: Failure } = {}): ApiDef {
  return { dll: dll.toLowerCase(), proto: parsePrototype(prototype), impl, ...(opts.onBadPointer ? { onBadPointer: opts.onBadPointer } : {}) };
}

export const STATUS_ACCESS_VIOLATION = 0xc0000005n;
/** The Win32 error for STATUS_ACCESS_VIOLATION in Microsoft's NT status to Win32 error mapping (KB113996). */
export const ERROR_NOACCESS = 998;
export const INVALID_HANDLE_VALUE = 0xffff_ffff_ffff_ffffn;
/** For APIs whose failure value is (DWORD)-1: INVALID_FILE_ATTRIBUTES, WAIT_FAILED, TIME_ZONE_ID_INVALID. */
export const DWORD_FAILED = 0xffff_ffffn;

/**
 * What a function answers when a pointer argument leads to memory the guest may not access. On Windows the kernel
 * probes every buffer a system call is given and fails the call with STATUS_ACCESS_VIOLATION, which the native API
 * returns and the Win32 layer turns into its usual failure value with ERROR_NOACCESS; so a WriteFile from a bad
 * buffer returns FALSE and GetLastError() 998, and the program goes on. One rule for every emulated function, by
 * its return type, with `onBadPointer` where the documented failure value is another (INVALID_HANDLE_VALUE,
 * (DWORD)-1, an error code returned directly). A function that returns nothing has no way to say it failed.
 */
export function badPointerFailure(def: ApiDef): Failure {
  if (def.onBadPointer) return def.onBadPointer;
  switch (def.proto.returns) {
    case 'NTSTATUS': return { value: STATUS_ACCESS_VIOLATION };
    // HRESULT_FROM_WIN32(ERROR_NOACCESS)
    case 'HRESULT': return { value: 0x8007_0000n | BigInt(ERROR_NOACCESS) };
    default: return { value: 0n, lastError: ERROR_NOACCESS };
  }
}

export const TRUE = 1n;
export const FALSE = 0n;
