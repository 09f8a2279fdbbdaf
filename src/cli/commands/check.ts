// `wintrace check trace.mp [--json] [--rule ID...]`: run the Windows ARM64 ABI rules over a trace.
// Exit 0 when clean, 1 with violations, 2 for bad input (an unreadable trace, an unknown rule). Known findings in
// Go's own runtime (known-findings.ts) are printed, marked, and not counted unless --strict.

import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { UsageError } from '../../errors.ts';
import type { Violation } from '../../replayer/abi/violation.ts';
import { KNOWN_FINDINGS } from '../../replayer/abi/known-findings.ts';
import { RULE_IDS, RULES, type RuleId } from '../../replayer/abi/rules.ts';
import { tidName } from '../../replayer/describe.ts';
import { Replay } from '../../replayer/replay.ts';
import { progressLine } from '../progress.ts';
import { jsonText, printLines } from '../../text/terminal.ts';
import { PROGRAM_OPTION, programOption } from '../program-option.ts';

interface CheckArgs {
  trace: string;
  program?: string;
  json?: boolean;
  rule?: string[];
  all?: boolean;
  quiet?: boolean;
  strict?: boolean;
}

/** Violations printed in full before the rest are summarised by rule and address (--all prints every one). */
const DETAILED = 20;

export function formatViolation(v: Violation, index: number): string[] {
  const where = v.step !== undefined ? `${v.symbol} (0x${v.pc.toString(16)})  ${v.instruction}` : `${v.symbol} (by the emulated Windows)`;
  const lines = [
    `#${index} ${v.rule}${v.known ? ` [known: ${v.known}]` : ''}  position ${v.position}  thread ${tidName(v.tid)}  ${where}`,
    `    ${v.subject}: ${v.before} -> ${v.after}`,
    `    ${v.detail}${v.detectedAt !== undefined && v.detectedAt !== v.position ? ` [noticed at position ${v.detectedAt}]` : ''}`,
    ...(v.related?.length ? [`    ${v.related.map((r) => `${r.role} at position ${r.position} (${r.symbol})`).join('; ')}`] : []),
    `    why: ${v.why}`,
  ];
  return lines;
}

/** Known findings among the violations: each id once, with how many and why. */
function knownSummary(known: readonly Violation[]): Array<{ id: string; count: number; why: string }> {
  return KNOWN_FINDINGS.map((k) => ({ id: k.id, count: known.filter((v) => v.known === k.id).length, why: k.why })).filter((k) => k.count > 0);
}

export const checkCommand: CommandModule<object, CheckArgs> = {
  command: 'check <trace>',
  describe: 'Check a trace against the Windows ARM64 ABI rules (exit 0 clean, 1 violations, 2 bad input; known findings in Go\'s runtime are shown, not counted)',
  builder: (y: Argv) =>
    y
      .positional('trace', { type: 'string', demandOption: true, describe: 'trace file written by wintrace record' })
      .option('program', PROGRAM_OPTION)
      .option('json', { type: 'boolean', describe: 'print the result as JSON' })
      .option('rule', { type: 'string', array: true, describe: `only these rules: ${RULE_IDS.join(', ')}` })
      .option('all', { type: 'boolean', describe: 'print every violation in full (default: the first 20, then a summary)' })
      .option('quiet', { alias: 'q', type: 'boolean', describe: 'no progress line' })
      .option('strict', { type: 'boolean', describe: 'count known findings in Go\'s own runtime as violations too (exit 1)' })
      .epilogue(`Rules:\n${RULES.map((r) => `  ${r.id.padEnd(16)} ${r.description}`).join('\n')}\n\nKnown findings in Go's runtime (reported, marked [known: id], not counted without --strict):\n` +
        KNOWN_FINDINGS.map((k) => `  ${k.id}: ${k.rule} on ${k.subjects.join(', ')}`).join('\n')) as Argv<CheckArgs>,
  handler: async (argv: ArgumentsCamelCase<CheckArgs>) => {
    const unknown = (argv.rule ?? []).filter((r) => !RULE_IDS.includes(r as RuleId));
    if (unknown.length) throw new UsageError(`--rule ${unknown.join(', ')}: no such rule; the rules are ${RULE_IDS.join(', ')}`);
    const replay = Replay.open(argv.trace, programOption(argv.program));
    try {
      const t0 = performance.now();
      const progress = argv.json || argv.quiet ? undefined : progressLine('checking');
      const result = await replay.check({
        ...(argv.rule?.length ? { rules: argv.rule as RuleId[] } : {}),
        ...(progress ? { onProgress: (done: number, total: number) => progress.update(`${done.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} steps`) } : {}),
      });
      progress?.done();
      const secs = (performance.now() - t0) / 1000;
      const vs = result.violations;
      const counted = argv.strict ? vs : vs.filter((v) => !v.known);
      const known = vs.filter((v) => v.known);
      if (argv.json) {
        process.stdout.write(`${jsonText(JSON.stringify({
          trace: argv.trace, steps: result.steps, truncated: replay.trace.truncated, rules: result.rules, violations: vs,
          counted: counted.length, known: knownSummary(known),
        }, null, 2))}\n`);
      } else {
        const t = replay.trace;
        const out = [`${argv.trace}: ${result.steps.toLocaleString('en-US')} steps, ${t.threads().length} threads${t.truncated ? ' (truncated recording: checked up to its last complete segment)' : ''}; rules: ${result.rules.join(', ')}`];
        const shown = argv.all ? vs : vs.slice(0, DETAILED);
        shown.forEach((v, i) => out.push(...formatViolation(v, i)));
        if (vs.length > shown.length) {
          const groups = new Map<string, number>();
          for (const v of vs.slice(shown.length)) groups.set(`${v.rule} at ${v.symbol}`, (groups.get(`${v.rule} at ${v.symbol}`) ?? 0) + 1);
          out.push(`... and ${vs.length - shown.length} more (--all prints them):`);
          for (const [k, n] of [...groups].sort((a, b) => b[1] - a[1])) out.push(`    ${String(n).padStart(6)} x ${k}`);
        }
        const counts = RULE_IDS.filter((r) => result.rules.includes(r)).map((r) => `${r} ${counted.filter((v) => v.rule === r).length}`);
        out.push(`${counted.length === 0 ? 'no violations' : `${counted.length} violation${counted.length === 1 ? '' : 's'}`} (${counts.join(', ')}) in ${secs.toFixed(2)} s`);
        if (known.length && !argv.strict) {
          for (const k of knownSummary(known)) out.push(`and ${k.count} known finding${k.count === 1 ? '' : 's'} in Go's runtime, not counted (--strict counts them): ${k.id}: ${k.why}`);
        }
        printLines(out);
      }
      process.exitCode = counted.length === 0 ? 0 : 1;
    } finally {
      replay.close();
    }
  },
};
