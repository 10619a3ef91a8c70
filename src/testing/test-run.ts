import type { Span, Trace } from '../model/index.ts';
import type { RunSource, SettleOptions, SettleOutcome } from '../store/index.ts';
import type { ExpectOptions, ExpectResult, SpecObject } from './expect-specs.ts';
import type { RunHeaders } from './root-span.ts';

/**
 * A test run as a test sees it, whether the collector runs in this process (`collector.run()`) or in the test
 * runner's global setup (`connectCollector(url).run()`): its spans, specs judged against it, and the headers
 * that mark a request as the run's.
 */
export interface TestRun extends RunSource {
  readonly id: string;
  /**
   * `OTEL_*` variables that make an OpenTelemetry SDK in a child process export into this run (OTLP/HTTP
   * protobuf, the run id as header and resource attribute). Spread it into the child's env.
   */
  readonly env: Readonly<Record<string, string>>;
  /** Every span of the run, trace by trace. */
  spans(): readonly Span[];
  traces(): readonly Trace[];
  onChange(listener: () => void): () => void;
  settled(options?: SettleOptions): Promise<SettleOutcome>;
  /**
   * Judges specs (objects of the spec-file schema) against the run, waiting as the CLI does, and resolves with
   * the CLI's result. Never rejects for a failing or invalid spec: `result.passed` and `result.problems` say so.
   */
  expect(specs: SpecObject, options?: ExpectOptions): Promise<ExpectResult>;
  /**
   * Headers for ONE outgoing request: `traceparent` of a new root span tagged with the run id (the span itself
   * is sent to the collector), and `baggage: test.run.id=<id>`. Each call starts a new trace, so each request
   * is its own trace, as it would be with an SDK; call it once per request.
   */
  headers(): RunHeaders;
}
