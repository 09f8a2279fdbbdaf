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
  | { kind: 'jump' };

export interface ApiCall {
  readonly process: WindowsProcess;
  readonly thread: Thread;
  readonly mem: GuestMemory;
  /** Raw 64-bit arguments in declaration order (X0–X7, then the stack). */
  readonly args: readonly bigint[];
  /** Return address (LR at the call). */
  readonly caller: bigint;
  setLastError(code: number): void;
}

export type ApiImpl = (call: ApiCall) => ApiOutcome;

export interface ApiDef {
  readonly dll: string;
  readonly proto: Prototype;
  readonly impl: ApiImpl;
}

/** Declares one Win32 function. `dll` is lower-case with extension, e.g. 'kernel32.dll'. */
export function winapi(dll: string, prototype: string, impl: ApiImpl): ApiDef {
  return { dll: dll.toLowerCase(), proto: parsePrototype(prototype), impl };
}

export const TRUE = 1n;
export const FALSE = 0n;
