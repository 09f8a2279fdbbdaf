// The replayer's answers the panes draw, asked once per position and kept until the position changes: a redraw
// for a resize or a focus change asks nothing again. Costly ones (call stack, stack and memory reads, episodes,
// the ABI check) are asked only when their pane is on screen, after the frame that moved there (App.tsx).

import type { Violation } from '../replayer/abi/violation.ts';
import { markViolationRegisters, violationRegistersAt } from '../replayer/abi/violation-registers.ts';
import { type ViolationPlace, violationPlaces } from '../replayer/abi/violation-places.ts';
import { type Frame, callStack } from '../replayer/callstack.ts';
import type { Episode } from '../replayer/episodes.ts';
import { type MemoryRow, memoryRows } from '../replayer/memory-view.ts';
import { MemoryWindow } from '../replayer/memory-window.ts';
import { evaluateAddress } from '../replayer/address-expr.ts';
import { OriginExplorer, type OriginNode, parseOriginTarget } from '../replayer/origin.ts';
import { structNamed, type StructView, structView } from '../replayer/struct-view.ts';
import { type ValuePlace, ValuePlaces } from '../replayer/value-places.ts';
import type { Replay } from '../replayer/replay.ts';
import { PC_SLOT, slotNumber } from '../replayer/regfile.ts';
import { SourceFiles, type SourceView } from '../replayer/source-files.ts';
import type { EventAt } from '../replayer/trace.ts';
import { type DisasmLine, disassemblyAround, type RegistersView, registersView, type StackLine, stackView } from '../replayer/view.ts';

function memo<K, V>(): (key: K, make: () => V) => V {
  let last: { key: K; value: V } | undefined;
  return (key, make) => {
    if (last && last.key === key) return last.value;
    const value = make();
    last = { key, value };
    return value;
  };
}

/** A place a violation's explanation names, with its symbol looked up (the checker's noticing position carries none). */
export type NamedPlace = ViolationPlace & { readonly symbol: string };

/** What the source pane draws: the lines around pc's line, or the pc the line tables say nothing about. */
export type SourcePaneView = SourceView | { readonly pc: number };

export class PaneData {
  private readonly regMemo = memo<string, RegistersView>();
  private readonly disMemo = memo<string, DisasmLine[]>();
  private readonly stackMemo = memo<string, StackLine[]>();
  private readonly memMemo = memo<string, MemoryRow[]>();
  private readonly callMemo = memo<number, Frame[]>();
  private readonly sourceMemo = memo<string, SourcePaneView>();
  private readonly placesMemo = memo<string, ReadonlyMap<number, ValuePlace>>();
  private readonly structMemo = memo<string, StructView>();
  private readonly originMemo = memo<string, { explorer: OriginExplorer; root: OriginNode }>();
  private readonly sourceFiles: SourceFiles;

  /** The stack and the memory pane each follow their bytes from position to position (memory-window.ts). */
  private readonly stackWindow: MemoryWindow;
  private readonly memoryWindow: MemoryWindow;

  /** `sourceDirs`: where else to look for the program's source files (--source-dir). */
  constructor(readonly replay: Replay, sourceDirs: readonly string[] = []) {
    this.sourceFiles = new SourceFiles(replay.trace.header.program.goVersion, sourceDirs);
    this.stackWindow = new MemoryWindow(replay.trace, replay.memory);
    this.memoryWindow = new MemoryWindow(replay.trace, replay.memory);
  }

  get totalSteps(): number {
    return this.replay.trace.totalSteps;
  }

  /** With the registers of the violations at `position` flagged, once the check has run. */
  registers(position: number, slots: readonly number[]): RegistersView {
    const vs = this.violations();
    return this.regMemo(`${position}:${slots.length}:${vs ? 'checked' : ''}`, () => {
      const view = registersView(this.replay, position, slots);
      return vs ? markViolationRegisters(view, violationRegistersAt(vs, view.position)) : view;
    });
  }

  /**
   * What each register's value at `position` points at (value-places.ts), by slot: reads the thread's stacks,
   * TEB and goroutine, a few ms, so the App asks once keys stop.
   */
  registerPlaces(position: number, slots: readonly number[]): ReadonlyMap<number, ValuePlace> {
    const view = this.registers(position, slots);
    return this.placesMemo(`${view.position}:${view.tid}:${slots.length}`, () => {
      const places = new ValuePlaces(this.replay, view.position, view.tid);
      const out = new Map<number, ValuePlace>();
      for (const row of view.rows) {
        const place = places.name(row.value);
        if (place) out.set(row.slot, place);
      }
      return out;
    });
  }

  /** A structure decoded at `position`, each field with its last writer (struct-view.ts). */
  struct(position: number, name: string, address: number): StructView {
    return this.structMemo(`${position}:${name}:${address}`, () => structView(this.replay, position, structNamed(name), address));
  }

  /**
   * The root of the origin of `spec` (`x0`, `[sp+0x10,8]`) at `position`, and the explorer that keeps its
   * children: one tree at a time, kept while the view that opened it re-draws.
   */
  origin(spec: string, position: number): { explorer: OriginExplorer; root: OriginNode } {
    return this.originMemo(`${spec}@${position}`, () => {
      const disasm = this.replay.loadedDisassembler;
      if (!disasm) throw new Error('the disassembler is not loaded yet');
      const explorer = new OriginExplorer(this.replay, disasm);
      const target = parseOriginTarget(this.replay, position, spec, (p, a) => evaluateAddress(this.replay, p, a));
      return { explorer, root: explorer.root(target, position) };
    });
  }

  /** The slots the violations at `position` concern, shown or not (D8-D15 may be hidden). */
  violationSlotsAt(position: number): number[] {
    const vs = this.violations();
    return vs ? violationRegistersAt(vs, position).map((m) => m.slot) : [];
  }

  /** Around pc as memory held the code at `position` (a program may rewrite its code). */
  disassembly(pc: number, before: number, after: number, position: number): DisasmLine[] {
    const at = this.replay.code.writtenDuringRun(pc) ? position : -1;
    return this.disMemo(`${pc}:${before}:${after}:${at}`, () => disassemblyAround(this.replay, pc, before, after, position));
  }

  stack(position: number, words: number, below: number): StackLine[] {
    return this.stackMemo(`${position}:${words}:${below}`, () => stackView(this.replay, position, words, below, this.stackWindow.read));
  }

  memory(position: number, address: number, rows: number, perRow: number): MemoryRow[] {
    return this.memMemo(`${position}:${address}:${rows}:${perRow}`, () => memoryRows(this.replay, position, address, rows, perRow, this.memoryWindow.read));
  }

  calls(position: number): Frame[] {
    return this.callMemo(position, () => callStack(this.replay.trace, this.replay.memory, this.replay.code, position, { maxFrames: 32, maxSteps: 500_000 }));
  }

  /** The source around the line of the pc at `position`; `pc` alone when the line tables do not cover it. */
  source(position: number, rows: number): SourcePaneView {
    const pc = slotNumber(this.replay.trace.regWords(position).regs, PC_SLOT);
    return this.sourceMemo(`${pc}:${rows}`, () => {
      const at = this.replay.trace.sourceLines?.lineAt(pc);
      return at ? this.sourceFiles.around(at, rows) : { pc };
    });
  }

  events(): readonly EventAt[] {
    return this.replay.trace.events();
  }

  episodes(): Episode[] {
    return this.replay.episodes();
  }

  violationPlaces(v: Violation): NamedPlace[] {
    const t = this.replay.trace;
    return violationPlaces(v).map((p) => ({ ...p, symbol: p.symbol ?? t.symbols.format(slotNumber(t.regWords(p.position).regs, PC_SLOT)) }));
  }

  /** Undefined until the check has run (it runs when asked: dispatch.ts's 'check' effect). */
  violations(): readonly Violation[] | undefined {
    return this.replay.violations;
  }
}
