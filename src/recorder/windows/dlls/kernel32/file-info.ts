// What the file APIs report about a mounted file or directory. Times are all the virtual boot time: a host
// file's real times would make the guest's view depend on when the file was touched, not on what it holds.

import { BOOT_FILETIME } from '../../clock.ts';
import type { GuestMemory } from '../../guest-memory.ts';
import type { DirEntry } from '../../sandbox.ts';
import { BY_HANDLE_FILE_INFORMATION, FILE_FULL_DIR_INFO, MAX_PATH, WIN32_FILE_ATTRIBUTE_DATA, WIN32_FIND_DATAW } from '../../structs.ts';

export const FILE_ATTRIBUTE = { READONLY: 0x1, DIRECTORY: 0x10, ARCHIVE: 0x20 } as const;
/** The volume serial number mounted files report. */
export const VOLUME_SERIAL = 0x57494e54; // "WINT"

export interface FileFacts {
  isDirectory: boolean;
  size: number;
}

/** Mounts are read-only, so everything in them carries FILE_ATTRIBUTE_READONLY. */
export function attributesOf(f: FileFacts): number {
  return FILE_ATTRIBUTE.READONLY | (f.isDirectory ? FILE_ATTRIBUTE.DIRECTORY : FILE_ATTRIBUTE.ARCHIVE);
}

/** Attributes, the three times and the size, at the offsets `def` gives them. */
function writeCommon(
  mem: GuestMemory, at: bigint, f: FileFacts,
  def: { fields: Record<'dwFileAttributes' | 'ftCreationTime' | 'ftLastAccessTime' | 'ftLastWriteTime' | 'nFileSizeHigh' | 'nFileSizeLow', readonly [number, number]> },
): void {
  const o = def.fields;
  mem.setU32(at + BigInt(o.dwFileAttributes[0]), attributesOf(f));
  for (const t of [o.ftCreationTime, o.ftLastAccessTime, o.ftLastWriteTime]) mem.setU64(at + BigInt(t[0]), BOOT_FILETIME);
  mem.setU32(at + BigInt(o.nFileSizeHigh[0]), Math.floor(f.size / 2 ** 32));
  mem.setU32(at + BigInt(o.nFileSizeLow[0]), f.size >>> 0);
}

export function writeAttributeData(mem: GuestMemory, at: bigint, f: FileFacts): void {
  mem.write(at, new Uint8Array(WIN32_FILE_ATTRIBUTE_DATA.size));
  writeCommon(mem, at, f, WIN32_FILE_ATTRIBUTE_DATA);
}

/** `index` tells files apart (os.SameFile compares volume and index). */
export function writeHandleInformation(mem: GuestMemory, at: bigint, f: FileFacts, index: number): void {
  const o = BY_HANDLE_FILE_INFORMATION.fields;
  mem.write(at, new Uint8Array(BY_HANDLE_FILE_INFORMATION.size));
  writeCommon(mem, at, f, BY_HANDLE_FILE_INFORMATION);
  mem.setU32(at + BigInt(o.dwVolumeSerialNumber[0]), VOLUME_SERIAL);
  mem.setU32(at + BigInt(o.nNumberOfLinks[0]), 1);
  mem.setU32(at + BigInt(o.nFileIndexLow[0]), index);
}

export function writeFindData(mem: GuestMemory, at: bigint, e: DirEntry): void {
  mem.write(at, new Uint8Array(WIN32_FIND_DATAW.size));
  writeCommon(mem, at, e, WIN32_FIND_DATAW);
  const name = Buffer.from(e.name.slice(0, MAX_PATH - 1), 'utf16le');
  mem.write(at + BigInt(WIN32_FIND_DATAW.fields.cFileName[0]), new Uint8Array(name));
}

/**
 * Directory entries as FILE_FULL_DIR_INFO records packed from `at`, as many whole entries as `size` bytes hold,
 * each 8-aligned and linked by NextEntryOffset (0 in the last). Returns how many were written.
 */
export function writeFullDirInfo(mem: GuestMemory, at: bigint, size: number, entries: readonly DirEntry[], index: (e: DirEntry) => number): number {
  const o = FILE_FULL_DIR_INFO.fields;
  let offset = 0;
  let previous = -1;
  let written = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf16le');
    const length = FILE_FULL_DIR_INFO.size + name.length;
    if (offset + length > size) break;
    const b = new Uint8Array(length);
    const v = new DataView(b.buffer);
    v.setUint32(o.FileIndex[0], index(e), true);
    for (const t of [o.CreationTime, o.LastAccessTime, o.LastWriteTime, o.ChangeTime]) v.setBigUint64(t[0], BOOT_FILETIME, true);
    v.setBigUint64(o.EndOfFile[0], BigInt(e.size), true);
    v.setBigUint64(o.AllocationSize[0], BigInt(Math.ceil(e.size / 4096) * 4096), true);
    v.setUint32(o.FileAttributes[0], attributesOf(e), true);
    v.setUint32(o.FileNameLength[0], name.length, true);
    b.set(name, FILE_FULL_DIR_INFO.size);
    mem.write(at + BigInt(offset), b);
    if (previous >= 0) mem.setU32(at + BigInt(previous), offset - previous);
    previous = offset;
    offset = (offset + length + 7) & ~7;
    written++;
  }
  return written;
}
