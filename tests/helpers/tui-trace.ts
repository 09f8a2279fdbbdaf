// The traces the TUI tests travel through, recorded once per test file into a temporary directory:
// panic-recover as built (calls, exception dispatches that resume, several threads), and panic-recover with X18
// used as a scratch register inside sigtramp (the x18-untouched case of tests/e2e/abi-injection.test.ts), which
// adds ABI violations.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordSession } from '../../src/recorder/session.ts';
import { Replay } from '../../src/replayer/replay.ts';
import { fixtureExe } from './fixtures.ts';
import { patchProgram } from './patch.ts';

export interface TuiTrace {
  readonly path: string;
  cleanup(): void;
}

/** panic-recover with X18 clobbered in sigtramp, as a file. */
export function recordTuiTrace(): TuiTrace {
  const dir = mkdtempSync(join(tmpdir(), 'wintrace-tui-'));
  const p = patchProgram(fixtureExe('panic-recover'), [{ symbol: 'sigtramp', offset: 0x0c, expect: 0xaa1b03f0, replace: 0xaa1b03f2 }]);
  const path = join(dir, 'x18.mp');
  try {
    // Self-contained: the patched program is gone once the trace is opened.
    new RecordSession({ program: p.path, output: path, args: [], env: {}, maxInstructions: 4_000_000n, selfContained: true }).run();
  } finally {
    p.cleanup();
  }
  return { path, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface TuiTraces {
  /** panic-recover as built. */
  readonly plain: Replay;
  /** panic-recover with X18 clobbered in sigtramp. */
  readonly x18: Replay;
  close(): void;
}

/** Both traces, recorded and opened; close() closes them and removes their files. */
export function openTuiTraces(): TuiTraces {
  const x18File = recordTuiTrace();
  const plainPath = join(x18File.path, '..', 'pr.mp');
  new RecordSession({ program: fixtureExe('panic-recover'), output: plainPath, args: [], env: {} }).run();
  const plain = Replay.open(plainPath);
  const x18 = Replay.open(x18File.path);
  return {
    plain,
    x18,
    close() {
      plain.close();
      x18.close();
      x18File.cleanup();
    },
  };
}
