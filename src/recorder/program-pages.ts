// A recording by reference: the header's pages that are byte for byte the program file's (its headers and
// sections as the loader copied them) are left out and named by file offset instead. Most of a Go program's image
// is such pages (473-483 of ~500), about 1.1 MB of every trace. A page that differs from the file (relocated,
// patched by the loader or the emulated Windows before the first step, zero-filled past a section's raw data)
// stays stored: equality with the file, checked page by page, is the only rule.

import type { MemoryRegion, ProgramRun } from '../trace/schema.ts';
import type { LoadedImage } from './loader/pe.ts';

const PAGE = 0x1000;

/** The file offset whose bytes the loader copied to image offset `rva`, or undefined for a zero-filled place. */
function fileOffsetOf(image: LoadedImage, rva: number): number | undefined {
  if (rva < image.image.sizeOfHeaders) return rva;
  for (const s of image.image.sections) {
    if (rva >= s.rva && rva < s.rva + s.initializedSize) return s.rawOffset + (rva - s.rva);
  }
  return undefined;
}

function samePage(page: Uint8Array, file: Uint8Array, at: number): boolean {
  if (at + PAGE > file.length) return false;
  return Buffer.from(page.buffer, page.byteOffset, page.byteLength).equals(Buffer.from(file.buffer, file.byteOffset + at, PAGE));
}

/** `regions` with every page equal to `file` at its image offset moved from `pages` into `fromProgram` runs. */
export function referenceProgramPages(regions: readonly MemoryRegion[], image: LoadedImage, file: Uint8Array): MemoryRegion[] {
  const imageEnd = image.base + BigInt(image.size);
  return regions.map((r) => {
    if (r.base + BigInt(r.size) <= image.base || r.base >= imageEnd) return r;
    const pages: MemoryRegion['pages'] = [];
    const runs: ProgramRun[] = [];
    for (const [off, bytes] of r.pages) {
      const rva = r.base + BigInt(off) - image.base;
      const at = rva >= 0n && rva < BigInt(image.size) ? fileOffsetOf(image, Number(rva)) : undefined;
      if (at === undefined || bytes.length !== PAGE || !samePage(bytes, file, at)) {
        pages.push([off, bytes]);
        continue;
      }
      const last = runs.at(-1);
      if (last && last[0] + last[2] * PAGE === off && last[1] + last[2] * PAGE === at) last[2]++;
      else runs.push([off, at, 1]);
    }
    return runs.length ? { ...r, pages, fromProgram: runs } : r;
  });
}
