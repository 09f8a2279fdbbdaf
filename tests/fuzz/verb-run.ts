// The CLI verbs in this process: a verb's own handler (src/cli/commands) given the arguments yargs would give it,
// what it writes to stdout and stderr captured, and its error turned into the line and exit code src/cli/main.ts
// makes of it. Thousands of fuzz cases can go through the code users run without a process each.

import type { ArgumentsCamelCase, CommandModule } from 'yargs';
import { WintraceError } from '../../src/errors.ts';

export interface VerbResult {
  out: string;
  err: string;
  /** The exit code the command would end with. */
  code: number;
}

type Write = typeof process.stdout.write;

function capture(into: string[]): Write {
  return ((chunk: string | Uint8Array) => {
    into.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  }) as Write;
}

/**
 * Runs one verb. A WintraceError is the verb's clean refusal (`wintrace: <message>`, its exit code); anything else
 * it throws is thrown on, as the CLI would print it with a stack trace.
 */
export async function runVerb<A>(command: CommandModule<object, A>, args: A): Promise<VerbResult> {
  const out: string[] = [];
  const err: string[] = [];
  const saved = { out: process.stdout.write, err: process.stderr.write };
  process.stdout.write = capture(out);
  process.stderr.write = capture(err);
  process.exitCode = undefined;
  let code = 0;
  try {
    await command.handler({ _: [], $0: 'wintrace', ...args } as ArgumentsCamelCase<A>);
    code = Number(process.exitCode ?? 0);
  } catch (e) {
    if (!(e instanceof WintraceError)) throw e;
    err.push(`wintrace: ${e.message}\n`);
    code = e.exitCode;
  } finally {
    process.stdout.write = saved.out;
    process.stderr.write = saved.err;
    process.exitCode = undefined;
  }
  return { out: out.join(''), err: err.join(''), code };
}
