// Exit statuses as a Windows user reads them: a program's own small code in decimal, an NTSTATUS in hex
// (0xC0000409, not 3221226505), since that is how Windows documents and prints them.

import { ntstatus } from './describe.ts';

export function exitStatus(code: number): string {
  const u = code >>> 0;
  return u > 0xffff ? ntstatus(u) : String(u);
}
