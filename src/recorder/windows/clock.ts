// Virtual time: a pure function of executed instructions plus the jumps taken when every thread sleeps, so a
// program sees the same clock on every run and `time.Sleep(time.Second)` costs no real second.

/** 2024-01-01T00:00:00Z as a FILETIME (100 ns units since 1601-01-01). */
export const BOOT_FILETIME = 133_485_408_000_000_000n;
/** Virtual nanoseconds per executed instruction (a 1 GHz, one-instruction-per-cycle machine). */
export const NS_PER_INSTRUCTION = 1n;
/** Interrupt time at boot: Windows had been up for a while; any non-zero value keeps Go's arithmetic honest. */
export const BOOT_INTERRUPT_TIME_NS = 1_000_000_000n;

export class VirtualClock {
  private skippedNs = 0n;

  constructor(private readonly executed: () => bigint) {}

  /** Nanoseconds since boot. */
  now(): bigint {
    return BOOT_INTERRUPT_TIME_NS + this.executed() * NS_PER_INSTRUCTION + this.skippedNs;
  }

  /** Jumps forward to `ns` (used when every thread waits on a timeout); never goes back. */
  advanceTo(ns: bigint): void {
    const now = this.now();
    if (ns > now) this.skippedNs += ns - now;
  }

  /** KUSER_SHARED_DATA.InterruptTime, in 100 ns units. */
  interruptTime(): bigint {
    return this.now() / 100n;
  }

  /** KUSER_SHARED_DATA.SystemTime / GetSystemTimeAsFileTime, 100 ns units since 1601. */
  systemTime(): bigint {
    return BOOT_FILETIME + (this.now() - BOOT_INTERRUPT_TIME_NS) / 100n;
  }

  /** QueryPerformanceCounter ticks at QPC_FREQUENCY. */
  qpc(): bigint {
    return this.now() / 100n;
  }

  static readonly QPC_FREQUENCY = 10_000_000n;
}
