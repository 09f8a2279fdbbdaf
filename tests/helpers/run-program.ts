// Runs a program on the emulated Windows in-process and collects what a user would see.

import { openProgram } from '../../src/recorder/program.ts';
import type { ProcessOptions, RunEnd, WindowsProcess } from '../../src/recorder/windows/process.ts';

export interface RunResult {
  output: string;
  exitCode: number;
  end: RunEnd;
  instructions: bigint;
  perThread: bigint[];
}

export function runProgram(
  path: string,
  opts: Partial<Omit<ProcessOptions, 'stdout' | 'stderr' | 'imagePath'>> & { setup?: (p: WindowsProcess) => void } = {},
): RunResult {
  const chunks: Buffer[] = [];
  const { process: proc, engine } = openProgram(path, {
    args: opts.args ?? [],
    env: opts.env ?? {},
    stdout: (b) => chunks.push(Buffer.from(b)),
    stderr: (b) => chunks.push(Buffer.from(b)),
    ...(opts.quantum !== undefined ? { quantum: opts.quantum } : {}),
    ...(opts.maxInstructions !== undefined ? { maxInstructions: opts.maxInstructions } : {}),
    ...(opts.observer !== undefined ? { observer: opts.observer } : {}),
    ...(opts.checkpoints !== undefined ? { checkpoints: opts.checkpoints } : {}),
  });
  try {
    opts.setup?.(proc);
    const end = proc.run();
    return {
      output: Buffer.concat(chunks).toString('utf8'),
      exitCode: end.exitCode,
      end,
      instructions: engine.executed,
      perThread: proc.threads.map((t) => t.executed),
    };
  } finally {
    engine.close();
  }
}
