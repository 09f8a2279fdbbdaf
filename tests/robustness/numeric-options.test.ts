// Numeric options: every one of every verb is checked before anything runs, and a value it does not accept is
// one line naming the option and what it wanted, exit 2. Before, `--max-instructions abc` ended in a BigInt(NaN)
// stack trace (exit 70), `-5` meant "no limit" and `--quantum 0` or `-1` hung the scheduler.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import yargs, { type Argv, type CommandModule } from 'yargs';
import { checkNumericOptions, NUMERIC_OPTIONS } from '../../src/cli/options.ts';
import { checkCommand } from '../../src/cli/commands/check.ts';
import { diffCommand } from '../../src/cli/commands/diff.ts';
import { doctorCommand } from '../../src/cli/commands/doctor.ts';
import { dumpCommand } from '../../src/cli/commands/dump.ts';
import { episodesCommand } from '../../src/cli/commands/episodes.ts';
import { eventsCommand } from '../../src/cli/commands/events.ts';
import { recordCommand } from '../../src/cli/commands/record.ts';
import { runCommand } from '../../src/cli/commands/run.ts';
import { showCommand } from '../../src/cli/commands/show.ts';
import { tuiCommand } from '../../src/cli/commands/tui.ts';
import { UsageError } from '../../src/errors.ts';
import { fixtureExe } from '../helpers/fixtures.ts';
import { WINTRACE_BIN } from '../helpers/bin.ts';

const dir = mkdtempSync(join(tmpdir(), 'wintrace-options-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function wintrace(...args: string[]) {
  const r = spawnSync(process.execPath, [WINTRACE_BIN, ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.signal, null, `wintrace ${args.join(' ')} did not end by itself`);
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const COMMANDS = [recordCommand, runCommand, checkCommand, showCommand, tuiCommand, eventsCommand, episodesCommand, dumpCommand, diffCommand, doctorCommand] as CommandModule[];

describe('the table of numeric options', () => {
  test('covers every numeric option of every verb', () => {
    for (const c of COMMANDS) {
      const y = yargs([]);
      (c.builder as (y: Argv) => Argv)(y);
      // getOptions is yargs' own (untyped) view of what a builder declared.
      const numbers = (y as unknown as { getOptions(): { number: string[] } }).getOptions().number;
      for (const n of numbers) assert.ok(n in NUMERIC_OPTIONS, `${String(c.command)}: --${n} has no rule in NUMERIC_OPTIONS`);
    }
  });

  test('refuses NaN, negatives, zero where a count must be positive, fractions, infinity and repeats', () => {
    const bad: Array<[Record<string, unknown>, string[], string]> = [
      [{ 'max-instructions': Number.NaN }, ['--max-instructions', 'abc'], '--max-instructions abc: expected a whole number of instructions, 1 or more'],
      [{ 'max-instructions': -5 }, ['--max-instructions', '-5'], '--max-instructions -5: expected a whole number of instructions, 1 or more'],
      [{ 'max-instructions': 0 }, [], '--max-instructions 0: expected a whole number of instructions, 1 or more'],
      [{ 'max-instructions': 1.5 }, ['--max-instructions=1.5'], '--max-instructions 1.5: expected a whole number of instructions, 1 or more'],
      [{ 'max-instructions': 2 ** 60 }, [], `--max-instructions ${2 ** 60}: expected a whole number of instructions, 1 or more`],
      [{ quantum: 0 }, ['--quantum', '0'], '--quantum 0: expected a whole number of instructions per slice, from 1 to 100000000'],
      [{ quantum: -1 }, ['--quantum', '-1'], '--quantum -1: expected a whole number of instructions per slice, from 1 to 100000000'],
      [{ quantum: [1, 2] }, [], '--quantum is given 2 times: give it once'],
      [{ timeout: Number.POSITIVE_INFINITY }, ['--timeout', 'Infinity'], '--timeout Infinity: expected a positive number of seconds'],
      [{ timeout: 0 }, ['--timeout', '0'], '--timeout 0: expected a positive number of seconds'],
      [{ context: -1 }, ['--context', '-1'], '--context -1: expected a whole number of lines, 0 or more'],
      [{ depth: Number.NaN }, ['--depth', 'x'], '--depth x: expected a whole number of calls, 0 or more'],
      [{ episode: 0.5 }, ['--episode', '0.5'], '--episode 0.5: expected an episode number, 0 or more (wintrace episodes lists them)'],
      [{ stack: 1e9 }, ['--stack', '1e9'], '--stack 1e9: expected a whole number of stack words, from 0 to 65536'],
    ];
    for (const [argv, raw, message] of bad) {
      assert.throws(() => checkNumericOptions(argv, raw), (e: unknown) => e instanceof UsageError && e.message === message, message);
    }
    for (const ok of [{ 'max-instructions': 1 }, { quantum: 100_000_000 }, { timeout: 0.5 }, { context: 0 }, { depth: 0 }, { episode: 3 }, { stack: 0 }, {}]) {
      checkNumericOptions(ok, []);
    }
  });
});

describe('through the command line', () => {
  const cases: Array<[string[], string]> = [
    [['run', 'HELLO', '--max-instructions', 'abc'], '--max-instructions abc: expected a whole number of instructions, 1 or more'],
    [['record', 'HELLO', '--max-instructions', '-5'], '--max-instructions -5: expected a whole number of instructions, 1 or more'],
    [['run', 'HELLO', '--quantum', '0'], '--quantum 0: expected a whole number of instructions per slice, from 1 to 100000000'],
    [['record', 'HELLO', '--quantum', '-1'], '--quantum -1: expected a whole number of instructions per slice, from 1 to 100000000'],
    [['run', 'HELLO', '--timeout', 'soon'], '--timeout soon: expected a positive number of seconds'],
    [['show', 'x.mp', '--stack', 'abc'], '--stack abc: expected a whole number of stack words, from 0 to 65536'],
  ];
  for (const [args, message] of cases) {
    test(`${args.join(' ')}: one line, exit 2, nothing run or written`, () => {
      const r = wintrace(...args.map((a) => (a === 'HELLO' ? fixtureExe('hello') : a)));
      assert.deepEqual([r.code, r.out, r.err], [2, '', `wintrace: ${message}\n`]);
    });
  }
});
