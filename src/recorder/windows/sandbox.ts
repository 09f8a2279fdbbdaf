// What of the host the guest may see: nothing, except directories the user mounts read-only with
// `--mount HOST:GUEST`. Every refusal is kept in order, so `wintrace run` and `record` can report what the guest
// tried. Host file contents are read when the guest opens them, like any other input of the run; nothing else of
// the host (times, owners, other files) becomes visible.

import { closeSync, openSync, readSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';

export interface Mount {
  /** Absolute host directory. */
  host: string;
  /** Guest directory as given, e.g. C:\data (no trailing backslash). */
  guest: string;
}

export interface DirEntry {
  name: string;
  isDirectory: boolean;
  size: number;
}

/** Largest host file a guest may open: its contents are held in memory for the run. */
export const MAX_HOST_FILE = 64 * 1024 * 1024;

/** Where a guest path leads: a host file or directory under a mount, or a refusal with its reason. */
export type Resolution =
  | { kind: 'host'; host: string; isDirectory: boolean; size: number }
  | { kind: 'missing' }
  | { kind: 'refused'; reason: string };

/** Backslashes, no `\\?\` prefix (Go adds it to long paths), relative paths under the program's directory. */
export function normalize(path: string): string {
  let p = path.replace(/\//g, '\\').replace(/^\\\\\?\\/, '');
  if (!/^[A-Za-z]:\\/.test(p)) p = `C:\\wintrace\\${p.replace(/^\\+/, '')}`;
  return p;
}

export class Sandbox {
  /** What the guest tried and was refused, in order, e.g. `CreateFileW /etc/passwd (no --mount covers it)`. */
  readonly denials: string[] = [];

  constructor(readonly mounts: readonly Mount[] = []) {}

  deny(api: string, what: string, reason: string): void {
    this.denials.push(`${api} ${what} (${reason})`);
  }

  /** The host path behind a guest path, if a mount covers it and it does not climb out of the mount. */
  resolve(guestPath: string): Resolution {
    const p = normalize(guestPath);
    for (const m of this.mounts) {
      const root = m.guest.toLowerCase();
      const lower = p.toLowerCase();
      if (lower !== root && !lower.startsWith(`${root}\\`)) continue;
      const parts: string[] = [];
      for (const part of p.slice(m.guest.length).split('\\')) {
        if (part === '' || part === '.') continue;
        if (part === '..') {
          if (parts.length === 0) return { kind: 'refused', reason: `climbs out of --mount ${m.guest}` };
          parts.pop();
        } else parts.push(part);
      }
      const host = join(m.host, ...parts);
      let real: string;
      try {
        real = realpathSync(host);
      } catch {
        return { kind: 'missing' };
      }
      // A symbolic link inside the mount must not lead the guest to the rest of the host.
      if (real !== m.host && !real.startsWith(m.host + sep)) return { kind: 'refused', reason: `leads out of --mount ${m.guest}` };
      const st = statSync(real);
      return { kind: 'host', host: real, isDirectory: st.isDirectory(), size: st.size };
    }
    return { kind: 'refused', reason: 'no --mount covers it' };
  }

  /** A mounted file's contents, or undefined when it is larger than MAX_HOST_FILE. */
  static read(host: string, size: number): Uint8Array | undefined {
    if (size > MAX_HOST_FILE) return undefined;
    const out = new Uint8Array(size);
    const fd = openSync(host, 'r');
    try {
      let got = 0;
      while (got < size) {
        const n = readSync(fd, out, got, size - got, got);
        if (n === 0) break;
        got += n;
      }
      return out.subarray(0, got);
    } finally {
      closeSync(fd);
    }
  }

  /**
   * A mounted directory's entries as FindFirstFile lists them: "." and "..", then the names sorted so that every
   * run sees the same order. Entries that cannot be examined (dangling links) are left out.
   */
  static list(host: string): DirEntry[] {
    const out: DirEntry[] = [{ name: '.', isDirectory: true, size: 0 }, { name: '..', isDirectory: true, size: 0 }];
    for (const name of readdirSync(host).sort()) {
      try {
        const st = statSync(join(host, name));
        out.push({ name, isDirectory: st.isDirectory(), size: st.isDirectory() ? 0 : st.size });
      } catch {
        // gone or dangling since readdir
      }
    }
    return out;
  }
}
