import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/engine/results.ts';
import { createReporter } from '../../src/report/index.ts';
import { failingExpectation, ordersSpan, passingExpectation, sampleRunResult } from './sample-results.ts';

/** Characters XML 1.0 forbids (§2.2), which a parser would reject in a real CI system. */
// eslint-disable-next-line no-control-regex
const FORBIDDEN_IN_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

interface Parsed {
  testsuites: {
    '@_tests': string;
    '@_failures': string;
    testsuite: {
      '@_name': string;
      '@_file'?: string;
      '@_tests': string;
      '@_failures': string;
      testcase: { '@_classname': string; '@_name': string; '@_time': string; failure?: { '@_message': string; '#text': string } }[];
    }[];
  };
}

function parse(xml: string): Parsed {
  const valid = XMLValidator.validate(xml);
  expect(valid, JSON.stringify(valid)).toBe(true);
  expect(xml).not.toMatch(FORBIDDEN_IN_XML);
  const parser = new XMLParser({
    ignoreAttributes: false,
    parseAttributeValue: false,
    parseTagValue: false,
    trimValues: false,
    isArray: (name) => name === 'testsuite' || name === 'testcase',
    htmlEntities: true,
  });
  return parser.parse(xml) as Parsed;
}

describe('junit reporter', () => {
  it('writes one testsuite per spec and one testcase per expectation', () => {
    const xml = createReporter('junit').render(sampleRunResult());
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true);
    const doc = parse(xml);
    expect(doc.testsuites['@_tests']).toBe('4');
    expect(doc.testsuites['@_failures']).toBe('2');
    const [checkout, health] = doc.testsuites.testsuite;
    expect(checkout!['@_name']).toBe('checkout crosses three services');
    expect(checkout!['@_file']).toBe('specs/checkout.yaml');
    expect(checkout!['@_failures']).toBe('2');
    expect(checkout!.testcase.map((t) => [t['@_classname'], t['@_name']])).toEqual([
      ['checkout crosses three services', 'frontend serves GET /checkout'],
      ['checkout crosses three services', 'orders answers without error'],
      ['checkout crosses three services', 'payments is called'],
    ]);
    expect(health!['@_file']).toBeUndefined();
    expect(health!.testcase[0]!.failure).toBeUndefined();
  });

  it('puts message, expected, actual, span ids and the plain trace tree in the failure', () => {
    const doc = parse(createReporter('junit').render(sampleRunResult()));
    const failure = doc.testsuites.testsuite[0]!.testcase[1]!.failure!;
    expect(failure['@_message']).toBe(failingExpectation.message);
    const body = failure['#text'];
    expect(body).toContain('expected: no span with status error');
    expect(body).toContain('actual:   1 span with status error');
    expect(body).toContain(`${ordersSpan.spanId} (trace ${ordersSpan.traceId}) orders · POST /orders`);
    expect(body).toMatch(/✗ +└─ orders · POST \/orders .*← status = error/);
    expect(body).not.toContain('\u001b');
    const miss = doc.testsuites.testsuite[0]!.testcase[2]!.failure!;
    expect(miss['@_message']).toBe('no span matched { service = "orders" && kind = client }');
    expect(miss['#text']).toContain('closest: orders · POST /orders (span 2222222222222222) — missed: kind = client');
  });

  it('takes the testcase time from the expectation, in seconds', () => {
    const doc = parse(createReporter('junit').render(sampleRunResult()));
    expect(doc.testsuites.testsuite[0]!.testcase[0]!['@_time']).toBe('0.000');
    const result = sampleRunResult();
    const slow: RunResult = {
      ...result,
      specs: [{ ...result.specs[1]!, expectations: [{ ...passingExpectation, durationMillis: 1534 }] }],
    };
    expect(parse(createReporter('junit').render(slow)).testsuites.testsuite[0]!.testcase[0]!['@_time']).toBe('1.534');
  });

  it('escapes nasty names: markup, ampersands, quotes, control characters and ]]>', () => {
    const nasty = `<script a="1" b='2'>&amp; ]]> tab\there\nline2 bell\u0007 esc\u001b[31m nul\u0000 end`;
    const result = sampleRunResult();
    const spec = result.specs[0]!;
    const nastyResult: RunResult = {
      ...result,
      specs: [
        {
          ...spec,
          name: nasty,
          file: `specs/${nasty}.yaml`,
          expectations: [{ ...failingExpectation, name: nasty, message: nasty, expected: nasty, actual: ']]>' }],
        },
      ],
    };
    const xml = createReporter('junit').render(nastyResult);
    expect(xml).not.toContain(']]>');
    const doc = parse(xml);
    // Forbidden control characters are shown as \uXXXX text; everything else comes back exactly.
    const shown = nasty.replace('\u0007', '\\u0007').replace('\u001b', '\\u001b').replace('\u0000', '\\u0000');
    const suite = doc.testsuites.testsuite[0]!;
    expect(suite['@_name']).toBe(shown);
    expect(suite['@_file']).toBe(`specs/${shown}.yaml`);
    expect(suite.testcase[0]!['@_classname']).toBe(shown);
    expect(suite.testcase[0]!['@_name']).toBe(shown);
    expect(suite.testcase[0]!.failure!['@_message']).toBe(shown);
    expect(suite.testcase[0]!.failure!['#text']).toContain(`expected: ${shown}`);
    expect(suite.testcase[0]!.failure!['#text']).toContain('actual:   ]]>');
  });

  it('writes a valid document for a run with no specs', () => {
    const doc = parse(createReporter('junit').render({ ...sampleRunResult(), specs: [], passed: true }));
    expect(doc.testsuites['@_tests']).toBe('0');
  });

  it('writes each run note as a property with its message', () => {
    const xml = createReporter('junit').render({ ...sampleRunResult(), notes: [{ code: 'collector-closed', message: 'the collector closed before the run settled' }] });
    expect(xml).toContain('<property name="tracecheck.note.1" value="the collector closed before the run settled"/>');
    expect(xml).toContain('<property name="tracecheck.note.1.code" value="collector-closed"/>');
  });

  it("writes a propagation note's facts as properties beside its message: cause, services, span ids, pairing", () => {
    const note = {
      code: 'propagation-broken' as const,
      message: 'web → cart: cart started a new trace (…)',
      diagnostic: {
        traceId: 'ab'.repeat(16),
        spanIds: ['00f067aa0ba902b7', '5fb397be34d26b51'],
        callerService: 'web',
        calleeService: 'cart',
        cause: 'stripped-in-transit',
        pairing: { evidence: 'traceparent', confidence: 'certain' as const },
      },
    };
    const xml = createReporter('junit').render({ ...sampleRunResult(), notes: [note] });
    for (const [key, value] of [
      ['code', 'propagation-broken'],
      ['cause', 'stripped-in-transit'],
      ['callerService', 'web'],
      ['calleeService', 'cart'],
      ['spanIds', '00f067aa0ba902b7,5fb397be34d26b51'],
      ['pairing', 'traceparent (certain)'],
    ]) {
      expect(xml).toContain(`<property name="tracecheck.note.1.${key}" value="${value}"/>`);
    }
    expect(parse(xml).testsuites['@_tests']).toBeDefined();
  });
});
