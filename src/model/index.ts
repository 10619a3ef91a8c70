export type { AttributeValue, AttributeMap, AttributeType } from './attribute-value.ts';
export { attributeTypeOf, emptyAttributes, attributeValueToJson, attributesToJson } from './attribute-value.ts';
export type { Span, SpanEvent, SpanLink, SpanStatus, Resource, InstrumentationScope } from './span.ts';
export { SpanKind, StatusCode, spanKindNames, statusCodeNames, serviceNameOf, durationNanosOf, SpanRecord, spanWithTimes } from './span.ts';
export type { Trace, SpanNode } from './trace.ts';
export type { RunWindow } from './run-window.ts';
export { selfStartedRootService, backgroundShapeOf, isRecurringWhileIdle } from './background-work.ts';
export { firstStartingFrom } from './by-start.ts';
