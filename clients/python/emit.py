"""Conformance emitter for the OpenTelemetry Python SDK, run as a child process by test/conformance/clients.test.ts.

Its only configuration is the OTEL_* environment (as `run.env` hands it out): it picks the OTLP exporter by
OTEL_EXPORTER_OTLP_TRACES_PROTOCOL (the exporter itself reads endpoint, headers and compression), makes a fixed
set of spans covering every field the SDK can send, shuts the provider down (which flushes) and prints one JSON
document on stdout: what the SDK recorded, read back from its own ReadableSpan objects, with typed values in the
OTLP/JSON AnyValue shape (intValue as a decimal string, bytesValue as base64) so that nothing is lost in JSON.
"""

import base64
import json
import os
import random
import sys

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExportResult
from opentelemetry.trace import (
    Link,
    NonRecordingSpan,
    SpanContext,
    SpanKind,
    Status,
    StatusCode,
    TraceFlags,
    TraceState,
    set_span_in_context,
)

PROTOCOL = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") or os.environ.get("OTEL_EXPORTER_OTLP_PROTOCOL") or "http/protobuf"
BASE_NANOS = 1_700_000_000_123_456_789

if PROTOCOL == "http/protobuf":
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
elif PROTOCOL == "grpc":
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
else:
    sys.exit(f"OTEL_EXPORTER_OTLP_PROTOCOL={PROTOCOL} is not one the Python SDK exports: http/protobuf or grpc")


class RecordingProcessor(SpanProcessor):
    """Keeps every ended span as the SDK hands it to processors."""

    def __init__(self):
        self.spans = []

    def on_end(self, span):
        self.spans.append(span)


export_results = []


class RecordingExporter:
    """The real exporter, with the result of every export call kept."""

    def __init__(self, inner):
        self.inner = inner

    def export(self, spans):
        result = self.inner.export(spans)
        export_results.append({"ok": result == SpanExportResult.SUCCESS})
        return result

    def shutdown(self):
        self.inner.shutdown()

    def force_flush(self, timeout_millis=30000):
        return self.inner.force_flush(timeout_millis)


def typed(value):
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        return {"intValue": str(value)}
    if isinstance(value, float):
        return {"doubleValue": value}
    if isinstance(value, str):
        return {"stringValue": value}
    if isinstance(value, bytes):
        return {"bytesValue": base64.b64encode(value).decode("ascii")}
    if isinstance(value, (tuple, list)):
        return {"arrayValue": [typed(item) for item in value]}
    raise TypeError(f"attribute value of type {type(value)}")


def typed_map(attributes):
    return {key: typed(value) for key, value in (attributes or {}).items()}


ATTRIBUTES = {
    "attr.string": "hello",
    "attr.string.empty": "",
    "attr.string.unicode": "héllo wörld — 你好 🌍 𝄞 \"quoted\" \\ back",
    "attr.bool": True,
    "attr.bool.false": False,
    "attr.int": 42,
    "attr.int.negative": -7,
    "attr.int.max": 2**63 - 1,
    "attr.int.min": -(2**63),
    "attr.double": 3.14159,
    "attr.double.whole": 2.0,
    "attr.double.tiny": 5e-324,
    "attr.array.string": ["a", "", "ü"],
    "attr.array.bool": [True, False],
    "attr.array.int": [1, -2, 2**62],
    "attr.array.double": [1.5, -0.25],
    "attr.bytes": bytes([0, 1, 2, 127, 128, 254, 255]),
}

recorder = RecordingProcessor()
resource = Resource.create(
    {
        "service.name": "conformance-emitter-python",
        "service.version": "9.8.7",
        "host.cpu.count": 2,
        "process.load": 0.75,
        "resource.flags": ["a", "b"],
    }
)
provider = TracerProvider(resource=resource)
provider.add_span_processor(recorder)
provider.add_span_processor(BatchSpanProcessor(RecordingExporter(OTLPSpanExporter())))
tracer = provider.get_tracer(
    "tracecheck.conformance", "1.2.3", schema_url="https://opentelemetry.io/schemas/1.30.0", attributes={"scope.attr": "yes", "scope.int": 7}
)

# The remote parent's ids are new in every run: runs started together must not share a trace.
remote_parent = SpanContext(
    trace_id=random.getrandbits(128) | 1,
    span_id=random.getrandbits(64) | 1,
    is_remote=True,
    trace_flags=TraceFlags(TraceFlags.SAMPLED),
    trace_state=TraceState([("vendor", "value"), ("other", "x")]),
)
linked = SpanContext(
    trace_id=0x4BF92F3577B34DA6A3CE929D0E0E4736,
    span_id=0x00F067AA0BA902B7,
    is_remote=True,
    trace_flags=TraceFlags(TraceFlags.SAMPLED),
    trace_state=TraceState([("linked", "1")]),
)

checkout = tracer.start_span(
    "checkout", context=set_span_in_context(NonRecordingSpan(remote_parent)), kind=SpanKind.SERVER, attributes=ATTRIBUTES, start_time=BASE_NANOS
)
checkout.add_event("cart.loaded", attributes={"event.int": 3, "event.string": "x", "event.array": ["p", "q"]}, timestamp=BASE_NANOS + 1_001)
checkout.add_event("no.attributes", timestamp=BASE_NANOS + 2_002)
inside = set_span_in_context(checkout)

load_cart = tracer.start_span("load-cart", context=inside, kind=SpanKind.INTERNAL, start_time=BASE_NANOS + 10_000)
load_cart.set_status(Status(StatusCode.OK))
load_cart.end(end_time=BASE_NANOS + 20_000)

inventory = tracer.start_span(
    "GET /inventory", context=inside, kind=SpanKind.CLIENT, attributes={"http.request.method": "GET"}, start_time=BASE_NANOS + 30_000
)
inventory.end(end_time=BASE_NANOS + 40_001)

publish = tracer.start_span(
    "publish order",
    context=inside,
    kind=SpanKind.PRODUCER,
    links=[Link(linked, attributes={"link.string": "batch", "link.int": 9, "link.double": 0.5, "link.bool": True})],
    start_time=BASE_NANOS + 50_000,
)
publish.end(end_time=BASE_NANOS + 60_000)

consume = tracer.start_span(
    "consume order", context=None, kind=SpanKind.CONSUMER, links=[Link(publish.get_span_context())], start_time=BASE_NANOS + 70_000
)
consume.end(end_time=BASE_NANOS + 80_000)

checkout.set_status(Status(StatusCode.ERROR, "payment declined"))
checkout.end(end_time=BASE_NANOS + 1_864_197_532)

shutdown_error = None
try:
    provider.shutdown()
except Exception as error:  # noqa: BLE001 - reported to the test, which fails on it
    shutdown_error = repr(error)


def hex_id(number, width):
    return format(number, f"0{width}x")


def emitted(span):
    context = span.get_span_context()
    return {
        "traceId": hex_id(context.trace_id, 32),
        "spanId": hex_id(context.span_id, 16),
        "parentSpanId": hex_id(span.parent.span_id, 16) if span.parent else None,
        "traceState": context.trace_state.to_header(),
        "traceFlags": int(context.trace_flags),
        "name": span.name,
        "kind": span.kind.value + 1,
        "startTimeUnixNano": str(span.start_time),
        "endTimeUnixNano": str(span.end_time),
        "attributes": typed_map(span.attributes),
        "droppedAttributesCount": span.dropped_attributes,
        "events": [
            {"name": event.name, "timeUnixNano": str(event.timestamp), "attributes": typed_map(event.attributes), "droppedAttributesCount": 0}
            for event in span.events
        ],
        "droppedEventsCount": span.dropped_events,
        "links": [
            {
                "traceId": hex_id(link.context.trace_id, 32),
                "spanId": hex_id(link.context.span_id, 16),
                "traceState": link.context.trace_state.to_header(),
                "traceFlags": int(link.context.trace_flags),
                "attributes": typed_map(link.attributes),
                "droppedAttributesCount": 0,
            }
            for link in span.links
        ],
        "droppedLinksCount": span.dropped_links,
        "status": {"code": span.status.status_code.value, "message": span.status.description or ""},
        "resource": typed_map(span.resource.attributes),
        "scope": {
            "name": span.instrumentation_scope.name,
            "version": span.instrumentation_scope.version or "",
            "schemaUrl": span.instrumentation_scope.schema_url or "",
            "attributes": typed_map(span.instrumentation_scope.attributes),
        },
    }


output = {"sdk": "python", "protocol": PROTOCOL, "exportResults": export_results, "spans": [emitted(span) for span in recorder.spans]}
if shutdown_error is not None:
    output["shutdownError"] = shutdown_error
json.dump(output, sys.stdout)
