// What of the host the guest may see: nothing, except directories the user mounts read-only with
// `--mount HOST:GUEST`. Every refusal is kept in order, so `wintrace run` and `record` can report what the guest
// tried. Host file contents are read when the guest opens them, like any other input of the run; nothing else of
// the host (times, owners, other files) becomes visible.

import { accessSync, constants, lstatSync, readdirSync, readlinkSync, type Stats, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileTypeDefect, readRegularFile } from '../../regular-file.ts';
import { escapeControl } from '../../text/terminal.ts';

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

/**
 * Where a guest path leads: a host file or directory under a mount (`root`, the mount's host directory), nothing,
 * a path no mount covers (`refused`: absent to the guest), or an entry of a mount that leads out of it through a
 * symbolic link (`denied`: the guest may see its name in a listing, nothing behind it).
 */
export type Resolution =
  | { kind: 'host'; host: string; root: string; isDirectory: boolean; size: number }
  | { kind: 'missing' }
  | { kind: 'refused'; reason: string }
  | { kind: 'denied'; reason: string };

/** Links followed in one lookup before giving up, as Linux does (ELOOP). */
const MAX_LINKS = 40;

type Walk = { kind: 'inside'; host: string; st: Stats } | { kind: 'missing' } | { kind: 'outside' };

/**
 * Follows `parts` from a mount's root the way the host kernel would, one component at a time with lstat and
 * readlink, so that nothing outside the root is ever examined: a link whose target leaves the root stops the walk
 * ('outside') whether or not that target exists, so no answer depends on the rest of the host (realpath, used
 * before, said "missing" for an absent outside target and "refused" for a present one). `..` in a link's target
 * climbs from where the walk has got to, as the kernel's does; climbing above the root leaves it.
 */
function walk(root: string, parts: readonly string[]): Walk {
  const todo = [...parts].reverse();
  const at: string[] = [];
  let links = 0;
  while (todo.length) {
    const part = todo.pop()!;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (at.length === 0) return { kind: 'outside' };
      at.pop();
      continue;
    }
    const host = join(root, ...at, part);
    let st: Stats;
    try {
      st = lstatSync(host);
    } catch {
      return { kind: 'missing' };
    }
    if (!st.isSymbolicLink()) {
      at.push(part);
      continue;
    }
    // A loop of links answers like a link out: the walk gives up without saying where it went.
    if (++links > MAX_LINKS) return { kind: 'outside' };
    const target = readlinkSync(host);
    if (target.startsWith(sep)) {
      // An absolute target counts as inside only when spelled under the root; it is never looked at otherwise.
      if (target !== root && !target.startsWith(root.endsWith(sep) ? root : root + sep)) return { kind: 'outside' };
      at.length = 0;
      todo.push(...target.slice(root.length).split(sep).reverse());
    } else {
      todo.push(...target.split(sep).reverse());
    }
  }
  const host = join(root, ...at);
  try {
    return { kind: 'inside', host, st: statSync(host) };
  } catch {
    return { kind: 'missing' };
  }
}

/** Backslashes, no `\\?\` prefix (Go adds it to long paths), relative paths under the program's directory. */
export function normalize(path: string): string {
  let p = path.replace(/\//g, '\\').replace(/^\\\\\?\\/, '');
  if (!/^[A-Za-z]:\\/.test(p)) p = `C:\\wintrace\\${p.replace(/^\\+/, '')}`;
  return p;
}

function readable(host: string): boolean {
  try {
    accessSync(host, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

export class Sandbox {
  /** What the guest tried and was refused, in order, e.g. `CreateFileW /etc/passwd (no --mount covers it)`. */
  readonly denials: string[] = [];

  constructor(readonly mounts: readonly Mount[] = []) {}

  deny(api: string, what: string, reason: string): void {
    // Printed to the user's terminal by run and record: the path is the guest's, so it is escaped.
    this.denials.push(escapeControl(`${api} ${what} (${reason})`));
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
      // A symbolic link inside the mount must not lead the guest to the rest of the host, nor tell it anything
      // about what lies there.
      const found = walk(m.host, parts);
      if (found.kind === 'missing') return found;
      if (found.kind === 'outside') return { kind: 'denied', reason: `leads out of --mount ${m.guest}` };
      const real = found.host;
      const st = found.st;
      // Opening a FIFO would block the run until a writer came; a device or socket is no file the guest can have.
      if (!st.isFile() && !st.isDirectory()) return { kind: 'denied', reason: fileTypeDefect(st)! };
      if (!readable(real)) return { kind: 'denied', reason: 'the host file is not readable' };
      return { kind: 'host', host: real, root: m.host, isDirectory: st.isDirectory(), size: st.size };
    }
    return { kind: 'refused', reason: 'no --mount covers it' };
  }

  /** A mounted file's contents, or undefined when it is larger than MAX_HOST_FILE. */
  static read(host: string, size: number): Uint8Array | undefined {
    if (size > MAX_HOST_FILE) return undefined;
    // resolve() denied every other kind of file; one swapped in since then reads as empty rather than blocking
    // the run on a FIFO or ending it with a host error.
    const r = readRegularFile(host, MAX_HOST_FILE);
    return 'defect' in r ? new Uint8Array(0) : r;
  }

  /**
   * A mounted directory's entries as FindFirstFile lists them: "." and "..", then the names sorted so that every
   * run sees the same order. A link is described by what it leads to inside the mount; a link that leads out of
   * it, or nowhere, is listed by name alone as an empty file, since its target's type and size are the host's.
   */
  static list(dir: { host: string; root: string }): DirEntry[] {
    const out: DirEntry[] = [{ name: '.', isDirectory: true, size: 0 }, { name: '..', isDirectory: true, size: 0 }];
    const below = relative(dir.root, dir.host).split(sep);
    for (const name of readdirSync(dir.host).sort()) {
      const found = walk(dir.root, [...below, name]);
      if (found.kind === 'inside') out.push({ name, isDirectory: found.st.isDirectory(), size: found.st.isDirectory() ? 0 : found.st.size });
      else out.push({ name, isDirectory: false, size: 0 });
    }
    return out;
  }
}
