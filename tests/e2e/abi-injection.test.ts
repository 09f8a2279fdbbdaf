// Bug injection: copies of fixture binaries patched at one instruction each, recorded and checked. Each injected
// bug must be reported by exactly the expected rule at exactly the patched instruction (by the C pass and by the
// TypeScript reference alike), and the unpatched fixtures must check clean. The patches (word expected -> word
// written) come from the fixtures' disassembly:
//   sigtramp+0xc            mov x16, x27         -> mov x18, x27          (X18 used as a scratch register)
//   tstart_stdcall+0x44     bl runtime.emptyfunc -> sub sp, sp, #8       (SP off by 8 for the new thread)
//   callbackasm1+0x70       ldp x19, x20, [sp, #0x48] -> ldr x20, [sp, #0x50]  (restore of R19 skipped)
//   sigtramp_g0+0x88        str x2, [x6, #0x100] -> str xzr, [x6, #0x100]     (resume SP 0: outside the stack)

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { RecordSession } from '../../src/recorder/session.ts';
import { nativeCheckAvailable } from '../../src/replayer/abi/check-native.ts';
import type { RuleId } from '../../src/replayer/abi/rules.ts';
import { Replay } from '../../src/replayer/replay.ts';
import { fixtureExe } from '../helpers/fixtures.ts';
import { patchProgram, type WordPatch } from '../helpers/patch.ts';

const dir = mkdtempSync(join(tmpdir(), 'wintrace-inject-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function recordAndCheck(exe: string, name: string) {
  const out = join(dir, `${name}.mp`);
  // Injected bugs can make the program loop through nested exceptions: bound the run; the trace stays readable.
  new RecordSession({ program: exe, output: out, args: [], env: {}, maxInstructions: 4_000_000n }).run();
  const replay = Replay.open(out);
  try {
    const result = await replay.check();
    // The C pass (the default when built) and the TypeScript reference must agree on every injected bug.
    if (nativeCheckAvailable()) assert.deepEqual(result, await replay.check({ engine: 'js' }), `${name}: the C and TypeScript passes differ`);
    return result.violations;
  } finally {
    replay.close();
  }
}

const CASES: Array<{ name: string; fixture: string; patch: WordPatch; rule: RuleId; subject: string }> = [
  { name: 'a write to X18 inside sigtramp', fixture: 'panic-recover', rule: 'x18-untouched', subject: 'x18',
    patch: { symbol: 'sigtramp', offset: 0x0c, expect: 0xaa1b03f0, replace: 0xaa1b03f2 } },
  { name: 'an SP adjustment of 8 inside tstart_stdcall', fixture: 'goroutines', rule: 'sp-aligned', subject: 'sp',
    patch: { symbol: 'runtime.tstart_stdcall', offset: 0x44, expect: 0x97fffbe3, replace: 0xd10023ff } },
  { name: 'a skipped restore of R19 in callbackasm1', fixture: 'callback', rule: 'callee-saved', subject: 'x19',
    patch: { symbol: 'runtime.callbackasm1', offset: 0x70, expect: 0xa944d3f3, replace: 0xf9402bf4 } },
  { name: 'a resume SP outside the stack', fixture: 'panic-recover', rule: 'resume-in-stack', subject: 'CONTEXT.Sp',
    patch: { symbol: 'sigtramp_g0', offset: 0x88, expect: 0xf90080c2, replace: 0xf90080df } },
];

describe('bug injection: each patched instruction is reported by exactly the expected rule', () => {
  for (const c of CASES) {
    test(c.name, async () => {
      const p = patchProgram(fixtureExe(c.fixture), [c.patch]);
      try {
        const vs = await recordAndCheck(p.path, c.rule);
        const pc = Number(p.addresses[0]);
        const atPatch = vs.filter((v) => v.pc === pc && v.step !== undefined);
        assert.ok(atPatch.length > 0, `no violation at the patched instruction; got ${vs.slice(0, 5).map((v) => `${v.rule}@${v.symbol}`).join(', ')}`);
        assert.deepEqual([...new Set(atPatch.map((v) => v.rule))], [c.rule], 'only the expected rule reports the patched instruction');
        // The first report of the expected rule is the patched instruction itself, not a consequence of it.
        const first = vs.find((v) => v.rule === c.rule)!;
        assert.equal(first.pc, pc);
        assert.ok(first.subject.startsWith(c.subject), `subject ${first.subject}`);
        assert.equal(first.step, first.position);
        // No other rule reports that position.
        assert.deepEqual(vs.filter((v) => v.position === first.position).map((v) => v.rule), [c.rule]);
      } finally {
        p.cleanup();
      }
    });
  }
});

describe('unpatched fixtures check clean', () => {
  for (const name of ['panic-recover', 'goroutines', 'callback', 'crash']) {
    test(name, async () => {
      const vs = await recordAndCheck(fixtureExe(name), `clean-${name}`);
      assert.deepEqual(vs.map((v) => `${v.rule} at ${v.symbol} (${v.position})`), []);
    });
  }
});
