// Files that are not regular files, given where wintrace expects one: a FIFO, a directory, a device, a socket as
// the program or as a trace, and the same inside a --mount'ed directory the guest reads. Each is refused with one
// line naming it and a non-zero exit, within a bound: before, a FIFO hung every command, /dev/zero grew to 3 GB
// and a directory ended in an internal error with a stack trace.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fixtureExe } from '../helpers/fixtures.ts';
import { WINTRACE_BIN } from '../helpers/bin.ts';

const dir = mkdtempSync(join(tmpdir(), 'wintrace-special-'));
const fifo = join(dir, 'fifo');
const sock = join(dir, 'sock');
const data = join(dir, 'data');
let server: Server;

before(async () => {
  spawnSync('mkfifo', [fifo]);
  mkdirSync(data);
  spawnSync('mkfifo', [join(data, 'fifo')]);
  writeFileSync(join(data, 'note.txt'), 'hi\n');
  server = createServer();
  await new Promise<void>((done) => server.listen(sock, done));
  await new Promise<void>((done) => createServer().listen(join(data, 'sock'), done).unref());
});
after(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The real command line, from a directory outside the checkout; a hang fails the test instead of hanging it. */
function wintrace(...args: string[]) {
  const r = spawnSync(process.execPath, [WINTRACE_BIN, ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.signal, null, `wintrace ${args.join(' ')} did not end by itself (killed by ${r.signal})`);
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const SPECIAL: Array<[string, () => string, string]> = [
  ['a FIFO', () => fifo, 'is a FIFO (named pipe), not a regular file'],
  ['a directory', () => dir, 'is a directory, not a file'],
  ['/dev/zero', () => '/dev/zero', 'is a character device, not a regular file'],
  ['/dev/null', () => '/dev/null', 'is a character device, not a regular file'],
  ['a socket', () => sock, 'is a socket, not a regular file'],
];

describe('a special file as the program', () => {
  // Every kind through run; record shares the loader, so two kinds show it refuses before creating the output.
  for (const [what, path, defect] of SPECIAL) {
    for (const verb of what === 'a FIFO' || what === '/dev/zero' ? ['run', 'record'] : ['run']) {
      test(`${verb}: ${what} is refused with one line, exit 3, and no trace`, () => {
        const out = join(dir, `${verb}-${what.replace(/\W/g, '')}.mp`);
        const r = wintrace(verb, path(), ...(verb === 'record' ? ['-o', out] : []));
        assert.equal(r.err, `wintrace: ${path()}: ${defect}\n`);
        assert.equal(r.code, 3);
        assert.equal(spawnSync('test', ['-e', out]).status, 1, 'no trace file is left');
      });
    }
  }
  test('a missing program says so', () => {
    const r = wintrace('run', 'missing.exe');
    assert.deepEqual([r.code, r.err], [3, 'wintrace: missing.exe: does not exist\n']);
  });
});

describe('a special file as a trace', () => {
  const verbs: string[][] = [['show', '--at', '0'], ['check'], ['events'], ['dump'], ['episodes'], ['tui']];
  // Every verb on a FIFO (the case that hung them all); every kind through check, which opens like the others.
  for (const [what, path, defect] of SPECIAL) {
    for (const [verb, ...rest] of what === 'a FIFO' ? verbs : [['check']]) {
      test(`${verb}: ${what} is refused with one line, exit 2`, () => {
        const r = wintrace(verb!, path(), ...rest);
        assert.equal(r.err, `wintrace: ${path()}: ${defect}\n`);
        assert.equal(r.code, 2);
      });
    }
  }
  test('diff names whichever side is not a file', () => {
    const r = wintrace('diff', fifo, dir);
    assert.deepEqual([r.code, r.err], [2, `wintrace: ${fifo}: is a FIFO (named pipe), not a regular file\n`]);
  });
});

describe('special files inside a --mount directory', () => {
  test('the guest gets an error for a FIFO and a socket, reads the file after them, and each refusal is reported', () => {
    const r = wintrace('run', fixtureExe('hostfile'), '--mount', `${data}:C:\\data`, '--timeout', '30', '--',
      'C:\\data\\fifo', 'C:\\data\\sock', 'C:\\data\\note.txt');
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, [
      'error: open C:\\data\\fifo: Access is denied.',
      'error: open C:\\data\\sock: Access is denied.',
      'C:\\data\\note.txt: 3 bytes: "hi\\n"',
      'WINTRACE_PROBE=""',
      '',
    ].join('\n'));
    assert.match(r.err, /^wintrace: sandbox refused: CreateFileW C:\\data\\fifo \(is a FIFO \(named pipe\), not a regular file\)/m);
    assert.match(r.err, /^wintrace: sandbox refused: CreateFileW C:\\data\\sock \(is a socket, not a regular file\)/m);
  });
});
