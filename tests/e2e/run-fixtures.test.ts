// Every fixture runs on the emulated Windows and prints what the same source printed natively on linux
// (normalised), with the same exit code; a second run repeats it exactly, instruction counts included.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { normalizeOutput } from '../../scripts/normalize-output.ts';
import { expectedOutput, fixtureExe, fixtureNames } from '../helpers/fixtures.ts';
import { runProgram } from '../helpers/run-program.ts';

describe('fixtures run on the emulated Windows', () => {
  for (const name of fixtureNames()) {
    test(`${name}: output and exit code match the native run; a second run is identical`, () => {
      const expected = expectedOutput(name);
      const first = runProgram(fixtureExe(name));
      assert.equal(first.end.reason, 'exit', `${name} ended by ${first.end.reason}`);
      assert.equal(normalizeOutput(first.output), expected.text, `${name}: output differs from the native run`);
      assert.equal(first.exitCode, expected.exitCode, `${name}: exit code`);
      const second = runProgram(fixtureExe(name));
      assert.equal(second.output, first.output, `${name}: second run printed something else`);
      assert.equal(second.instructions, first.instructions, `${name}: instruction count differs between runs`);
      assert.deepEqual(second.perThread, first.perThread, `${name}: per-thread counts differ between runs`);
    });
  }
});
