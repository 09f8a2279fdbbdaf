// A progress line on stderr when it is a terminal (redrawn in place, at most ten times a second); nothing
// otherwise, so pipes and logs stay clean.

export interface Progress {
  update(text: string): void;
  done(): void;
}

export function progressLine(label: string): Progress {
  if (!process.stderr.isTTY) return { update() {}, done() {} };
  let last = 0;
  let shown = false;
  return {
    update(text: string) {
      const now = performance.now();
      if (now - last < 100) return;
      last = now;
      shown = true;
      process.stderr.write(`\r\x1b[K${label}: ${text}`);
    },
    done() {
      if (shown) process.stderr.write('\r\x1b[K');
    },
  };
}
