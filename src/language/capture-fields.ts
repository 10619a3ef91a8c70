import { didYouMean } from './did-you-mean.ts';

/**
 * The span fields `capture:` reads by name (the engine's readers are in src/engine/capture.ts). Anything else is an
 * attribute key: `span.x`, `resource.x`, `scope.x`, or a bare `x` (a span attribute).
 */
export const CAPTURE_INTRINSICS = [
  'name', 'service', 'traceId', 'spanId', 'parentSpanId', 'kind', 'status', 'statusMessage', 'duration',
] as const;

/** Names people write for a field, from OTLP JSON, semantic conventions or other tools. */
const CAPTURE_ALIASES: Readonly<Record<string, string>> = {
  span_id: 'spanId', trace_id: 'traceId', parent_span_id: 'parentSpanId', parentId: 'parentSpanId',
  parent_id: 'parentSpanId', 'service.name': 'service', serviceName: 'service', service_name: 'service',
  status_message: 'statusMessage', 'status.message': 'statusMessage', 'status.code': 'status', spanName: 'name',
  span_name: 'name', latency: 'duration',
};

const ATTRIBUTE_PREFIXES = ['span.', 'resource.', 'scope.'];

/**
 * Why a capture field would read nothing, or `undefined` when it names a field or an attribute. A bare word close
 * to a field name (`spanid`, `span_id`, `sevice`) is taken for a misspelt field, not an attribute of that name: the
 * capture would silently read nothing, and the spec would fail later at the `${var:...}` that uses it.
 */
export function captureFieldProblem(field: string): { message: string; hint: string } | undefined {
  if ((CAPTURE_INTRINSICS as readonly string[]).includes(field)) return undefined;
  const prefix = ATTRIBUTE_PREFIXES.find((p) => field.startsWith(p));
  if (prefix !== undefined) {
    if (field.length > prefix.length) return undefined;
    return { message: `capture field "${field}" has no attribute key`, hint: `e.g. "${prefix}order.id"` };
  }
  if (field.startsWith('.')) {
    return {
      message: `capture field "${field}" is selector syntax`,
      hint: `a capture reads "span${field}" (a span attribute) or "resource${field}" (a resource attribute): write one of them`,
    };
  }
  const near = didYouMean(field, CAPTURE_INTRINSICS, CAPTURE_ALIASES);
  if (near === undefined) return undefined;
  return {
    message: `unknown capture field "${field}"`,
    hint: `did you mean "${near}"? For a span attribute of that name write "span.${field}"`,
  };
}
