// The command line as a user meets it: help, clear one-line errors with distinct exit codes, exit codes passed
// through, and an unimplemented API named with its caller.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fixtureExe, ROOT } from '../helpers/fixtures.ts';
import { WINTRACE_BIN } from '../helpers/bin.ts';

function wintrace(...args: string[]) {
  const r = spawnSync(process.execPath, [WINTRACE_BIN, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('wintrace command line', () => {
  test('--help lists each verb with one line', () => {
    const r = wintrace('--help');
    assert.equal(r.code, 0);
    for (const verb of ['record', 'run', 'doctor']) assert.match(r.out, new RegExp(`wintrace ${verb}\\b`));
  });

  test('an unknown verb is a usage error (exit 2) that says what to do', () => {
    const r = wintrace('frobnicate');
    assert.equal(r.code, 2);
    assert.match(r.err, /^wintrace: Unknown argument: frobnicate\nRun 'wintrace --help'/);
  });

  test('an unknown flag is a usage error', () => {
    const r = wintrace('record', '--frobnicate');
    assert.equal(r.code, 2);
    assert.match(r.err, /Unknown argument: frobnicate/);
  });

  test('a missing program is one line naming the file, exit 3', () => {
    const r = wintrace('run', '/nonexistent/prog.exe');
    assert.equal(r.code, 3);
    assert.equal(r.err, 'wintrace: /nonexistent/prog.exe: does not exist\n');
  });

  test('a file that is not a PE is one line naming the defect, exit 3', () => {
    const r = wintrace('run', join(ROOT, 'package.json'));
    assert.equal(r.code, 3);
    assert.equal(r.err, 'wintrace: package.json: bad DOS signature 0xa7b (expected 0x5a4d "MZ")\n');
  });

  test('run passes the program output and exit code through', () => {
    const r = wintrace('run', fixtureExe('exitcode'));
    assert.equal(r.code, 3);
    assert.equal(r.out, 'exiting with status 3\n');
  });

  test('an API wintrace does not implement stops the run with one line naming it and its caller, exit 6', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wintrace-cli-'));
    try {
      // Rename one import of hello.exe (same length, so the file stays valid): the loader binds it to a stub
      // with no implementation, as for any API wintrace lacks.
      const exe = join(dir, 'hello.exe');
      copyFileSync(fixtureExe('hello'), exe);
      const bytes = readFileSync(exe);
      const at = bytes.indexOf(Buffer.from('SetErrorMode\0', 'latin1'));
      assert.ok(at > 0, 'hello.exe imports SetErrorMode');
      bytes.write('SetErrorModX', at, 'latin1');
      writeFileSync(exe, bytes);
      const r = wintrace('run', exe);
      assert.equal(r.code, 6);
      assert.match(r.err, /^wintrace: unsupported API KERNEL32\.dll!SetErrorModX called from runtime\.\w+\+0x[0-9a-f]+ \(thread 0x1000\)\n$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('record with no program records the bundled demo and prints a summary', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wintrace-cli-'));
    try {
      const out = join(dir, 'demo.mp');
      const r = wintrace('record', '-o', out);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /recovered: runtime error: invalid memory address or nil pointer dereference/);
      assert.match(r.err, /wintrace: recorded .*demo\.mp: \d+ instructions \(\d+ in full detail\), 5 threads, 3 exceptions, \d+ API calls, \d+ bytes \([\d.]+ bytes\/instruction\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
