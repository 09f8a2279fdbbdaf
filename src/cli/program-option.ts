// `--program FILE`, which every verb that opens a trace takes: the program a trace recorded by reference (the
// default of `record`) needs, when it has moved since (src/trace/program-file.ts has the rule and the checks).

import { UsageError } from '../errors.ts';
import type { TraceOpenOptions } from '../trace/reader.ts';

export const PROGRAM_OPTION = {
  type: 'string',
  describe: 'the program a trace recorded by reference (record\'s default) reads its image from, when it is neither ' +
    'beside the trace nor at the path recorded; checked by size and sha256; a self-contained trace needs none',
} as const;

/** The open options for `--program` given once; a second one (yargs makes an array) is a usage error. */
export function programOption(value: unknown): TraceOpenOptions {
  if (value === undefined) return {};
  if (Array.isArray(value)) throw new UsageError(`--program is given ${value.length} times: give it once`);
  return { program: String(value) };
}

/** diff's `--program`: once for both traces, or twice, in the order of the traces. */
export function programOptions(value: unknown, traces: number): TraceOpenOptions[] {
  const list = value === undefined ? [] : Array.isArray(value) ? value.map(String) : [String(value)];
  if (list.length > traces) throw new UsageError(`--program is given ${list.length} times: give it once for both traces, or once per trace in their order`);
  return Array.from({ length: traces }, (_, i) => (list.length ? { program: list[Math.min(i, list.length - 1)]! } : {}));
}
