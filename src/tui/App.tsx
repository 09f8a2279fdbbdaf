// Layout only: where each pane goes for the terminal's size, with the data it shows as props. Keys are
// use-key-loop.ts's; what a key does is dispatch.ts's.

import { Box, Text, useStdout } from 'ink';
import { useEffect, useState } from 'react';
import { hex, tidName } from '../replayer/describe.ts';
import { goroutineLabel } from '../replayer/goroutines.ts';
import { DisasmPane } from './components/DisasmPane.tsx';
import { helpLines, helpRowsNeeded } from './components/HelpPane.tsx';
import { type Line, Lines, seg } from './components/Lines.tsx';
import { originViewLines } from './components/OriginView.tsx';
import { PLACE_LETTERS, registerFlags, RegistersPane } from './components/RegistersPane.tsx';
import { statusLines } from './components/StatusBar.tsx';
import { explainView, visibleSlots } from './dispatch.ts';
import { computeLayout, sizeShortfall } from './layout.ts';
import type { PaneData } from './pane-data.ts';
import { SIDE_TITLES, sideKey, sideLines } from './side-pane.ts';
import type { SidePane, UiState } from './state/ui-state.ts';
import { useKeyLoop } from './use-key-loop.ts';
import { originStateRows } from './origin-keys.ts';
import { useLazy, useLazyLines } from './use-lazy-lines.ts';

export interface AppProps {
  readonly data: PaneData;
  readonly initial: UiState;
  /** A fixed size (tests); by default the terminal's, following resizes. */
  readonly width?: number;
  readonly height?: number;
  readonly color?: boolean;
  /** Delay before costly side panes fill in after the last move. */
  readonly lazyMs?: number;
  /** Called when every key received so far has been applied and drawn (tests and the benchmark wait on it). */
  readonly onIdle?: () => void;
}

function useTerminalSize(fixedW?: number, fixedH?: number): [number, number] {
  const { stdout } = useStdout();
  const read = (): [number, number] => [fixedW ?? (stdout.columns || 80), fixedH ?? (stdout.rows || 24)];
  const [size, setSize] = useState(read);
  useEffect(() => {
    const onResize = () => setSize(read());
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- read() only reads these
  }, [stdout, fixedW, fixedH]);
  return size;
}

const title = (name: string, focused: boolean, extra = ''): Line => [
  seg(focused ? `[${name}]` : ` ${name} `, focused ? { inverse: true, bold: true } : { bold: true }),
  seg(extra ? ` ${extra}` : '', { dim: true }),
];

/**
 * The thread, the flags (or what the marks mean), and the place of the selected register's value in full (x0's
 * when the pane is not focused): at 80 columns the cells have room for its kind's letter only. The marks' legend
 * gives way to it, the flags do not.
 */
function registersTitle(regs: ReturnType<PaneData['registers']>, s: UiState, places: ReadonlyMap<number, { text: string }>): string {
  const slot = s.focus === 'registers' ? s.selectedSlot : 0;
  const place = places.get(slot);
  const name = regs.rows.find((r) => r.slot === slot)?.name ?? '';
  const named = place ? `${name}: ${place.text}` : places.size ? PLACE_LETTERS : '';
  const flags = registerFlags(regs);
  return `thread ${tidName(regs.tid)}  ${flags ? `${flags}  ${named}` : place ? named : `* changed  ! breaks the ABI  ${named}`}`;
}

function structTitle(s: UiState): string {
  return s.side === 'struct' && s.struct ? `${s.struct.name} at ${hex(s.struct.address)}` : '';
}

export function App({ data, initial, width: fixedW, height: fixedH, color = true, lazyMs = 40, onIdle }: AppProps) {
  const [width, height] = useTerminalSize(fixedW, fixedH);
  const { state, note } = useKeyLoop(data, initial, onIdle, { width, height });

  const slots = visibleSlots(state);
  const L = computeLayout(width, height, slots.length);
  const regs = data.registers(state.position, slots);
  // What each value points at reads stacks, TEBs and the goroutine (a few ms): named once keys stop, as the side
  // panes fill in; while a key is held the values show without names rather than with the last position's.
  const places = useLazy(`places:${state.position}:${slots.length}`, () => data.registerPlaces(state.position, slots), () => new Map(), lazyMs);
  const shownPlaces = places.fresh && places.value ? places.value : new Map();
  const symbol = data.replay.trace.symbols.format(regs.pc);
  // Decoding g reads guest memory (tens of ms): filled in once keys stop, as the side panes are.
  const goroutine = useLazyLines(`g:${state.position}`, () => [[seg(goroutineLabel(data.replay, state.position))]], lazyMs);
  const status = statusLines(note && !state.prompt && !state.running ? { ...state, message: note } : state, data.totalSteps, regs.tid, symbol,
    data.replay.trace.header.program.goVersion, goroutine.fresh ? goroutine.lines[0]?.[0]?.text : undefined);
  const extraPane: SidePane = state.side === 'stack' ? 'calls' : 'stack';
  const side = useLazyLines(sideKey(data, state.side, state, L.sideWidth, L.midRows), () => sideLines(data, state.side, state, L.sideWidth, L.midRows), lazyMs);
  const extra = useLazyLines(L.extraWidth ? sideKey(data, extraPane, state, L.extraWidth, L.midRows) : 'none', () => (L.extraWidth ? sideLines(data, extraPane, state, L.extraWidth, L.midRows) : []), lazyMs);

  const shortfall = sizeShortfall(width, height);
  if (shortfall) {
    // Wrapped by Ink to the terminal's width: every word stays visible however narrow it is.
    return <Box width={Math.max(1, width)}><Text wrap="wrap">{shortfall}</Text></Box>;
  }

  if (state.help) {
    // At 80x24 the key list needs the status lines' rows too: every key shown matters more than where we are.
    const statusRows = helpRowsNeeded(L.width) <= L.height - 2 ? 2 : 0;
    return (
      <Box flexDirection="column" width={L.width} height={L.height}>
        <Lines lines={helpLines(L.width, L.height - statusRows, state.helpScroll)} width={L.width} rows={L.height - statusRows} color={color} />
        {statusRows > 0 && <Lines lines={status} width={L.width} rows={statusRows} color={color} />}
      </Box>
    );
  }

  if (state.origin) {
    const rows = L.height - 2;
    const where = { tid: data.replay.trace.regWords(state.origin.position).tid, symbol: data.replay.trace.symbols.format(Number(data.replay.trace.state(state.origin.position).pc)) };
    return (
      <Box flexDirection="column" width={L.width} height={L.height}>
        <Lines lines={originViewLines(state.origin, originStateRows(data, state.origin), where, L.width, rows)} width={L.width} rows={rows} color={color} />
        <Lines lines={status} width={L.width} rows={2} color={color} />
      </Box>
    );
  }

  if (state.explain) {
    const { lines, rows } = explainView(data, state.explain.index, { width: L.width, height: L.height });
    return (
      <Box flexDirection="column" width={L.width} height={L.height}>
        <Lines lines={lines.slice(Math.min(state.explain.scroll, Math.max(0, lines.length - rows)))} width={L.width} rows={rows} color={color} />
        <Lines lines={status} width={L.width} rows={2} color={color} />
      </Box>
    );
  }

  const before = Math.floor((L.midRows - 1) / 3);
  const dis = data.disassembly(regs.pc, before, L.midRows - 1 - before, state.position);
  const sep = (rows: number) => <Lines lines={Array.from({ length: rows }, () => [seg('│', { dim: true })])} width={1} rows={rows} color={color} />;
  const midTitle = title('disassembly', state.focus === 'disasm');
  return (
    <Box flexDirection="column" width={L.width} height={L.height}>
      <Lines lines={[title('registers', state.focus === 'registers', registersTitle(regs, state, shownPlaces))]} width={L.width} rows={1} color={color} />
      <RegistersPane view={regs} cols={L.regCols} rows={L.regRows} width={L.width} selectedSlot={state.selectedSlot} focused={state.focus === 'registers'} color={color} places={shownPlaces} />
      <Box flexDirection="row" height={L.midRows + 1}>
        <Box flexDirection="column" width={L.disasmWidth}>
          <Lines lines={[midTitle]} width={L.disasmWidth} rows={1} color={color} />
          <DisasmPane lines={dis} breakpoints={state.breakpoints} width={L.disasmWidth} rows={L.midRows} color={color} />
        </Box>
        {sep(L.midRows + 1)}
        <Box flexDirection="column" width={L.sideWidth}>
          <Lines lines={[title(SIDE_TITLES[state.side], state.focus === state.side, `${side.fresh ? '' : '... '}${structTitle(state)}`)]} width={L.sideWidth} rows={1} color={color} />
          {/* Until a side pane fills in, its previous lines stay as they were (the title says `...`): unchanged
              lines cost Ink nothing to draw again. */}
          <Lines lines={side.lines} width={L.sideWidth} rows={L.midRows} color={color} />
        </Box>
        {L.extraWidth > 0 && sep(L.midRows + 1)}
        {L.extraWidth > 0 && (
          <Box flexDirection="column" width={L.extraWidth}>
            <Lines lines={[title(SIDE_TITLES[extraPane], false, extra.fresh ? '' : '...')]} width={L.extraWidth} rows={1} color={color} />
            <Lines lines={extra.lines} width={L.extraWidth} rows={L.midRows} color={color} />
          </Box>
        )}
      </Box>
      <Lines lines={status} width={L.width} rows={2} color={color} />
    </Box>
  );
}
