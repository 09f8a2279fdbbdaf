// The trace the TUI tests travel through: panic-recover with X18 used as a scratch register inside sigtramp (the
// x18-untouched case of tests/e2e/abi-injection.test.ts), so one small recording has calls, exception dispatches
// that resume, several threads and ABI violations. Recorded once per test file into a temporary directory.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordSession } from '../../src/recorder/session.ts';
import { fixtureExe } from './fixtures.ts';
import { patchProgram } from './patch.ts';

export interface TuiTrace {
  readonly path: string;
  cleanup(): void;
}

export function recordTuiTrace(): TuiTrace {
  const dir = mkdtempSync(join(tmpdir(), 'wintrace-tui-'));
  const p = patchProgram(fixtureExe('panic-recover'), [{ symbol: 'sigtramp', offset: 0x0c, expect: 0xaa1b03f0, replace: 0xaa1b03f2 }]);
  const path = join(dir, 'x18.mp');
  try {
    new RecordSession({ program: p.path, output: path, args: [], env: {}, maxInstructions: 4_000_000n }).run();
  } finally {
    p.cleanup();
  }
  return { path, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
