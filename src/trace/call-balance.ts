// A thread's calls and returns over a stretch of steps, reduced to what matters to a call stack walked backward:
// the calls it made that it had not returned from by the stretch's end (`open`), and the returns it made to calls
// from before the stretch (`unreturned`). Every other call in the stretch returned inside it. The footer keeps one
// per thread and segment (`calls`, docs/trace-format.md), so the backward walk of src/replayer/callstack.ts passes a
// segment without decoding it whenever the segment's open calls are all callees the walk is already skipping.

/** [open, unreturned] of one thread over some steps. */
export type CallBalance = readonly [open: number, unreturned: number];

/** The balance of `first` followed by `then` on the same thread (other threads' steps between do not matter). */
export function thenCalls(first: CallBalance, then: CallBalance): [number, number] {
  const matched = Math.min(first[0], then[1]);
  return [first[0] - matched + then[0], first[1] + then[1] - matched];
}

/**
 * Walking a stretch backward with `depth` callees open (returns seen whose calls are not yet met), how many of the
 * stretch's calls are still-active callers the walk would report, and the depth it leaves with.
 */
export function walkBack(balance: CallBalance, depth: number): { callers: number; depth: number } {
  return { callers: Math.max(0, balance[0] - depth), depth: Math.max(0, depth - balance[0]) + balance[1] };
}
