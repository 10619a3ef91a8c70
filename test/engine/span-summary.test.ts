// The plain-data spans reports carry (summarizeSpan, and viewTraces for the html report) keep every attribute,
// an attribute named __proto__ too: assigned on a plain object, it would set the prototype and vanish.
import { expect, it } from 'vitest';
import { summarizeSpan, viewTraces } from '../../src/engine/index.ts';
import { emptyAttributes, type Span } from '../../src/model/index.ts';
import { TraceAssembly } from '../../src/store/index.ts';
import { makeTrace } from '../support/sdk-traces.ts';

it('keeps an attribute named __proto__ in span summaries and trace views', async () => {
  const [made] = await makeTrace([{ name: 'GET /', kind: 'server', service: 'web', attributes: { 'http.route': '/' } }]);
  // As the decoders build it: an attribute map without a prototype, where __proto__ is a key like any other.
  const attributes = emptyAttributes();
  attributes['__proto__'] = 'polluted?';
  attributes['http.route'] = '/';
  const span: Span = { ...made!, attributes };
  const summary = summarizeSpan(span);
  expect(Object.keys(summary.attributes)).toEqual(expect.arrayContaining(['__proto__', 'http.route']));
  expect(Object.getOwnPropertyDescriptor(summary.attributes, '__proto__')?.value).toBe('polluted?');
  const assembly = new TraceAssembly(span.traceId);
  assembly.add(span);
  const [view] = viewTraces([assembly.build()]);
  expect(Object.getOwnPropertyDescriptor(view?.spans[0]?.attributes, '__proto__')?.value).toBe('polluted?');
});
