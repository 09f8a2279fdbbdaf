// The text views a user reads a trace through, as the hostile-strings fuzz kind runs them: each verb's handler
// in-process (verb-run.ts) with the options that change what it prints, and the same words for the real command.

import { checkCommand } from '../../src/cli/commands/check.ts';
import { diffCommand } from '../../src/cli/commands/diff.ts';
import { dumpCommand } from '../../src/cli/commands/dump.ts';
import { episodesCommand } from '../../src/cli/commands/episodes.ts';
import { eventsCommand } from '../../src/cli/commands/events.ts';
import { showCommand } from '../../src/cli/commands/show.ts';
import { runVerb, type VerbResult } from './verb-run.ts';

export interface View {
  /** Words after `wintrace`, with the trace's path where TRACE stands. */
  argv: readonly string[];
  run(trace: string): Promise<VerbResult>;
  /** JSON output: one document per line, or one document. */
  json?: 'lines' | 'whole';
}

export const TRACE = '<trace>';

export const VIEWS: readonly View[] = [
  { argv: ['dump', TRACE], run: (trace) => runVerb(dumpCommand, { trace }) },
  { argv: ['dump', TRACE, '--raw'], run: (trace) => runVerb(dumpCommand, { trace, raw: true }) },
  { argv: ['dump', TRACE, '--depth', '0'], run: (trace) => runVerb(dumpCommand, { trace, depth: 0 }) },
  { argv: ['dump', TRACE, '--episode', '0'], run: (trace) => runVerb(dumpCommand, { trace, episode: 0 }) },
  { argv: ['events', TRACE], run: (trace) => runVerb(eventsCommand, { trace }) },
  { argv: ['events', TRACE, '--json'], run: (trace) => runVerb(eventsCommand, { trace, json: true }), json: 'lines' },
  { argv: ['show', TRACE, '--at', '1'], run: (trace) => runVerb(showCommand, { trace, at: '1', stack: 16 }) },
  { argv: ['show', TRACE, '--at', 'episode:0'], run: (trace) => runVerb(showCommand, { trace, at: 'episode:0', stack: 16 }) },
  { argv: ['show', TRACE, '--at', '9', '--json'], run: (trace) => runVerb(showCommand, { trace, at: '9', stack: 16, json: true }), json: 'whole' },
  { argv: ['episodes', TRACE, '--marks'], run: (trace) => runVerb(episodesCommand, { trace, marks: true }) },
  { argv: ['episodes', TRACE, '--json'], run: (trace) => runVerb(episodesCommand, { trace, json: true }), json: 'whole' },
  { argv: ['check', TRACE, '-q'], run: (trace) => runVerb(checkCommand, { trace, quiet: true }) },
  { argv: ['check', TRACE, '--json'], run: (trace) => runVerb(checkCommand, { trace, json: true }), json: 'whole' },
  { argv: ['diff', TRACE, TRACE], run: (trace) => runVerb(diffCommand, { a: trace, b: trace }) },
];

export function viewName(v: View): string {
  return v.argv.filter((a) => a !== TRACE).join(' ');
}
