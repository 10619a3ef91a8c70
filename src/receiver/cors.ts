import { RUN_ID_HEADER } from '../protocol/index.ts';

/** Cross-origin settings for browser exporters. Off unless origins are given. */
export interface CorsOptions {
  /**
   * Origins allowed to export, compared exactly (`https://app.example`), or with `*` as a wildcard inside one
   * (`http://localhost:*`), or `*` alone for any origin.
   */
  readonly allowedOrigins: readonly string[];
  /** How long a browser may cache a preflight answer, in seconds (`Access-Control-Max-Age`). Default 7200. */
  readonly maxAgeSeconds?: number;
}

/** Request headers a browser OTLP exporter sends, allowed when the preflight does not list its own. */
const defaultAllowedHeaders = `content-type, content-encoding, authorization, ${RUN_ID_HEADER}`;

/** Decides CORS answers for one configuration; built once per handler. */
export interface CorsPolicy {
  /** Whether `origin` may call the receiver. */
  allows(origin: string): boolean;
  /** Headers for the POST answer itself (a browser discards the answer without them). */
  responseHeaders(origin: string | undefined): Record<string, string>;
  /** Headers for a successful preflight (`OPTIONS`) answer. */
  preflightHeaders(origin: string, requestedHeaders: string | undefined): Record<string, string>;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}

/** Builds a {@link CorsPolicy}; wildcards are compiled to one regular expression each, once. */
export function createCorsPolicy(options: CorsOptions): CorsPolicy {
  const anyOrigin = options.allowedOrigins.includes('*');
  const exact = new Set(options.allowedOrigins.filter((o) => !o.includes('*')));
  const patterns = options.allowedOrigins
    .filter((o) => o.includes('*') && o !== '*')
    .map((o) => new RegExp(`^${o.split('*').map(escapeRegExp).join('.*')}$`));
  const maxAge = String(options.maxAgeSeconds ?? 7200);

  const allows = (origin: string): boolean =>
    anyOrigin || exact.has(origin) || patterns.some((pattern) => pattern.test(origin));

  // With `*` configured the answer is the literal `*` (no credentials are involved); otherwise the matching
  // origin is echoed and `Vary: Origin` keeps caches from serving it to another origin.
  const allowOrigin = (origin: string): Record<string, string> =>
    anyOrigin ? { 'access-control-allow-origin': '*' } : { 'access-control-allow-origin': origin, vary: 'Origin' };

  return {
    allows,
    responseHeaders(origin) {
      if (origin === undefined || !allows(origin)) return {};
      return allowOrigin(origin);
    },
    preflightHeaders(origin, requestedHeaders) {
      return {
        ...allowOrigin(origin),
        'access-control-allow-methods': 'POST, OPTIONS',
        'access-control-allow-headers':
          requestedHeaders !== undefined && requestedHeaders.trim() !== '' ? requestedHeaders : defaultAllowedHeaders,
        'access-control-max-age': maxAge,
      };
    },
  };
}
