// A deliberately broken fuzz kind for testing the harness itself: each seed input's name says how checking
// it ends, so a campaign over it must report every class of outcome, failures included.

import { WintraceError } from '../../src/errors.ts';
import type { CheckResult, FuzzKind } from './kind.ts';

const BEHAVIOURS = ['rejects', 'loads', 'throws', 'hangs', 'bloats', 'dies'] as const;

export const selftestKind: FuzzKind = {
  name: 'selftest',
  seeds: () => BEHAVIOURS.map((name) => ({ name, bytes: new Uint8Array(64), map: { fields: [{ name: 'x', offset: 0, size: 4 }], hot: [[0, 64]] } })),
  check(_bytes, name): CheckResult {
    switch (name) {
      case 'rejects': return { outcome: 'rejected', message: new WintraceError(`${name}: bad input`, 3).message };
      case 'loads': return { outcome: 'loaded', detail: 'fine' };
      case 'throws': throw new TypeError('cannot read properties of undefined');
      case 'hangs': for (;;);
      case 'bloats': {
        // Touch every page, so the resident set really grows.
        const b = Buffer.alloc(400 * 1024 * 1024, 1);
        return { outcome: 'loaded', detail: `held ${b.length} bytes` };
      }
      default: process.exit(9);
    }
  },
};
