import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { normalizeOutput } from '../../scripts/normalize-output.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

// Unrecovered nil dereference as printed by `go run` on linux/amd64 (Go 1.19).
const LINUX_CRASH = `about to crash
panic: runtime error: invalid memory address or nil pointer dereference
[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x480fc0]

goroutine 1 [running]:
main.deref(0x4b7fa8?)
\t/work/main/fixtures/go/crash/main.go:14
main.main()
\t/work/main/fixtures/go/crash/main.go:20 +0x5d
exit status 2
`;

// The same program built for windows/arm64 with -trimpath, CRLF line endings,
// an access-violation exception code instead of a signal name and other
// addresses, offsets and goroutine ids.
const WINDOWS_CRASH = [
  'about to crash',
  'panic: runtime error: invalid memory address or nil pointer dereference',
  '[signal 0xc0000005 code=0x0 addr=0x0 pc=0x10008d9f4]',
  '',
  'goroutine 17 [running]:',
  'main.deref(...)',
  '\twintrace.dev/fixtures/crash/main.go:14 +0x4',
  'main.main()',
  '\twintrace.dev/fixtures/crash/main.go:20 +0x74',
  '',
].join('\r\n');

// runtime.Breakpoint on windows/arm64: BRK #0xf000 -> EXCEPTION_BREAKPOINT ->
// sigpanic -> throw("fault"); level-2 traceback with runtime frames and the
// runtime's system goroutines.
const WINDOWS_BREAKPOINT = `before breakpoint
fatal error: fault
[signal 0x80000003 code=0x0 addr=0x0 pc=0x10005a1e0]

goroutine 1 [running]:
runtime.throw({0x1000b1c6e?, 0x0?})
\truntime/panic.go:1047 +0x40 fp=0x4000057ed0 sp=0x4000057ea0 pc=0x100038b40
runtime.sigpanic()
\truntime/signal_windows.go:273 +0x1c4 fp=0x4000057f10 sp=0x4000057ed0 pc=0x10004f0a4
runtime.breakpoint()
\truntime/asm_arm64.s:121 fp=0x4000057f20 sp=0x4000057f20 pc=0x10005a1e0
runtime.Breakpoint(...)
\truntime/proc.go:4367
main.main()
\twintrace.dev/fixtures/breakpoint/main.go:21 +0x60 fp=0x4000057f70 sp=0x4000057f20 pc=0x10008da60
runtime.main()
\truntime/proc.go:250 +0x24c fp=0x4000057fd0 sp=0x4000057f70 pc=0x10003b07c
runtime.goexit()
\truntime/asm_arm64.s:1172 +0x4 fp=0x4000057fd0 sp=0x4000057fd0 pc=0x10005c6f4

goroutine 2 [force gc (idle)]:
runtime.gopark(0x0?, 0x0?, 0x0?, 0x0?, 0x0?)
\truntime/proc.go:363 +0xe4 fp=0x4000047fa0 sp=0x4000047f80 pc=0x10003b4a4
runtime.goparkunlock(...)
\truntime/proc.go:369
runtime.forcegchelper()
\truntime/proc.go:302 +0xb4 fp=0x4000047fd0 sp=0x4000047fa0 pc=0x10003b314
runtime.goexit()
\truntime/asm_arm64.s:1172 +0x4 fp=0x4000047fd0 sp=0x4000047fd0 pc=0x10005c6f4
created by runtime.init.6
\truntime/proc.go:290 +0x24

goroutine 3 [GC sweep wait]:
runtime.gopark(0x0?, 0x0?, 0x0?, 0x0?, 0x0?)
\truntime/proc.go:363 +0xe4 fp=0x4000049790 sp=0x4000049770 pc=0x10003b4a4
created by runtime.gcenable
\truntime/mgc.go:178 +0x74
`;

test('linux and windows crash reports of the same program normalise equal', () => {
  const linux = normalizeOutput(LINUX_CRASH);
  const windows = normalizeOutput(WINDOWS_CRASH);
  assert.equal(windows, linux);
  assert.equal(
    linux,
    [
      'about to crash',
      'panic: runtime error: invalid memory address or nil pointer dereference',
      '[signal <fault> addr=0x0 pc=<pc>]',
      '',
      'goroutine <id> [running]:',
      'main.deref(...)',
      'main.main(...)',
      '',
    ].join('\n'),
  );
});

test('different panic messages do not normalise equal', () => {
  const other = LINUX_CRASH.replace(
    'invalid memory address or nil pointer dereference',
    'index out of range [5] with length 3',
  );
  assert.notEqual(normalizeOutput(other), normalizeOutput(LINUX_CRASH));
  const otherValue = WINDOWS_CRASH.replace('panic: runtime error', 'panic: runtime failure');
  assert.notEqual(normalizeOutput(otherValue), normalizeOutput(WINDOWS_CRASH));
});

test('the fault address and the program frames are kept', () => {
  const at8 = LINUX_CRASH.replace('addr=0x0 ', 'addr=0x8 ');
  assert.notEqual(normalizeOutput(at8), normalizeOutput(LINUX_CRASH));
  const otherFrame = LINUX_CRASH.replace('main.deref(0x4b7fa8?)', 'main.load(0x4b7fa8?)');
  assert.notEqual(normalizeOutput(otherFrame), normalizeOutput(LINUX_CRASH));
  // A different signal class is a different crash.
  const ill = LINUX_CRASH.replace('SIGSEGV: segmentation violation', 'SIGILL: illegal instruction');
  assert.notEqual(normalizeOutput(ill), normalizeOutput(LINUX_CRASH));
});

test('program output before a crash is compared exactly, hex values included', () => {
  const text = 'digits12(1..12)  = 0xcba987654321\nchecksum: 0xf92aa84b73a64dbc\n';
  assert.equal(normalizeOutput(text), text);
  assert.notEqual(normalizeOutput(text), normalizeOutput(text.replace('0xcba9', '0xcba8')));
  // Only CRLF and `go run`'s trailer are erased.
  assert.equal(normalizeOutput('a\r\nb\r\nexit status 3\n'), 'a\nb\n');
});

test('windows breakpoint text normalises to the hand-written expected.windows.out', () => {
  const expected = readFileSync(`${ROOT}/fixtures/go/breakpoint/expected.windows.out`, 'utf8');
  assert.equal(normalizeOutput(WINDOWS_BREAKPOINT), expected);
  // BRK #0 would arrive as EXCEPTION_ILLEGAL_INSTRUCTION instead: same class.
  assert.equal(normalizeOutput(WINDOWS_BREAKPOINT.replace('0x80000003', '0xc000001d')), expected);
});

test('normalisation is idempotent', () => {
  for (const text of [LINUX_CRASH, WINDOWS_CRASH, WINDOWS_BREAKPOINT, 'plain\n', '']) {
    const once = normalizeOutput(text);
    assert.equal(normalizeOutput(once), once);
  }
});

// Go 1.23+ throws print g and m addresses in each goroutine header (linux/amd64, Go 1.27.3, runtime.Breakpoint).
const GO127_THROW = [
  'before breakpoint',
  'SIGTRAP: trace trap',
  'PC=0x47c941 m=0 sigcode=128',
  '',
  'goroutine 1 gp=0x1326532721e0 m=0 mp=0x571460 [running]:',
  'runtime.breakpoint()',
  '\truntime/asm_amd64.s:379 +0x1 fp=0x1326532d0e60 sp=0x1326532d0e58 pc=0x47c941',
  'main.main()',
  '\twintrace.dev/fixtures/breakpoint/main.go:18 +0x4f fp=0x1326532d0eb8 sp=0x1326532d0e60 pc=0x499e4f',
  'runtime.goexit({})',
  '\truntime/asm_amd64.s:1264 +0x1 fp=0x1326532d0fe8 sp=0x1326532d0fe0 pc=0x47e401',
  '',
  'goroutine 2 gp=0x132653272780 m=nil [force gc (idle)]:',
  'runtime.gopark(0x0?, 0x0?, 0x0?, 0x0?, 0x0?)',
  '\truntime/proc.go:474 +0xca fp=0x1326532a6fa8 sp=0x1326532a6f88 pc=0x478f8a',
  'created by runtime.init.7 in goroutine 1',
  '\truntime/proc.go:375 +0x1a',
  '',
].join('\n');

test('Go 1.23+ goroutine headers with gp=/m=/mp= normalise like the old ones, other goroutines dropped', () => {
  assert.equal(normalizeOutput(GO127_THROW), normalizeOutput(GO127_THROW.replace(
    'goroutine 1 gp=0x1326532721e0 m=0 mp=0x571460 [running]:', 'goroutine 1 [running]:')));
  assert.equal(normalizeOutput(GO127_THROW), 'before breakpoint\nfatal signal <illegal>\nPC=<pc>\n\ngoroutine <id> [running]:\nmain.main(...)\n');
});
