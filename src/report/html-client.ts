/* eslint-disable @typescript-eslint/no-explicit-any -- browser code: the DOM types are not in this project's lib */
/**
 * The script of the html report and of the sidecar's `/ui`: one self-contained function, inlined into the page as
 * its source text (`Function.prototype.toString`), so it must use nothing from outside its own body but the
 * browser's globals. Plain DOM, strings of escaped HTML and inline SVG; no framework, no network request in a
 * report (the live view fetches its own sidecar's API only).
 *
 * `boot.mode` is `report` (the data is the page's `<script type="application/json">`) or `live` (the page lists
 * the sidecar's runs, or streams one run's spans over `GET /api/runs/{id}/stream`).
 *
 * Over 400 lines on purpose: the page's script is shipped as this one function's source text, so it cannot be
 * split into modules that import each other. Its parts follow one another: helpers, the trace model, the report's
 * sections (summary, specs, notes, service map, waterfall, span details), then the live view's token, run list and
 * stream.
 */

declare const document: any;
declare const window: any;
declare const location: any;
declare const history: any;
declare const sessionStorage: any;
declare const localStorage: any;
declare const requestAnimationFrame: (callback: () => void) => number;
declare const fetch: (url: string, init?: any) => Promise<any>;

/** What the page hands the client; `data` is the report's JSON, absent in live mode. */
export interface HtmlClientBoot {
  readonly mode: 'report' | 'live';
}

export function tracecheckClient(boot: HtmlClientBoot): void {
  const doc = document;
  const root = doc.getElementById('tc-app');
  /** Traces with more spans than this start collapsed even when they are the only ones. */
  const AUTO_EXPAND_SPANS = 2000;
  /** Rows of a waterfall drawn at once; more are drawn as the reader scrolls down to them. */
  const ROWS_PER_DRAW = 300;
  const BROKEN_CODES: Record<string, boolean> = { 'propagation-broken': true, 'context-lost': true, 'link-missing': true };

  // ---------- small helpers ----------
  const esc = (value: unknown): string =>
    String(value).replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;'));
  /** Milliseconds from a decimal string of nanoseconds, without losing the sub-millisecond digits. */
  const nanosToMillis = (nanos: string): number => {
    const s = String(nanos);
    if (s.length <= 6) return Number(s) / 1e6;
    return Number(s.slice(0, -6)) + Number(s.slice(-6)) / 1e6;
  };
  const formatMillis = (ms: number): string => {
    if (ms < 1) return `${Math.round(ms * 1000)} µs`;
    if (ms < 1000) return `${ms < 10 ? ms.toFixed(2) : ms.toFixed(1)} ms`;
    return `${(ms / 1000).toFixed(2)} s`;
  };
  const hueOf = (name: string): number => {
    let h = 0;
    for (let i = 0; i < name.length; i += 1) h = (h * 31 + name.charCodeAt(i)) >>> 0;
    return h % 360;
  };
  const colorOf = (service: string): string => `hsl(${hueOf(service)} 62% 52%)`;
  const serviceName = (span: any): string => (span.service === undefined || span.service === null ? '(unknown service)' : span.service);
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  const percentile = (sorted: number[], p: number): number => {
    if (sorted.length === 0) return 0;
    const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
    return sorted[i] as number;
  };
  const position = (source: any): string => (source ? `${source.file}:${source.line}:${source.col}` : '');
  const shortId = (id: string): string => id.slice(0, 8);

  // ---------- theme ----------
  const applyTheme = (theme: string | null): void => {
    if (theme === 'light' || theme === 'dark') doc.documentElement.setAttribute('data-theme', theme);
    else doc.documentElement.removeAttribute('data-theme');
  };
  try {
    applyTheme(localStorage.getItem('tracecheck-theme'));
  } catch {
    // file:// pages may have no storage; the system theme applies.
  }
  const toggleTheme = (): void => {
    const dark = doc.documentElement.getAttribute('data-theme') === 'dark' ||
      (doc.documentElement.getAttribute('data-theme') === null && window.matchMedia('(prefers-color-scheme: dark)').matches);
    const next = dark ? 'light' : 'dark';
    applyTheme(next);
    try {
      localStorage.setItem('tracecheck-theme', next);
    } catch {
      // as above
    }
  };

  // ---------- the model the view draws ----------
  interface Row { span: any; depth: number; orphan: boolean; }
  interface TraceState {
    traceId: string;
    spans: any[];
    byId: Map<string, any>;
    startMs: number;
    endMs: number;
    services: string[];
    errorCount: number;
    rootName: string;
    failing: boolean;
    noted: boolean;
    rows: Row[] | undefined;
  }
  interface Mark { kind: 'fail' | 'warn' | 'note'; text: string; near?: boolean; }
  interface Hop { from: string; to: string | undefined; fromTrace: string | undefined; toTrace: string | undefined; message: string; caller: string; callee: string; }

  let result: any = null;
  let traces: TraceState[] = [];
  const traceOfSpan = new Map<string, TraceState>();
  let marks = new Map<string, Mark[]>();
  let hops: Hop[] = [];
  const expanded = new Set<string>();
  const openDetails = new Set<string>();
  /** How many rows of each open waterfall are drawn. */
  const drawnRows = new Map<string, number>();
  const filter = { service: '', status: '', text: '' };
  let firstRender = true;

  const buildTrace = (traceId: string, spans: any[]): TraceState => {
    const byId = new Map<string, any>();
    let startMs = Infinity;
    let endMs = -Infinity;
    const services = new Set<string>();
    let errorCount = 0;
    for (const span of spans) {
      byId.set(span.spanId, span);
      span._start = nanosToMillis(span.startTimeUnixNano);
      span._end = Math.max(span._start, nanosToMillis(span.endTimeUnixNano));
      if (span._start < startMs) startMs = span._start;
      if (span._end > endMs) endMs = span._end;
      services.add(serviceName(span));
      if (span.status === 'error') errorCount += 1;
    }
    const root = spans.find((s) => !s.parentSpanId) ?? spans[0];
    return { traceId, spans, byId, startMs, endMs, services: [...services].sort(), errorCount, rootName: root ? `${serviceName(root)} · ${root.name}` : '(empty)', failing: false, noted: false, rows: undefined };
  };

  /** The trace's spans in tree order (children by start time), orphans as extra roots. */
  const rowsOf = (trace: TraceState): Row[] => {
    if (trace.rows !== undefined) return trace.rows;
    const children = new Map<string, any[]>();
    const tops: any[] = [];
    for (const span of trace.spans) {
      const parent = span.parentSpanId;
      if (parent && trace.byId.has(parent) && parent !== span.spanId) {
        let list = children.get(parent);
        if (list === undefined) children.set(parent, (list = []));
        list.push(span);
      } else {
        tops.push(span);
      }
    }
    const byStart = (a: any, b: any): number => a._start - b._start || (a.spanId < b.spanId ? -1 : 1);
    tops.sort(byStart);
    const rows: Row[] = [];
    const seen = new Set<string>();
    const stack: Row[] = [];
    for (let i = tops.length - 1; i >= 0; i -= 1) stack.push({ span: tops[i], depth: 0, orphan: Boolean(tops[i].parentSpanId) });
    while (stack.length > 0) {
      const row = stack.pop() as Row;
      if (seen.has(row.span.spanId)) continue;
      seen.add(row.span.spanId);
      rows.push(row);
      const kids = children.get(row.span.spanId);
      if (kids === undefined) continue;
      kids.sort(byStart);
      for (let i = kids.length - 1; i >= 0; i -= 1) stack.push({ span: kids[i], depth: row.depth + 1, orphan: false });
    }
    // A cycle of parents leaves spans unreached: they are drawn as roots rather than lost.
    for (const span of trace.spans) if (!seen.has(span.spanId)) rows.push({ span, depth: 0, orphan: true });
    trace.rows = rows;
    return rows;
  };

  const addMark = (spanId: string, mark: Mark): void => {
    let list = marks.get(spanId);
    if (list === undefined) marks.set(spanId, (list = []));
    if (!list.some((m) => m.text === mark.text)) list.push(mark);
  };

  /** Links the result's `{ $span: id }` references (spans written once, in the traces) back to the spans. */
  const relink = (data: any): void => {
    if (!data.result) return;
    const byId = new Map<string, any>();
    for (const t of data.traces ?? []) for (const span of t.spans) byId.set(span.spanId, span);
    const fix = (v: any): any => (v !== null && typeof v === 'object' && typeof v.$span === 'string' ? (byId.get(v.$span) ?? v) : v);
    const walk = (node: any): void => {
      node.span = fix(node.span);
      for (const child of node.children ?? []) walk(child);
    };
    for (const spec of data.result.specs) {
      for (const e of spec.expectations) {
        e.spans = (e.spans ?? []).map(fix);
        for (const miss of e.nearMisses ?? []) miss.span = fix(miss.span);
        for (const rootNode of e.trace?.roots ?? []) walk(rootNode);
      }
    }
  };

  const index = (data: any): void => {
    result = data.result ?? null;
    traces = [];
    traceOfSpan.clear();
    marks = new Map();
    hops = [];
    for (const t of data.traces ?? []) {
      const trace = buildTrace(t.traceId, t.spans.slice());
      traces.push(trace);
      for (const span of trace.spans) traceOfSpan.set(span.spanId, trace);
    }
    if (result !== null) {
      for (const spec of result.specs) {
        for (const e of spec.expectations) {
          if (e.passed) continue;
          const kind = e.severity === 'warn' ? 'warn' : 'fail';
          const headline = String(e.message).split('\n')[0];
          for (const span of e.spans ?? []) addMark(span.spanId, { kind, text: `${e.name}: ${headline}` });
          const walk = (node: any): void => {
            if (node.marked) addMark(node.span.spanId, { kind, text: node.note ? `${e.name}: ${node.note}` : `${e.name}: ${headline}`, near: /^near miss/.test(node.note ?? '') });
            for (const child of node.children ?? []) walk(child);
          };
          for (const rootNode of e.trace?.roots ?? []) walk(rootNode);
        }
      }
      for (const note of result.notes ?? []) {
        const ids: string[] = note.diagnostic?.spanIds ?? [];
        if (BROKEN_CODES[note.code] === true && ids.length >= 2) {
          // Where the context broke: the caller's client span → the callee's server span (a new trace), or, for a
          // lost context, the span that was running → the call that started a trace of its own.
          const from = ids[0];
          const to = ids[1];
          hops.push({
            from: from as string,
            to,
            fromTrace: traceOfSpan.get(from as string)?.traceId,
            toTrace: to === undefined ? undefined : traceOfSpan.get(to)?.traceId,
            message: note.message,
            caller: note.diagnostic?.callerService ?? '',
            callee: note.diagnostic?.calleeService ?? '',
          });
        }
        for (const id of ids) addMark(id, { kind: 'note', text: note.message });
      }
    }
    for (const trace of traces) {
      for (const span of trace.spans) {
        const list = marks.get(span.spanId);
        if (list === undefined) continue;
        if (list.some((m) => m.kind === 'fail')) trace.failing = true;
        else trace.noted = true;
      }
    }
    // Failing traces first, then those a note is about, then those with errors; by start time within each.
    const rank = (t: TraceState): number => (t.failing ? 0 : t.noted ? 1 : t.errorCount > 0 ? 2 : 3);
    traces.sort((a, b) => rank(a) - rank(b) || a.startMs - b.startMs);
  };

  const initialExpansion = (): void => {
    const failing = traces.filter((t) => t.failing).slice(0, 3);
    for (const t of failing) expanded.add(t.traceId);
    const total = traces.reduce((n, t) => n + t.spans.length, 0);
    if (failing.length === 0 && total <= AUTO_EXPAND_SPANS) for (const t of traces) expanded.add(t.traceId);
    else if (failing.length === 0 && traces[0] !== undefined) expanded.add(traces[0].traceId);
  };

  const matches = (span: any): boolean => {
    if (filter.service !== '' && serviceName(span) !== filter.service) return false;
    if (filter.status !== '' && span.status !== filter.status) return false;
    if (filter.text !== '') {
      const needle = filter.text.toLowerCase();
      if (span._hay === undefined) span._hay = `${span.name} ${serviceName(span)} ${span.kind} ${span.spanId} ${span.traceId} ${span.statusMessage} ${JSON.stringify(span.attributes)}`.toLowerCase();
      if (!span._hay.includes(needle)) return false;
    }
    return true;
  };

  // ---------- rendering ----------
  const summaryHtml = (): string => {
    if (result === null) {
      const spanCount = traces.reduce((n, t) => n + t.spans.length, 0);
      return `<p class="tc-summary">${plural(spanCount, 'span')} in ${plural(traces.length, 'trace')}</p>`;
    }
    const specs = result.specs;
    const passedSpecs = specs.filter((s: any) => s.passed).length;
    let passed = 0;
    let failed = 0;
    let warned = 0;
    for (const s of specs) for (const e of s.expectations) {
      if (e.passed) passed += 1;
      else if (e.severity === 'warn') warned += 1;
      else failed += 1;
    }
    const verdict = result.passed ? '<span class="tc-pass">PASS</span>' : '<span class="tc-fail">FAIL</span>';
    return `<p class="tc-summary" aria-label="Run summary">${verdict} Specs: ${passedSpecs} passed, ${specs.length - passedSpecs} failed · ` +
      `Expectations: ${passed} passed, ${failed} failed${warned > 0 ? `, ${warned} warnings` : ''} · ${plural(result.spanCount, 'span')} in ` +
      `${plural(result.traceCount, 'trace')} · ${formatMillis(result.durationMillis)}${result.settled ? '' : ' · not settled'} · run <code>${esc(result.runId)}</code></p>`;
  };

  const spanLink = (span: any): string =>
    `<a href="#span-${esc(span.spanId)}">${esc(serviceName(span))} · ${esc(span.name)}</a>`;

  const specsHtml = (): string => {
    if (result === null) return '';
    if (result.specs.length === 0) return '<section class="tc-specs" aria-label="Specs"><h2>Specs</h2><p>No specs were evaluated.</p></section>';
    const out: string[] = ['<section class="tc-specs" aria-label="Specs"><h2>Specs</h2><ul class="tc-spec-list">'];
    for (const spec of result.specs) {
      const where = spec.source ? position(spec.source) : spec.file ?? '';
      const held = spec.expectations.filter((e: any) => e.passed).length;
      // A passing spec is one line (its expectations behind a disclosure); a failing one shows what failed.
      out.push(`<li class="tc-spec ${spec.passed ? 'tc-ok' : 'tc-bad'}"><details${spec.passed ? '' : ' open'}><summary class="tc-spec-head"><span class="tc-mark" aria-label="${spec.passed ? 'passed' : 'failed'}">${spec.passed ? '✓' : '✗'}</span> <strong>${esc(spec.name)}</strong> <span class="tc-dim">${esc(where)} · ${plural(spec.matchedTraceCount, 'trace')} · ${held}/${spec.expectations.length} expectations hold</span></summary><ul>`);
      for (const e of spec.expectations) {
        const state = e.passed ? 'passed' : e.severity === 'warn' ? 'warning' : 'failed';
        const sign = e.passed ? '✓' : e.severity === 'warn' ? '⚠' : '✗';
        out.push(`<li class="tc-exp tc-exp-${state}"><span class="tc-mark" aria-label="${state}">${sign}</span> ${esc(e.name)} <span class="tc-dim">${esc(position(e.source))}</span>`);
        if (!e.passed) {
          const lines = String(e.message).split('\n');
          out.push(`<div class="tc-message">${esc(lines[0])}</div>`);
          if (lines.length > 1) out.push(`<details class="tc-more"><summary>${plural(lines.length - 1, 'more line')}</summary><pre class="tc-message">${esc(lines.slice(1).join('\n'))}</pre></details>`);
          out.push(`<div class="tc-ea"><span class="tc-dim">expected:</span> ${esc(e.expected)}<br><span class="tc-dim">actual:</span> ${esc(e.actual)}</div>`);
          const spans = (e.spans ?? []).slice(0, 5);
          if (spans.length > 0) out.push(`<div class="tc-spanlinks">spans: ${spans.map(spanLink).join(', ')}${e.spans.length > 5 ? ` and ${e.spans.length - 5} more` : ''}</div>`);
          for (const miss of (e.nearMisses ?? []).slice(0, 3)) out.push(`<div class="tc-miss">closest: ${spanLink(miss.span)} — missed: ${esc(miss.missedClauses.join(', '))}</div>`);
        }
        out.push('</li>');
      }
      out.push('</ul></details></li>');
    }
    out.push('</ul></section>');
    return out.join('');
  };

  const notesHtml = (): string => {
    if (result === null || result.notes.length === 0) return '';
    const items = result.notes.map((note: any) => {
      const ids: string[] = note.diagnostic?.spanIds ?? [];
      const links = ids.filter((id) => traceOfSpan.has(id)).map((id) => spanLink(traceOfSpan.get(id)?.byId.get(id))).join(', ');
      return `<li class="tc-note tc-note-${esc(note.code)}"><code>${esc(note.code)}</code> ${esc(note.message)}${links ? `<div class="tc-spanlinks">spans: ${links}</div>` : ''}</li>`;
    });
    return `<section class="tc-notes" aria-label="Run notes"><h2>Notes</h2><ul>${items.join('')}</ul></section>`;
  };

  const serviceMapHtml = (): string => {
    interface Edge { from: string; to: string; calls: number; errors: number; durations: number[]; broken: boolean; message: string; }
    const edges = new Map<string, Edge>();
    const services = new Set<string>();
    const edgeOf = (from: string, to: string): Edge => {
      const key = `${from}\u0000${to}`;
      let edge = edges.get(key);
      if (edge === undefined) edges.set(key, (edge = { from, to, calls: 0, errors: 0, durations: [], broken: false, message: '' }));
      return edge;
    };
    for (const trace of traces) {
      for (const span of trace.spans) {
        const service = serviceName(span);
        services.add(service);
        const parent = span.parentSpanId ? trace.byId.get(span.parentSpanId) : undefined;
        if (parent === undefined) continue;
        const caller = serviceName(parent);
        if (caller === service) continue;
        const edge = edgeOf(caller, service);
        edge.calls += 1;
        if (span.status === 'error' || parent.status === 'error') edge.errors += 1;
        // The call's latency as the caller saw it, when the parent is its client span.
        edge.durations.push(parent.kind === 'client' || parent.kind === 'producer' ? parent._end - parent._start : span._end - span._start);
      }
    }
    for (const hop of hops) {
      if (!hop.caller || !hop.callee) continue;
      services.add(hop.caller);
      services.add(hop.callee);
      const edge = edgeOf(hop.caller, hop.callee);
      edge.broken = true;
      edge.message = hop.message;
    }
    if (services.size === 0) return '';
    // Columns by call depth from the services nobody calls.
    const callees = new Set([...edges.values()].map((e) => e.to));
    const depth = new Map<string, number>();
    const queue = [...services].filter((s) => !callees.has(s)).sort();
    if (queue.length === 0) queue.push([...services].sort()[0] as string);
    for (const s of queue) depth.set(s, 0);
    for (let i = 0; i < queue.length; i += 1) {
      const s = queue[i] as string;
      for (const e of edges.values()) {
        if (e.from === s && !depth.has(e.to)) {
          depth.set(e.to, (depth.get(s) ?? 0) + 1);
          queue.push(e.to);
        }
      }
    }
    for (const s of [...services].sort()) if (!depth.has(s)) depth.set(s, 0);
    const columns: string[][] = [];
    for (const [s, d] of depth) (columns[d] ??= []).push(s);
    const W = 180;
    const H = 60;
    /** Room between columns for an edge's two label lines. */
    const GAP = 220;
    const pos = new Map<string, { x: number; y: number }>();
    columns.forEach((col, c) => col.sort().forEach((s, r) => pos.set(s, { x: 20 + c * (W + GAP), y: 20 + r * (H + 40) })));
    const width = 40 + columns.length * (W + GAP) - GAP;
    const height = 40 + Math.max(...columns.map((c) => c.length)) * (H + 40);
    const parts: string[] = [];
    const rows: string[] = [];
    for (const e of edges.values()) {
      const a = pos.get(e.from);
      const b = pos.get(e.to);
      if (a === undefined || b === undefined) continue;
      const sorted = e.durations.slice().sort((x, y) => x - y);
      const counts = `${plural(e.calls, 'call')} · ${plural(e.errors, 'error')}`;
      const latency = `p50 ${formatMillis(percentile(sorted, 50))} · p95 ${formatMillis(percentile(sorted, 95))}`;
      const label = e.calls > 0 ? `${counts} · ${latency}` : 'no call joined';
      const x1 = a.x + W;
      const y1 = a.y + H / 2;
      const x2 = b.x;
      const y2 = b.y + H / 2 + (e.broken && e.calls > 0 ? 12 : 0);
      const self = e.from === e.to;
      const d = self ? `M ${a.x + W / 2} ${a.y + H} c 0 30 60 30 60 0` : `M ${x1} ${y1} C ${x1 + 50} ${y1} ${x2 - 50} ${y2} ${x2} ${y2}`;
      if (e.calls > 0) {
        parts.push(`<g class="tc-edge${e.errors > 0 ? ' tc-edge-err' : ''}"><title>${esc(e.from)} → ${esc(e.to)}: ${esc(label)}</title><path d="${d}" marker-end="url(#tc-arrow)"/>` +
          `<text x="${(x1 + x2) / 2}" y="${(y1 + y2) / 2 - 20}" text-anchor="middle">${esc(counts)}</text><text x="${(x1 + x2) / 2}" y="${(y1 + y2) / 2 - 6}" text-anchor="middle">${esc(latency)}</text></g>`);
      }
      if (e.broken) {
        const by = y2 + (e.calls > 0 ? 0 : 0);
        parts.push(`<g class="tc-edge tc-edge-broken"><title>${esc(e.message)}</title><path d="M ${x1} ${by} L ${x2} ${by}" stroke-dasharray="6 5"/>` +
          `<text x="${(x1 + x2) / 2}" y="${by + 16}" text-anchor="middle">✂ context lost</text></g>`);
      }
      rows.push(`<tr class="${e.broken ? 'tc-broken-row' : ''}"><td>${esc(e.from)}</td><td>${esc(e.to)}</td><td>${e.calls}</td><td>${e.errors}</td><td>${e.calls > 0 ? formatMillis(percentile(sorted, 50)) : '–'}</td><td>${e.calls > 0 ? formatMillis(percentile(sorted, 95)) : '–'}</td><td>${e.broken ? 'context lost' : ''}</td></tr>`);
    }
    for (const [s, p] of pos) {
      parts.push(`<g class="tc-node"><title>${esc(s)}</title><rect x="${p.x}" y="${p.y}" width="${W}" height="${H}" rx="8" style="stroke:${colorOf(s)}"/>` +
        `<circle cx="${p.x + 16}" cy="${p.y + H / 2}" r="6" style="fill:${colorOf(s)}"/><text x="${p.x + 30}" y="${p.y + H / 2 + 5}">${esc(s.length > 22 ? `${s.slice(0, 21)}…` : s)}</text></g>`);
    }
    return `<section class="tc-map" aria-label="Service map"><h2>Service map</h2><div class="tc-map-scroll"><svg role="img" aria-label="Service map: ${plural(services.size, 'service')}, ${plural(edges.size, 'edge')}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
      `<defs><marker id="tc-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z"/></marker></defs>${parts.join('')}</svg></div>` +
      (rows.length > 0 ? `<table class="tc-edges"><caption>Calls between services</caption><thead><tr><th scope="col">caller</th><th scope="col">callee</th><th scope="col">calls</th><th scope="col">errors</th><th scope="col">p50</th><th scope="col">p95</th><th scope="col">propagation</th></tr></thead><tbody>${rows.join('')}</tbody></table>` : '') +
      '</section>';
  };

  const filterHtml = (): string => {
    const services = new Set<string>();
    for (const t of traces) for (const s of t.services) services.add(s);
    const options = [...services].sort().map((s) => `<option value="${esc(s)}"${filter.service === s ? ' selected' : ''}>${esc(s)}</option>`).join('');
    const status = ['error', 'ok', 'unset'].map((s) => `<option value="${s}"${filter.status === s ? ' selected' : ''}>${s}</option>`).join('');
    return `<div class="tc-filter" role="search" aria-label="Filter spans">` +
      `<label>Service <select id="tc-f-service" aria-label="Filter by service"><option value="">all</option>${options}</select></label>` +
      `<label>Status <select id="tc-f-status" aria-label="Filter by status"><option value="">all</option>${status}</select></label>` +
      `<label>Text <input id="tc-f-text" type="search" aria-label="Filter by text" placeholder="name, attribute, id… ( / )" value="${esc(filter.text)}"></label>` +
      `<button type="button" id="tc-expand-all">Expand all</button><button type="button" id="tc-collapse-all">Collapse all</button>` +
      `<span id="tc-f-count" class="tc-dim" aria-live="polite"></span></div>`;
  };

  const traceHeadHtml = (trace: TraceState): string => {
    const open = expanded.has(trace.traceId);
    const flags = `${trace.failing ? '<span class="tc-badge tc-badge-fail">failing</span>' : ''}${trace.noted ? '<span class="tc-badge tc-badge-note">diagnosed</span>' : ''}${trace.errorCount > 0 ? `<span class="tc-badge tc-badge-err">${plural(trace.errorCount, 'error')}</span>` : ''}`;
    return `<section class="tc-trace${trace.failing ? ' tc-trace-failing' : ''}" id="trace-${esc(trace.traceId)}" data-trace="${esc(trace.traceId)}" aria-label="Trace ${esc(trace.traceId)}">` +
      `<h3 class="tc-trace-head"><button type="button" class="tc-toggle" aria-expanded="${open}" aria-controls="wf-${esc(trace.traceId)}">` +
      `<span class="tc-caret" aria-hidden="true">${open ? '▾' : '▸'}</span> ${esc(trace.rootName)} <span class="tc-dim">${plural(trace.spans.length, 'span')} · ${formatMillis(trace.endMs - trace.startMs)} · ${esc(trace.services.join(', '))} · ${esc(shortId(trace.traceId))}</span></button>${flags}` +
      ` <a class="tc-perma" href="#trace-${esc(trace.traceId)}" aria-label="Permalink to trace ${esc(trace.traceId)}">#</a></h3>` +
      `<div class="tc-wf" id="wf-${esc(trace.traceId)}"${open ? '' : ' hidden'}>${open ? waterfallHtml(trace) : ''}</div></section>`;
  };

  const axisHtml = (total: number): string => {
    const ticks: string[] = [];
    for (let i = 0; i <= 4; i += 1) ticks.push(`<span style="left:${i * 25}%">${formatMillis((total * i) / 4)}</span>`);
    return `<div class="tc-axis" aria-hidden="true"><div class="tc-axis-label"></div><span class="tc-dur">duration</span><div class="tc-axis-track">${ticks.join('')}</div></div>`;
  };

  const hopHtml = (hop: Hop, side: 'from' | 'to'): string => {
    const other = side === 'from' ? hop.to : hop.from;
    const otherTrace = side === 'from' ? hop.toTrace : hop.fromTrace;
    const target = other === undefined ? undefined : traceOfSpan.get(other)?.byId.get(other);
    const link = target === undefined ? '<span class="tc-dim">(no span of the other side arrived)</span>' : `${spanLink(target)} <span class="tc-dim">in trace ${esc(shortId(otherTrace ?? ''))}</span>`;
    const words = side === 'from' ? 'broken hop: the call continued in another trace →' : '← broken hop: this span should have continued the caller\'s trace';
    return `<div class="tc-broken-hop" role="note" data-from="${esc(hop.from)}" data-to="${esc(hop.to ?? '')}" aria-label="Broken propagation: ${esc(hop.message)}">` +
      `<svg class="tc-hop-svg" width="120" height="18" viewBox="0 0 120 18" aria-hidden="true"><line x1="2" y1="9" x2="50" y2="9"/><line x1="70" y1="9" x2="118" y2="9"/>` +
      `<path d="M 52 3 L 60 15 M 60 3 L 68 15" class="tc-hop-cut"/></svg> ${words} ${link}<div class="tc-hop-msg">${esc(hop.message)}</div></div>`;
  };

  /** Rows `from` to `to` (exclusive) of the trace's waterfall, with their explanations, hops and open details. */
  const rowsHtml = (trace: TraceState, from: number, to: number): string => {
    const rows = rowsOf(trace);
    const total = Math.max(trace.endMs - trace.startMs, 1e-6);
    const out: string[] = [];
    let first = from === 0;
    for (let i = from; i < to && i < rows.length; i += 1) {
      const row = rows[i] as Row;
      const span = row.span;
      const service = serviceName(span);
      const left = ((span._start - trace.startMs) / total) * 100;
      const width = Math.max(((span._end - span._start) / total) * 100, 0.15);
      const spanMarks = marks.get(span.spanId) ?? [];
      const failing = spanMarks.some((m) => m.kind === 'fail');
      const classes = `tc-row${failing ? ' tc-marked' : spanMarks.length > 0 ? ' tc-noted' : ''}${span.status === 'error' ? ' tc-err' : ''}`;
      const hidden = matches(span) ? '' : ' hidden';
      const skew = span.skewAdjustmentNanos ? `<span class="tc-skew" title="clock skew: shifted ${esc(formatMillis(nanosToMillis(span.skewAdjustmentNanos.replace('-', ''))))}${span.skewAdjustmentNanos.startsWith('-') ? ' earlier' : ' later'} to fit its caller">⇆ skew ${span.skewAdjustmentNanos.startsWith('-') ? '−' : '+'}${esc(formatMillis(nanosToMillis(span.skewAdjustmentNanos.replace('-', ''))))}</span>` : '';
      const label = `${service} ${span.name}, ${span.kind}, ${formatMillis(span._end - span._start)}, status ${span.status}${failing ? ', failing' : ''}${span.skewAdjustmentNanos ? ', clock skew adjusted' : ''}`;
      out.push(`<div class="${classes}" role="treeitem" id="span-${esc(span.spanId)}" data-span="${esc(span.spanId)}" aria-level="${row.depth + 1}" aria-expanded="${openDetails.has(span.spanId)}" aria-label="${esc(label)}" tabindex="${first ? 0 : -1}"${hidden}>` +
        `<div class="tc-label" style="padding-left:${Math.min(row.depth, 40) * 12 + 4}px"><span class="tc-dot" style="background:${colorOf(service)}"></span>` +
        `<span class="tc-svc">${esc(service)}</span> <span class="tc-name">${esc(span.name)}</span> <span class="tc-kind">${esc(span.kind)}</span>${span.status === 'error' ? '<span class="tc-status-err">error</span>' : ''}${row.orphan ? '<span class="tc-orphan">orphan</span>' : ''}${skew}` +
        `<a class="tc-perma" href="#span-${esc(span.spanId)}" tabindex="-1" aria-label="Permalink to span">#</a></div>` +
        `<span class="tc-dur">${esc(formatMillis(span._end - span._start))}</span>` +
        `<div class="tc-track"><div class="tc-bar" style="left:${left.toFixed(3)}%;width:${width.toFixed(3)}%;background:${colorOf(service)}"></div></div></div>`);
      first = false;
      // A broken hop's note is said by the hop's own row; past three explanations, the rest are counted.
      // Offending before near misses: what failed here reads first.
      const shown = spanMarks.filter((mark) => !(mark.kind === 'note' && hops.some((h) => h.from === span.spanId || h.to === span.spanId)))
        .sort((a, b) => Number(a.near === true) - Number(b.near === true));
      for (const mark of shown.slice(0, 2)) {
        const text = mark.text.length > 240 ? `${mark.text.slice(0, 239)}…` : mark.text;
        out.push(`<div class="tc-explain tc-explain-${mark.kind}" role="note" data-for="${esc(span.spanId)}" title="${esc(mark.text)}"${hidden}><span aria-hidden="true">${mark.kind === 'fail' ? '✗' : mark.kind === 'warn' ? '⚠' : '!'}</span> ${esc(text)}</div>`);
      }
      if (shown.length > 2) out.push(`<div class="tc-explain tc-explain-more" role="note" data-for="${esc(span.spanId)}" title="${esc(shown.slice(2).map((m) => m.text).join('\n'))}"${hidden}>… and ${shown.length - 2} more about this span (see Specs)</div>`);
      for (const hop of hops) {
        if (hop.from === span.spanId) out.push(hopHtml(hop, 'from'));
        else if (hop.to === span.spanId) out.push(hopHtml(hop, 'to'));
      }
      if (openDetails.has(span.spanId)) out.push(detailsHtml(span, trace));
    }
    return out.join('');
  };

  const moreHtml = (trace: TraceState): string => {
    const left = rowsOf(trace).length - (drawnRows.get(trace.traceId) ?? 0);
    return left <= 0 ? '' : `<button type="button" class="tc-draw-more" data-trace="${esc(trace.traceId)}">Draw ${plural(left, 'more span')}</button>`;
  };

  /** A large waterfall is drawn {@link ROWS_PER_DRAW} rows at a time: the rest as the reader scrolls to them. */
  const waterfallHtml = (trace: TraceState): string => {
    const total = Math.max(trace.endMs - trace.startMs, 1e-6);
    const drawn = Math.min(rowsOf(trace).length, ROWS_PER_DRAW);
    drawnRows.set(trace.traceId, drawn);
    return `${axisHtml(total)}<div class="tc-tree" role="tree" aria-label="Waterfall of trace ${esc(trace.traceId)}">${rowsHtml(trace, 0, drawn)}</div>${moreHtml(trace)}`;
  };

  /** Draws more rows of an open waterfall: the next batch, or up to `upTo` rows. */
  const drawMore = (trace: TraceState, upTo?: number): void => {
    const section = doc.getElementById(`trace-${trace.traceId}`);
    const tree = section?.querySelector('.tc-tree');
    if (tree === null || tree === undefined) return;
    const from = drawnRows.get(trace.traceId) ?? 0;
    const to = Math.min(rowsOf(trace).length, Math.max(upTo ?? 0, from + ROWS_PER_DRAW));
    if (to <= from) return;
    tree.insertAdjacentHTML('beforeend', rowsHtml(trace, from, to));
    drawnRows.set(trace.traceId, to);
    section.querySelector('.tc-draw-more')?.remove();
    tree.insertAdjacentHTML('afterend', moreHtml(trace));
    observeMore();
  };

  // The "draw more" button draws itself away once it scrolls into view.
  const moreObserver = typeof window.IntersectionObserver === 'function'
    ? new window.IntersectionObserver((entries: any[]) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        const trace = traces.find((t) => t.traceId === entry.target.getAttribute('data-trace'));
        if (trace !== undefined) drawMore(trace);
      }
    }, { rootMargin: '600px' })
    : undefined;
  const observeMore = (): void => {
    if (moreObserver === undefined) return;
    moreObserver.disconnect();
    for (const button of doc.querySelectorAll('.tc-draw-more')) moreObserver.observe(button);
  };

  const valueText = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));
  const attrTable = (attributes: any, caption: string): string => {
    const keys = Object.keys(attributes ?? {}).sort();
    if (keys.length === 0) return '';
    return `<table class="tc-attrs"><caption>${esc(caption)}</caption><tbody>${keys.map((k) => `<tr><th scope="row">${esc(k)}</th><td>${esc(valueText(attributes[k]))}</td></tr>`).join('')}</tbody></table>`;
  };

  const detailsHtml = (span: any, trace: TraceState): string => {
    const events = (span.events ?? []).map((e: any) => `<li>${esc(e.name)} <span class="tc-dim">+${esc(formatMillis(nanosToMillis(e.timeUnixNano) - span._start))}</span>${attrTable(e.attributes, 'event attributes')}</li>`).join('');
    const links = (span.links ?? []).map((l: any) => {
      const target = traceOfSpan.get(l.spanId)?.byId.get(l.spanId);
      return `<li>${target ? spanLink(target) : `<code>${esc(l.traceId)}/${esc(l.spanId)}</code> (not in this run)`}${attrTable(l.attributes, 'link attributes')}</li>`;
    }).join('');
    return `<div class="tc-details" role="group" aria-label="Details of ${esc(span.name)}" data-details="${esc(span.spanId)}">` +
      `<dl><dt>span</dt><dd><code>${esc(span.spanId)}</code></dd><dt>trace</dt><dd><code>${esc(trace.traceId)}</code></dd>` +
      `<dt>parent</dt><dd><code>${esc(span.parentSpanId ?? '–')}</code></dd><dt>start</dt><dd>+${esc(formatMillis(span._start - trace.startMs))}</dd>` +
      `<dt>duration</dt><dd>${esc(formatMillis(span._end - span._start))}</dd><dt>status</dt><dd>${esc(span.status)}${span.statusMessage ? ` — ${esc(span.statusMessage)}` : ''}</dd>` +
      (span.skewAdjustmentNanos ? `<dt>clock skew</dt><dd>shifted ${esc(span.skewAdjustmentNanos)} ns to fit its caller</dd>` : '') + '</dl>' +
      attrTable(span.attributes, 'attributes') +
      (events ? `<h4>Events</h4><ul>${events}</ul>` : '') + (links ? `<h4>Links</h4><ul>${links}</ul>` : '') + '</div>';
  };

  const applyFilter = (): void => {
    let shown = 0;
    for (const trace of traces) {
      const section = doc.getElementById(`trace-${trace.traceId}`);
      if (section === null) continue;
      const any = trace.spans.some(matches);
      section.hidden = !any;
      if (any) shown += 1;
      if (!expanded.has(trace.traceId)) continue;
      // One pass in document order: a span's explanations follow its row, and share its fate.
      const tree = section.querySelector('.tc-tree');
      if (tree === null) continue;
      let ok = true;
      for (let el = tree.firstElementChild; el !== null; el = el.nextElementSibling) {
        if (el.classList.contains('tc-row')) {
          const span = trace.byId.get(el.getAttribute('data-span'));
          ok = span !== undefined && matches(span);
          if (el.hidden === ok) el.hidden = !ok;
        } else if (el.classList.contains('tc-explain') && el.hidden === ok) {
          el.hidden = !ok;
        }
      }
    }
    const count = doc.getElementById('tc-f-count');
    if (count !== null) count.textContent = `${shown} of ${plural(traces.length, 'trace')} shown`;
  };

  const renderTrace = (trace: TraceState): void => {
    const section = doc.getElementById(`trace-${trace.traceId}`);
    if (section === null) return;
    section.outerHTML = traceHeadHtml(trace);
    observeMore();
  };

  const setExpanded = (traceId: string, open: boolean): void => {
    const trace = traces.find((t) => t.traceId === traceId);
    if (trace === undefined) return;
    if (open) expanded.add(traceId);
    else expanded.delete(traceId);
    renderTrace(trace);
  };

  const toggleDetails = (row: any): void => {
    const spanId = row.getAttribute('data-span');
    const trace = traceOfSpan.get(spanId);
    if (trace === undefined) return;
    if (openDetails.has(spanId)) {
      openDetails.delete(spanId);
      row.parentNode.querySelector(`[data-details="${spanId}"]`)?.remove();
      row.setAttribute('aria-expanded', 'false');
    } else {
      openDetails.add(spanId);
      let after = row;
      while (after.nextElementSibling !== null && !after.nextElementSibling.classList.contains('tc-row')) after = after.nextElementSibling;
      after.insertAdjacentHTML('afterend', detailsHtml(trace.byId.get(spanId), trace));
      row.setAttribute('aria-expanded', 'true');
    }
  };

  const focusRow = (row: any): void => {
    if (row === null || row === undefined) return;
    for (const other of row.parentNode.querySelectorAll('.tc-row[tabindex="0"]')) other.setAttribute('tabindex', '-1');
    row.setAttribute('tabindex', '0');
    row.focus();
  };

  const visibleRows = (tree: any): any[] => [...tree.querySelectorAll('.tc-row')].filter((r: any) => !r.hidden);

  /** Opens what a permalink (`#trace-…`, `#span-…`) names, and brings it into view. */
  const openFragment = (): void => {
    const hash = decodeURIComponent(String(location.hash).slice(1));
    if (hash.startsWith('trace-')) {
      const id = hash.slice('trace-'.length);
      if (!expanded.has(id)) setExpanded(id, true);
      doc.getElementById(hash)?.scrollIntoView({ block: 'start' });
    } else if (hash.startsWith('span-')) {
      const id = hash.slice('span-'.length);
      const trace = traceOfSpan.get(id);
      if (trace === undefined) return;
      if (!expanded.has(trace.traceId)) setExpanded(trace.traceId, true);
      const at = rowsOf(trace).findIndex((r) => r.span.spanId === id);
      if (at >= (drawnRows.get(trace.traceId) ?? 0)) drawMore(trace, at + 1);
      const row = doc.getElementById(hash);
      if (row === null) return;
      row.hidden = false;
      if (!openDetails.has(id)) toggleDetails(row);
      row.scrollIntoView({ block: 'center' });
      focusRow(row);
    }
  };

  const renderApp = (header: string): void => {
    const total = traces.reduce((n, t) => n + t.spans.length, 0);
    root.innerHTML = `${header}<main id="tc-main">${summaryHtml()}${specsHtml()}${notesHtml()}${serviceMapHtml()}` +
      `<section class="tc-traces" aria-label="Traces"><h2>Traces <span class="tc-dim">(${plural(traces.length, 'trace')}, ${plural(total, 'span')})</span></h2>${filterHtml()}` +
      `<div id="tc-trace-list">${traces.map(traceHeadHtml).join('')}</div></section></main>`;
    applyFilter();
    observeMore();
  };

  const headerHtml = (title: string, extra: string): string =>
    `<header class="tc-header" role="banner"><h1>${esc(title)}</h1>${extra}<button type="button" id="tc-theme" aria-label="Switch light or dark theme">◐ theme</button></header>`;

  // ---------- events (delegated, attached once) ----------
  root.addEventListener('click', (event: any) => {
    const target = event.target;
    if (target.closest('#tc-theme')) return toggleTheme();
    if (target.closest('#tc-expand-all')) {
      for (const t of traces) expanded.add(t.traceId);
      doc.getElementById('tc-trace-list').innerHTML = traces.map(traceHeadHtml).join('');
      observeMore();
      return applyFilter();
    }
    if (target.closest('#tc-collapse-all')) {
      expanded.clear();
      doc.getElementById('tc-trace-list').innerHTML = traces.map(traceHeadHtml).join('');
      return applyFilter();
    }
    const more = target.closest('.tc-draw-more');
    if (more !== null) {
      const trace = traces.find((t) => t.traceId === more.getAttribute('data-trace'));
      if (trace !== undefined) drawMore(trace);
      return undefined;
    }
    const toggle = target.closest('.tc-toggle');
    if (toggle !== null) {
      const id = toggle.closest('.tc-trace').getAttribute('data-trace');
      setExpanded(id, !expanded.has(id));
      applyFilter();
      doc.querySelector(`#trace-${id} .tc-toggle`)?.focus();
      return undefined;
    }
    if (target.closest('a') !== null) return undefined;
    const row = target.closest('.tc-row');
    if (row !== null) {
      toggleDetails(row);
      focusRow(row);
    }
    return undefined;
  });
  root.addEventListener('keydown', (event: any) => {
    const row = event.target.closest?.('.tc-row');
    if (row === null || row === undefined) return;
    const rows = visibleRows(row.parentNode);
    const at = rows.indexOf(row);
    const key = event.key;
    if (key === 'ArrowDown') {
      const trace = traceOfSpan.get(row.getAttribute('data-span'));
      if (at === rows.length - 1 && trace !== undefined) {
        drawMore(trace);
        focusRow(visibleRows(row.parentNode)[at + 1]);
      } else {
        focusRow(rows[at + 1]);
      }
    }
    else if (key === 'ArrowUp') focusRow(rows[at - 1]);
    else if (key === 'Home') focusRow(rows[0]);
    else if (key === 'End') focusRow(rows[rows.length - 1]);
    else if (key === 'Enter' || key === ' ' || (key === 'ArrowRight' && row.getAttribute('aria-expanded') === 'false') || (key === 'ArrowLeft' && row.getAttribute('aria-expanded') === 'true')) toggleDetails(row);
    else return;
    event.preventDefault();
  });
  root.addEventListener('input', (event: any) => {
    const id = event.target.id;
    if (id === 'tc-f-text') filter.text = event.target.value.trim();
    else if (id === 'tc-f-service') filter.service = event.target.value;
    else if (id === 'tc-f-status') filter.status = event.target.value;
    else return;
    applyFilter();
  });
  doc.addEventListener('keydown', (event: any) => {
    const tag = String(event.target.tagName ?? '').toLowerCase();
    if (event.key === '/' && tag !== 'input' && tag !== 'select' && tag !== 'textarea') {
      doc.getElementById('tc-f-text')?.focus();
      event.preventDefault();
    }
  });
  window.addEventListener('hashchange', openFragment);

  const markReady = (): void => {
    doc.documentElement.setAttribute('data-ready', 'true');
    if (firstRender) {
      firstRender = false;
      window.performance?.mark?.('tracecheck:interactive');
    }
  };

  // ---------- report mode ----------
  if (boot.mode === 'report') {
    const data = JSON.parse(doc.getElementById('tc-data').textContent);
    relink(data);
    index(data);
    initialExpansion();
    renderApp(headerHtml(data.title ?? 'tracecheck report', ''));
    openFragment();
    markReady();
    return;
  }

  // ---------- live mode (the sidecar's /ui) ----------
  const TOKEN_KEY = 'tracecheck-token';
  const params = new URLSearchParams(String(location.search));
  const hashToken = /^#token=(.+)$/.exec(String(location.hash));
  if (hashToken !== null) {
    try {
      sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(hashToken[1] as string));
    } catch {
      // no storage: the token lives for this page only
    }
    (window as any).__tcToken = decodeURIComponent(hashToken[1] as string);
    history.replaceState(null, '', String(location.pathname) + String(location.search));
  }
  // A token given by a fragment the page is already on (`/ui` → `/ui#token=…`) is a same-document navigation.
  window.addEventListener('hashchange', () => {
    if (/^#token=/.test(String(location.hash))) location.reload();
  });
  const token = (): string | null => {
    try {
      return sessionStorage.getItem(TOKEN_KEY) ?? (window as any).__tcToken ?? null;
    } catch {
      return (window as any).__tcToken ?? null;
    }
  };
  const headers = (): Record<string, string> => {
    const t = token();
    return t === null ? {} : { authorization: `Bearer ${t}` };
  };
  const liveHeader = (extra: string): string => headerHtml('tracecheck live', `<nav aria-label="Sidecar"><a href="/ui">Runs</a></nav>${extra}`);
  const showStatus = (text: string): void => {
    const el = doc.getElementById('tc-live-status');
    if (el !== null) el.textContent = text;
  };
  const askToken = (why: string): void => {
    root.innerHTML = liveHeader('') + `<main id="tc-main"><form id="tc-token-form" aria-label="Sidecar token"><p>${esc(why)}</p>` +
      '<label>Token <input id="tc-token" type="password" autocomplete="off" required></label> <button type="submit">Open</button></form></main>';
    doc.getElementById('tc-token-form').addEventListener('submit', (event: any) => {
      event.preventDefault();
      const value = doc.getElementById('tc-token').value.trim();
      try {
        sessionStorage.setItem(TOKEN_KEY, value);
      } catch {
        // as above
      }
      (window as any).__tcToken = value;
      location.reload();
    });
    markReady();
  };

  const runId = params.get('run');
  if (runId === null) {
    void fetch('/api/runs', { headers: headers() }).then(async (response: any) => {
      if (response.status === 401) return askToken('This sidecar needs its token (the one given to tracecheck serve).');
      const body = await response.json();
      const rows = body.runs.map((run: any) => `<tr><td><a href="/ui?run=${encodeURIComponent(run.id)}">${esc(run.id)}</a></td><td>${esc(run.state)}</td><td>${run.spanCount}</td><td>${run.traceCount}</td><td>${run.orphanCount}</td></tr>`).join('');
      root.innerHTML = liveHeader('') + `<main id="tc-main"><section aria-label="Runs"><h2>Runs</h2>` +
        (rows === '' ? '<p>No run has received a span yet.</p>' : `<table class="tc-runs"><thead><tr><th scope="col">run</th><th scope="col">state</th><th scope="col">spans</th><th scope="col">traces</th><th scope="col">orphans</th></tr></thead><tbody>${rows}</tbody></table>`) +
        `<p class="tc-dim">${plural(body.unclaimed.spanCount, 'unclaimed span')} in ${plural(body.unclaimed.traceCount, 'trace')} · <a href="/ui">refresh</a></p></section></main>`;
      markReady();
      return undefined;
    }, (error: any) => askToken(`The sidecar did not answer: ${error}`));
    return;
  }

  // One run, live: its spans over the event stream, decoded from OTLP/JSON.
  const KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
  const STATUSES = ['unset', 'ok', 'error'];
  const anyValue = (v: any): unknown => {
    if (v === undefined || v === null) return null;
    if ('stringValue' in v) return v.stringValue;
    if ('boolValue' in v) return v.boolValue;
    if ('intValue' in v) return Number(v.intValue);
    if ('doubleValue' in v) return v.doubleValue;
    if ('arrayValue' in v) return (v.arrayValue.values ?? []).map(anyValue);
    if ('kvlistValue' in v) return keyValues(v.kvlistValue.values);
    if ('bytesValue' in v) return v.bytesValue;
    return null;
  };
  const keyValues = (list: any[] | undefined): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const kv of list ?? []) out[kv.key] = anyValue(kv.value);
    return out;
  };
  const liveSpans = new Map<string, any[]>();
  const seenSpans = new Set<string>();
  let spanCount = 0;
  let scheduled = false;
  let ended = '';
  const renderLive = (): void => {
    scheduled = false;
    const data = { traces: [...liveSpans].map(([traceId, spans]) => ({ traceId, spans })) };
    const total = spanCount;
    index(data);
    // A small run shows every waterfall as its spans arrive; a large one leaves opening them to the reader.
    if (total <= AUTO_EXPAND_SPANS) for (const t of traces) expanded.add(t.traceId);
    const focused = doc.activeElement?.id;
    renderApp(liveHeader(`<p class="tc-live" role="status" id="tc-live-status">run <code>${esc(runId)}</code> · ${plural(total, 'span')} · ${ended === '' ? 'live: updating as spans arrive' : esc(ended)}</p>`));
    if (focused) doc.getElementById(focused)?.focus();
    markReady();
  };
  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(renderLive);
  };
  const addExport = (request: any): void => {
    for (const rs of request.resourceSpans ?? []) {
      const resource = keyValues(rs.resource?.attributes);
      const service = typeof resource['service.name'] === 'string' ? resource['service.name'] : undefined;
      for (const ss of rs.scopeSpans ?? []) {
        for (const s of ss.spans ?? []) {
          if (seenSpans.has(s.spanId)) continue;
          seenSpans.add(s.spanId);
          const start = String(s.startTimeUnixNano);
          const end = String(s.endTimeUnixNano);
          const span = {
            traceId: s.traceId,
            spanId: s.spanId,
            parentSpanId: s.parentSpanId || undefined,
            name: s.name,
            service,
            kind: KINDS[s.kind ?? 0] ?? String(s.kind),
            status: STATUSES[s.status?.code ?? 0] ?? String(s.status?.code),
            statusMessage: s.status?.message ?? '',
            startTimeUnixNano: start,
            endTimeUnixNano: end,
            durationMillis: Math.max(0, nanosToMillis(end) - nanosToMillis(start)),
            attributes: keyValues(s.attributes),
            events: (s.events ?? []).map((e: any) => ({ name: e.name, timeUnixNano: String(e.timeUnixNano), attributes: keyValues(e.attributes) })),
            links: (s.links ?? []).map((l: any) => ({ traceId: l.traceId, spanId: l.spanId, attributes: keyValues(l.attributes) })),
          };
          let list = liveSpans.get(span.traceId);
          if (list === undefined) liveSpans.set(span.traceId, (list = []));
          list.push(span);
          spanCount += 1;
        }
      }
    }
  };
  root.innerHTML = liveHeader(`<p class="tc-live" role="status" id="tc-live-status">run <code>${esc(runId)}</code> · connecting…</p>`) + '<main id="tc-main"></main>';
  const stream = async (): Promise<void> => {
    const response = await fetch(`/api/runs/${encodeURIComponent(runId)}/stream`, { headers: headers() });
    if (response.status === 401) return askToken('This sidecar needs its token (the one given to tracecheck serve).');
    if (!response.ok || response.body === null) return showStatus(`the stream failed: HTTP ${response.status}`);
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let cut = buffer.indexOf('\n\n');
      while (cut !== -1) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        cut = buffer.indexOf('\n\n');
        let event = 'message';
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('event:')) event = line.slice(6).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
        }
        if (event === 'spans') addExport(JSON.parse(data.join('\n')));
        else if (event === 'end') {
          const end = JSON.parse(data.join('\n'));
          ended = end.reason === 'reader-behind' ? `the stream ended: ${end.message}` : `run ${end.state}: no more spans`;
        }
        schedule();
      }
    }
    if (ended === '') ended = 'the stream ended';
    schedule();
    return undefined;
  };
  void stream().catch((error: any) => showStatus(`the stream failed: ${error}`));
}
