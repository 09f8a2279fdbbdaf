// Where `record -o` writes. Before: `-o prog.exe` overwrote the program and exited 0; two recordings to one path
// both said "recorded" and left an interleaved, unreadable file; a missing or read-only directory, an existing
// directory, /dev/full or a full file system ended in an internal error with a stack trace (exit 70), and a
// recording that failed early truncated the trace already at the path.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { TraceReader } from '../../src/trace/reader.ts';
import { fixtureExe, ROOT } from '../helpers/fixtures.ts';
import { WINTRACE_BIN } from '../helpers/bin.ts';

const dir = mkdtempSync(join(tmpdir(), 'wintrace-output-'));
const mounts: string[] = [];
after(() => {
  for (const m of mounts) spawnSync('umount', [m]);
  rmSync(dir, { recursive: true, force: true });
});

const CLI = WINTRACE_BIN;

function wintrace(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.signal, null, `wintrace ${args.join(' ')} did not end by itself`);
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A small tmpfs of `options` at a new directory, or undefined when this machine does not let us mount one. */
function tmpfs(name: string, options: string): string | undefined {
  const at = join(dir, name);
  mkdirSync(at);
  if (spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', at]).status !== 0) return undefined;
  mounts.push(at);
  return at;
}

const canMount = process.getuid?.() === 0 && spawnSync('which', ['mount']).status === 0;

describe('record -o refuses what it cannot or must not write, before running anything', () => {
  test('the program itself: refused, the program unchanged', () => {
    const prog = join(dir, 'hello.exe');
    copyFileSync(fixtureExe('hello'), prog);
    const r = wintrace('record', 'hello.exe', '-o', 'hello.exe');
    assert.deepEqual([r.code, r.out, r.err], [2, '', 'wintrace: hello.exe: is the program being recorded (hello.exe): give -o another file\n']);
    assert.deepEqual(readFileSync(prog), readFileSync(fixtureExe('hello')));
  });

  const cases: Array<[string, string, string]> = [
    ['a missing directory', '/nonexistent/t.mp', 'wintrace: /nonexistent/t.mp: cannot write there: directory /nonexistent does not exist\n'],
    ['an existing directory', '.', 'wintrace: .: is a directory, not a file: give -o a file path\n'],
    ['/dev/full', '/dev/full', 'wintrace: /dev/full: is a character device, not a regular file: give -o a file path\n'],
  ];
  for (const [what, output, line] of cases) {
    test(`${what}: one line, exit 2`, () => {
      const r = wintrace('record', fixtureExe('hello'), '-o', output);
      assert.deepEqual([r.code, r.out, r.err], [2, '', line]);
    });
  }

  test('a read-only file system: one line, exit 2', { skip: !canMount && 'needs root to mount a tmpfs' }, () => {
    const ro = tmpfs('ro', 'ro,size=1m');
    assert.ok(ro);
    const r = wintrace('record', fixtureExe('hello'), '-o', join(ro, 't.mp'));
    assert.deepEqual([r.code, r.out, r.err], [2, '', `wintrace: ${ro}/t.mp: cannot create t.mp.lock beside it: read-only file system\n`]);
  });
});

describe('a recording writes beside the target and renames', () => {
  test('a full file system: one line, exit 74, no partial file left, the old trace kept', { skip: !canMount && 'needs root to mount a tmpfs' }, () => {
    // Far below the ~1 MB trace of hello (by reference: 1,025,727 bytes; self-contained, 1 MB more).
    const full = tmpfs('full', 'size=256k');
    assert.ok(full);
    writeFileSync(join(full, 't.mp'), 'the previous trace');
    const r = wintrace('record', fixtureExe('hello'), '-o', join(full, 't.mp'));
    assert.equal(r.err, `wintrace: ${full}/t.mp: cannot write the trace: no space left on the device\n`);
    assert.equal(r.code, 74);
    assert.deepEqual(readdirSync(full), ['t.mp']);
    assert.equal(readFileSync(join(full, 't.mp'), 'utf8'), 'the previous trace');
  });

  test('a program that fails to load leaves an existing trace as it was', () => {
    const t = join(dir, 'kept.mp');
    writeFileSync(t, 'the previous trace');
    const r = wintrace('record', join(ROOT, 'package.json'), '-o', t);
    assert.equal(r.code, 3);
    assert.equal(readFileSync(t, 'utf8'), 'the previous trace');
  });

  test('a complete recording replaces the target and leaves nothing beside it', () => {
    const sub = join(dir, 'replace');
    mkdirSync(sub);
    writeFileSync(join(sub, 't.mp'), 'the previous trace');
    const r = wintrace('record', fixtureExe('hello'), '-o', join(sub, 't.mp'), '-q');
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(readdirSync(sub), ['t.mp']);
    new TraceReader(join(sub, 't.mp')).close();
  });
});

describe('one output, one recording at a time', () => {
  test('a second recording to the path is refused while the first runs; the first completes', async () => {
    const t = join(dir, 'shared.mp');
    const first = spawn(process.execPath, [CLI, 'record', fixtureExe('spin'), '-o', t, '-q', '--max-instructions', '30000000'], { cwd: dir, stdio: 'ignore' });
    const ended = new Promise<number | null>((done) => first.on('exit', (code) => done(code)));
    for (let i = 0; i < 600 && !existsSync(`${t}.lock`); i++) await new Promise((s) => setTimeout(s, 50));
    assert.ok(existsSync(`${t}.lock`), 'the first recording holds the lock');
    const r = wintrace('record', fixtureExe('hello'), '-o', t);
    assert.deepEqual([r.code, r.out, r.err], [2, '', `wintrace: ${t}: another recording (pid ${first.pid}) is writing it: wait for it to end or give -o another file\n`]);
    assert.equal(await ended, 5);
    const reader = new TraceReader(t);
    assert.equal(reader.trace.truncated, false);
    assert.equal(reader.trace.totalSteps, 30_000_000n);
    reader.close();
    assert.ok(!existsSync(`${t}.lock`) && !existsSync(`${t}.partial`));
  });

  test('a lock left by a process that is gone is taken over', () => {
    const t = join(dir, 'stale.mp');
    writeFileSync(`${t}.lock`, '999999999\n');
    writeFileSync(`${t}.partial`, 'left by a killed recording');
    const r = wintrace('record', fixtureExe('hello'), '-o', t, '-q');
    assert.equal(r.code, 0, r.err);
    assert.ok(!existsSync(`${t}.lock`) && !existsSync(`${t}.partial`));
    new TraceReader(t).close();
  });
});
