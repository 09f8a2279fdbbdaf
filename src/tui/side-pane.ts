// The lines of whichever pane sits in a side slot, and the key that says when they must be drawn again. Drawing
// them may take a while on a large trace (a stack word last written millions of steps ago, a call stack walk), so
// App.tsx draws them after the frame, once keys stop coming (see use-lazy-lines.ts).

import { listCursor } from './dispatch.ts';
import type { PaneData } from './pane-data.ts';
import { GENERAL_SLOTS } from '../replayer/view.ts';
import { callLines, episodeLines, eventLines, memoryLines, memoryPerRow, stackLines, violationLines } from './components/SidePanes.tsx';
import { sourcePaneLines } from './components/SourcePane.tsx';
import { structLines } from './components/StructPane.tsx';
import type { Line } from './components/Lines.tsx';
import type { SidePane, UiState } from './state/ui-state.ts';
import { episodeAt, indexAtOrBefore } from '../replayer/navigate.ts';

export const SIDE_TITLES: Record<SidePane, string> = {
  stack: 'stack', memory: 'memory', calls: 'call stack', events: 'events', episodes: 'episodes', violations: 'ABI violations', source: 'source', struct: 'structure',
};

export function sideKey(data: PaneData, pane: SidePane, s: UiState, width: number, rows: number): string {
  const cursor = pane === 'stack' || pane === 'memory' || pane === 'source' ? '' : String(s.cursors[pane] ?? '');
  const mem = pane === 'memory' ? String(s.memoryAt?.address ?? 'sp') : '';
  const checked = pane === 'violations' && data.violations() ? 'checked' : '';
  const struct = pane === 'struct' && s.struct ? `${s.struct.name}@${s.struct.address}` : '';
  return `${pane}:${s.position}:${width}:${rows}:${cursor}:${mem}:${checked}:${struct}`;
}

export function sideLines(data: PaneData, pane: SidePane, s: UiState, width: number, rows: number): Line[] {
  const p = s.position;
  switch (pane) {
    case 'stack': return stackLines(data.stack(p, Math.max(1, rows - 2), 2), width);
    case 'memory': {
      const sp = Number(data.registers(p, GENERAL_SLOTS).rows.find((r) => r.slot === 31)?.value ?? 0);
      const perRow = memoryPerRow(width);
      const address = s.memoryAt?.address ?? sp - (sp % perRow);
      return memoryLines(data.memory(p, address, rows, perRow));
    }
    case 'calls': return callLines(data.calls(p), listCursor(data, s, 'calls'), rows);
    case 'events': {
      const events = data.events();
      return eventLines(events, listCursor(data, s, 'events'), indexAtOrBefore(events, p, (e) => e.position), rows, data.replay.trace.symbols);
    }
    case 'episodes': {
      const list = data.episodes();
      const at = episodeAt(list, p);
      return episodeLines(list, listCursor(data, s, 'episodes'), at ? list.indexOf(at) : -1, rows);
    }
    case 'source': return sourcePaneLines(data.source(p, Math.max(1, rows - 1)), width);
    case 'struct': {
      if (!s.struct) return [[{ text: 'x asks for a structure: TEB, CONTEXT@x0, EXCEPTION_RECORD@x0...' }]];
      return structLines(data.struct(p, s.struct.name, s.struct.address), listCursor(data, s, 'struct'), rows, width);
    }
    case 'violations': {
      const vs = data.violations();
      return violationLines(vs, vs ? listCursor(data, s, 'violations') : 0, vs ? indexAtOrBefore(vs, p, (v) => v.position) : -1, rows);
    }
  }
}
