// Bug injection: ABI bugs of the kinds porters make, recorded and checked, each asserted with every violation it
// causes — rule, blamed instruction and register (so the count too) — by the C pass and the TypeScript reference
// alike; and the unpatched fixtures check clean. Two sources of bugs:
//
// Copies of the fixtures' Go runtimes patched at a few instructions (word expected -> word written, from the
// fixtures' disassembly). Go 1.19:
//   sigtramp+0xc            mov x16, x27         -> mov x18, x27          (X18 used as a scratch register)
//   tstart_stdcall+0x44     bl runtime.emptyfunc -> sub sp, sp, #8       (SP off by 8 for the new thread)
//   callbackasm1+0x70       ldp x19, x20, [sp, #0x48] -> ldr x20, [sp, #0x50]  (restore of R19 skipped)
//   sigtramp_g0+0x88        str x2, [x6, #0x100] -> str xzr, [x6, #0x100]     (resume SP 0: outside the stack)
//   sigtramp+0x78           mov x28, x17         -> nop                   (g's caller value never put back)
//   sigtramp_g0+0x98..0xa8  RESTORE_R19_TO_R28   -> 5 nops               (the restore block removed)
//   sigtramp_g0+0x58        b.eq return          -> b return             (the CFG workaround skipped)
// and Go 1.27's runtime (its sigtramp is one frame that calls sigtrampgo, which rewrites the context in Go code):
//   sigtramp+0xc            mov x5, x0           -> mov x18, x0
//   tstart_stdcall+0x44     bl runtime.emptyfunc -> sub sp, sp, #8
//   sigtrampgo+0xf0         str x2, [x1, #0x100] -> str xzr, [x1, #0x100]     (c.set_sp(g0's sp) writes 0)
//   sigtramp+0x5c           ldp x27, x28, [sp, #0x60] -> ldr x28, [sp, #0x68] (restore of R27 skipped)
//   sigtramp+0x5c           ldp x27, x28, [sp, #0x60] -> ldr x27, [sp, #0x60] (returns to Windows with g in X28)
//   callbackasm1+0x70       ldp x19, x20, [sp, #0x48] -> ldr x20, [sp, #0x50]
// Bugs written in Go assembly: fixtures/go/abi-seeded, one per command-line argument (its main.go lists them).

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { type RecordOptions, RecordSession } from '../../src/recorder/session.ts';
import { nativeCheckAvailable } from '../../src/replayer/abi/check-native.ts';
import type { RuleId } from '../../src/replayer/abi/rules.ts';
import type { Violation } from '../../src/replayer/abi/violation.ts';
import { Replay } from '../../src/replayer/replay.ts';
import { findExecution } from '../../src/replayer/search.ts';
import { fixtureExe } from '../helpers/fixtures.ts';
import { patchProgram, type WordPatch } from '../helpers/patch.ts';

const dir = mkdtempSync(join(tmpdir(), 'wintrace-inject-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const NOP = 0xd503201f;

/**
 * Records `exe` and checks it; `inspect` sees the replay and what was found before it closes. The C pass (the
 * default when built) and the TypeScript reference must agree on every bug.
 */
async function recordAndCheck(exe: string, name: string, opts: { args?: string[]; rules?: RuleId[]; record?: Partial<RecordOptions>; inspect?: (r: Replay, vs: Violation[]) => void } = {}) {
  const out = join(dir, `${name}.mp`);
  // Injected bugs can make the program loop through nested exceptions: bound the run; the trace stays readable.
  new RecordSession({ program: exe, output: out, args: opts.args ?? [], env: {}, maxInstructions: 4_000_000n, ...opts.record }).run();
  const replay = Replay.open(out);
  try {
    const rules = opts.rules ? { rules: opts.rules } : {};
    const result = await replay.check(rules);
    if (nativeCheckAvailable()) assert.deepEqual(result, await replay.check({ engine: 'js', ...rules }), `${name}: the C and TypeScript passes differ`);
    opts.inspect?.(replay, result.violations);
    return result.violations;
  } finally {
    replay.close();
  }
}

/**
 * A real finding on the callback fixture of every Go release, not a false positive: callbackasm1
 * (runtime/sys_windows_arm64.s) saves R19-R28 for its C caller but never D8-D15, and the callback's way into Go
 * (cgocallback -> unspillArgs) loads F8-F15, so a C caller's D8-D15 come back as the callback's float arguments.
 * With D8-D15 at 0 (before sentinels) only 1.22-1.27 showed it; the main thread's D8-D15 now still hold the
 * process entry's sentinels when Go calls the callback, and 1.19 and 1.21 load zeros over them too.
 */
const callbackFloatClobber = (v: Violation) => v.rule === 'callee-saved' && /^d(8|9|1[0-5])\b/.test(v.subject) && v.symbol.startsWith('runtime.unspillArgs');

/** A handler still running when the recording stopped at its instruction budget. */
const neverReturned = (v: Violation) => v.rule === 'callee-saved' && v.subject === 'lr';

/** SP misaligned somewhere other than `routine`: a consequence of the bug there. */
const misalignedElsewhere = (routine: string) => (v: Violation) => v.rule === 'sp-aligned' && !v.symbol.startsWith(routine);

/** "rule symbol+off register", the key a violation is counted under. */
const key = (v: Violation) => `${v.rule} ${v.symbol} ${v.subject.split(/[ :]/)[0]}`;

/** Every violation of a run as { key: count }, keys in order of their first violation. */
function tally(vs: readonly Violation[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of vs) out[key(v)] = (out[key(v)] ?? 0) + 1;
  return out;
}

interface Case {
  name: string;
  fixture: string;
  go?: string;
  patches: WordPatch[];
  /** Every violation the bug causes, hand-checked against the disassembly: { "rule symbol+off register": count }. */
  expect: Record<string, number>;
  /** Findings of the unpatched fixture, left out (callbackFloatClobber). */
  known?: (v: Violation) => boolean;
}

const CASES: Case[] = [
  // X18 = R27 makes load_g read garbage: every nested exception runs sigtramp+0xc again until the 4M-instruction
  // budget, and the handlers cut short by it never return (known). badsignal2's calls into Windows come before
  // the first nested dispatch gives X18 its TEB back: teb-consistent blames the first write, once.
  { name: 'a write to X18 inside sigtramp', fixture: 'panic-recover', patches: [{ symbol: 'sigtramp', offset: 0x0c, expect: 0xaa1b03f0, replace: 0xaa1b03f2 }],
    expect: { 'teb-consistent sigtramp+0xc x18': 1, 'x18-untouched sigtramp+0xc x18': 252 }, known: neverReturned },
  // Once for each of the 4 threads; the g0 stack stays 8 off, so code switching to it misaligns SP again (known).
  { name: 'an SP adjustment of 8 inside tstart_stdcall', fixture: 'goroutines', patches: [{ symbol: 'runtime.tstart_stdcall', offset: 0x44, expect: 0x97fffbe3, replace: 0xd10023ff }],
    expect: { 'sp-aligned runtime.tstart_stdcall+0x44 sp': 4 }, known: misalignedElsewhere('runtime.tstart_stdcall') },
  { name: 'a skipped restore of R19 in callbackasm1', fixture: 'callback', known: callbackFloatClobber,
    patches: [{ symbol: 'runtime.callbackasm1', offset: 0x70, expect: 0xa944d3f3, replace: 0xf9402bf4 }], expect: { 'callee-saved runtime.callbackasm1+0x70 x19': 1 } },
  { name: 'a resume SP outside the stack', fixture: 'panic-recover', patches: [{ symbol: 'sigtramp_g0', offset: 0x88, expect: 0xf90080c2, replace: 0xf90080df }],
    expect: { 'resume-in-stack sigtramp_g0+0x88 CONTEXT.Sp': 1 } },
  // sigtramp keeps the caller's R28 in R17 while load_g puts g there; without the copy back, sigtramp_g0 saves
  // and restores g, and sigtramp's RET hands Windows g: blamed at that return, for each of the 6 handler calls.
  { name: 'sigtramp returns to Windows with g in X28', fixture: 'panic-recover', patches: [{ symbol: 'sigtramp', offset: 0x78, expect: 0xaa1103fc, replace: NOP }],
    expect: { 'callee-saved sigtramp+0x90 x28': 6 } },
  // R27 and R28 are the ones Go's handler path changes (load_g, save_g): each comes back wrong from all 6 handler
  // calls, blamed at the return of sigtramp_g0, which saved them.
  { name: 'the RESTORE_R19_TO_R28 block removed from sigtramp_g0', fixture: 'panic-recover',
    patches: [0xa943d3f3, 0xa944dbf5, 0xa945e3f7, 0xa946ebf9, 0xa947f3fb].map((w, i) => ({ symbol: 'sigtramp_g0', offset: 0x98 + 4 * i, expect: w, replace: NOP })),
    expect: { 'callee-saved sigtramp_g0+0xb4 x27': 6, 'callee-saved sigtramp_g0+0xb4 x28': 6 } },
  // exceptionhandler sets the context's SP on the goroutine stack (to call sigpanic); sigtramp_g0's CFG branch
  // must replace it: the branch that jumps past the rewrite is blamed, not exceptionhandler's write.
  { name: 'sigtramp_g0 skips the CFG workaround', fixture: 'panic-recover', patches: [{ symbol: 'sigtramp_g0', offset: 0x58, expect: 0x54000200, replace: 0x14000010 }],
    expect: { 'resume-in-stack sigtramp_g0+0x58 CONTEXT.Sp': 1 } },
  { name: 'a write to X18 inside sigtramp', fixture: 'panic-recover', go: '1.27', patches: [{ symbol: 'sigtramp', offset: 0x0c, expect: 0xaa0003e5, replace: 0xaa0003f2 }],
    expect: { 'teb-consistent sigtramp+0xc x18': 3, 'x18-untouched sigtramp+0xc x18': 3 } },
  { name: 'an SP adjustment of 8 inside tstart_stdcall', fixture: 'goroutines', go: '1.27', patches: [{ symbol: 'runtime.tstart_stdcall', offset: 0x44, expect: 0x97fffd6b, replace: 0xd10023ff }],
    expect: { 'sp-aligned runtime.tstart_stdcall+0x44 sp': 4 }, known: misalignedElsewhere('runtime.tstart_stdcall') },
  { name: 'a resume SP outside the stack', fixture: 'panic-recover', go: '1.27', patches: [{ symbol: 'runtime.sigtrampgo', offset: 0xf0, expect: 0xf9008022, replace: 0xf900803f }],
    expect: { 'resume-in-stack runtime.sigtrampgo+0xf0 CONTEXT.Sp': 1 } },
  // `if ep.context.ip() != sigresume` inverted: sigtrampgo returns without the rewrite; its b.eq is blamed.
  { name: 'sigtrampgo skips the CFG workaround', fixture: 'panic-recover', go: '1.27', patches: [{ symbol: 'runtime.sigtrampgo', offset: 0xc8, expect: 0x54000081, replace: 0x54000080 }],
    expect: { 'resume-in-stack runtime.sigtrampgo+0xc8 CONTEXT.Sp': 1 } },
  // An LDP pair cut to one LDR: blamed at that LDR, which reloaded the neighbour and skipped the register.
  { name: 'a skipped restore of R27 in sigtramp', fixture: 'panic-recover', go: '1.27', patches: [{ symbol: 'sigtramp', offset: 0x5c, expect: 0xa94673fb, replace: 0xf94037fc }],
    expect: { 'callee-saved sigtramp+0x5c x27': 6 } },
  { name: 'sigtramp returns to Windows with g in X28', fixture: 'panic-recover', go: '1.27', patches: [{ symbol: 'sigtramp', offset: 0x5c, expect: 0xa94673fb, replace: 0xf94033fb }],
    expect: { 'callee-saved sigtramp+0x5c x28': 6 } },
];

describe('bugs patched into the Go runtime: every violation, blamed where the porter must change it', () => {
  for (const c of CASES) {
    test(`${c.go ? `go${c.go}: ` : ''}${c.name}`, async () => {
      const p = patchProgram(fixtureExe(c.fixture, c.go), c.patches);
      try {
        const vs = (await recordAndCheck(p.path, `${c.fixture}-${c.go ?? ''}-${c.patches[0]!.symbol}`)).filter((v) => !c.known?.(v));
        assert.deepEqual(tally(vs), c.expect);
        for (const v of vs) assert.equal(v.step, v.position, `${key(v)} blames an instruction`);
      } finally {
        p.cleanup();
      }
    });
  }
});

interface Seeded {
  bug: string;
  go?: string;
  rules?: RuleId[];
  expect: Record<string, number>;
  /** The blamed step is the first execution of its instruction (a loop is blamed at its first iteration). */
  firstExecution?: boolean;
  /** Every violation's related positions, as "role symbol". */
  related?: string[];
}

const SEEDED: Seeded[] = [
  // mov x18, x0 points X18 at a fake TEB; GetCurrentThreadId then reads it (the program prints 0xbad); mov x18, x19
  // gives the TEB back, which neither rule reports.
  { bug: 'fake-teb', expect: { 'teb-consistent main.callWithFakeTeb+0x18 x18': 1, 'x18-untouched main.callWithFakeTeb+0x18 x18': 1 } },
  { bug: 'fake-teb', rules: ['teb-consistent'], expect: { 'teb-consistent main.callWithFakeTeb+0x18 x18': 1 } },
  { bug: 'fake-teb', go: '1.27', rules: ['teb-consistent'], expect: { 'teb-consistent main.callWithFakeTeb+0x18 x18': 1 } },
  // The start routine zeroes the sentinels Windows entered it with: each register at its own first write.
  { bug: 'start-clobber', expect: { 'callee-saved startClobber x19': 1, 'callee-saved startClobber+0x4 x20': 1, 'callee-saved startClobber+0x8 d8': 1 } },
  { bug: 'start-clobber', go: '1.27', expect: { 'callee-saved startClobber x19': 1, 'callee-saved startClobber+0x4 x20': 1, 'callee-saved startClobber+0x8 d8': 1 } },
  // scvtf d9, x9 runs three times; the first one replaced the caller's D9.
  { bug: 'd9-loop', firstExecution: true, expect: { 'callee-saved sumClobber+0x8 d9': 1 } },
  { bug: 'd9-loop', go: '1.27', firstExecution: true, expect: { 'callee-saved sumClobber+0x8 d9': 1 } },
  // X19 was saved and given back; the write after that is the one to remove.
  { bug: 'x19-again', expect: { 'callee-saved countAgain+0x24 x19': 1 } },
  { bug: 'x19-again', go: '1.27', expect: { 'callee-saved countAgain+0x24 x19': 1 } },
  // SP 8 down and back with nothing accessed through it: reported, and said to be stricter than the CPU.
  { bug: 'sp-transient', expect: { 'sp-aligned scratch8 sp': 1 }, related: ['realigned scratch8+0x4'] },
  { bug: 'sp-transient', go: '1.27', expect: { 'sp-aligned scratch8 sp': 1 }, related: ['realigned scratch8+0x4'] },
  // An 8-byte push: the pre-indexed store itself uses the aligned SP; the pop three instructions on is where
  // hardware faults, and where this run stops being what Windows would run.
  { bug: 'sp-push8', expect: { 'sp-aligned push8 sp': 1 }, related: ['faults push8+0xc'] },
  { bug: 'sp-push8', go: '1.27', expect: { 'sp-aligned push8 sp': 1 }, related: ['faults push8+0xc'] },
];

describe('bugs seeded in Go assembly (fixtures/go/abi-seeded): every violation, blamed where the porter must change it', () => {
  for (const c of SEEDED) {
    test(`${c.go ? `go${c.go}: ` : ''}${c.bug}${c.rules ? ` (--rule ${c.rules.join(' ')})` : ''}`, async () => {
      const inspect = (r: Replay, vs: Violation[]) => {
        if (c.firstExecution) for (const v of vs) assert.equal(v.position, findExecution(r.trace, -1, 1, v.pc, v.tid), `${key(v)}: not its first execution`);
        if (c.related) assert.deepEqual(vs.flatMap((v) => (v.related ?? []).map((x) => `${x.role} ${x.symbol}`)), c.related);
      };
      const vs = await recordAndCheck(fixtureExe('abi-seeded', c.go), `seeded-${c.bug}-${c.go ?? ''}`, { args: [c.bug], ...(c.rules ? { rules: c.rules } : {}), inspect });
      assert.deepEqual(tally(vs), c.expect);
      for (const v of vs) assert.equal(v.step, v.position, `${key(v)} blames an instruction`);
    });
  }
});

describe('unpatched fixtures check clean', () => {
  for (const [name, go] of [['panic-recover'], ['goroutines'], ['crash'], ['abi-seeded'], ['panic-recover', '1.27'], ['goroutines', '1.27'], ['crash', '1.27'], ['abi-seeded', '1.27']] as Array<[string, string?]>) {
    test(go ? `go${go} ${name}` : name, async () => {
      const vs = await recordAndCheck(fixtureExe(name, go), `clean-${name}-${go ?? ''}`);
      assert.deepEqual(vs.map((v) => `${v.rule} at ${v.symbol} (${v.position})`), []);
    });
  }
});

for (const go of ['1.19', '1.27']) {
  test(`go${go} callback: the D8-D15 clobber callbackasm1 lets through is reported, at unspillArgs' loads, and nothing else`, async () => {
    const vs = await recordAndCheck(fixtureExe('callback', go), `finding-callback-${go}`);
    assert.deepEqual(vs.filter((v) => !callbackFloatClobber(v)).map(key), []);
    assert.equal(vs.length, 8, 'D8-D15 once each, at the first callback that loads over them');
    assert.match(vs[0]!.detail, /^d8 entered with .* \(callback runtime\.callbackasm\+0x/);
  });
}

// The same finding where Windows itself calls Go: the console control handler (fixtures/go/signal-notify), called by
// kernelbase!CtrlRoutine on a thread of its own, whose D8-D15 still hold that thread start's sentinels. 1.19's first
// clobber is unspillArgs'; 1.27's comes earlier on the way in, in the new M's chacha8rand.block.
for (const go of ['1.19', '1.27']) {
  test(`go${go} signal-notify: the console control handler, a callback from Windows, does not give back D8-D15`, async () => {
    const vs = await recordAndCheck(fixtureExe('signal-notify', go), `finding-signal-${go}`, {
      record: { consoleEvents: [{ kind: 'ctrl-c', at: 1_000_000_000n }], maxInstructions: 0n },
    });
    assert.deepEqual(vs.map((v) => `${v.rule} ${v.subject}`), [8, 9, 10, 11, 12, 13, 14, 15].map((n) => `callee-saved d${n}`));
    for (const v of vs) assert.match(v.detail, /^d\d+ entered with sentinel 0x5e172\w+ of a thread start routine's entry .* \(callback runtime\.callbackasm, /);
  });
}
