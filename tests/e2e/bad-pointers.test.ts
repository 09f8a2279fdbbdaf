// A program passing pointers into memory it does not have to WriteFile, ReadFile, WriteConsoleW, GetProcAddress,
// CreateFileW and friends: each call fails as on Windows (FALSE or the API's failure value, GetLastError() 998
// ERROR_NOACCESS; an NTSTATUS API returns STATUS_ACCESS_VIOLATION), and the program runs on to its end under
// run and record, instead of wintrace stopping on an engine error.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { wintrace } from '../helpers/cli.ts';
import { buildTestProgram, goCommand } from '../helpers/go-build.ts';

const dir = mkdtempSync(join(tmpdir(), 'wintrace-bad-pointers-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const EXPECTED = [
  'WriteFile: 0x0, error 998',
  'ok', // the second WriteFile's buffer is good: only its byte count cannot be stored
  'WriteFile: 0x0, error 998',
  'ReadFile: 0x0, error 998',
  'WriteConsoleW: 0x0, error 998',
  'GetProcAddress: 0x0, error 998',
  'GetModuleHandleW: 0x0, error 998',
  'CreateFileW: 0xffffffffffffffff, error 998',
  'GetFileAttributesW: 0xffffffff, error 998',
  'QueryPerformanceCounter: 0x0, error 998',
  'GetEnvironmentVariableW: 0x0, error 998',
  'WaitForMultipleObjects: 0xffffffff, error 998',
  'RtlGetVersion: 0xc0000005',
  'still running',
  '',
].join('\n');

test('bad pointers passed to APIs fail the call as on Windows, and the program runs on', { skip: !goCommand() && 'no Go 1.19 toolchain' }, () => {
  const exe = buildTestProgram('bad-pointers', dir);
  const r = wintrace('run', exe);
  assert.equal(r.err, '');
  assert.equal(r.out, EXPECTED);
  assert.equal(r.code, 0);
  const trace = join(dir, 'bad-pointers.mp');
  const rec = wintrace('record', exe, '-o', trace, '-q');
  assert.equal(rec.code, 0, rec.err);
  assert.equal(rec.out, EXPECTED);
  const ev = wintrace('events', trace, '--kind', 'api-return');
  assert.match(ev.out, /WriteFile returned 0x0, LastError 998/);
  assert.match(ev.out, /RtlGetVersion returned 0xc0000005/);
});
