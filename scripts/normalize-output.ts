// The one output normaliser for Go fixture runs.
//
// scripts/build-fixtures.sh runs every fixture natively (linux, host arch)
// and stores normalizeOutput(stdout+stderr) as expected.out; the tests run
// the windows/arm64 build of the same program in the emulator and compare
// normalizeOutput(its output) with that file. So this function must erase
// exactly the differences that are legitimate between those two runs and
// nothing else:
//
//   * Ordinary program output is left alone (apart from CRLF -> LF): the
//     fixtures deliberately print hex values (checksums, callback results)
//     and those must still be compared exactly.
//   * Once the Go runtime starts printing a crash report (panic:, fatal
//     error:, a fatal signal, a goroutine traceback), the text after it is
//     "crash text". There we drop or replace what depends on OS, CPU, build
//     paths and memory layout: addresses, pc/fp/sp, goroutine ids, file:line
//     +offset lines, frame arguments, runtime-internal frames, tracebacks of
//     other (runtime system) goroutines and register dumps.
//   * Signal names: linux reports SIGSEGV/SIGILL/SIGTRAP/..., windows reports
//     the NTSTATUS exception code (0xc0000005, 0xc000001d, ...). Both map to
//     one class: <fault>, <illegal>, <arith>.
//
// It is a pure function of its input (no environment, no clock) and it is
// idempotent: normalizeOutput(normalizeOutput(x)) === normalizeOutput(x),
// so hand-written expected files (expected.windows.out) can be stored in
// normalised form.

import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

// Linux signal names and Windows exception codes (as the Go runtime prints
// them: hex() without leading zeros) mapped to a common class.
const SIGNAL_CLASS: Record<string, string> = {
  SIGSEGV: '<fault>',
  SIGBUS: '<fault>',
  '0xc0000005': '<fault>', // EXCEPTION_ACCESS_VIOLATION
  SIGILL: '<illegal>',
  SIGTRAP: '<illegal>',
  '0xc000001d': '<illegal>', // EXCEPTION_ILLEGAL_INSTRUCTION (BRK on windows/arm64)
  '0x80000003': '<illegal>', // EXCEPTION_BREAKPOINT
  SIGFPE: '<arith>',
  '0xc0000094': '<arith>', // EXCEPTION_INT_DIVIDE_BY_ZERO
  '0xc0000095': '<arith>', // EXCEPTION_INT_OVERFLOW
  '0xc000008d': '<arith>', // EXCEPTION_FLT_DENORMAL_OPERAND
  '0xc000008e': '<arith>', // EXCEPTION_FLT_DIVIDE_BY_ZERO
  '0xc000008f': '<arith>', // EXCEPTION_FLT_INEXACT_RESULT
  '0xc0000091': '<arith>', // EXCEPTION_FLT_OVERFLOW
  '0xc0000093': '<arith>', // EXCEPTION_FLT_UNDERFLOW
};

function signalClass(name: string): string {
  return SIGNAL_CLASS[name] ?? name;
}

// First line of a runtime crash report. Everything before it is program output.
const CRASH_START =
  /^(panic: |fatal error: |unexpected fault address |SIG[A-Z0-9]+: |Exception 0x[0-9a-f]+ |goroutine \d+ (?:gp=|\[))/;

// "goroutine 1 [running]:", "goroutine 7 [chan receive, 2 minutes, locked to thread]:", and since Go 1.23 for
// throws "goroutine 1 gp=0xc000002380 m=0 mp=0x5713e0 [running]:" (g and m addresses, m=nil when none).
const GOROUTINE_HEADER = /^goroutine \d+ (?:gp=0x[0-9a-f]+ m=\S+ (?:mp=0x[0-9a-f]+ )?)?\[([^\]]*)\]:$/;

// The file line under every traceback frame: "\t/path/file.go:12 +0x1d fp=.. sp=.. pc=..".
const FILE_LINE = /^\t.*:\d+( .*)?$/;

// A frame's function line: "main.f(0x1, ...)", "panic({0x4a, 0x5})",
// "main.(*T).m(...)", "created by main.main in goroutine 1".
const FRAME_LINE = /^(created by .+|\S+?\(.*\))$/;

// Register dumps after fatal signals: "rax    0x12" (amd64), "r0      0x0", "lr  0x..".
const REGISTER_LINE = /^[a-z][a-z0-9]{0,6}\s+0x[0-9a-f]+$/;

export function normalizeOutput(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const out: string[] = [];
  let crash = false;
  let goroutinesSeen = 0;
  let skippingGoroutine = false;

  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    const next = lines[i + 1] ?? '';

    // `go run` appends this; running the binary directly does not.
    if (/^exit status \d+$/.test(line)) continue;

    if (!crash && CRASH_START.test(line)) crash = true;
    if (!crash) {
      out.push(line);
      continue;
    }

    // --- crash text from here on ---

    const header = GOROUTINE_HEADER.exec(line);
    if (header) {
      goroutinesSeen++;
      // Only the first goroutine (the one that crashed) is kept: the others
      // are runtime system goroutines (gc workers, finalizer, ...) that are
      // only printed for throws and whose set, ids and states vary by OS
      // and timing.
      skippingGoroutine = goroutinesSeen > 1;
      if (skippingGoroutine) continue;
      // Goroutine ids depend on how many goroutines the runtime started
      // before; "N minutes" depends on timing.
      const state = header[1]!.replace(/, \d+ minutes/, '');
      out.push(`goroutine <id> [${state}]:`);
      continue;
    }

    // File:line +offset lines differ by build path, GOARCH and code layout.
    if (FILE_LINE.test(line)) continue;

    const isFrame = FRAME_LINE.test(line) && FILE_LINE.test(next);
    if (skippingGoroutine) {
      if (isFrame || line === '' || line === '...additional frames elided...') continue;
      skippingGoroutine = false;
    }

    if (isFrame || line.startsWith('created by ')) {
      if (line.startsWith('created by ')) {
        // Go >= 1.21 appends " in goroutine N".
        out.push(line.replace(/ in goroutine \d+$/, ''));
        continue;
      }
      // Runtime-internal frames (runtime.throw, runtime.sigpanic,
      // runtime.main, runtime.goexit, asm stubs) are only shown for throws
      // and fatal signals and differ between the unix signal path and the
      // windows exception path; the program's own frames are what matter.
      if (line.startsWith('runtime.')) continue;
      // Arguments are register/stack words: addresses and garbage.
      out.push(line.replace(/\(.*\)$/, '(...)'));
      continue;
    }

    if (REGISTER_LINE.test(line)) continue;

    // [signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x47e2b6]  (linux)
    // [signal 0xc0000005 code=0x0 addr=0x0 pc=0x7ff6...]                   (windows)
    // The fault address of an access violation is meaningful (0x0 = nil
    // dereference) and kept; for other classes it is the pc or unset.
    line = line.replace(
      /^\[signal (SIG[A-Z0-9]+|0x[0-9a-f]+)(?:: [^=\]]*)? code=\S+ addr=(\S+) pc=\S+\]$/,
      (_m, sig: string, addr: string) => {
        const cls = signalClass(sig);
        return `[signal ${cls} addr=${cls === '<fault>' ? addr : '<addr>'} pc=<pc>]`;
      },
    );

    // Fatal-signal headers. linux: "SIGTRAP: trace trap" + "PC=0x45ac81 m=0 sigcode=128";
    // windows (winthrow): "Exception 0xc000001d 0x0 0x0 0x7ff6..." + "PC=0x7ff6...".
    line = line
      .replace(/^(SIG[A-Z0-9]+): .*$/, (_m, sig: string) => `fatal signal ${signalClass(sig)}`)
      .replace(/^Exception (0x[0-9a-f]+) .*$/, (_m, code: string) => `fatal signal ${signalClass(code)}`)
      .replace(/^PC=0x[0-9a-f]+.*$/, 'PC=<pc>');

    // Dropped blocks leave runs of blank lines behind; keep at most one.
    if (line === '' && out[out.length - 1] === '') continue;
    out.push(line);
  }

  if (crash) {
    // End crash text with exactly one newline, however many blank lines
    // the dropped blocks left at the end.
    while (out.length > 0 && out[out.length - 1] === '') out.pop();
    out.push('');
  }
  // Program output keeps its exact line structure (including whether the
  // last line ends with a newline).
  return out.join('\n');
}

// CLI: normalise stdin to stdout.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(normalizeOutput(readFileSync(0, 'utf8')));
}
