// Where `record -o` writes: checked before the program starts, written under a temporary name beside the target
// and renamed over it when the trace is readable, and held by a lock file against a second recording to the same
// path. So a recording that fails before its header never touches an existing trace, `-o prog.exe` cannot
// overwrite the program, and two recordings cannot interleave their frames in one file.

import { closeSync, constants, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { ExitCode, WintraceError } from '../errors.ts';
import { errnoText, fileTypeDefect } from '../regular-file.ts';

/** An output that cannot be written: named as the user gave it, with what is wrong; nothing was run. */
export class TraceOutputError extends WintraceError {
  constructor(readonly file: string, defect: string) {
    super(`${file}: ${defect}`, ExitCode.usage);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

export class TraceOutput {
  /** The file the trace is written to until it is complete. */
  readonly temp: string;
  readonly lock: string;
  private held = false;

  /** Checks `target` (as the user named it) against the program and the file system, and takes the lock. */
  constructor(readonly target: string, program: string) {
    const full = resolve(target);
    const dir = dirname(full);
    this.temp = `${full}.partial`;
    this.lock = `${full}.lock`;
    let dirStat;
    try {
      dirStat = statSync(dir);
    } catch (e) {
      throw new TraceOutputError(target, `cannot write there: directory ${dir} ${errnoText(e)}`);
    }
    if (!dirStat.isDirectory()) throw new TraceOutputError(target, `cannot write there: ${dir} is not a directory`);
    let existing;
    try {
      existing = statSync(full);
    } catch {
      // a new file
    }
    if (existing) {
      const defect = fileTypeDefect(existing);
      if (defect) throw new TraceOutputError(target, `${defect}: give -o a file path`);
      const prog = statSync(program);
      if (prog.dev === existing.dev && prog.ino === existing.ino) {
        throw new TraceOutputError(target, `is the program being recorded (${basename(program)}): give -o another file`);
      }
    }
    this.takeLock(target);
    try {
      // Left by a recording that was killed (SIGKILL): the lock says nobody is writing it now.
      unlinkQuietly(this.temp);
      closeSync(openSync(this.temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644));
    } catch (e) {
      this.release();
      throw new TraceOutputError(target, `cannot create ${basename(this.temp)} beside it: ${errnoText(e)}`);
    }
  }

  /** `<target>.lock` holds the recorder's pid; a lock whose process is gone is stale and taken over. */
  private takeLock(target: string): void {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(this.lock, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
        writeSync(fd, `${process.pid}\n`);
        closeSync(fd);
        this.held = true;
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new TraceOutputError(target, `cannot create ${basename(this.lock)} beside it: ${errnoText(e)}`);
        }
      }
      let pid = Number.NaN;
      try {
        pid = Number.parseInt(readFileSync(this.lock, 'utf8'), 10);
      } catch {
        // removed meanwhile: try again
      }
      if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
        throw new TraceOutputError(target, `another recording (pid ${pid}) is writing it: wait for it to end or give -o another file`);
      }
      unlinkQuietly(this.lock);
    }
    throw new TraceOutputError(target, `cannot take ${basename(this.lock)}: another recording keeps taking it`);
  }

  /** The trace is readable: it replaces the target. */
  commit(): void {
    try {
      renameSync(this.temp, resolve(this.target));
    } finally {
      this.release();
    }
  }

  /** Nothing readable was written: the target stays as it was. */
  abandon(): void {
    unlinkQuietly(this.temp);
    this.release();
  }

  private release(): void {
    if (this.held) unlinkQuietly(this.lock);
    this.held = false;
  }
}
