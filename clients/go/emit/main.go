// Command emit is the conformance emitter for the OpenTelemetry Go SDK, run as a child process by
// test/conformance/clients.test.ts.
//
// Its only configuration is the OTEL_* environment (as `run.env` hands it out): it picks otlptracehttp or
// otlptracegrpc by OTEL_EXPORTER_OTLP_TRACES_PROTOCOL (the Go exporters do not read that variable themselves; each
// reads endpoint, headers and compression), makes a fixed set of spans covering every field the SDK can send,
// shuts the provider down (which flushes) and prints one JSON document on stdout: what the SDK recorded, read back
// from its own ReadOnlySpan values, with typed values in the OTLP/JSON AnyValue shape.
package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strconv"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

const baseNanos int64 = 1_700_000_000_123_456_789

func at(offsetNanos int64) time.Time { return time.Unix(0, baseNanos+offsetNanos) }

// recorder keeps every ended span as the SDK hands it to processors.
type recorder struct {
	mu    sync.Mutex
	spans []sdktrace.ReadOnlySpan
}

func (r *recorder) OnStart(context.Context, sdktrace.ReadWriteSpan) {}
func (r *recorder) OnEnd(span sdktrace.ReadOnlySpan) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.spans = append(r.spans, span)
}
func (r *recorder) Shutdown(context.Context) error   { return nil }
func (r *recorder) ForceFlush(context.Context) error { return nil }

// recordingExporter is the real exporter, with the result of every export call kept.
type recordingExporter struct {
	sdktrace.SpanExporter
	mu      sync.Mutex
	results []map[string]any
}

func (e *recordingExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	err := e.SpanExporter.ExportSpans(ctx, spans)
	e.mu.Lock()
	defer e.mu.Unlock()
	if err != nil {
		e.results = append(e.results, map[string]any{"ok": false, "error": err.Error()})
	} else {
		e.results = append(e.results, map[string]any{"ok": true})
	}
	return err
}

func typed(value attribute.Value) map[string]any {
	switch value.Type() {
	case attribute.BOOL:
		return map[string]any{"boolValue": value.AsBool()}
	case attribute.INT64:
		return map[string]any{"intValue": strconv.FormatInt(value.AsInt64(), 10)}
	case attribute.FLOAT64:
		return map[string]any{"doubleValue": value.AsFloat64()}
	case attribute.STRING:
		return map[string]any{"stringValue": value.AsString()}
	case attribute.BOOLSLICE:
		items := []any{}
		for _, item := range value.AsBoolSlice() {
			items = append(items, typed(attribute.BoolValue(item)))
		}
		return map[string]any{"arrayValue": items}
	case attribute.INT64SLICE:
		items := []any{}
		for _, item := range value.AsInt64Slice() {
			items = append(items, typed(attribute.Int64Value(item)))
		}
		return map[string]any{"arrayValue": items}
	case attribute.FLOAT64SLICE:
		items := []any{}
		for _, item := range value.AsFloat64Slice() {
			items = append(items, typed(attribute.Float64Value(item)))
		}
		return map[string]any{"arrayValue": items}
	case attribute.STRINGSLICE:
		items := []any{}
		for _, item := range value.AsStringSlice() {
			items = append(items, typed(attribute.StringValue(item)))
		}
		return map[string]any{"arrayValue": items}
	}
	panic(fmt.Sprintf("attribute value of type %s", value.Type()))
}

func typedMap(attributes []attribute.KeyValue) map[string]any {
	out := map[string]any{}
	for _, kv := range attributes {
		out[string(kv.Key)] = typed(kv.Value)
	}
	return out
}

func emitted(span sdktrace.ReadOnlySpan) map[string]any {
	sc := span.SpanContext()
	var parent any
	if span.Parent().IsValid() {
		parent = span.Parent().SpanID().String()
	}
	events := []any{}
	for _, event := range span.Events() {
		events = append(events, map[string]any{
			"name": event.Name, "timeUnixNano": strconv.FormatInt(event.Time.UnixNano(), 10),
			"attributes": typedMap(event.Attributes), "droppedAttributesCount": event.DroppedAttributeCount,
		})
	}
	links := []any{}
	for _, link := range span.Links() {
		links = append(links, map[string]any{
			"traceId": link.SpanContext.TraceID().String(), "spanId": link.SpanContext.SpanID().String(),
			"traceState": link.SpanContext.TraceState().String(), "traceFlags": int(link.SpanContext.TraceFlags()),
			"attributes": typedMap(link.Attributes), "droppedAttributesCount": link.DroppedAttributeCount,
		})
	}
	scope := span.InstrumentationScope()
	return map[string]any{
		"traceId": sc.TraceID().String(), "spanId": sc.SpanID().String(), "parentSpanId": parent,
		"traceState": sc.TraceState().String(), "traceFlags": int(sc.TraceFlags()),
		"name": span.Name(), "kind": int(span.SpanKind()),
		"startTimeUnixNano": strconv.FormatInt(span.StartTime().UnixNano(), 10),
		"endTimeUnixNano":   strconv.FormatInt(span.EndTime().UnixNano(), 10),
		"attributes":        typedMap(span.Attributes()), "droppedAttributesCount": span.DroppedAttributes(),
		"events": events, "droppedEventsCount": span.DroppedEvents(),
		"links": links, "droppedLinksCount": span.DroppedLinks(),
		"status":   map[string]any{"code": statusNumber(span.Status().Code), "message": span.Status().Description},
		"resource": typedMap(span.Resource().Attributes()),
		"scope": map[string]any{
			"name": scope.Name, "version": scope.Version, "schemaUrl": scope.SchemaURL,
			"attributes": typedMap(scope.Attributes.ToSlice()),
		},
	}
}

// statusNumber maps the Go API's codes (Unset 0, Error 1, Ok 2) to OTLP's (UNSET 0, OK 1, ERROR 2).
func statusNumber(code codes.Code) int {
	switch code {
	case codes.Ok:
		return 1
	case codes.Error:
		return 2
	}
	return 0
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

func main() {
	ctx := context.Background()
	protocol := os.Getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
	if protocol == "" {
		protocol = os.Getenv("OTEL_EXPORTER_OTLP_PROTOCOL")
	}
	if protocol == "" {
		protocol = "http/protobuf"
	}
	var inner sdktrace.SpanExporter
	var err error
	switch protocol {
	case "http/protobuf":
		inner, err = otlptracehttp.New(ctx)
	case "grpc":
		inner, err = otlptracegrpc.New(ctx)
	default:
		fail("OTEL_EXPORTER_OTLP_PROTOCOL=%s is not one the Go SDK exports: http/protobuf or grpc", protocol)
	}
	if err != nil {
		fail("exporter: %v", err)
	}
	exporter := &recordingExporter{SpanExporter: inner}
	res, err := resource.Merge(resource.Default(), resource.NewSchemaless(
		attribute.String("service.name", "conformance-emitter-go"),
		attribute.String("service.version", "9.8.7"),
		attribute.Int("host.cpu.count", 2),
		attribute.Float64("process.load", 0.75),
		attribute.StringSlice("resource.flags", []string{"a", "b"}),
	))
	if err == nil {
		var fromEnv *resource.Resource
		fromEnv, err = resource.New(ctx, resource.WithFromEnv())
		if err == nil {
			res, err = resource.Merge(res, fromEnv)
		}
	}
	if err != nil {
		fail("resource: %v", err)
	}
	rec := &recorder{}
	provider := sdktrace.NewTracerProvider(sdktrace.WithResource(res), sdktrace.WithSpanProcessor(rec), sdktrace.WithBatcher(exporter))
	tracer := provider.Tracer("tracecheck.conformance", trace.WithInstrumentationVersion("1.2.3"),
		trace.WithSchemaURL("https://opentelemetry.io/schemas/1.30.0"),
		trace.WithInstrumentationAttributes(attribute.String("scope.attr", "yes"), attribute.Int("scope.int", 7)))

	traceState, _ := trace.ParseTraceState("vendor=value,other=x")
	// The remote parent's ids are new in every run: runs started together must not share a trace.
	var parentTraceID trace.TraceID
	var parentSpanID trace.SpanID
	_, _ = rand.Read(parentTraceID[:])
	_, _ = rand.Read(parentSpanID[:])
	parentTraceID[15] |= 1
	parentSpanID[7] |= 1
	remoteParent := trace.NewSpanContext(trace.SpanContextConfig{TraceID: parentTraceID, SpanID: parentSpanID, TraceFlags: trace.FlagsSampled, TraceState: traceState, Remote: true})
	linkedState, _ := trace.ParseTraceState("linked=1")
	linkedTraceID, _ := trace.TraceIDFromHex("4bf92f3577b34da6a3ce929d0e0e4736")
	linkedSpanID, _ := trace.SpanIDFromHex("00f067aa0ba902b7")
	linked := trace.NewSpanContext(trace.SpanContextConfig{TraceID: linkedTraceID, SpanID: linkedSpanID, TraceFlags: trace.FlagsSampled, TraceState: linkedState, Remote: true})

	checkoutCtx, checkout := tracer.Start(trace.ContextWithRemoteSpanContext(ctx, remoteParent), "checkout",
		trace.WithSpanKind(trace.SpanKindServer), trace.WithTimestamp(at(0)), trace.WithAttributes(
			attribute.String("attr.string", "hello"),
			attribute.String("attr.string.empty", ""),
			attribute.String("attr.string.unicode", "héllo wörld — 你好 🌍 𝄞 \"quoted\" \\ back"),
			attribute.Bool("attr.bool", true),
			attribute.Bool("attr.bool.false", false),
			attribute.Int64("attr.int", 42),
			attribute.Int64("attr.int.negative", -7),
			attribute.Int64("attr.int.max", math.MaxInt64),
			attribute.Int64("attr.int.min", math.MinInt64),
			attribute.Float64("attr.double", 3.14159),
			attribute.Float64("attr.double.whole", 2.0),
			attribute.Float64("attr.double.tiny", 5e-324),
			attribute.StringSlice("attr.array.string", []string{"a", "", "ü"}),
			attribute.BoolSlice("attr.array.bool", []bool{true, false}),
			attribute.Int64Slice("attr.array.int", []int64{1, -2, 1 << 62}),
			attribute.Float64Slice("attr.array.double", []float64{1.5, -0.25}),
		))
	checkout.AddEvent("cart.loaded", trace.WithTimestamp(at(1_001)), trace.WithAttributes(
		attribute.Int("event.int", 3), attribute.String("event.string", "x"), attribute.StringSlice("event.array", []string{"p", "q"})))
	checkout.AddEvent("no.attributes", trace.WithTimestamp(at(2_002)))

	_, loadCart := tracer.Start(checkoutCtx, "load-cart", trace.WithSpanKind(trace.SpanKindInternal), trace.WithTimestamp(at(10_000)))
	loadCart.SetStatus(codes.Ok, "")
	loadCart.End(trace.WithTimestamp(at(20_000)))

	_, inventory := tracer.Start(checkoutCtx, "GET /inventory", trace.WithSpanKind(trace.SpanKindClient), trace.WithTimestamp(at(30_000)),
		trace.WithAttributes(attribute.String("http.request.method", "GET")))
	inventory.End(trace.WithTimestamp(at(40_001)))

	_, publish := tracer.Start(checkoutCtx, "publish order", trace.WithSpanKind(trace.SpanKindProducer), trace.WithTimestamp(at(50_000)),
		trace.WithLinks(trace.Link{SpanContext: linked, Attributes: []attribute.KeyValue{
			attribute.String("link.string", "batch"), attribute.Int("link.int", 9), attribute.Float64("link.double", 0.5), attribute.Bool("link.bool", true),
		}}))
	publish.End(trace.WithTimestamp(at(60_000)))

	_, consume := tracer.Start(ctx, "consume order", trace.WithNewRoot(), trace.WithSpanKind(trace.SpanKindConsumer), trace.WithTimestamp(at(70_000)),
		trace.WithLinks(trace.Link{SpanContext: publish.SpanContext()}))
	consume.End(trace.WithTimestamp(at(80_000)))

	checkout.SetStatus(codes.Error, "payment declined")
	checkout.End(trace.WithTimestamp(at(1_864_197_532)))

	output := map[string]any{"sdk": "go", "protocol": protocol}
	if err := provider.Shutdown(ctx); err != nil {
		output["shutdownError"] = err.Error()
	}
	spans := []any{}
	for _, span := range rec.spans {
		spans = append(spans, emitted(span))
	}
	output["spans"] = spans
	output["exportResults"] = exporter.results
	encoder := json.NewEncoder(os.Stdout)
	encoder.SetEscapeHTML(false)
	if err := encoder.Encode(output); err != nil {
		fail("stdout: %v", err)
	}
}
