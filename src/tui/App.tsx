// Layout and the key loop only: panes get data as props, keys go through dispatch.ts. Keys are queued and
// applied together on the next turn of the event loop, so a held key (or a burst the terminal sent while a frame
// was drawn) moves several steps and draws one frame.

import { Box, useApp, useInput, useStdout } from 'ink';
import { useCallback, useEffect, useRef, useState } from 'react';
import { tidName } from '../replayer/describe.ts';
import { runInSlices } from '../replayer/run-slices.ts';
import type { RunStop } from '../replayer/search.ts';
import { DisasmPane } from './components/DisasmPane.tsx';
import { helpLines } from './components/HelpPane.tsx';
import { type Line, Lines, seg } from './components/Lines.tsx';
import { registerFlags, RegistersPane } from './components/RegistersPane.tsx';
import { statusLines } from './components/StatusBar.tsx';
import { continueConditions, describeStop, type Effect, handleToken, visibleSlots } from './dispatch.ts';
import { keyTokens } from './keys/tokens.ts';
import { computeLayout } from './layout.ts';
import type { PaneData } from './pane-data.ts';
import { SIDE_TITLES, sideKey, sideLines } from './side-pane.ts';
import { moveTo, type SidePane, type UiState } from './state/ui-state.ts';
import { useLazyLines } from './use-lazy-lines.ts';

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
  });
  return size;
}

const title = (name: string, focused: boolean, extra = ''): Line => [
  seg(focused ? `[${name}]` : ` ${name} `, focused ? { inverse: true, bold: true } : { bold: true }),
  seg(extra ? ` ${extra}` : '', { dim: true }),
];

export function App({ data, initial, width: fixedW, height: fixedH, color = true, lazyMs = 40, onIdle }: AppProps) {
  const { exit } = useApp();
  const [width, height] = useTerminalSize(fixedW, fixedH);
  const [state, setState] = useState(initial);
  const ref = useRef(initial);
  const queue = useRef<string[]>([]);
  const scheduled = useRef(false);
  const busy = useRef(false);
  const cancel = useRef(false);

  const commit = useCallback((s: UiState) => {
    ref.current = s;
    setState(s);
    if (s.quit) exit();
  }, [exit]);

  const onIdleRef = useRef(onIdle);
  onIdleRef.current = onIdle;
  // After React has drawn the committed state: a macrotask runs after the synchronous render of a legacy root.
  const idle = () => setImmediate(() => onIdleRef.current?.());

  const runEffect = useCallback(async (effect: Effect) => {
    busy.current = true;
    cancel.current = false;
    try {
      // Let the frame saying what is under way be drawn first.
      await new Promise((r) => setTimeout(r, 15));
      if (effect.kind === 'async') {
        commit({ ...(await effect.run(ref.current)), running: undefined });
        return;
      }
      const from = ref.current.position;
      const gen = runInSlices(data.replay.trace, from, effect.dir, continueConditions(data, ref.current));
      for (;;) {
        const step = gen.next();
        if (step.done) {
          const stop: RunStop = step.value;
          commit({ ...moveTo(ref.current, stop.position, describeStop(data, stop, effect.dir)), running: undefined });
          return;
        }
        commit({ ...ref.current, running: { dir: effect.dir, reached: step.value } });
        await new Promise((r) => setImmediate(r));
        if (cancel.current) {
          commit({ ...moveTo(ref.current, step.value, `stopped at position ${step.value} (interrupted)`), running: undefined });
          return;
        }
      }
    } catch (e) {
      commit({ ...ref.current, running: undefined, message: `error: ${(e as Error).message}` });
    } finally {
      busy.current = false;
      idle();
    }
  }, [data, commit]);

  const flush = useCallback(() => {
    scheduled.current = false;
    const tokens = queue.current.splice(0);
    let s = ref.current;
    for (const t of tokens) {
      if (busy.current) {
        if (t === 'escape' || t === 'ctrl-c') cancel.current = true;
        continue;
      }
      const r = handleToken(data, s, t);
      s = r.state;
      if (s.quit) break;
      if (r.effect) {
        commit(s);
        void runEffect(r.effect);
        return;
      }
    }
    if (s !== ref.current) commit(s);
    idle();
  }, [data, commit, runEffect]);

  // The events (every frame's header, read once) are what event, episode and step-over keys search: read them in
  // the first idle moment after the first frame rather than on the first such key (2 s on a 51M-step trace).
  const [note, setNote] = useState<string | undefined>();
  useEffect(() => {
    if (data.replay.trace.eventsLoaded) return;
    const t = setTimeout(() => {
      setNote('reading the events of the trace...');
      setTimeout(() => {
        data.events();
        setNote(undefined);
      }, 15);
    }, 300);
    return () => clearTimeout(t);
  }, [data]);

  useInput((input, key) => {
    queue.current.push(...keyTokens(input, key));
    if (!scheduled.current) {
      scheduled.current = true;
      setImmediate(flush);
    }
  });

  const slots = visibleSlots(state);
  const L = computeLayout(width, height, slots.length);
  const regs = data.registers(state.position, slots);
  const symbol = data.replay.trace.symbols.format(regs.pc);
  const status = statusLines(note && !state.prompt && !state.running ? { ...state, message: note } : state, data.totalSteps, regs.tid, symbol);
  const extraPane: SidePane = state.side === 'stack' ? 'calls' : 'stack';
  const side = useLazyLines(sideKey(data, state.side, state, L.sideWidth, L.midRows), () => sideLines(data, state.side, state, L.sideWidth, L.midRows), lazyMs);
  const extra = useLazyLines(L.extraWidth ? sideKey(data, extraPane, state, L.extraWidth, L.midRows) : 'none', () => (L.extraWidth ? sideLines(data, extraPane, state, L.extraWidth, L.midRows) : []), lazyMs);

  if (state.help) {
    return (
      <Box flexDirection="column" width={L.width} height={L.height}>
        <Lines lines={helpLines(L.width, L.height - 2)} width={L.width} rows={L.height - 2} color={color} />
        <Lines lines={status} width={L.width} rows={2} color={color} />
      </Box>
    );
  }

  const before = Math.floor((L.midRows - 1) / 3);
  const dis = data.disassembly(regs.pc, before, L.midRows - 1 - before);
  // Stale side lines are drawn as they were (the title says `...`): unchanged lines cost Ink nothing to redraw.
  const stale = (lines: readonly Line[], _fresh: boolean): readonly Line[] => lines;
  const sep = (rows: number) => <Lines lines={Array.from({ length: rows }, () => [seg('│', { dim: true })])} width={1} rows={rows} color={color} />;
  const midTitle: Line = [
    ...title('disassembly', state.focus === 'disasm').map((x) => ({ ...x, text: x.text })),
  ];
  return (
    <Box flexDirection="column" width={L.width} height={L.height}>
      <Lines lines={[title('registers', state.focus === 'registers', `thread ${tidName(regs.tid)}  ${registerFlags(regs) || '* changed  ! breaks the ABI'}`)]} width={L.width} rows={1} color={color} />
      <RegistersPane view={regs} cols={L.regCols} rows={L.regRows} width={L.width} selectedSlot={state.selectedSlot} focused={state.focus === 'registers'} color={color} />
      <Box flexDirection="row" height={L.midRows + 1}>
        <Box flexDirection="column" width={L.disasmWidth}>
          <Lines lines={[midTitle]} width={L.disasmWidth} rows={1} color={color} />
          <DisasmPane lines={dis} breakpoints={state.breakpoints} width={L.disasmWidth} rows={L.midRows} color={color} />
        </Box>
        {sep(L.midRows + 1)}
        <Box flexDirection="column" width={L.sideWidth}>
          <Lines lines={[title(SIDE_TITLES[state.side], state.focus === state.side, side.fresh ? '' : '...')]} width={L.sideWidth} rows={1} color={color} />
          <Lines lines={stale(side.lines, side.fresh)} width={L.sideWidth} rows={L.midRows} color={color} />
        </Box>
        {L.extraWidth > 0 && sep(L.midRows + 1)}
        {L.extraWidth > 0 && (
          <Box flexDirection="column" width={L.extraWidth}>
            <Lines lines={[title(SIDE_TITLES[extraPane], false, extra.fresh ? '' : '...')]} width={L.extraWidth} rows={1} color={color} />
            <Lines lines={stale(extra.lines, extra.fresh)} width={L.extraWidth} rows={L.midRows} color={color} />
          </Box>
        )}
      </Box>
      <Lines lines={status} width={L.width} rows={2} color={color} />
    </Box>
  );
}
