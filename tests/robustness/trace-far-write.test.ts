// A corrupt or hostile trace can carry a memory write at an address no guest can have (above 2^53, where a
// JavaScript number no longer counts by one). The fuzzer found that reading memory near such a write looped
// forever while the replayer summarised the segment's written lines; a user's `show` must answer instead.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { A64, codeRegion, le64, SyntheticTrace } from '../helpers/synthetic-trace.ts';

const dir = mkdtempSync(join(tmpdir(), 'wintrace-far-write-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

// The reads run in a child process with a time bound: a loop that never ends cannot be interrupted in-process.
const READ = `
import { Replay } from './src/replayer/replay.ts';
const r = Replay.open(process.argv[1]);
const m = r.memory.read(3, 0x6fff_fff0, 8);
console.log(new DataView(m.bytes.buffer).getBigUint64(0, true).toString(16), r.memory.lastWrite(3, 0x6fff_fff0, 8)?.step);
`;

test('a write far above 2^53 does not stop memory reads from answering', () => {
  const file = join(dir, 'far.mp');
  const t = new SyntheticTrace({
    threads: [{ tid: 0x1000, teb: 0x7ff8_0000_0000n, stackBase: 0x7000_1000n, stackLimit: 0x6fff_0000n, regs: { 32: 0x10000n, 31: 0x7000_0000n, 18: 0x7ff8_0000_0000n } }],
    symbols: [{ name: 'main.main', address: 0x10000n, size: 0x40 }],
    regions: [codeRegion(0x10000n, new Array(16).fill(A64.nop)), { base: 0x6fff_0000n, size: 0x11000, prot: 'rw-', pages: [] }],
    segmentSteps: 4,
  });
  t.step({ write: [{ address: 0x6fff_fff0n, bytes: le64(0x1234n) }] });
  t.step({ write: [{ address: 0x0fff_ffff_ffff_ffc0n, bytes: le64(0x5678n) }] });
  t.step({});
  t.write(file);
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', READ, file], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  assert.equal(run.signal, null, `the reads did not answer within 30 s (killed by ${run.signal})`);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout.trim(), '1234 0');
});
