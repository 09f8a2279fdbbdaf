// Emulated DLLs are pages of tiny stubs, `SVC #0; RET`, one per exported function. A call lands on the SVC, the
// interrupt hook finds the stub by its address and runs the TypeScript implementation, sets X0, and the guest's
// own RET returns to the caller: the call and return are real ARM64 control flow in the trace.

import { ExitCode, WintraceError } from '../../errors.ts';
import type { Engine } from '../engine/engine.ts';
import { PROT_RX } from '../engine/engine.ts';
import type { ApiDef } from './api.ts';
import { hex, LAYOUT } from './layout.ts';

const SVC_0 = 0xd4000001;
const RET = 0xd65f03c0;
const STUB_SIZE = 8n;
/** One 64 KiB region per DLL, room for 8192 stubs: what a module snapshot gives as an emulated DLL's size. */
export const DLL_PAGE = 0x10000n;

export type StubTarget =
  | { kind: 'api'; dll: string; name: string; def: ApiDef | undefined }
  | { kind: 'system'; name: string };

export interface DllImage {
  name: string;
  base: bigint;
  exports: Map<string, bigint>;
  next: bigint;
}

export class StubTable {
  private readonly byAddress = new Map<bigint, StubTarget>();
  private readonly dlls = new Map<string, DllImage>();
  private readonly systemDll: DllImage;

  constructor(private readonly engine: Engine) {
    this.systemDll = this.dll('wintrace.sys');
  }

  /** The emulated DLL of that name (lower-case), mapped on first use. */
  dll(name: string): DllImage {
    const key = name.toLowerCase();
    let d = this.dlls.get(key);
    if (!d) {
      const base = LAYOUT.dllBase + BigInt(this.dlls.size) * LAYOUT.dllStride;
      this.engine.map(base, DLL_PAGE, PROT_RX);
      d = { name: key, base, exports: new Map(), next: base };
      this.dlls.set(key, d);
    }
    return d;
  }

  dllByBase(base: bigint): DllImage | undefined {
    for (const d of this.dlls.values()) if (d.base === base) return d;
    return undefined;
  }

  findDll(name: string): DllImage | undefined {
    return this.dlls.get(name.toLowerCase());
  }

  private place(d: DllImage, name: string, target: StubTarget): bigint {
    const existing = d.exports.get(name);
    if (existing !== undefined) return existing;
    if (d.next + STUB_SIZE > d.base + DLL_PAGE) {
      // Reachable from the guest (GetProcAddress with thousands of names), so a clean stop, not a crash.
      throw new WintraceError(`${d.name}: more than ${DLL_PAGE / STUB_SIZE} functions asked for, the most an emulated DLL holds`, ExitCode.emulationFault);
    }
    const at = d.next;
    d.next += STUB_SIZE;
    const code = new Uint8Array(8);
    const v = new DataView(code.buffer);
    v.setUint32(0, SVC_0, true);
    v.setUint32(4, RET, true);
    this.engine.write(at, code);
    d.exports.set(name, at);
    this.byAddress.set(at, target);
    return at;
  }

  /** Address of an implemented or unimplemented (but importable) API. */
  api(dll: string, name: string, def: ApiDef | undefined): bigint {
    const d = this.dll(dll);
    return this.place(d, name, { kind: 'api', dll: d.name, name, def });
  }

  /** A stub the emulated Windows itself returns through (thread exit, exception dispatch). */
  system(name: string): bigint {
    return this.place(this.systemDll, name, { kind: 'system', name });
  }

  /** The stub whose SVC is at `pc`, if any. */
  at(pc: bigint): StubTarget | undefined {
    return this.byAddress.get(pc);
  }

  describe(pc: bigint): string {
    const t = this.byAddress.get(pc);
    if (!t) return hex(pc);
    return t.kind === 'api' ? `${t.dll}!${t.name}` : `wintrace!${t.name}`;
  }

  /** Every stub placed so far, by address, named as describe() names it (for a trace's symbol list). */
  list(): Array<{ name: string; address: bigint }> {
    return [...this.byAddress.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map((address) => ({ name: this.describe(address), address }));
  }

  get all(): IterableIterator<DllImage> {
    return this.dlls.values();
  }

  /** The DLLs a Windows process would have loaded, in load order: all but wintrace's own stub page. */
  windowsDlls(): DllImage[] {
    return [...this.dlls.values()].filter((d) => d !== this.systemDll);
  }
}
