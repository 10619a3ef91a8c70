import { fileURLToPath } from 'node:url';
import { exampleServiceEnv, startServiceProcess, type RunningService } from '../propagation/start-service.ts';

export type { RunningService } from '../propagation/start-service.ts';

/** Options of {@link startChainService}: the variables `service.ts` reads (see there), plus the OTLP environment. */
export interface ChainServiceOptions {
  readonly name: string;
  readonly propagation?: 'w3c' | 'none' | 'w3c-drop-baggage' | 'b3' | 'b3-multi-only' | 'b3-single-only' | 'b3-out' | 'b3-multi-out' | 'w3c+b3';
  readonly server?: 'instrumented' | 'hand';
  readonly role?: 'http' | 'producer' | 'consumer' | 'broken-consumer' | 'proxy';
  /** ROLE=proxy: the base URL it forwards to, and whether its forwarded call has a client span (default true). */
  readonly proxyTarget?: string;
  readonly proxyClientSpan?: boolean;
  readonly clockOffsetMillis?: number;
  /** Background work: `POST` to `timerUrl` every this many milliseconds, in traces of its own. */
  readonly timerMillis?: number;
  readonly timerUrl?: string;
  /** `OTEL_*` variables: `collector.env` (untagged) or `run.env` (every span tagged with the run, as `tracecheck run` does). */
  readonly otelEnv: Readonly<Record<string, string>>;
}

const serviceFile = fileURLToPath(new URL('./service.ts', import.meta.url));

/**
 * Starts one chain service (examples/chain/service.ts) and resolves once it listens.
 *
 * @example
 * const tax = await startChainService({ name: 'tax', propagation: 'w3c+b3', otelEnv: collector.env });
 */
export function startChainService(options: ChainServiceOptions): Promise<RunningService> {
  return startServiceProcess(serviceFile, options.name, options.otelEnv, {
    ...exampleServiceEnv(options),
    SERVER: options.server ?? 'instrumented',
    ...(options.timerUrl === undefined ? {} : { TIMER_URL: options.timerUrl }),
    ...(options.proxyTarget === undefined ? {} : { PROXY_TARGET: options.proxyTarget, PROXY_CLIENT_SPAN: options.proxyClientSpan === false ? 'absent' : 'present' }),
  });
}

/** Asks a running chain service to finish its pending work and export every span it ended (`POST /__flush`). */
export async function flushChainService(service: RunningService): Promise<void> {
  const response = await fetch(`${service.url}/__flush`, { method: 'POST' });
  if (response.status !== 200) throw new Error(`${service.name} could not flush: HTTP ${response.status}`);
}
