import { request as httpRequest } from 'node:http';
import type { ClientRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { TracecheckError } from '../errors.ts';
import type { Span, Trace } from '../model/index.ts';
import { decodeExportRequestJson, encodeSpansAsOtlpJson } from '../otlp/index.ts';
import { buildExportEnv, checkRunId, createRootSpan, DEFAULT_RUN_ID_ATTRIBUTE, newRunId, runIdHeaderName } from '../protocol/index.ts';
import type { ExportEnvOptions, RunHeaders } from '../protocol/index.ts';
import { SpanStore } from '../store/index.ts';
import type { LiveRun, SettleOptions, SettleOutcome } from '../store/index.ts';
import { expectSpecs } from './expect-specs.ts';
import type { ExpectOptions, ExpectResult, SpecObject } from './expect-specs.ts';
import { SseReader } from './sse-reader.ts';
import type { TestRun } from './test-run.ts';

/** Options of {@link connectCollector}. */
export interface ConnectOptions {
  /** The collector's `authToken`, when it has one. */
  readonly authToken?: string;
  /** The collector's run id header. Default `x-test-run-id`. */
  readonly runIdHeader?: string;
  /** The collector's run id attribute. Default `test.run.id`. */
  readonly runIdAttribute?: string;
  /** The collector's OTLP/gRPC URL, when a run's `envFor({ protocol: 'grpc' })` should point there. */
  readonly grpcUrl?: string;
}

/** A collector running in another process (a test runner's global setup, a sidecar), seen from a test worker. */
export interface RemoteCollector {
  /** The collector's OTLP/HTTP base URL (also its query API). */
  readonly httpUrl: string;
  /** A mirror of one run; without an id, a fresh random one. The same id gives the same object until closed. */
  run(id?: string): RemoteRun;
  /** Closes every run's stream. */
  close(): Promise<void>;
}

/** A remote run: a {@link TestRun} whose spans are mirrored from the collector's run stream. */
export interface RemoteRun extends TestRun {
  /** Like `env`, for another protocol or compression (`grpc` needs the collector's `grpcUrl` in the options). */
  envFor(options: ExportEnvOptions): Readonly<Record<string, string>>;
  /** Resolves once the mirror holds every span the collector had when the stream opened; never rejects. */
  readonly ready: Promise<void>;
  /** Why the mirror stopped (connection refused, 401, collector closed), once it has. */
  readonly failure: string | undefined;
  /** Ends the stream; the run's waits resolve with reason `closed`. */
  close(): void;
}

/**
 * Connects to a collector in another process by its HTTP URL. Each `run()` opens the query API's run stream
 * (`GET /api/runs/{id}/stream`: server-sent events carrying OTLP/JSON exports) and mirrors it into a local
 * store, so `traces()`, `settled()`, `onChange()` and `expect()` behave exactly as on a local run, with nothing
 * polled. `headers()` sends its root span to the collector as an OTLP/JSON export.
 *
 * @example
 * ```ts
 * const collector = connectCollector(process.env.TRACECHECK_URL!);
 * const run = collector.run();
 * await fetch(`${gatewayUrl}/checkout`, { method: 'POST', headers: run.headers(), body });
 * const result = await run.expect({ name: 'checkout', expect: [{ spans: 'service = "inventory"' }] });
 * run.close();
 * ```
 */
export function connectCollector(httpUrl: string, options: ConnectOptions = {}): RemoteCollector {
  let base: URL;
  try {
    base = new URL(httpUrl);
  } catch {
    throw new TracecheckError('TC_COLLECTOR_URL_INVALID', `collector URL ${JSON.stringify(httpUrl)} is not a URL; pass the collector's httpUrl, e.g. http://127.0.0.1:4318`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new TracecheckError('TC_COLLECTOR_URL_INVALID', `collector URL ${httpUrl} must be http: or https:`);
  }
  const baseUrl = base.href.replace(/\/+$/, '');
  const runs = new Map<string, RemoteRunMirror>();
  return {
    httpUrl: baseUrl,
    run(id) {
      const runId = checkRunId(id ?? newRunId());
      let run = runs.get(runId);
      if (run === undefined || run.closed) {
        run = new RemoteRunMirror(baseUrl, runId, options);
        runs.set(runId, run);
      }
      return run;
    },
    async close() {
      for (const run of runs.values()) run.close();
      runs.clear();
    },
  };
}

/** The mirror behind {@link RemoteRun}. */
class RemoteRunMirror implements RemoteRun {
  readonly id: string;
  readonly env: Readonly<Record<string, string>>;
  readonly ready: Promise<void>;
  closed = false;
  private readonly baseUrl: string;
  private readonly options: ConnectOptions;
  private readonly store = new SpanStore();
  private readonly live: LiveRun;
  private readonly request: ClientRequest;
  private readonly pendingExports = new Set<Promise<void>>();
  private readonly exportFailures: string[] = [];
  private failureText: string | undefined;
  private markReady: () => void = () => {};

  constructor(baseUrl: string, id: string, options: ConnectOptions) {
    this.id = id;
    this.baseUrl = baseUrl;
    this.options = options;
    this.live = this.store.run(id);
    this.env = this.envFor({});
    this.ready = new Promise((resolve) => {
      this.markReady = resolve;
    });
    this.request = this.openStream();
  }

  envFor(exportOptions: ExportEnvOptions): Readonly<Record<string, string>> {
    const { authToken, runIdHeader, runIdAttribute, grpcUrl } = this.options;
    return Object.freeze(
      buildExportEnv(
        {
          httpUrl: this.baseUrl,
          grpcUrl,
          runId: this.id,
          runIdHeader,
          runIdAttribute,
          authToken,
          missingEndpointHint: () => "pass the collector's grpcUrl to connectCollector",
        },
        exportOptions,
      ),
    );
  }

  get failure(): string | undefined {
    return this.failureText;
  }

  spans(): readonly Span[] {
    return this.live.spans();
  }

  traces(): readonly Trace[] {
    return this.live.traces();
  }

  onChange(listener: () => void): () => void {
    return this.live.onChange(listener);
  }

  async settled(options?: SettleOptions): Promise<SettleOutcome> {
    await this.caughtUp();
    return this.live.settled(options);
  }

  async expect(specs: SpecObject, options?: ExpectOptions): Promise<ExpectResult> {
    await this.caughtUp();
    const result = await expectSpecs(this, specs, options);
    const notes = [...result.notes];
    if (this.failureText !== undefined) notes.push({ code: 'stream-ended', message: `the run's stream from the collector ended: ${this.failureText}` });
    for (const failure of this.exportFailures) notes.push({ code: 'export-failed', message: failure });
    return notes.length === result.notes.length ? result : { ...result, notes };
  }

  headers(): RunHeaders {
    const root = createRootSpan(this.id, this.options.runIdAttribute ?? DEFAULT_RUN_ID_ATTRIBUTE);
    const sent = this.exportRootSpan(root.span).finally(() => this.pendingExports.delete(sent));
    this.pendingExports.add(sent);
    return root.headers;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.request.destroy();
    this.store.close();
    this.markReady();
  }

  /** The mirror holds everything the collector had when the stream opened, and this process's root spans landed. */
  private async caughtUp(): Promise<void> {
    await this.ready;
    await Promise.all([...this.pendingExports]);
  }

  private authHeaders(): Record<string, string> {
    return this.options.authToken === undefined ? {} : { authorization: `Bearer ${this.options.authToken}` };
  }

  private openStream(): ClientRequest {
    const url = new URL(`${this.baseUrl}/api/runs/${encodeURIComponent(this.id)}/stream`);
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
      method: 'GET',
      headers: { accept: 'text/event-stream', ...this.authHeaders() },
    });
    const fail = (text: string): void => {
      if (this.closed) return;
      this.failureText ??= text;
      this.close();
    };
    request.on('error', (error) => fail(`cannot stream run "${this.id}" from ${this.baseUrl}: ${error.message}`));
    request.on('response', (response) => {
      if (response.statusCode !== 200) {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          body += chunk;
        });
        response.on('end', () => fail(`the collector answered ${response.statusCode ?? '?'} to the run stream: ${body.slice(0, 500)}`));
        return;
      }
      response.setEncoding('utf8');
      let first = true;
      const reader = new SseReader((event) => {
        if (event.event === 'end') {
          fail(`the collector's run ended (${event.data})`);
          return;
        }
        if (event.event !== 'spans') return;
        const decoded = decodeExportRequestJson(event.data);
        if (!decoded.ok) {
          fail(`the run stream sent an export that does not decode: ${decoded.error.message}`);
          return;
        }
        // Every span of the stream is the run's, tagged or inherited: the request context says so.
        this.store.ingest(decoded.value.spans, { transport: 'memory', runId: this.id });
        if (first) {
          first = false;
          // Caught up: from now on only waits keep the process alive, not a forgotten stream.
          response.socket.unref();
          this.markReady();
        }
      });
      response.on('data', (chunk: string) => reader.push(chunk));
      response.on('end', () => fail('the collector closed the run stream'));
    });
    request.end();
    return request;
  }

  private async exportRootSpan(span: Span): Promise<void> {
    const header = runIdHeaderName(this.options.runIdHeader);
    try {
      const response = await fetch(`${this.baseUrl}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [header]: this.id, ...this.authHeaders() },
        body: JSON.stringify(encodeSpansAsOtlpJson([span])),
      });
      if (!response.ok) {
        this.exportFailures.push(`the root span of a headers() call was refused by the collector (${response.status}): ${(await response.text()).slice(0, 300)}`);
      } else {
        await response.arrayBuffer();
      }
    } catch (error) {
      this.exportFailures.push(`the root span of a headers() call could not be sent: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
