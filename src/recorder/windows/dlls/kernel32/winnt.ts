// winnt.h functions kernel32 exports. Go 1.22+ imports RtlLookupFunctionEntry (with RtlVirtualUnwind) for its
// SEH handler, which walks the .pdata of the frames above a goroutine stack. Go's windows/arm64 code has no
// .pdata, so the answer is almost always NULL; an image that does carry an exception directory is searched.

import { winapi, type ApiCall } from '../../api.ts';
import { DIR } from '../../../loader/pe-structs.ts';

/** ARM64 RUNTIME_FUNCTION (IMAGE_ARM64_RUNTIME_FUNCTION_ENTRY): DWORD BeginAddress; DWORD UnwindData. */
const RUNTIME_FUNCTION_SIZE = 8;

/** Bytes covered by an ARM64 .pdata entry: packed (Flag ≠ 0) FunctionLength in bits 2–12, else the .xdata header's bits 0–17; in 4-byte units. */
function functionLength(c: ApiCall, base: bigint, unwindData: number): number {
  if ((unwindData & 3) !== 0) return ((unwindData >>> 2) & 0x7ff) * 4;
  return (c.mem.u32(base + BigInt(unwindData)) & 0x3ffff) * 4;
}

export const winnt = [
  // PRUNTIME_FUNCTION RtlLookupFunctionEntry(DWORD64 ControlPc, PDWORD64 ImageBase, PUNWIND_HISTORY_TABLE HistoryTable);
  winapi('kernel32.dll', 'PRUNTIME_FUNCTION RtlLookupFunctionEntry(DWORD64 ControlPc, PDWORD64 ImageBase, PUNWIND_HISTORY_TABLE HistoryTable)', (c) => {
    const [pc, baseOut] = c.args as [bigint, bigint];
    const img = c.process.image;
    // The image is the only module with code: emulated DLLs are stubs without unwind data (leaf functions).
    if (pc < img.base || pc >= img.base + BigInt(img.size)) return 0n;
    const dir = img.image.dataDirectories[DIR.EXCEPTION];
    if (dir === undefined || dir.size < RUNTIME_FUNCTION_SIZE) return 0n;
    const rva = Number(pc - img.base);
    const table = img.base + BigInt(dir.rva);
    // Entries are sorted by BeginAddress (the PE format requires it): binary search for the last one ≤ rva.
    let lo = 0;
    let hi = Math.floor(dir.size / RUNTIME_FUNCTION_SIZE) - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (c.mem.u32(table + BigInt(mid * RUNTIME_FUNCTION_SIZE)) <= rva) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0) return 0n;
    const entry = table + BigInt(found * RUNTIME_FUNCTION_SIZE);
    const begin = c.mem.u32(entry);
    if (rva >= begin + functionLength(c, img.base, c.mem.u32(entry + 4n))) return 0n;
    if (baseOut !== 0n) c.mem.setU64(baseOut, img.base);
    return entry;
  }),
];
