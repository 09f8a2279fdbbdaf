// What the command line says in the cases issue 17 found misleading: a thread the trace does not have, events
// as JSON with one kind of number for positions, an empty --at, an empty recording window, thread ids in hex and exit statuses
// as NTSTATUS values.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { wintrace } from '../helpers/cli.ts';
import { fixtureExe } from '../helpers/fixtures.ts';
import { patchProgram } from '../helpers/patch.ts';

let dir: string;
let trace: string;
let recorded: ReturnType<typeof wintrace>;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'wintrace-cli-messages-'));
  trace = join(dir, 'demo.mp');
  recorded = wintrace('record', '-o', trace, '--threads');
});

after(() => rmSync(dir, { recursive: true, force: true }));

test('no command: the list of commands the message points to, then the message, exit 2', () => {
  const r = wintrace();
  assert.equal(r.code, 2);
  assert.equal(r.out, '');
  assert.match(r.err, /Commands:\n(.*\n)*? {2}wintrace record .*\n(.*\n)*wintrace: Name a command; see the list above\.\n/);
});

describe('events', () => {
  test('--thread names a thread the trace does not have: one line listing those it has, exit 2', () => {
    const r = wintrace('events', trace, '--thread', '0x9999');
    assert.equal(r.code, 2);
    assert.equal(r.out, '');
    assert.match(r.err, /^wintrace: --thread 0x9999: no such thread in .*demo\.mp \(it has 0x1000(, 0x[0-9a-f]+)+\)\n$/);
  });

  test('--json gives the step as a number, as the position', () => {
    const r = wintrace('events', trace, '--json', '--kind', 'api-call');
    assert.equal(r.code, 0);
    const rows = r.out.trim().split('\n').map((l) => JSON.parse(l) as { position: unknown; step: unknown; caller: unknown });
    assert.ok(rows.length > 0);
    for (const e of rows) {
      assert.equal(typeof e.position, 'number');
      assert.equal(e.step, e.position);
      assert.match(String(e.caller), /^0x[0-9a-f]+$/);
    }
  });
});

describe('show', () => {
  test("--at '' names no place: one line saying what a place is, exit 2", () => {
    const r = wintrace('show', trace, '--at', '');
    assert.equal(r.code, 2);
    assert.equal(r.out, '');
    assert.equal(r.err, "wintrace: --at '': names no place; use N, N%, SYMBOL[+0xOFF], FILE:LINE, episode:K, violation:K or event:K\n");
  });
});

describe('record', () => {
  test('--threads lists thread ids in hex', () => {
    assert.equal(recorded.code, 0, recorded.err);
    assert.match(recorded.err, /^ {2}thread 0x1000: /m);
    assert.doesNotMatch(recorded.err, /thread \d+:/);
  });

  test('a --stop-at count not after --start-at is a usage error before anything runs', () => {
    const out = join(dir, 'empty.mp');
    const r = wintrace('record', '-o', out, '--start-at', '5000', '--stop-at', '100');
    assert.equal(r.code, 2);
    assert.equal(r.err, 'wintrace: --stop-at 100 is not after --start-at 5000: the window would hold no instruction\n');
    assert.equal(existsSync(out), false);
  });

  test('an NTSTATUS exit status is printed in hex', () => {
    // runtime.breakpoint's BRK #0xF000 turned into __fastfail: the process ends with STATUS_STACK_BUFFER_OVERRUN.
    const p = patchProgram(fixtureExe('breakpoint'), [{ symbol: 'runtime.breakpoint', offset: 0, expect: 0xd43e0000, replace: 0xd43e0060 }]);
    try {
      const r = wintrace('record', p.path, '-o', join(dir, 'fastfail.mp'));
      assert.equal(r.code, 0, r.err);
      assert.match(r.err, /program exit code 0xC0000409/);
      assert.doesNotMatch(r.err, /3221226505/);
    } finally {
      p.cleanup();
    }
  });
});
