// The names of the emulated DLLs' stubs placed during the run (GetProcAddress of a function, a DLL loaded late), for
// a trace without its footer. The header lists the stubs placed before the first instruction and the footer all of
// them; a recording cut by Ctrl-C or a crash has no footer, so its later stubs would be bare addresses and `diff`
// against the complete recording reported a difference in the common prefix. The events hold the same facts: each
// GetProcAddress call names the function and its module, and its return is the stub; each LoadLibrary* or
// GetModuleHandle* call names a DLL and its return is the module handle, which is the DLL's stub page.

import type { TraceEvent, TraceStub } from '../trace/schema.ts';

/** The module a DLL name means: the file name, lower-case, `.dll` added when it has no extension (as LoadLibrary). */
function moduleName(name: string): string {
  const file = name.split(/[\\/]/).pop()!.toLowerCase();
  return file.includes('.') ? file : `${file}.dll`;
}

/** Emulated DLLs are given 1 MiB apart (LAYOUT.dllStride), the module handle at the start. */
const DLL_STRIDE = 0x10_0000n;

/** Stubs the events show beyond `known` (the header's), each named `dll!function` like the footer's. */
export function lateStubs(known: readonly TraceStub[], events: Iterable<{ event: TraceEvent }>): TraceStub[] {
  const dllAt = new Map<bigint, string>();
  for (const s of known) {
    const cut = s.name.indexOf('!');
    if (cut > 0) dllAt.set(s.address & ~(DLL_STRIDE - 1n), s.name.slice(0, cut));
  }
  const names = new Set(known.map((s) => s.name));
  const out: TraceStub[] = [];
  const pending = new Map<number, Extract<TraceEvent, { kind: 'api-call' }>>();
  for (const { event: e } of events) {
    if (e.kind === 'api-call') pending.set(e.tid, e);
    if (e.kind !== 'api-return') continue;
    const call = pending.get(e.tid);
    pending.delete(e.tid);
    if (!call || call.api !== e.api || typeof e.value !== 'bigint' || e.value === 0n) continue;
    const fn = e.api.slice(e.api.indexOf('!') + 1);
    const [first, second] = call.args;
    if (/^(LoadLibrary|GetModuleHandle)/.test(fn) && typeof first === 'string') {
      dllAt.set(e.value, moduleName(first));
    } else if (fn === 'GetProcAddress' && typeof first === 'bigint' && typeof second === 'string') {
      const dll = dllAt.get(first);
      const name = dll && `${dll}!${second}`;
      if (name && !names.has(name)) {
        names.add(name);
        out.push({ name, address: e.value });
      }
    }
  }
  return out;
}
