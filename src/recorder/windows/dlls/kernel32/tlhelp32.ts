// tlhelp32.h: module snapshots, which Go 1.21+'s runtime/pprof reads for the profile's mappings.

import { INVALID_HANDLE_VALUE, winapi, type ApiCall } from '../../api.ts';
import { GuestMemory } from '../../guest-memory.ts';
import { type SnapshotModule, ToolhelpSnapshot } from '../../objects.ts';
import { MODULEENTRY32W } from '../../structs.ts';
import { DLL_PAGE } from '../../stubs.ts';
import { tebOf } from '../../teb-view.ts';
import { objectOf } from './fileapi.ts';

const TH32CS_SNAPMODULE = 0x8n;
const TH32CS_SNAPMODULE32 = 0x10n;
const ERROR_NO_MORE_FILES = 18;
const ERROR_INSUFFICIENT_BUFFER = 122;
const ERROR_INVALID_PARAMETER = 87;
/** Where Windows keeps the system DLLs; the emulated ones have no file, so this is only their name. */
const SYSTEM32 = 'C:\\Windows\\System32\\';
/** What Windows reports as both load counts of a module mapped at process start (documented as "usually 0xFFFF"). */
const LOAD_COUNT = 0xffff;

/**
 * The process's modules in load order, as the loader's list has them: the image first, then each emulated DLL the
 * program imported from or loaded. wintrace's own stub page (wintrace.sys) is no Windows module and is left out.
 */
function modules(c: ApiCall): SnapshotModule[] {
  const image = c.process.options.imagePath;
  const list: SnapshotModule[] = [
    { name: image.replace(/^.*\\/, ''), path: image, base: c.process.image.base, size: c.process.image.image.sizeOfImage },
  ];
  for (const d of c.process.stubs.windowsDlls()) list.push({ name: d.name, path: SYSTEM32 + d.name, base: d.base, size: Number(DLL_PAGE) });
  return list;
}

/** Module32FirstW/NextW: the snapshot's next module into `lpme`, Wine's checks and errors (dlls/kernel32/toolhelp.c). */
function nextModule(c: ApiCall, first: boolean): boolean {
  const snap = objectOf(c, c.args[0]!, ToolhelpSnapshot);
  if (snap === undefined) return false;
  const at = c.args[1]!;
  const f = MODULEENTRY32W.fields;
  if (c.mem.u32(at + BigInt(f.dwSize[0])) < MODULEENTRY32W.size) {
    c.setLastError(ERROR_INSUFFICIENT_BUFFER);
    return false;
  }
  if (first) snap.next = 0;
  const m = snap.modules[snap.next];
  if (m === undefined) {
    c.setLastError(ERROR_NO_MORE_FILES);
    return false;
  }
  snap.next++;
  const b = new Uint8Array(MODULEENTRY32W.size);
  const v = new DataView(b.buffer);
  v.setUint32(f.dwSize[0], MODULEENTRY32W.size, true);
  v.setUint32(f.th32ModuleID[0], 1, true); // "no longer used, and is always set to one"
  v.setUint32(f.th32ProcessID[0], snap.processId, true);
  v.setUint32(f.GlblcntUsage[0], LOAD_COUNT, true);
  v.setUint32(f.ProccntUsage[0], LOAD_COUNT, true);
  v.setBigUint64(f.modBaseAddr[0], m.base, true);
  v.setUint32(f.modBaseSize[0], m.size, true);
  v.setBigUint64(f.hModule[0], m.base, true);
  const chars = MODULEENTRY32W.counts;
  b.set(GuestMemory.utf16z(m.name.slice(0, chars.szModule! - 1)), f.szModule[0]);
  b.set(GuestMemory.utf16z(m.path.slice(0, chars.szExePath! - 1)), f.szExePath[0]);
  c.mem.write(at, b);
  return true;
}

export const tlhelp32 = [
  // HANDLE CreateToolhelp32Snapshot(DWORD dwFlags, DWORD th32ProcessID);
  // Only this process exists, so th32ProcessID must be 0 or its id; process, thread and heap lists are not
  // modelled, so a snapshot holds the modules when asked for them and otherwise nothing.
  winapi('kernel32.dll', 'HANDLE CreateToolhelp32Snapshot(DWORD dwFlags, DWORD th32ProcessID)', (c) => {
    const flags = c.args[0]! & 0xffffffffn;
    const pid = Number(c.args[1]! & 0xffffffffn);
    const self = Number(tebOf(c).u64('ClientIdProcess') & 0xffff_ffffn);
    if (pid !== 0 && pid !== self) {
      c.setLastError(ERROR_INVALID_PARAMETER);
      return INVALID_HANDLE_VALUE;
    }
    const withModules = (flags & (TH32CS_SNAPMODULE | TH32CS_SNAPMODULE32)) !== 0n;
    return c.process.handles.add(new ToolhelpSnapshot(self, withModules ? modules(c) : []));
  }, { onBadPointer: { value: INVALID_HANDLE_VALUE } }),

  // BOOL Module32FirstW(HANDLE hSnapshot, LPMODULEENTRY32W lpme);
  winapi('kernel32.dll', 'BOOL Module32FirstW(HANDLE hSnapshot, LPMODULEENTRY32W lpme)', (c) => nextModule(c, true)),

  // BOOL Module32NextW(HANDLE hSnapshot, LPMODULEENTRY32W lpme);
  winapi('kernel32.dll', 'BOOL Module32NextW(HANDLE hSnapshot, LPMODULEENTRY32W lpme)', (c) => nextModule(c, false)),
];
