package dev.tracecheck.clients;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The conformance emitter for the OpenTelemetry Java SDK, run as a child process by
 * test/conformance/clients.test.ts. Its only configuration is the OTEL_* environment, read by the SDK's own
 * autoconfiguration (exporter, protocol, endpoint, headers, compression, resource, batch delay). It makes a fixed
 * set of spans covering every field the SDK can send, shuts the provider down (which flushes) and prints one JSON
 * document on stdout: what the SDK recorded, read back from its own SpanData, with typed values in the OTLP/JSON
 * AnyValue shape.
 */
public final class Emit {
  private static final long BASE_NANOS = 1_700_000_000_123_456_789L;

  private Emit() {}

  /** Keeps every ended span as the SDK hands it to processors. */
  private static final class Recorder implements SpanProcessor {
    final List<SpanData> spans = new ArrayList<>();

    @Override
    public void onStart(Context parentContext, ReadWriteSpan span) {}

    @Override
    public boolean isStartRequired() {
      return false;
    }

    @Override
    public synchronized void onEnd(ReadableSpan span) {
      spans.add(span.toSpanData());
    }

    @Override
    public boolean isEndRequired() {
      return true;
    }
  }

  /** The real exporter, with the result of every export call kept. */
  private static final class RecordingExporter implements SpanExporter {
    final SpanExporter inner;
    final List<Boolean> results = new ArrayList<>();

    RecordingExporter(SpanExporter inner) {
      this.inner = inner;
    }

    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
      CompletableResultCode result = inner.export(spans);
      result.whenComplete(() -> {
        synchronized (results) {
          results.add(result.isSuccess());
        }
      });
      return result;
    }

    @Override
    public CompletableResultCode flush() {
      return inner.flush();
    }

    @Override
    public CompletableResultCode shutdown() {
      return inner.shutdown();
    }
  }

  public static void main(String[] args) {
    Recorder recorder = new Recorder();
    RecordingExporter[] exporter = new RecordingExporter[1];
    OpenTelemetrySdk sdk = AutoConfiguredOpenTelemetrySdk.builder()
        .addSpanExporterCustomizer((inner, config) -> exporter[0] = new RecordingExporter(inner))
        .addTracerProviderCustomizer((builder, config) -> builder.addSpanProcessor(recorder))
        .addResourceCustomizer((resource, config) -> resource.merge(Resource.create(Attributes.builder()
            .put("service.name", "conformance-emitter-java")
            .put("service.version", "9.8.7")
            .put("host.cpu.count", 2L)
            .put("process.load", 0.75)
            .put(AttributeKey.stringArrayKey("resource.flags"), List.of("a", "b"))
            .build())))
        .disableShutdownHook()
        .build()
        .getOpenTelemetrySdk();
    Tracer tracer = sdk.getTracerProvider().tracerBuilder("tracecheck.conformance")
        .setInstrumentationVersion("1.2.3")
        .setSchemaUrl("https://opentelemetry.io/schemas/1.30.0")
        .build();

    // The remote parent's ids are new in every run: runs started together must not share a trace.
    SecureRandom random = new SecureRandom();
    String parentTraceId = String.format("%016x%016x", random.nextLong(), random.nextLong() | 1);
    String parentSpanId = String.format("%016x", random.nextLong() | 1);
    SpanContext remoteParent = SpanContext.createFromRemoteParent(parentTraceId, parentSpanId,
        TraceFlags.getSampled(), TraceState.builder().put("vendor", "value").put("other", "x").build());
    SpanContext linked = SpanContext.createFromRemoteParent("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7",
        TraceFlags.getSampled(), TraceState.builder().put("linked", "1").build());

    Span checkout = tracer.spanBuilder("checkout")
        .setParent(Context.root().with(Span.wrap(remoteParent)))
        .setSpanKind(SpanKind.SERVER)
        .setStartTimestamp(BASE_NANOS, TimeUnit.NANOSECONDS)
        .setAllAttributes(Attributes.builder()
            .put("attr.string", "hello")
            .put("attr.string.empty", "")
            .put("attr.string.unicode", "héllo wörld — 你好 🌍 𝄞 \"quoted\" \\ back")
            .put("attr.bool", true)
            .put("attr.bool.false", false)
            .put("attr.int", 42L)
            .put("attr.int.negative", -7L)
            .put("attr.int.max", Long.MAX_VALUE)
            .put("attr.int.min", Long.MIN_VALUE)
            .put("attr.double", 3.14159)
            .put("attr.double.whole", 2.0)
            .put("attr.double.tiny", Double.MIN_VALUE)
            .put(AttributeKey.stringArrayKey("attr.array.string"), List.of("a", "", "ü"))
            .put(AttributeKey.booleanArrayKey("attr.array.bool"), List.of(true, false))
            .put(AttributeKey.longArrayKey("attr.array.int"), List.of(1L, -2L, 1L << 62))
            .put(AttributeKey.doubleArrayKey("attr.array.double"), List.of(1.5, -0.25))
            .build())
        .startSpan();
    checkout.addEvent("cart.loaded", Attributes.builder()
        .put("event.int", 3L).put("event.string", "x").put(AttributeKey.stringArrayKey("event.array"), List.of("p", "q")).build(),
        BASE_NANOS + 1_001, TimeUnit.NANOSECONDS);
    checkout.addEvent("no.attributes", BASE_NANOS + 2_002, TimeUnit.NANOSECONDS);
    Context inside = Context.root().with(checkout);

    Span loadCart = tracer.spanBuilder("load-cart").setParent(inside).setSpanKind(SpanKind.INTERNAL)
        .setStartTimestamp(BASE_NANOS + 10_000, TimeUnit.NANOSECONDS).startSpan();
    loadCart.setStatus(StatusCode.OK);
    loadCart.end(BASE_NANOS + 20_000, TimeUnit.NANOSECONDS);

    Span inventory = tracer.spanBuilder("GET /inventory").setParent(inside).setSpanKind(SpanKind.CLIENT)
        .setAttribute("http.request.method", "GET").setStartTimestamp(BASE_NANOS + 30_000, TimeUnit.NANOSECONDS).startSpan();
    inventory.end(BASE_NANOS + 40_001, TimeUnit.NANOSECONDS);

    Span publish = tracer.spanBuilder("publish order").setParent(inside).setSpanKind(SpanKind.PRODUCER)
        .addLink(linked, Attributes.builder().put("link.string", "batch").put("link.int", 9L).put("link.double", 0.5).put("link.bool", true).build())
        .setStartTimestamp(BASE_NANOS + 50_000, TimeUnit.NANOSECONDS).startSpan();
    publish.end(BASE_NANOS + 60_000, TimeUnit.NANOSECONDS);

    Span consume = tracer.spanBuilder("consume order").setNoParent().setSpanKind(SpanKind.CONSUMER)
        .addLink(publish.getSpanContext()).setStartTimestamp(BASE_NANOS + 70_000, TimeUnit.NANOSECONDS).startSpan();
    consume.end(BASE_NANOS + 80_000, TimeUnit.NANOSECONDS);

    checkout.setStatus(StatusCode.ERROR, "payment declined");
    checkout.end(BASE_NANOS + 1_864_197_532, TimeUnit.NANOSECONDS);

    CompletableResultCode shutdown = sdk.getSdkTracerProvider().shutdown().join(20, TimeUnit.SECONDS);

    StringBuilder out = new StringBuilder("{\"sdk\":\"java\",\"protocol\":");
    String protocol = System.getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL");
    string(out, protocol == null ? "" : protocol);
    if (!shutdown.isSuccess()) out.append(",\"shutdownError\":\"shutdown did not succeed\"");
    out.append(",\"exportResults\":[");
    List<Boolean> results = exporter[0] == null ? List.of() : exporter[0].results;
    synchronized (results) {
      for (int i = 0; i < results.size(); i++) out.append(i == 0 ? "" : ",").append("{\"ok\":").append(results.get(i)).append('}');
    }
    out.append("],\"spans\":[");
    synchronized (recorder) {
      for (int i = 0; i < recorder.spans.size(); i++) {
        if (i > 0) out.append(',');
        span(out, recorder.spans.get(i));
      }
    }
    out.append("]}");
    PrintStream stdout = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    stdout.println(out);
  }

  private static void span(StringBuilder out, SpanData span) {
    out.append("{\"traceId\":\"").append(span.getTraceId()).append("\",\"spanId\":\"").append(span.getSpanId()).append('"');
    out.append(",\"parentSpanId\":");
    if (span.getParentSpanContext().isValid()) out.append('"').append(span.getParentSpanId()).append('"');
    else out.append("null");
    out.append(",\"traceState\":");
    traceState(out, span.getSpanContext().getTraceState());
    out.append(",\"traceFlags\":").append(span.getSpanContext().getTraceFlags().asByte() & 0xff);
    out.append(",\"name\":");
    string(out, span.getName());
    out.append(",\"kind\":").append(span.getKind().ordinal() + 1);
    out.append(",\"startTimeUnixNano\":\"").append(span.getStartEpochNanos()).append("\",\"endTimeUnixNano\":\"").append(span.getEndEpochNanos()).append('"');
    out.append(",\"attributes\":");
    attributes(out, span.getAttributes());
    out.append(",\"droppedAttributesCount\":").append(span.getTotalAttributeCount() - span.getAttributes().size());
    out.append(",\"events\":[");
    List<EventData> events = span.getEvents();
    for (int i = 0; i < events.size(); i++) {
      EventData event = events.get(i);
      out.append(i == 0 ? "{\"name\":" : ",{\"name\":");
      string(out, event.getName());
      out.append(",\"timeUnixNano\":\"").append(event.getEpochNanos()).append("\",\"attributes\":");
      attributes(out, event.getAttributes());
      out.append(",\"droppedAttributesCount\":").append(event.getDroppedAttributesCount()).append('}');
    }
    out.append("],\"droppedEventsCount\":").append(span.getTotalRecordedEvents() - events.size());
    out.append(",\"links\":[");
    List<LinkData> links = span.getLinks();
    for (int i = 0; i < links.size(); i++) {
      LinkData link = links.get(i);
      SpanContext context = link.getSpanContext();
      out.append(i == 0 ? "{" : ",{").append("\"traceId\":\"").append(context.getTraceId()).append("\",\"spanId\":\"").append(context.getSpanId()).append("\",\"traceState\":");
      traceState(out, context.getTraceState());
      out.append(",\"traceFlags\":").append(context.getTraceFlags().asByte() & 0xff).append(",\"attributes\":");
      attributes(out, link.getAttributes());
      out.append(",\"droppedAttributesCount\":").append(link.getTotalAttributeCount() - link.getAttributes().size()).append('}');
    }
    out.append("],\"droppedLinksCount\":").append(span.getTotalRecordedLinks() - links.size());
    out.append(",\"status\":{\"code\":").append(span.getStatus().getStatusCode().ordinal()).append(",\"message\":");
    string(out, span.getStatus().getDescription());
    out.append("},\"resource\":");
    attributes(out, span.getResource().getAttributes());
    InstrumentationScopeInfo scope = span.getInstrumentationScopeInfo();
    out.append(",\"scope\":{\"name\":");
    string(out, scope.getName());
    out.append(",\"version\":");
    string(out, scope.getVersion() == null ? "" : scope.getVersion());
    out.append(",\"schemaUrl\":");
    string(out, scope.getSchemaUrl() == null ? "" : scope.getSchemaUrl());
    out.append(",\"attributes\":");
    attributes(out, scope.getAttributes());
    out.append("}}");
  }

  /** The W3C `tracestate` header form, members in the order the SDK keeps them. */
  private static void traceState(StringBuilder out, TraceState state) {
    StringBuilder header = new StringBuilder();
    state.forEach((key, value) -> header.append(header.length() == 0 ? "" : ",").append(key).append('=').append(value));
    string(out, header.toString());
  }

  private static void attributes(StringBuilder out, Attributes attributes) {
    out.append('{');
    boolean[] first = {true};
    attributes.forEach((key, value) -> {
      if (!first[0]) out.append(',');
      first[0] = false;
      string(out, key.getKey());
      out.append(':');
      switch (key.getType()) {
        case STRING_ARRAY, BOOLEAN_ARRAY, LONG_ARRAY, DOUBLE_ARRAY -> {
          out.append("{\"arrayValue\":[");
          List<?> items = (List<?>) value;
          for (int i = 0; i < items.size(); i++) {
            if (i > 0) out.append(',');
            scalar(out, items.get(i));
          }
          out.append("]}");
        }
        default -> scalar(out, value);
      }
    });
    out.append('}');
  }

  private static void scalar(StringBuilder out, Object value) {
    if (value instanceof String text) {
      out.append("{\"stringValue\":");
      string(out, text);
      out.append('}');
    } else if (value instanceof Boolean bool) {
      out.append("{\"boolValue\":").append(bool).append('}');
    } else if (value instanceof Long number) {
      out.append("{\"intValue\":\"").append(number).append("\"}");
    } else if (value instanceof Double number) {
      out.append("{\"doubleValue\":").append(number).append('}');
    } else if (value instanceof byte[] bytes) {
      out.append("{\"bytesValue\":\"").append(Base64.getEncoder().encodeToString(bytes)).append("\"}");
    } else {
      throw new IllegalStateException("attribute value of type " + value.getClass());
    }
  }

  private static void string(StringBuilder out, String text) {
    out.append('"');
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        default -> {
          if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
          else out.append(c);
        }
      }
    }
    out.append('"');
  }
}
