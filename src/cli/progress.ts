// A progress line on stderr when it is a terminal (redrawn in place, at most ten times a second); nothing
// otherwise, so pipes and logs stay clean. A guest's console output shares the terminal: the line is cleared
// before the guest writes, and not drawn again until the guest has finished the line it started, so neither
// runs into the other.

export interface Progress {
  update(text: string): void;
  done(): void;
  /** `write` for the guest's output, clearing the progress line first. */
  around(write: (b: Uint8Array) => void): (b: Uint8Array) => void;
}

export interface ProgressTerminal {
  readonly isTTY?: boolean;
  write(s: string): unknown;
}

export function progressLine(label: string, term: ProgressTerminal = process.stderr, now: () => number = () => performance.now()): Progress {
  if (!term.isTTY) return { update() {}, done() {}, around: (write) => write };
  let last = -Infinity;
  let shown = false;
  let guestMidLine = false;
  const clear = () => {
    if (shown) term.write('\r\x1b[K');
    shown = false;
  };
  return {
    update(text: string) {
      if (guestMidLine) return;
      const t = now();
      if (t - last < 100) return;
      last = t;
      shown = true;
      term.write(`\r\x1b[K${label}: ${text}`);
    },
    done: clear,
    around: (write) => (b) => {
      clear();
      write(b);
      if (b.length > 0) guestMidLine = b[b.length - 1] !== 0x0a;
    },
  };
}
