// One small tree of errors so the CLI can map each failure to a distinct exit code and a one-line message.
// Messages name the file/address/API and what went wrong; the CLI prints `wintrace: <message>`.

import { escapeControl } from './text/terminal.ts';

export const ExitCode = {
  ok: 0,
  violations: 1,
  usage: 2,
  badInput: 2,
  badImage: 3,
  /** A trace file that is not readable is bad input, like a usage error (`wintrace check` documents 2). */
  traceFormat: 2,
  emulationFault: 5,
  unsupportedApi: 6,
  engine: 7,
  internal: 70,
} as const;

/** Messages quote names taken from the input (section names, DLL and API names, strings the guest passed), and a
 * message must stay one line whatever those hold: escaped like every line a view prints. */
export class WintraceError extends Error {
  constructor(message: string, readonly exitCode: number) {
    super(escapeControl(message));
    this.name = new.target.name;
  }
}

export class UsageError extends WintraceError {
  constructor(message: string) {
    super(message, ExitCode.usage);
  }
}

export class BadImageError extends WintraceError {
  constructor(readonly file: string, defect: string) {
    super(`${file}: ${defect}`, ExitCode.badImage);
  }
}

export class TraceFormatError extends WintraceError {
  constructor(readonly file: string, readonly offset: number, invariant: string) {
    super(`${file}: at offset ${offset}: ${invariant}`, ExitCode.traceFormat);
  }
}

export class UnsupportedApiError extends WintraceError {
  constructor(readonly api: string, readonly caller: string) {
    super(`unsupported API ${api} called from ${caller}`, ExitCode.unsupportedApi);
  }
}

/** A Unicorn call failed: carries Unicorn's own message (uc_strerror) and the pc at the time. */
export class EngineError extends WintraceError {
  constructor(readonly operation: string, readonly ucError: number, readonly ucMessage: string, readonly pc: bigint) {
    super(`${operation} failed: ${ucMessage} (uc_err ${ucError}) at pc 0x${pc.toString(16)}`, ExitCode.engine);
  }
}

export class EmulationFault extends WintraceError {
  constructor(message: string, readonly pc: bigint) {
    super(message, ExitCode.emulationFault);
  }
}
