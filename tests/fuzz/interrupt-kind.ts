// The "interrupt" fuzz kind: Ctrl-C at a random point of a recording. Each case starts `wintrace record` through
// the real command line on a fixture that ends by itself (hello, 0.7M instructions) or never (spin), sends SIGINT
// after a delay derived from the input (0-10 s, start-up included: before the program is loaded, while it boots, mid-run, while
// the footer is written, after it ended), and in a third of the cases a second SIGINT 0-60 ms later. It must exit
// 0 (the program ended first) or 130, print nothing but the lines a recording prints, and leave either no file
// (stopped before a header existed) or a trace at the target that opens, with no .partial or .lock beside it.
// Slow (a process per case): run with --timeout-ms 60000 and a few hundred cases.

import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TraceReader } from '../../src/trace/reader.ts';
import { fixtureExe } from '../helpers/fixtures.ts';
import type { CheckResult, FuzzKind, SeedInput } from './kind.ts';
import { WINTRACE_BIN } from '../helpers/bin.ts';

const WORK = join(tmpdir(), `wintrace-fuzz-interrupt-${process.pid}`);
mkdirSync(WORK, { recursive: true });
process.on('exit', () => rmSync(WORK, { recursive: true, force: true }));

/** Lines a recording may print on stderr, whichever moment the signals came. */
const EXPECTED = [
  /^wintrace: recorded .*$/,
  /^wintrace: interrupted$/,
  /^wintrace: interrupted again: stopped at once(; the trace keeps its complete segments, without a footer)?$/,
];

let serial = 0;

export const interruptKind: FuzzKind = {
  name: 'interrupt',
  seeds(): SeedInput[] {
    return ['hello', 'spin'].map((name) => ({ name, bytes: new Uint8Array(16), map: { fields: [{ name: 'when', offset: 0, size: 8 }], hot: [[0, 16]] } }));
  },
  check(bytes, name): CheckResult {
    const h = createHash('sha256').update(bytes).digest();
    const delayMs = h.readUInt32LE(0) % 10_000;
    const second = h[4]! % 3 === 0 ? h[5]! % 60 : undefined;
    const out = join(WORK, `t${serial++}.mp`);
    const cli = `${JSON.stringify(process.execPath)} ${JSON.stringify(WINTRACE_BIN)} record ${JSON.stringify(fixtureExe(name))} -o ${JSON.stringify(out)}`;
    const signals = `sleep ${delayMs / 1000}; kill -INT $p 2>/dev/null${second === undefined ? '' : `; sleep ${second / 1000}; kill -INT $p 2>/dev/null`}`;
    // bash runs wintrace as a background job of a non-interactive shell: SIGINT reaches it only from kill.
    const r = spawnSync('bash', ['-c', `${cli} >/dev/null & p=$!; ${signals}; wait $p`], { encoding: 'utf8', timeout: 50_000 });
    const what = `${name}, SIGINT at ${delayMs} ms${second === undefined ? '' : ` and ${second} ms later`}`;
    try {
      if (r.status !== 0 && r.status !== 130) throw new Error(`${what}: exit ${r.status} ${r.signal ?? ''}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
      const odd = r.stderr.split('\n').filter((l) => l !== '' && !EXPECTED.some((re) => re.test(l)));
      if (odd.length > 0) throw new Error(`${what}: unexpected output: ${odd.slice(0, 3).join(' | ')}`);
      const left = readdirSync(WORK).filter((f) => f.startsWith(`${out.slice(WORK.length + 1)}.`));
      if (left.length > 0) throw new Error(`${what}: left ${left.join(', ')} beside the target`);
      if (!existsSync(out)) return { outcome: 'rejected', message: `${what}: stopped before the trace had a header (no file)` };
      const t = new TraceReader(out);
      const detail = `${t.trace.truncated ? 'no footer' : `complete, ${t.trace.footer!.summary.endReason}`}`;
      t.close();
      return { outcome: 'loaded', detail: `exit ${r.status}, trace ${detail}` };
    } finally {
      rmSync(out, { force: true });
    }
  },
};
