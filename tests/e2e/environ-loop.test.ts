// A Go program calling os.Environ() 5,000 times (each call is a GetEnvironmentStringsW block given back with
// FreeEnvironmentStringsW) runs to its end: the blocks used to come from a bump area that was never freed, and the
// run ended after about 2,000 calls with "process data area exhausted".

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { wintrace } from '../helpers/cli.ts';
import { buildTestProgram, goCommand } from '../helpers/go-build.ts';

const dir = mkdtempSync(join(tmpdir(), 'wintrace-environ-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('os.Environ() 5,000 times runs to its end', { skip: !goCommand() && 'no Go 1.19 toolchain' }, () => {
  const exe = buildTestProgram('environ-loop', dir);
  const r = wintrace('run', exe, '--env', 'A=1', '--', '5000');
  assert.equal(r.err, '');
  assert.match(r.out, /^environ calls: 5000, variables seen: \d+\n$/);
  assert.equal(r.code, 0);
});
