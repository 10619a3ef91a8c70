import type { RunResult, TraceView } from '../engine/index.ts';
import { tracecheckClient } from './html-client.ts';
import type { Reporter } from './reporter.ts';

/**
 * What an html report's page holds, serialised once into it as JSON: the engine's read-only result model and
 * the run's traces ({@link TraceView}, from `viewTraces`). The page's one script draws everything from it. In the
 * page, a span of the result that the traces hold is written as `{ "$span": "<spanId>" }` (it is in the traces).
 */
export interface HtmlReportData {
  readonly version: 1;
  readonly title: string;
  readonly result: RunResult | null;
  readonly traces: readonly TraceView[];
}

/** Options of {@link createHtmlReporter}. */
export interface HtmlReporterOptions {
  /** The run's traces to draw as waterfalls (`viewTraces(run.traces())`); without them the report lists results only. */
  readonly traces?: readonly TraceView[];
  /** The page title. Default `tracecheck report`. */
  readonly title?: string;
}

/** JSON safe inside a `<script>` element: `<` is written `\u003c`, so `</script` and `<!--` cannot occur. */
export function jsonForScript(value: unknown, replacer?: (this: unknown, key: string, value: unknown) => unknown): string {
  return JSON.stringify(value, replacer).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

const STYLE = `
:root{--bg:#fff;--fg:#1d2330;--dim:#667085;--line:#e3e6ec;--panel:#f6f7f9;--pass:#137a3a;--fail:#c62828;--warn:#a15c00;--note:#6a4bc4;--mark:#fdecec;--focus:#2f6fdf;color-scheme:light}
:root[data-theme=dark]{--bg:#14161b;--fg:#e6e8ec;--dim:#9aa3b2;--line:#2c313b;--panel:#1c1f26;--pass:#4cc47c;--fail:#ff6b6b;--warn:#f0b04c;--note:#b69cff;--mark:#3a1f22;--focus:#7aa7ff;color-scheme:dark}
@media (prefers-color-scheme:dark){:root:not([data-theme=light]){--bg:#14161b;--fg:#e6e8ec;--dim:#9aa3b2;--line:#2c313b;--panel:#1c1f26;--pass:#4cc47c;--fail:#ff6b6b;--warn:#f0b04c;--note:#b69cff;--mark:#3a1f22;--focus:#7aa7ff;color-scheme:dark}}
[hidden]{display:none!important}*{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif}
code,pre,.tc-attrs td{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:12.5px}
a{color:var(--focus)}:focus-visible{outline:2px solid var(--focus);outline-offset:1px}
.tc-header{display:flex;gap:16px;align-items:center;padding:10px 20px;border-bottom:1px solid var(--line);background:var(--panel)}
.tc-header h1{font-size:18px;margin:0;flex:0 0 auto}.tc-header #tc-theme{margin-left:auto}
button,select,input{font:inherit;color:inherit;background:var(--bg);border:1px solid var(--line);border-radius:5px;padding:3px 8px}
main{padding:8px 20px 40px}h2{font-size:16px;margin:18px 0 8px}
.tc-dim{color:var(--dim)}.tc-pass{color:var(--pass);font-weight:700}.tc-fail{color:var(--fail);font-weight:700}
.tc-summary{font-size:15px}
.tc-spec-list,.tc-spec-list ul,.tc-notes ul{list-style:none;padding-left:0;margin:0}.tc-spec-list ul{padding-left:22px}
.tc-spec{margin:6px 0}.tc-ok>.tc-spec-head .tc-mark,.tc-exp-passed>.tc-mark{color:var(--pass)}.tc-bad>.tc-spec-head .tc-mark,.tc-exp-failed>.tc-mark{color:var(--fail)}.tc-exp-warning>.tc-mark{color:var(--warn)}
.tc-spec-head{cursor:pointer}.tc-more{margin-left:18px}.tc-more summary{cursor:pointer;color:var(--dim)}
.tc-message{white-space:pre-wrap;margin:4px 0 4px 18px;padding:6px 8px;background:var(--panel);border-left:3px solid var(--fail)}
.tc-ea,.tc-spanlinks,.tc-miss{margin-left:18px}
.tc-note{margin:4px 0}.tc-note code{color:var(--note)}
.tc-map-scroll{overflow:auto;border:1px solid var(--line);border-radius:6px;background:var(--panel)}
.tc-map svg text{fill:var(--fg);font-size:12px}.tc-node rect{fill:var(--bg);stroke-width:2}
.tc-edge path{fill:none;stroke:var(--dim);stroke-width:1.6}.tc-edge-err path{stroke:var(--fail)}.tc-edge-broken path{stroke:var(--fail);stroke-width:2}
.tc-edge-broken text{fill:var(--fail)}marker path{fill:var(--dim)}
.tc-edges{border-collapse:collapse;margin-top:8px}.tc-edges th,.tc-edges td,.tc-runs th,.tc-runs td{border-bottom:1px solid var(--line);padding:2px 10px;text-align:left}.tc-broken-row td{color:var(--fail)}
.tc-filter{display:flex;flex-wrap:wrap;gap:10px;align-items:center;margin:6px 0 10px}
.tc-trace{border:1px solid var(--line);border-radius:6px;margin:6px 0}.tc-trace-failing{border-color:var(--fail)}
.tc-trace-head{margin:0;font-size:14px;font-weight:400;display:flex;align-items:center;gap:6px;padding:2px 6px;background:var(--panel)}
.tc-toggle{border:0;background:none;text-align:left;flex:1;padding:4px}
.tc-badge{font-size:11px;border-radius:8px;padding:0 6px;border:1px solid}.tc-badge-fail{color:var(--fail)}.tc-badge-err{color:var(--fail)}.tc-badge-note{color:var(--note)}
.tc-perma{color:var(--dim);text-decoration:none;padding:0 4px}
.tc-wf{padding:4px 6px 8px}
.tc-axis{display:flex;font-size:11px;color:var(--dim);height:16px}.tc-axis-label{flex:0 0 38%}.tc-axis-track{flex:1;position:relative;border-bottom:1px solid var(--line)}.tc-axis-track span{position:absolute;transform:translateX(-50%);white-space:nowrap}.tc-axis-track span:first-child{transform:none}.tc-axis-track span:last-child{transform:translateX(-100%)}
.tc-row{display:flex;align-items:center;min-height:22px;cursor:pointer;border-radius:3px;content-visibility:auto;contain-intrinsic-size:auto 22px}
.tc-row:hover{background:var(--panel)}.tc-row:focus{outline:2px solid var(--focus)}
.tc-marked{background:var(--mark)}.tc-noted{box-shadow:inset 3px 0 var(--note)}
.tc-label{flex:0 0 38%;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.tc-dot{display:inline-block;width:9px;height:9px;border-radius:50%;margin-right:5px}
.tc-svc{color:var(--dim)}.tc-kind{font-size:11px;color:var(--dim);border:1px solid var(--line);border-radius:4px;padding:0 4px}
.tc-status-err,.tc-orphan{font-size:11px;color:var(--fail);margin-left:4px}.tc-skew{font-size:11px;color:var(--warn);margin-left:4px}
.tc-track{flex:1;position:relative;height:18px}
.tc-bar{position:absolute;top:4px;height:10px;border-radius:2px;min-width:2px}
.tc-err .tc-bar{outline:2px solid var(--fail);background-image:repeating-linear-gradient(45deg,transparent 0 4px,rgba(0,0,0,.25) 4px 6px)!important}
.tc-marked .tc-bar{box-shadow:0 0 0 2px var(--bg),0 0 0 4px var(--fail)}
.tc-dur{flex:0 0 64px;font-size:11px;color:var(--dim);text-align:right;padding-right:8px}
.tc-explain{margin:0 0 2px calc(38% + 64px);padding:2px 8px;font-size:13px;border-left:3px solid var(--fail);color:var(--fail)}
.tc-explain-more{color:var(--dim);border-color:var(--line)}.tc-explain-warn{border-color:var(--warn);color:var(--warn)}.tc-explain-note{border-color:var(--note);color:var(--note)}
.tc-broken-hop{margin:0 0 2px 10%;padding:2px 8px;font-size:13px;color:var(--fail)}
.tc-hop-svg line{stroke:var(--fail);stroke-width:2;stroke-dasharray:5 4}.tc-hop-cut{stroke:var(--fail);stroke-width:2.5}.tc-hop-msg{color:var(--dim)}
.tc-draw-more{margin:6px 0 0 38%}
.tc-details{margin:2px 0 8px 24px;padding:6px 10px;border-left:2px solid var(--line);background:var(--panel)}
.tc-details dl{display:grid;grid-template-columns:max-content 1fr;gap:0 12px;margin:0 0 6px}.tc-details dt{color:var(--dim)}.tc-details dd{margin:0}
.tc-details h4{margin:6px 0 2px;font-size:13px}.tc-attrs{border-collapse:collapse}.tc-attrs caption{text-align:left;color:var(--dim)}
.tc-attrs th{text-align:left;font-weight:400;color:var(--dim);padding:1px 12px 1px 0;vertical-align:top}.tc-attrs td{word-break:break-all}
.tc-live{margin:0;color:var(--dim)}
`;

/**
 * The result names spans the traces hold in full (a failure's spans, its drawn trace, its near misses): those are
 * written once, in the traces, and the result refers to them as `{ "$span": "<spanId>" }`, which the page links
 * back to the trace's span. A failing 10,000-span trace would otherwise be written once more per failure.
 */
function spanReferences(data: HtmlReportData): (this: unknown, key: string, value: unknown) => unknown {
  const own = new WeakSet<object>();
  const ids = new Set<string>();
  for (const trace of data.traces) {
    for (const span of trace.spans) {
      own.add(span);
      ids.add(span.spanId);
    }
  }
  return (_key, value) => {
    if (value === null || typeof value !== 'object' || own.has(value)) return value;
    const span = value as { spanId?: unknown; startTimeUnixNano?: unknown };
    return typeof span.spanId === 'string' && typeof span.startTimeUnixNano === 'string' && ids.has(span.spanId) ? { $span: span.spanId } : value;
  };
}

/** Options of {@link renderHtmlPage}. */
export interface HtmlPageOptions {
  readonly title: string;
  /** `report`: a self-contained page of `data`; `live`: the sidecar's `/ui`, which fetches its own origin's API. */
  readonly mode: 'report' | 'live';
  readonly data?: HtmlReportData;
}

/**
 * One html page: the style, the data (report mode) and the one script that draws it. A report's
 * Content-Security-Policy forbids every network request; the live page may reach its own origin only.
 */
export function renderHtmlPage(options: HtmlPageOptions): string {
  const connect = options.mode === 'live' ? "'self'" : "'none'";
  const csp = `default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; connect-src ${connect}; base-uri 'none'; form-action 'none'`;
  const data = options.data === undefined ? '' : `<script type="application/json" id="tc-data">${jsonForScript(options.data, spanReferences(options.data))}</script>\n`;
  const escapedTitle = options.title.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  return (
    '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n' +
    `<meta http-equiv="Content-Security-Policy" content="${csp}">\n` +
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n' +
    `<title>${escapedTitle}</title>\n<style>${STYLE}</style>\n</head>\n<body>\n` +
    '<div id="tc-app"><p>Loading…</p><noscript>This report needs JavaScript to draw its waterfalls.</noscript></div>\n' +
    data +
    `<script>(${tracecheckClient.toString()})(${JSON.stringify({ mode: options.mode })});</script>\n</body>\n</html>\n`
  );
}

/**
 * The visual reporter: one self-contained html file (no external assets, no network requests, opens from
 * `file://`) with the run summary, each spec's expectations with pass/fail and `file:line`, a service map with
 * calls, errors and p50/p95 per edge, and a waterfall per trace: bars on a time axis coloured by service, the
 * spans a failure is about marked with its explanation beside them, clock-skew shifts marked, broken
 * propagation hops drawn between the two traces, a filter by service, status and text, permalinks
 * (`#trace-…`, `#span-…`), keyboard navigation and light and dark themes.
 *
 * @example
 * ```ts
 * const result = await evaluateSpecs(specs, run);
 * const html = createHtmlReporter({ traces: viewTraces(run.traces()) }).render(result);
 * await writeFile('report.html', html);
 * ```
 */
export function createHtmlReporter(options: HtmlReporterOptions = {}): Reporter {
  const title = options.title ?? 'tracecheck report';
  return {
    name: 'html',
    render: (result) => renderHtmlPage({ title, mode: 'report', data: { version: 1, title, result, traces: options.traces ?? [] } }),
  };
}
