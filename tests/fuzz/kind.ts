// What the fuzz harness needs from one kind of input (PE images now, trace files later): seed files, a map of
// where their structure lives, and a check that loads one mutated input and says how it ended.

import type { InputMap } from './mutators.ts';

export interface SeedInput {
  /** File name the checker reports defects against (e.g. "hello.exe"). */
  name: string;
  bytes: Uint8Array;
  map: InputMap;
}

export interface CheckOptions {
  /** For inputs that load: instructions to run afterwards (0 = load only). */
  runInstructions: number;
}

/** A clean end: the input was refused with one clear error line, or it was accepted. */
export type CheckResult =
  | { outcome: 'rejected'; message: string }
  | { outcome: 'loaded'; detail: string };

export interface FuzzKind {
  readonly name: string;
  /** The unmutated inputs, read once per worker. */
  seeds(): SeedInput[];
  /**
   * Loads one input. Returns how it ended cleanly; anything it throws is a failure of the program under test
   * (an uncaught non-wintrace exception, or an error message that is not one line). Asynchronous for kinds that
   * go through what the CLI verbs do (their disassembler loads asynchronously).
   */
  check(bytes: Uint8Array, name: string, options: CheckOptions): CheckResult | Promise<CheckResult>;
}
