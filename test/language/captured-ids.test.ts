/**
 * A captured variable is unknown until a trace is judged, so the validator parses selectors with a stand-in in its
 * place. The stand-in must not be judged in the variable's stead: `parentSpanId = "${var:placeSpan}"` is fine,
 * while a real mistake next to it is still reported where it is written.
 */
import { describe, expect, it } from 'vitest';
import { formatSpecProblem } from '../../src/errors.ts';
import { loadSpecText } from '../../src/language/loader.ts';

const FILE = 'specs/captured.yaml';

function load(selector: string): { ok: boolean; problems: string[] } {
  const text = [
    'name: captured ids',
    'expect:',
    "  - spans: '{ name = \"orders.place\" }'",
    '    capture: { placeSpan: spanId, placeTrace: traceId }',
    `  - spans: '${selector}'`,
    '',
  ].join('\n');
  const result = loadSpecText(text, FILE, { env: {} });
  return { ok: result.ok, problems: result.ok ? [] : result.error.map((p) => formatSpecProblem(p).slice(`${FILE}:`.length)) };
}

describe('captured variables in hex id comparisons', () => {
  it('accepts a captured span id or trace id where a hex id is expected', () => {
    expect(load('{ kind = client && parentSpanId = "${var:placeSpan}" }')).toEqual({ ok: true, problems: [] });
    expect(load('{ traceId = "${var:placeTrace}" && spanId != "${var:placeSpan}" }')).toEqual({ ok: true, problems: [] });
  });

  it('still rejects a written id that is not hex, at its column', () => {
    const outcome = load('{ spanId = "nothex" || parentSpanId = "${var:placeSpan}" }');
    expect(outcome.ok).toBe(false);
    expect(outcome.problems).toEqual([expect.stringMatching(/^5:24 spanId is hex: "nothex" is not/u)]);
  });
});
