// Files named on the command line (a program, a trace) must be regular files. Anything else fails in a way the
// user cannot read: opening a FIFO blocks until a writer comes, /dev/zero never ends, a directory fails inside a
// read with EISDIR. So the type is checked before opening, and again on the descriptor, which is opened
// non-blocking so that a path swapped for a FIFO in between cannot block either.

import { closeSync, constants, fstatSync, openSync, readSync, type Stats, statSync } from 'node:fs';

/** What is wrong with a file of this type for reading as data; undefined for a regular file. */
export function fileTypeDefect(st: Stats): string | undefined {
  if (st.isFile()) return undefined;
  if (st.isDirectory()) return 'is a directory, not a file';
  if (st.isFIFO()) return 'is a FIFO (named pipe), not a regular file';
  if (st.isSocket()) return 'is a socket, not a regular file';
  if (st.isCharacterDevice()) return 'is a character device, not a regular file';
  if (st.isBlockDevice()) return 'is a block device, not a regular file';
  return 'is not a regular file';
}

/** An errno as the words a user reads. */
export function errnoText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err?.code) {
    case 'ENOENT': return 'does not exist';
    case 'EACCES':
    case 'EPERM': return 'permission denied';
    case 'ENOTDIR': return 'a part of the path is not a directory';
    case 'ELOOP': return 'too many levels of symbolic links';
    case 'ENAMETOOLONG': return 'file name too long';
    case 'EISDIR': return 'is a directory, not a file';
    case 'ENOSPC': return 'no space left on the device';
    case 'EROFS': return 'read-only file system';
    case 'EDQUOT': return 'disk quota exceeded';
    case 'EFBIG': return 'file too large for the file system';
    case 'EIO': return 'input/output error';
    default: return err?.code ?? String(err?.message ?? err);
  }
}

export type Opened = { fd: number; size: number } | { defect: string };

/** Opens a regular file for reading, or says in a few words why it cannot be read as one. */
export function openRegularFile(path: string): Opened {
  let defect: string | undefined;
  try {
    defect = fileTypeDefect(statSync(path));
  } catch (e) {
    return { defect: errnoText(e) };
  }
  if (defect) return { defect };
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (e) {
    return { defect: errnoText(e) };
  }
  const st = fstatSync(fd);
  defect = fileTypeDefect(st);
  if (defect) {
    closeSync(fd);
    return { defect };
  }
  return { fd, size: st.size };
}

/** A whole regular file of at most `limit` bytes, or why it cannot be read. */
export function readRegularFile(path: string, limit: number): Uint8Array | { defect: string } {
  const o = openRegularFile(path);
  if ('defect' in o) return o;
  try {
    if (o.size > limit) return { defect: `file is ${o.size} bytes, larger than the ${limit}-byte limit` };
    const out = new Uint8Array(o.size);
    let got = 0;
    while (got < o.size) {
      const n = readSync(o.fd, out, got, o.size - got, got);
      if (n === 0) break;
      got += n;
    }
    return out.subarray(0, got);
  } catch (e) {
    return { defect: errnoText(e) };
  } finally {
    closeSync(o.fd);
  }
}
