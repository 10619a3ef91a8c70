/**
 * The protobuf tags of every OTLP trace field the decoder reads: `tag(field_number, wire type)`, per message, with
 * the field numbers of otlp-facts.md (opentelemetry-proto, packages `opentelemetry.proto.*.v1`). A known field
 * number arriving with another wire type matches no tag here and is skipped as unknown, as protobuf's reference
 * parsers do.
 */

/** Protobuf wire types (encoding spec). 6 and 7 do not exist. */
export const VARINT = 0;
export const I64 = 1;
export const LEN = 2;
export const SGROUP = 3;
export const EGROUP = 4;
export const I32 = 5;

// The wire type each scalar type of the OTLP messages travels as.
const FIXED64 = I64;
const DOUBLE = I64;
const FIXED32 = I32;
const UINT32 = VARINT;
const INT64 = VARINT;
const BOOL = VARINT;
const ENUM = VARINT;
const STRING = LEN;
const BYTES = LEN;
const MESSAGE = LEN;

/** A field's tag as it appears on the wire: `(field_number << 3) | wire_type`. */
export function tag(fieldNumber: number, wireType: number): number {
  return ((fieldNumber << 3) | wireType) >>> 0;
}

// ExportTraceServiceRequest (collector.trace.v1)
export const REQUEST_RESOURCE_SPANS = tag(1, MESSAGE);

// ResourceSpans (trace.v1); field 1000, the old instrumentation_library_spans, is reserved and skipped.
export const RESOURCE_SPANS_RESOURCE = tag(1, MESSAGE);
export const RESOURCE_SPANS_SCOPE_SPANS = tag(2, MESSAGE);
export const RESOURCE_SPANS_SCHEMA_URL = tag(3, STRING);

// Resource (resource.v1); field 3, entity_refs, is skipped.
export const RESOURCE_ATTRIBUTES = tag(1, MESSAGE);
export const RESOURCE_DROPPED_ATTRIBUTES_COUNT = tag(2, UINT32);

// ScopeSpans
export const SCOPE_SPANS_SCOPE = tag(1, MESSAGE);
export const SCOPE_SPANS_SPANS = tag(2, MESSAGE);
export const SCOPE_SPANS_SCHEMA_URL = tag(3, STRING);

// InstrumentationScope (common.v1)
export const SCOPE_NAME = tag(1, STRING);
export const SCOPE_VERSION = tag(2, STRING);
export const SCOPE_ATTRIBUTES = tag(3, MESSAGE);
export const SCOPE_DROPPED_ATTRIBUTES_COUNT = tag(4, UINT32);

// Span
export const SPAN_TRACE_ID = tag(1, BYTES);
export const SPAN_SPAN_ID = tag(2, BYTES);
export const SPAN_TRACE_STATE = tag(3, STRING);
export const SPAN_PARENT_SPAN_ID = tag(4, BYTES);
export const SPAN_NAME = tag(5, STRING);
export const SPAN_KIND = tag(6, ENUM);
export const SPAN_START_TIME = tag(7, FIXED64);
export const SPAN_END_TIME = tag(8, FIXED64);
export const SPAN_ATTRIBUTES = tag(9, MESSAGE);
export const SPAN_DROPPED_ATTRIBUTES_COUNT = tag(10, UINT32);
export const SPAN_EVENTS = tag(11, MESSAGE);
export const SPAN_DROPPED_EVENTS_COUNT = tag(12, UINT32);
export const SPAN_LINKS = tag(13, MESSAGE);
export const SPAN_DROPPED_LINKS_COUNT = tag(14, UINT32);
export const SPAN_STATUS = tag(15, MESSAGE);
export const SPAN_FLAGS = tag(16, FIXED32);

// Span.Event
export const EVENT_TIME = tag(1, FIXED64);
export const EVENT_NAME = tag(2, STRING);
export const EVENT_ATTRIBUTES = tag(3, MESSAGE);
export const EVENT_DROPPED_ATTRIBUTES_COUNT = tag(4, UINT32);

// Span.Link
export const LINK_TRACE_ID = tag(1, BYTES);
export const LINK_SPAN_ID = tag(2, BYTES);
export const LINK_TRACE_STATE = tag(3, STRING);
export const LINK_ATTRIBUTES = tag(4, MESSAGE);
export const LINK_DROPPED_ATTRIBUTES_COUNT = tag(5, UINT32);
export const LINK_FLAGS = tag(6, FIXED32);

// Status; field 1, deprecated_code, is reserved and skipped.
export const STATUS_MESSAGE = tag(2, STRING);
export const STATUS_CODE = tag(3, ENUM);

// KeyValue (common.v1); field 3, key_strindex, is for profiles only and skipped.
export const KEY_VALUE_KEY = tag(1, STRING);
export const KEY_VALUE_VALUE = tag(2, MESSAGE);

// AnyValue: the members of the oneof `value`.
export const ANY_VALUE_STRING = tag(1, STRING);
export const ANY_VALUE_BOOL = tag(2, BOOL);
export const ANY_VALUE_INT = tag(3, INT64);
export const ANY_VALUE_DOUBLE = tag(4, DOUBLE);
export const ANY_VALUE_ARRAY = tag(5, MESSAGE);
export const ANY_VALUE_KVLIST = tag(6, MESSAGE);
export const ANY_VALUE_BYTES = tag(7, BYTES);

// ArrayValue and KeyValueList
export const ARRAY_VALUE_VALUES = tag(1, MESSAGE);
export const KEY_VALUE_LIST_VALUES = tag(1, MESSAGE);
