// The "special" fuzz kind: a file that is not what wintrace expects, where it expects one. Each case takes a
// mutated input and a choice derived from it: what to put at the path (the bytes as a regular file, an empty
// file, a FIFO, a directory, a UNIX socket, /dev/zero, /dev/null, a symbolic link to a FIFO or to nothing, a
// FIFO in a directory it must be found through) and who opens it (the program loader of run/record, the trace
// reader of every trace verb, record's output check, a --mount'ed file opened and read by the guest's
// CreateFileW path). Every case must end in one wintrace error line or a clean load within the time bound: a
// FIFO opened blindly hangs the worker, /dev/zero read to the end exhausts its memory bound.

import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WintraceError } from '../../src/errors.ts';
import { loadImage } from '../../src/recorder/program.ts';
import { TraceOutput } from '../../src/recorder/trace-output.ts';
import { Sandbox } from '../../src/recorder/windows/sandbox.ts';
import { TraceReader } from '../../src/trace/reader.ts';
import { fixtureExe } from '../helpers/fixtures.ts';
import type { CheckResult, FuzzKind, SeedInput } from './kind.ts';
import { scratchDir } from './scratch.ts';

const WORK = scratchDir('wintrace-fuzz-special');

/** A socket file made once per worker by a short-lived process (binding one here would need the event loop). */
const SOCKET = join(WORK, 'socket');
const haveSocket = bindSocket(SOCKET);

const FILES = ['bytes', 'empty', 'fifo', 'directory', 'socket', '/dev/zero', '/dev/null', 'link-to-fifo', 'dangling-link'] as const;
const CONSUMERS = ['program', 'trace', 'output', 'mount'] as const;

let serial = 0;

/** A socket at `p` from a short-lived process, or false where python3 is missing. */
function bindSocket(p: string): boolean {
  return spawnSync('python3', ['-c', `import socket; socket.socket(socket.AF_UNIX).bind(${JSON.stringify(p)})`]).status === 0;
}

/**
 * Puts a file of the chosen kind at a fresh path in `dir` and returns the path; `inside` (for a mount) makes
 * the device and the socket there too (mknod 1,5 is /dev/zero, 1,3 /dev/null) instead of naming the host's.
 */
function make(kind: (typeof FILES)[number], bytes: Uint8Array, dir: string, inside: boolean): string {
  const p = join(dir, `f${serial++}`);
  if (inside && (kind === '/dev/zero' || kind === '/dev/null')) {
    if (spawnSync('mknod', [p, 'c', '1', kind === '/dev/zero' ? '5' : '3']).status === 0) return p;
  }
  if (inside && kind === 'socket' && bindSocket(p)) return p;
  switch (kind) {
    case 'bytes': writeFileSync(p, bytes); return p;
    case 'empty': writeFileSync(p, ''); return p;
    case 'fifo': spawnSync('mkfifo', [p]); return p;
    case 'directory': mkdirSync(p); return p;
    case 'socket': return haveSocket ? SOCKET : '/dev/null';
    case '/dev/zero': case '/dev/null': return kind;
    case 'link-to-fifo': spawnSync('mkfifo', [`${p}.fifo`]); symlinkSync(`${p}.fifo`, p); return p;
    case 'dangling-link': symlinkSync(`${p}.nowhere`, p); return p;
  }
}

/** WintraceErrors are the clean refusals; their message must be one line (the campaign checks). */
function refused(e: unknown): CheckResult {
  if (e instanceof WintraceError) return { outcome: 'rejected', message: e.message };
  throw e;
}

export const specialFileKind: FuzzKind = {
  name: 'special',
  seeds(): SeedInput[] {
    const exe = new Uint8Array(readFileSync(fixtureExe('hello'))).subarray(0, 64 * 1024);
    return [{ name: 'hello.exe', bytes: exe, map: { fields: [{ name: 'e_lfanew', offset: 0x3c, size: 4 }], hot: [[0, 4096]] } }];
  },
  check(bytes): CheckResult {
    const h = createHash('sha256').update(bytes).digest();
    const file = FILES[h[0]! % FILES.length]!;
    const consumer = CONSUMERS[h[1]! % CONSUMERS.length]!;
    const dir = join(WORK, `c${serial++}`);
    mkdirSync(dir);
    try {
      const path = make(file, bytes, dir, consumer === 'mount');
      try {
        switch (consumer) {
          case 'program':
            loadImage(path);
            return { outcome: 'loaded', detail: `${file} as a program` };
          case 'trace':
            new TraceReader(path).close();
            return { outcome: 'loaded', detail: `${file} as a trace` };
          case 'output': {
            const out = new TraceOutput(path, fixtureExe('hello'));
            out.abandon();
            return { outcome: 'loaded', detail: `${file} as record's output` };
          }
          case 'mount': {
            const sb = new Sandbox([{ host: dir, guest: 'C:\\data' }]);
            const r = sb.resolve(`C:\\data\\${path.slice(dir.length + 1)}`);
            if (r.kind === 'host' && !r.isDirectory) Sandbox.read(r.host, r.size);
            return { outcome: 'loaded', detail: `${file} in a mount: ${r.kind}` };
          }
        }
      } catch (e) {
        return refused(e);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
