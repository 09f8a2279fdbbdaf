// A Go runtime `fatal error` ends the process, never hangs the run. Go 1.21+ throws "bcryptprimitives.dll not
// found" when LoadLibraryExW cannot find the DLL; here it is hidden from the emulated loader. Go 1.24's throw
// prints a traceback and exits 2 through ExitProcess. Go 1.21's throw reaches usleep2 before osinit has looked
// up NtWaitForSingleObject and branches to the nil pointer: on Windows that is an access violation executing
// address 0 with no handler installed yet, so the process dies with 0xC0000005. wintrace used to hang there
// (Unicorn's `until` was 0, so pc = 0 looked like a clean stop and the slice was retried forever, past any
// instruction or time limit); each run is a child process with a wall-clock limit so a regression fails.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fixtureExe, FIXTURE_BIN, ROOT } from '../helpers/fixtures.ts';

interface Outcome {
  output: string;
  reason: string;
  exitCode: number;
}

/** Runs `exe` with bcryptprimitives.dll hidden from LoadLibrary, in a child process given `seconds` at most. */
function runWithoutBcrypt(exe: string, seconds: number): Outcome {
  const script = `
    import { runProgram } from ${JSON.stringify(`${ROOT}tests/helpers/run-program.ts`)};
    const r = runProgram(${JSON.stringify(exe)}, {
      maxInstructions: 50_000_000n,
      setup: (p) => {
        const load = p.loadLibrary.bind(p);
        p.loadLibrary = (name) => (/bcryptprimitives/i.test(name) ? 0n : load(name));
      },
    });
    process.stdout.write(JSON.stringify({ output: r.output, reason: r.end.reason, exitCode: r.exitCode }));
  `;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: ROOT, encoding: 'utf8', timeout: seconds * 1000, killSignal: 'SIGKILL',
  });
  assert.equal(child.signal, null, `the run did not end within ${seconds} s (killed); stderr: ${child.stderr}`);
  assert.equal(child.status, 0, child.stderr);
  return JSON.parse(child.stdout) as Outcome;
}

const built = (release: string): boolean => existsSync(`${FIXTURE_BIN}/go${release}/hello.exe`);

describe('a runtime fatal error ends the process', () => {
  test('Go 1.21: the throw calls a nil NtWaitForSingleObject; the run ends with 0xC0000005 instead of hanging',
    { skip: !built('1.21') && 'fixtures/bin/go1.21 not built' }, () => {
      const r = runWithoutBcrypt(fixtureExe('hello', '1.21'), 60);
      assert.match(r.output, /^fatal error: bcryptprimitives\.dll not found\n/);
      assert.match(r.output, /Unhandled exception at 0x0 \(0x0\) in thread 0x1000: 0xC0000005: Access violation executing location 0x0\n$/);
      assert.equal(r.reason, 'exit');
      assert.equal(r.exitCode, 0xc0000005);
    });

  test('Go 1.24: the throw prints its traceback and exits 2', { skip: !built('1.24') && 'fixtures/bin/go1.24 not built' }, () => {
    const r = runWithoutBcrypt(fixtureExe('hello', '1.24'), 60);
    assert.match(r.output, /^fatal error: bcryptprimitives\.dll not found\n/);
    assert.match(r.output, /runtime\.loadOptionalSyscalls\(\)/);
    assert.equal(r.reason, 'exit');
    assert.equal(r.exitCode, 2);
  });
});
