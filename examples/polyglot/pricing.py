"""The Python service of the polyglot example (examples/polyglot): `GET /price?sku=...` asks the Go inventory
service (`INVENTORY_URL`) for stock and answers a price.

Instrumented the standard Python way: the WSGI middleware of opentelemetry-instrumentation-wsgi makes the SERVER
spans, opentelemetry-instrumentation-urllib the CLIENT spans and injects the context, and the propagators are
those OTEL_PROPAGATORS names (default W3C trace context and baggage; the broken variant sets `b3`). The exporter
and resource come from the OTEL_* environment alone; the protocol is picked from OTEL_EXPORTER_OTLP_TRACES_PROTOCOL,
which the Python exporters do not read themselves.

It listens on a free port of 127.0.0.1 and prints {"service":"pricing","port":N} on stdout once it does;
SIGTERM stops it after its spans are flushed.
"""

import json
import os
import signal
import sys
import threading
import urllib.parse
import urllib.request
from wsgiref.simple_server import WSGIRequestHandler, make_server

from opentelemetry import trace
from opentelemetry.instrumentation.urllib import URLLibInstrumentor
from opentelemetry.instrumentation.wsgi import OpenTelemetryMiddleware
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

PROTOCOL = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") or os.environ.get("OTEL_EXPORTER_OTLP_PROTOCOL") or "http/protobuf"
if PROTOCOL == "grpc":
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
elif PROTOCOL == "http/protobuf":
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
else:
    sys.exit(f"pricing: OTEL_EXPORTER_OTLP_PROTOCOL={PROTOCOL} is not one the Python SDK exports: http/protobuf or grpc")

provider = TracerProvider(resource=Resource.create({"service.version": "1.0.0"}))
provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
trace.set_tracer_provider(provider)
URLLibInstrumentor().instrument()

INVENTORY_URL = os.environ["INVENTORY_URL"]
PRICES = {"SKU-RED-MUG": 12.5, "SKU-TEA-TIN": 7.25}


def app(environ, start_response):
    query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
    sku = query.get("sku", [""])[0]
    if environ["PATH_INFO"] != "/price" or sku not in PRICES:
        start_response("404 Not Found", [("content-type", "application/json")])
        return [json.dumps({"error": f"no price for {sku!r} at {environ['PATH_INFO']}"}).encode()]
    with urllib.request.urlopen(f"{INVENTORY_URL}/stock?sku={urllib.parse.quote(sku)}", timeout=10) as answer:
        stock = json.load(answer)
    start_response("200 OK", [("content-type", "application/json")])
    return [json.dumps({"sku": sku, "price": PRICES[sku], "inStock": stock["inStock"]}).encode()]


class QuietHandler(WSGIRequestHandler):
    """wsgiref logs every request on stderr; the example's output stays readable without it."""

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass


server = make_server("127.0.0.1", 0, OpenTelemetryMiddleware(app), handler_class=QuietHandler)
signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
print(json.dumps({"service": "pricing", "port": server.server_port}), flush=True)
server.serve_forever()
server.server_close()
provider.shutdown()
