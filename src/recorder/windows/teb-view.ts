// The TEB as the user-mode half of a Windows API reaches it: through X18. kernel32 and ntdll do not ask the kernel
// which thread is running; GetCurrentThreadId is `ldr w0, [x18, #0x48]`, GetLastError reads [x18, #0x68], and every
// API that fails stores its error code there too. So a program that points X18 elsewhere across a call gets
// whatever that memory holds, and one that points it at nothing faults inside the API. wintrace's implementations
// of those APIs go through a TebView made from X18 at the call, never through the calling thread's own TEB, so a
// wrong X18 has the consequences it has on hardware (docs/windows-model.md, "The TEB through X18").

import { ROLE } from '../../arch/arm64.ts';
import type { ApiCall } from './api.ts';
import { GuestAccessError, type GuestMemory } from './guest-memory.ts';
import { TEB } from './structs.ts';

type TebField = keyof typeof TEB.fields;

/**
 * The access through X18 that faulted: on Windows the API's own load or store raises an access violation at its
 * pc. Not a GuestAccessError, which answers a bad pointer *argument* with the API's failure value.
 */
export class TebAccessFault extends Error {
  constructor(readonly access: 'read' | 'write', readonly address: bigint) {
    super(`TEB ${access} through X18 at 0x${address.toString(16)} faulted`);
  }
}

export class TebView {
  /** `address`: X18 when the API was called. */
  constructor(private readonly mem: GuestMemory, readonly address: bigint) {}

  u32(field: TebField, index = 0): number {
    return this.through('read', field, index, (at) => this.mem.u32(at));
  }

  u64(field: TebField, index = 0): bigint {
    return this.through('read', field, index, (at) => this.mem.u64(at));
  }

  setU32(field: TebField, value: number, index = 0): void {
    this.through('write', field, index, (at) => this.mem.setU32(at, value));
  }

  setU64(field: TebField, value: bigint, index = 0): void {
    this.through('write', field, index, (at) => this.mem.setU64(at, value));
  }

  /** `index`: the element of an array field (TlsSlots[index]). */
  private through<T>(access: 'read' | 'write', field: TebField, index: number, f: (at: bigint) => T): T {
    const [offset, size] = TEB.fields[field];
    const at = BigInt.asUintN(64, this.address + BigInt(offset + index * size));
    try {
      return f(at);
    } catch (e) {
      if (e instanceof GuestAccessError) throw new TebAccessFault(access, at);
      throw e;
    }
  }
}

/** The TEB an API running on the CPU reaches: through X18 as it is now (the call's, since the SVC changed nothing). */
export function tebOf(c: Pick<ApiCall, 'process' | 'mem'>): TebView {
  return new TebView(c.mem, c.process.engine.readReg(ROLE.teb));
}
