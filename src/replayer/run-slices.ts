// Continue and reverse-continue that can be watched and stopped: runTo in slices of a few segments, yielding the
// position reached after each slice, so that a UI can draw progress between slices and stop the run by no longer
// asking for the next one (rr #1491: a reverse-continue that cannot be interrupted).

import { type Direction, type RunConditions, type RunStop, runTo } from './search.ts';
import type { Trace } from './trace.ts';

/** Segments decoded per slice: ~1 ms each, so a slice stays well under a frame of a UI at 30 fps. */
export const SEGMENTS_PER_SLICE = 8;

/**
 * Runs from `position` in direction `dir` to the nearest stop of `cond` (see runTo). Yields the position the
 * scan has reached after each slice; returns the stop. Events and explicit stops need no decoding and are found
 * first; breakpoints and watches are then scanned slice by slice up to them.
 */
export function* runInSlices(trace: Trace, position: number, dir: Direction, cond: RunConditions, segmentsPerSlice = SEGMENTS_PER_SLICE): Generator<number, RunStop> {
  // One slice re-reads the segment it resumes in, so it needs two to move on.
  const budget = Math.max(2, segmentsPerSlice);
  const p = trace.clamp(position);
  const { breakpoints, watches, maxSegments: _ignored, ...cheap } = cond;
  const ceiling = runTo(trace, p, dir, cheap);
  const scanned = (breakpoints && breakpoints.size > 0) || (watches && watches.length > 0);
  if (!scanned) return ceiling;
  const nearer = (a: RunStop, b: RunStop) => (dir > 0 ? a.position <= b.position : a.position >= b.position) ? a : b;
  const costly: RunConditions = { ...(breakpoints ? { breakpoints } : {}), ...(watches ? { watches } : {}), ...(cond.tid !== undefined ? { tid: cond.tid } : {}) };
  let from = p;
  for (;;) {
    const r = runTo(trace, from, dir, { ...costly, maxSegments: budget });
    if (r.reason === 'end') return ceiling;
    if (r.reason !== 'interrupted') return ceiling.reason === 'end' ? r : nearer(r, ceiling);
    // Everything up to r.position has been scanned: a ceiling on this side of it is the stop.
    if (ceiling.reason !== 'end' && (dir > 0 ? ceiling.position < r.position : ceiling.position > r.position)) return ceiling;
    // runTo stopped at the border of the first segment it did not read (forward: that segment's first step;
    // backward: the step after its last). Resume one position on the read side so that the step at the border
    // and a write visible exactly there are not skipped.
    from = dir > 0 ? Math.max(p, r.position - 1) : Math.min(p, r.position + 1);
    yield r.position;
  }
}
