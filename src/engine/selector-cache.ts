import type { Span, Trace } from '../model/index.ts';
import { err, ok, type Result } from '../result.ts';
import { parseSelector } from '../language/index.ts';
import type { SelectorAst } from '../language/index.ts';
import type { NearMiss } from './results.ts';
import { compileSelector, explainMiss } from './select.ts';
import { ALL_ACCELERATORS, type Accelerators } from './selectors/accelerators.ts';

/**
 * A compiled selector with its selections remembered per trace. Traces are immutable snapshots (the store
 * builds a new `Trace` when spans arrive), so a selection made for one trace object stays right for it, across
 * expectations and across re-evaluations while the engine waits.
 */
export interface SelectorHandle {
  readonly source: string;
  /** The spans of `trace` the selector picks, in trace order. */
  select(trace: Trace): readonly Span[];
  /** Whether the selector picks `span` within `trace`. */
  has(trace: Trace, span: Span): boolean;
  /** For a selector that picked nothing: the closest spans and the clauses they missed. */
  explain(spans: readonly Span[], trace: Trace, limit: number): NearMiss[];
}

class CachedSelector implements SelectorHandle {
  readonly source: string;
  readonly #ast: SelectorAst;
  readonly #compiled: ReturnType<typeof compileSelector>;
  /** Selections by trace object, kept across passes; absent for a single pass, which asks once per trace. */
  readonly #selections: WeakMap<Trace, readonly Span[]> | undefined;
  #lastTrace: Trace | undefined;
  #lastSpans: readonly Span[] = [];

  readonly #memos: boolean;

  constructor(source: string, ast: SelectorAst, acrossPasses: boolean, accelerators: Accelerators) {
    this.source = source;
    this.#ast = ast;
    this.#compiled = compileSelector(ast, accelerators);
    this.#memos = accelerators.memos;
    this.#selections = acrossPasses && accelerators.memos ? new WeakMap() : undefined;
  }

  select(trace: Trace): readonly Span[] {
    if (!this.#memos) return this.#compiled.select(trace);
    // Judging goes trace by trace, so the last trace answers most repeats without a hash lookup.
    if (trace === this.#lastTrace) return this.#lastSpans;
    let spans = this.#selections?.get(trace);
    if (spans === undefined) {
      spans = this.#compiled.select(trace);
      this.#selections?.set(trace, spans);
    }
    this.#lastTrace = trace;
    this.#lastSpans = spans;
    return spans;
  }

  has(trace: Trace, span: Span): boolean {
    // A plain selector tests the one span; a structural one answers from its per-trace mask.
    return this.#compiled.matchesSpan(span, trace);
  }

  explain(spans: readonly Span[], trace: Trace, limit: number): NearMiss[] {
    return explainMiss(this.#ast, spans, trace, limit);
  }
}

/**
 * Parses and compiles each distinct selector text once. Errors are results: a bad selector fails the
 * expectation that uses it, with the parser's message and where in the selector it went wrong.
 */
export class SelectorCache {
  readonly #entries = new Map<string, Result<SelectorHandle, string>>();
  readonly #acrossPasses: boolean;
  /** The accelerators every selector of this cache is compiled with (and expectations read, for their scans). */
  readonly accelerators: Accelerators;

  /**
   * @param options.acrossPasses remember each selection per trace object for later passes (a live evaluation
   *   re-judges unchanged traces each time spans arrive); a single pass keeps only the last trace's. Default true.
   * @param options.accelerators the accelerators to compile with; default all.
   */
  constructor(options: { readonly acrossPasses?: boolean; readonly accelerators?: Accelerators } = {}) {
    this.#acrossPasses = options.acrossPasses ?? true;
    this.accelerators = options.accelerators ?? ALL_ACCELERATORS;
  }

  get(source: string): Result<SelectorHandle, string> {
    let entry = this.#entries.get(source);
    if (entry === undefined) {
      const parsed = parseSelector(source);
      if (parsed.ok) {
        entry = ok(new CachedSelector(source, parsed.value, this.#acrossPasses, this.accelerators));
      } else {
        const e = parsed.error;
        const pointer = `${source}\n${' '.repeat(e.offset)}${'^'.repeat(Math.max(1, e.length))}`;
        entry = err(`invalid selector: ${e.message}${e.hint === undefined ? '' : ` (${e.hint})`} at offset ${e.offset}\n${pointer}`);
      }
      this.#entries.set(source, entry);
    }
    return entry;
  }
}
