// The process handle table. Handles are multiples of 4 from 4 upwards, handed out in order, so they are the same
// on every run. Pseudo handles (-1 process, -2 thread) are resolved by the caller, which knows the current thread.

import type { KObject } from './objects.ts';

export const PSEUDO = {
  currentProcess: 0xffff_ffff_ffff_ffffn,
  currentThread: 0xffff_ffff_ffff_fffen,
} as const;

/** GetStdHandle's arguments, as DWORDs (-10, -11, -12). */
export const STD_HANDLE = { input: 0xffff_fff6n, output: 0xffff_fff5n, error: 0xffff_fff4n } as const;

export class HandleTable {
  private readonly table = new Map<bigint, KObject>();
  private next = 4n;

  add(obj: KObject): bigint {
    const h = this.next;
    this.next += 4n;
    this.table.set(h, obj);
    return h;
  }

  get(handle: bigint): KObject | undefined {
    return this.table.get(handle);
  }

  close(handle: bigint): boolean {
    return this.table.delete(handle);
  }

  get size(): number {
    return this.table.size;
  }
}
