// Where register values point (value-places.ts), on Go 1.19 and 1.27 recordings of the demo: at the faulting load in
// main.readValue (a goroutine's stack, its g, code), at sigresume on the thread's own stack, the Windows structures,
// and `wintrace show` listing them.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RecordSession } from '../../src/recorder/session.ts';
import { goRuntimeProfile } from '../../src/replayer/go-runtimes.ts';
import { Replay } from '../../src/replayer/replay.ts';
import { findExecution } from '../../src/replayer/search.ts';
import { ValuePlaces } from '../../src/replayer/value-places.ts';
import { registersView } from '../../src/replayer/view.ts';
import { wintrace } from '../helpers/cli.ts';
import { fixtureExe } from '../helpers/fixtures.ts';

for (const release of ['1.19', '1.27']) {
  describe(`where values point on go${release}`, () => {
    let dir: string;
    let path: string;
    let r: Replay;
    let fault: number;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), `wintrace-value-places-${release}-`));
      path = join(dir, 'demo.mp');
      new RecordSession({ program: fixtureExe('panic-recover', release), output: path, args: [], env: {} }).run();
      r = Replay.open(path);
      const raised = r.trace.events().find((e) => e.event.kind === 'exception-raised')!;
      fault = raised.position - 1;
    });
    after(() => {
      r?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    /** Each register's place at a position, by register name. */
    const named = (p: number): Record<string, string> => {
      const places = new ValuePlaces(r, p);
      return Object.fromEntries(registersView(r, p).rows.flatMap((row) => {
        const at = places.name(row.value);
        return at ? [[row.name, at.text]] : [];
      }));
    };

    test('at the faulting load: code, the goroutine\'s stack and g, the TEB', () => {
      const n = named(fault);
      assert.match(n.pc!, /^main\.readValue(\+0x[0-9a-f]+)?$/);
      assert.match(n.lr!, /^main\.safeRead\+0x[0-9a-f]+$/);
      assert.equal(n.sp, 'stack of goroutine 1, sp');
      assert.match(n.fp!, /^stack of goroutine 1, sp[+-]0x[0-9a-f]+$/);
      assert.equal(n.x28, 'g of goroutine 1');
      assert.equal(n.x18, 'TEB of thread 0x1000 (ExceptionList)');
    });

    test('at sigresume, where Windows resumed the thread on g0\'s stack, the thread\'s own', () => {
      const path = goRuntimeProfile(r.trace.symbols, r.trace.header.program.goVersion)!.dispatchPath;
      const p = findExecution(r.trace, fault, 1, r.trace.symbols.resolve(path[path.length - 1]!)!)!;
      assert.equal(named(p).sp, 'stack of thread 0x1000, sp');
    });

    test('the Windows structures, memory the emulated Windows mapped, and numbers that point nowhere', () => {
      const places = new ValuePlaces(r, fault);
      const teb = Number(r.trace.tebOf(0x1000)!);
      assert.equal(places.name(teb + 0x1488)?.text, 'TEB of thread 0x1000+0x1488 (TlsSlots[1])');
      const peb = Number(r.memory.u64(fault, teb + 0x60)!);
      assert.deepEqual(places.name(peb + 0x30), { kind: 'PEB', text: 'PEB+0x30' });
      assert.equal(places.name(0x7ffe0014)?.text, 'KUSER_SHARED_DATA+0x14 (SystemTime)');
      const mapped = r.memory.mappingEvents().find((e) => e.mapped && e.position < fault && e.end - e.base >= 0x10000)!;
      assert.match(places.name(mapped.base + 0x10)?.text ?? '', /^(memory mapped at position \d+: 0x[0-9a-f]+\+0x[0-9a-f]+|stack of .*|TEB of .*|g of goroutine \d+)$/);
      for (const v of [0, 0x20, 0xffff, 2 ** 47, -1]) assert.equal(places.name(BigInt.asUintN(64, BigInt(v))), undefined, `0x${v.toString(16)}`);
    });

    test('show lists where the register values point, and --json gives each row its place', () => {
      const text = wintrace('show', path, '--at', String(fault), '--stack', '0');
      assert.equal(text.code, 0, text.err);
      assert.match(text.out, /where register values point:\n(.*\n)*\s+x28\s+0x[0-9a-f]+  g of goroutine 1\n/);
      assert.match(text.out, /\n\s+sp\s+0x[0-9a-f]+  stack of goroutine 1, sp\n/);
      const json = wintrace('show', path, '--at', String(fault), '--stack', '0', '--json');
      assert.equal(json.code, 0, json.err);
      const rows = (JSON.parse(json.out) as { registers: Array<{ name: string; points?: string; pointsKind?: string }> }).registers;
      assert.deepEqual(rows.find((x) => x.name === 'x28'), { ...rows.find((x) => x.name === 'x28'), points: 'g of goroutine 1', pointsKind: 'g' });
      assert.equal(rows.find((x) => x.name === 'x19')?.points, undefined);
    });
  });
}
