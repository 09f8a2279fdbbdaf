// Keys while the origin tree (`o`) is shown: move through its rows, open and close them, go to a row's write
// (closing the tree). What a row's write is, and where to stand to see it, is origin-rows.ts's.

import { initiallyOpen, originJump, type OriginRow, originRows } from '../replayer/origin-rows.ts';
import { originWindowStart } from './components/OriginView.tsx';
import type { PaneData } from './pane-data.ts';
import { moveTo, type OriginState, type UiState } from './state/ui-state.ts';

/** Levels opened when the tree is first shown, along the values (as `wintrace origin` expands by default). */
const FIRST_DEPTH = 4;

/** The rows of the tree an origin state shows. */
export function originStateRows(data: PaneData, o: OriginState): OriginRow[] {
  const { explorer, root } = data.origin(o.spec, o.position);
  return originRows(explorer, root, o.expanded);
}

/** The tree of `spec` at the position, first levels open; throws the usage error of a spec it cannot read. */
export function openOrigin(data: PaneData, s: UiState, spec: string): UiState {
  const { explorer, root } = data.origin(spec, s.position);
  const origin: OriginState = { spec, position: s.position, expanded: initiallyOpen(explorer, root, FIRST_DEPTH), cursor: 0 };
  return { ...s, origin, message: '' };
}

export function originKey(data: PaneData, s: UiState, o: OriginState, token: string, viewRows: number): UiState {
  if (token === 'escape' || token === 'o' || token === 'q') return { ...s, origin: undefined, message: '' };
  const rows = originStateRows(data, o);
  const row = rows[o.cursor];
  if (!row) return { ...s, origin: undefined };
  const go = (r: OriginRow | undefined): UiState => {
    const to = r && originJump(r.node);
    if (!to) return { ...s, message: r ? `${r.node.label}: ${r.node.source.kind === 'initial' ? 'no write in the trace set it' : 'written in pieces: open it and pick one'}` : '' };
    return moveTo({ ...s, origin: undefined }, to.position, to.label);
  };
  if (token === 'enter') return go(row);
  if (/^[1-9]$/.test(token)) return go(rows[originWindowStart(rows, o.cursor, viewRows) + Number(token) - 1]);
  const at = (cursor: number) => ({ ...s, origin: { ...o, cursor: Math.max(0, Math.min(rows.length - 1, cursor)) } });
  switch (token) {
    case 'up': case 'k': return at(o.cursor - 1);
    case 'down': case 'j': return at(o.cursor + 1);
    case 'pageup': return at(o.cursor - 10);
    case 'pagedown': return at(o.cursor + 10);
    case 'right': case 'l': case '+': {
      if (row.open) return rows[o.cursor + 1]?.depth === row.depth + 1 ? at(o.cursor + 1) : s;
      if (!row.openable) return { ...s, message: row.repeated ? `${row.node.label}: this write is opened on an earlier row` : `${row.node.label}: nothing earlier to follow` };
      return { ...s, origin: { ...o, expanded: new Set([...o.expanded, row.node.id]) } };
    }
    case 'left': case 'h': case '-': {
      if (row.open) {
        const expanded = new Set(o.expanded);
        expanded.delete(row.node.id);
        return { ...s, origin: { ...o, expanded } };
      }
      const parent = rows.slice(0, o.cursor).findLastIndex((r) => r.depth === row.depth - 1);
      return parent >= 0 ? at(parent) : s;
    }
    default: return s;
  }
}
