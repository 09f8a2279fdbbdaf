// Strings a guest or a file controls (the program's name and command line in the header, symbol and stub names,
// API names and string arguments in events, exit and fail-fast reasons) reach every text view as inert text: a
// hostile trace must not retitle (ESC ] 0 ; ... BEL) or clear (ESC [2J) the user's terminal, nor forge lines with
// CR or LF. Each verb runs as a user runs it, from a directory outside the checkout; --json keeps exact strings.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { escapeControl } from '../../src/text/terminal.ts';
import { fitLine, seg } from '../../src/tui/components/Lines.tsx';
import { wintrace } from '../helpers/cli.ts';
import { A64, codeRegion, SyntheticTrace } from '../helpers/synthetic-trace.ts';

/** Everything a terminal would obey: OSC retitle, clear screen, carriage return, a forged line, C1 CSI. */
const EVIL = '\x1b]0;pwned\x07\x1b[2J\rFORGED LINE\nFORGED\x9b2J';
/** What makes a line read as another: a right-to-left override (`\u202etxt.exe` shows as `exe.txt`), a line separator. */
const BIDI = '\u202etxt.exe\u2066\u2028';
const RAW = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;
const TID = 0x1000;
const PC = 32;
const SP = 31;
const STUB = 0x7ffa_0000_0000n;
const SP0 = 0x7000_0000n;

let dir: string;
let trace: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'wintrace-hostile-'));
  trace = join(dir, 'hostile.mp');
  const t = new SyntheticTrace({
    threads: [{ tid: TID, teb: 0x7ff8_0000_0000n, stackBase: SP0 + 0x1000n, stackLimit: SP0 - 0x10000n, regs: { [PC]: 0x10000n, [SP]: SP0, 18: 0x7ff8_0000_0000n } }],
    symbols: [{ name: `main.${EVIL}`, address: 0x10000n, size: 0x40 }],
    stubs: [{ name: `evil.dll!${EVIL}`, address: STUB }],
    regions: [codeRegion(0x10000n, new Array(16).fill(A64.nop)), codeRegion(STUB, [0xd4000001, A64.ret]), { base: SP0 - 0x10000n, size: 0x11000, prot: 'rw-', pages: [] }],
  });
  t.header.program.name = `prog${EVIL}.exe`;
  t.header.commandLine = `prog.exe ${EVIL}`;
  t.step();
  t.event({ kind: 'api-call', tid: TID, api: `GetProcAddress${EVIL}`, args: [0n, `name${EVIL}`], caller: 0x10008n });
  t.event({ kind: 'api-return', tid: TID, api: `GetProcAddress${EVIL}`, value: 0n, lastError: 127 });
  // An exception in the hostile routine makes an episode named after it; clobbering X18 there a violation.
  t.event({ kind: 'exception-raised', tid: TID, code: 0xc0000005, address: 0x10004n, information: [0n, 0n], context: SP0 - 0x1000n, regs: t.regFile() });
  t.step({ set: { 18: 0n } });
  t.event({ kind: 'fail-fast', tid: TID, code: 0xc0000409, reason: `reason${EVIL}` });
  t.step();
  t.event({ kind: 'process-exit', tid: TID, exitCode: 2, reason: `exit${EVIL}${BIDI}` });
  t.write(trace);
});
after(() => rmSync(dir, { recursive: true, force: true }));

function assertInert(what: string, text: string): void {
  assert.doesNotMatch(text, RAW, `${what} printed a raw control character`);
  for (const line of text.split('\n')) assert.doesNotMatch(line, /^FORGED/, `${what} printed a forged line`);
}

describe('hostile strings in a trace', () => {
  for (const args of [['dump'], ['dump', '--raw'], ['events'], ['show', '--at', '1'], ['episodes', '--marks'], ['check', '-q']]) {
    test(`wintrace ${args.join(' ')} prints them escaped`, () => {
      const r = wintrace(args[0]!, trace, ...args.slice(1));
      assert.ok(r.code === 0 || r.code === 1, r.err);
      assert.match(r.out, /\\x1b\]0;pwned/, 'the hostile name is shown');
      assertInert(args.join(' '), r.out);
      assertInert(args.join(' '), r.err);
    });
  }

  test('events names the API and the exit reason with the controls shown as \\xNN', () => {
    const r = wintrace('events', trace);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /GetProcAddress\\x1b\]0;pwned\\x07\\x1b\[2J\\x0dFORGED LINE\\x0aFORGED\\x9b2J\(/);
    assert.match(r.out, /exit\\x1b\]0;pwned/);
    assert.match(r.out, /\\u202etxt\.exe\\u2066\\u2028\)$/m, 'the override and the separator are shown as \\uNNNN');
  });

  test('show names the program with its controls escaped', () => {
    const r = wintrace('show', trace, '--at', '1');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^program prog\\x1b\]0;pwned\\x07/m);
  });

  test('diff of the trace against itself prints escaped names', () => {
    const r = wintrace('diff', trace, trace);
    assert.equal(r.code, 0, r.out + r.err);
    assertInert('diff', r.out);
  });

  test('--json keeps the exact strings (JSON escapes the controls itself)', () => {
    const r = wintrace('events', trace, '--json');
    assert.equal(r.code, 0, r.err);
    assert.doesNotMatch(r.out, RAW);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l) as { api?: string; reason?: string });
    assert.equal(lines[0]!.api, `GetProcAddress${EVIL}`);
    assert.equal(lines.at(-1)!.reason, `exit${EVIL}${BIDI}`);
  });

  test('the TUI escapes every segment before cutting it to the pane', () => {
    const line = fitLine([seg('api '), seg(EVIL, { bold: true })], 200);
    const text = line.map((s) => s.text).join('');
    assert.doesNotMatch(text, RAW);
    assert.equal(text, `api ${escapeControl(EVIL)}`);
    assert.equal(fitLine([seg(EVIL)], 5).map((s) => s.text).join(''), '\\x1b]');
  });
});
