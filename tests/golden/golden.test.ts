// The golden traces (traces/README.md): every scenario is re-recorded from its fixture, located by structure,
// dumped with the committed command line and compared with traces/<name>.dump line by line; the first line that
// differs names the instruction. Each fresh recording also passes the ABI check, save the violations the README
// lists with their reasons. A second test per golden reads the committed .mp and checks that it still dumps to
// the committed text (after a change of the trace encoding: npm run golden:update).

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { wintrace } from '../helpers/cli.ts';
import { fixtureExe } from '../helpers/fixtures.ts';
import { describeDifference, firstDifference, goldenFailures, produce, readGolden, readManifest, TRACES, unlistedViolations } from './goldens.ts';
import { SCENARIOS } from './scenarios.ts';

const work = mkdtempSync(join(tmpdir(), 'wintrace-golden-test-'));
after(() => rmSync(work, { recursive: true, force: true }));

describe('golden traces, re-recorded', () => {
  for (const s of SCENARIOS) {
    test(`${s.name}: the same dump as traces/${s.name}.dump, no unlisted ABI violation`, async (t) => {
      const run = produce(s, fixtureExe(s.fixture, s.go), work);
      const was = readManifest()[s.name];
      if (was && (was.start !== run.window.start || was.stop !== run.window.stop)) {
        t.diagnostic(`window moved in the run: instructions ${was.start}-${was.stop} at the last update, ${run.window.start}-${run.window.stop} now`);
      }
      const failures = await goldenFailures(s, run);
      if (failures.length) assert.fail(failures.join('\n\n'));
    });
  }
});

describe('committed goldens', () => {
  const manifest = readManifest();
  for (const s of SCENARIOS) {
    test(`traces/${s.name}.mp dumps to traces/${s.name}.dump and passes the ABI check`, async () => {
      const m = manifest[s.name];
      const mp = join(TRACES, `${s.name}.mp`);
      assert.ok(m && existsSync(mp), `traces/${s.name}.mp or its traces/goldens.json entry is missing: run npm run golden:update`);
      const r = wintrace('dump', mp, ...m.dumpArgs);
      assert.equal(r.code, 0, `wintrace dump traces/${s.name}.mp failed (a trace encoding change? run npm run golden:update): ${r.err.trim()}`);
      const d = firstDifference(readGolden(s), r.out);
      if (d) assert.fail(`traces/${s.name}.mp and its dump disagree; they are written together by npm run golden:update\n${describeDifference(join(TRACES, `${s.name}.dump`), d)}`);
      assert.deepEqual(await unlistedViolations(s.name, mp), []);
    });
  }
});
