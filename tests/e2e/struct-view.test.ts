// `show --struct`: the CONTEXT an exception resumes from, as Go 1.19 and 1.27 leave it. The Go handler (1.19's
// sigtramp_g0, 1.21+'s runtime.sigtrampgo: the routine before runtime.exceptionhandler in the profile's dispatch
// path) rewrites Pc to sigresume and Sp to the g0 stack (golang/go#44451); everything else is the exception frame
// the emulated Windows wrote when it raised the exception.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { goRuntimeProfile } from '../../src/replayer/go-runtimes.ts';
import { Replay } from '../../src/replayer/replay.ts';
import { wintrace } from '../helpers/cli.ts';
import { fixtureExe } from '../helpers/fixtures.ts';

interface Row { name: string; value: string; points?: string; writer?: { step?: number; by: string } }

const dir = mkdtempSync(join(tmpdir(), 'wintrace-struct-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('show --struct', () => {
  for (const release of ['1.19', '1.27']) {
    test(`Go ${release}: CONTEXT at the resume: Pc = sigresume, Sp on the g0 stack, by the Go handler; the rest by Windows`, () => {
      const trace = join(dir, `pr${release}.mp`);
      assert.equal(wintrace('record', fixtureExe('panic-recover', release), '-o', trace, '-q').code, 0);
      const replay = Replay.open(trace);
      let context: bigint;
      let resume: { position: number; stackLimit: bigint; stackBase: bigint };
      let handler: string;
      let sigresume: string;
      try {
        const events = replay.trace.events();
        const raised = events.find((e) => e.event.kind === 'exception-raised')!.event as { context: bigint };
        const resumed = events.find((e) => e.event.kind === 'context-resumed')!;
        const ev = resumed.event as { stackLimit: bigint; stackBase: bigint };
        context = raised.context;
        resume = { position: resumed.position, stackLimit: ev.stackLimit, stackBase: ev.stackBase };
        const path = goRuntimeProfile(replay.trace.symbols, replay.trace.header.program.goVersion)!.dispatchPath;
        handler = path[path.indexOf('runtime.exceptionhandler') - 1]!;
        sigresume = path[path.length - 1]!;
      } finally {
        replay.close();
      }
      const r = wintrace('show', trace, '--at', String(resume.position), '--struct', `CONTEXT@0x${context.toString(16)}`, '--json');
      assert.equal(r.code, 0, r.err);
      const rows = (JSON.parse(r.out) as { struct: { fields: Row[] } }).struct.fields;
      const field = (name: string) => rows.find((f) => f.name === name)!;
      assert.equal(field('Pc').points, sigresume);
      assert.match(field('Pc').writer!.by, new RegExp(`^${handler.replace(/\./g, '\\.')}\\+0x[0-9a-f]+$`));
      const sp = BigInt(field('Sp').value);
      assert.ok(sp >= resume.stackLimit && sp < resume.stackBase, `Sp ${field('Sp').value} on the thread's own (g0) stack`);
      assert.match(field('Sp').writer!.by, new RegExp(`^${handler.replace(/\./g, '\\.')}\\+0x`));
      for (const name of ['ContextFlags', 'Cpsr', 'X19', 'Fp']) assert.deepEqual([name, field(name).writer!.by], [name, 'Windows']);
      assert.equal(field('ContextFlags').value, '0x400007');
      assert.equal(rows.filter((f) => /^X\d+$/.test(f.name)).length, 29);

      const text = wintrace('show', trace, '--at', String(resume.position), '--struct', `CONTEXT@0x${context.toString(16)}`);
      assert.match(text.out, new RegExp(`\\n {2}0x108 {3}Pc {12}0x[0-9a-f]+ \\(${sigresume.replace(/\./g, '\\.')}\\) +${handler.replace(/\./g, '\\.')}\\+0x[0-9a-f]+ at step \\d+\\n`));
      assert.match(text.out, /\n {2}0x0 {5}ContextFlags {2}0x400007 +Windows at position \d+\n/);
    });
  }

  test('a name it does not decode, or a structure without an address: one line, exit 2', () => {
    const trace = join(dir, 'pr1.19.mp');
    const bad = wintrace('show', trace, '--struct', 'CONTEXTX@sp');
    assert.equal(bad.code, 2);
    assert.equal(bad.err, "wintrace: 'CONTEXTX' is not a structure wintrace decodes: use CONTEXT, EXCEPTION_RECORD, EXCEPTION_POINTERS, TEB, KUSER_SHARED_DATA\n");
    const bare = wintrace('show', trace, '--struct', 'CONTEXT');
    assert.equal(bare.code, 2);
    assert.match(bare.err, /^wintrace: --struct CONTEXT: say where the CONTEXT is, e\.g\. CONTEXT@x0/);
    const teb = wintrace('show', trace, '--struct', 'TEB', '--json');
    assert.equal(teb.code, 0, teb.err);
    const self = (JSON.parse(teb.out) as { struct: { address: number; fields: Row[] } }).struct;
    assert.equal(BigInt(self.fields.find((f) => f.name === 'Self')!.value), BigInt(self.address));
  });
});
