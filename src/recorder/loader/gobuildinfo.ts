// The Go version a binary was built with, from the build-info blob the Go 1.18+ linker writes near the start of
// the data section (cmd/link/internal/ld Link.buildinfo; read back by debug/buildinfo and `go version prog.exe`):
//
//   magic "\xff Go buildinf:" (14 bytes); ptrSize u8; flags u8; 16 more header bytes   (32 bytes, 16-aligned)
//   when flags & 2 (Go 1.18+): varint length + version string, then varint length + module info
//
// Before 1.18 (flags & 2 clear) the header held pointers to Go strings instead; those binaries are older than
// anything wintrace runs, so they read as "no version". This is information, not something loading depends on:
// every malformed blob reads as undefined, never as an error.

/** "\xff Go buildinf:" */
const MAGIC = Buffer.from([0xff, 0x20, 0x47, 0x6f, 0x20, 0x62, 0x75, 0x69, 0x6c, 0x64, 0x69, 0x6e, 0x66, 0x3a]);
const ALIGN = 16;
const HEADER_SIZE = 32;
const FLAGS_VERSION_INLINE = 0x2;
/** Longer than any Go version string ("go1.27.3", "devel go1.28-1234abcd Mon Jan 1 ..." with experiments). */
const MAX_VERSION = 256;
/** Misaligned magic hits to skip before giving up (each costs one indexOf). */
const MAX_HITS = 64;

/**
 * The version string ("go1.27.3") of the build-info blob in `data`, the file bytes of the section debug/buildinfo
 * searches (a PE's first writable initialized-data section), with `data[0]` 16-byte aligned in the image.
 * Undefined when there is no blob, it predates Go 1.18, or it is malformed.
 */
export function readGoVersion(data: Uint8Array): string | undefined {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let at = buf.indexOf(MAGIC);
  for (let hits = 0; at >= 0 && at % ALIGN !== 0; hits++) {
    if (hits >= MAX_HITS) return undefined;
    at = buf.indexOf(MAGIC, at + 1);
  }
  if (at < 0 || at + HEADER_SIZE > buf.length) return undefined;
  if ((buf[at + 15]! & FLAGS_VERSION_INLINE) === 0) return undefined;
  let p = at + HEADER_SIZE;
  // Uvarint, at most MAX_VERSION: two bytes of 7 bits each are plenty.
  let len = 0;
  for (let shift = 0; ; shift += 7) {
    if (p >= buf.length || shift > 7) return undefined;
    const b = buf[p++]!;
    len |= (b & 0x7f) << shift;
    if ((b & 0x80) === 0) break;
  }
  if (len === 0 || len > MAX_VERSION || p + len > buf.length) return undefined;
  const version = buf.toString('latin1', p, p + len);
  // Printable ASCII only: anything else is not a version the linker wrote, and it ends up in one-line output.
  return /^[\x20-\x7e]+$/.test(version) ? version : undefined;
}
