// Command inventory is the Go service of the polyglot example (examples/polyglot): `GET /stock?sku=...` answers
// how many of an item are in stock. It is instrumented the standard Go way: otelhttp wraps the handler, the global
// propagator is W3C trace context and baggage, and the OTLP exporter and resource come from the OTEL_*
// environment alone (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, OTEL_EXPORTER_OTLP_*). The protocol is picked
// from OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, which the Go exporters do not read themselves.
//
// It listens on a free port of 127.0.0.1 and prints {"service":"inventory","port":N} on stdout once it does;
// SIGTERM stops it after its spans are flushed.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "inventory: "+format+"\n", args...)
	os.Exit(1)
}

func exporter(ctx context.Context) (sdktrace.SpanExporter, error) {
	protocol := os.Getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
	if protocol == "" {
		protocol = os.Getenv("OTEL_EXPORTER_OTLP_PROTOCOL")
	}
	switch protocol {
	case "", "http/protobuf":
		return otlptracehttp.New(ctx)
	case "grpc":
		return otlptracegrpc.New(ctx)
	}
	return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_PROTOCOL=%s is not one the Go SDK exports: http/protobuf or grpc", protocol)
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	exp, err := exporter(ctx)
	if err != nil {
		fail("%v", err)
	}
	res, err := resource.New(ctx, resource.WithTelemetrySDK(), resource.WithFromEnv(), resource.WithAttributes(attribute.String("service.version", "1.0.0")))
	if err != nil {
		fail("resource: %v", err)
	}
	provider := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	otel.SetTracerProvider(provider)
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))

	mux := http.NewServeMux()
	mux.HandleFunc("GET /stock", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("content-type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"sku": r.URL.Query().Get("sku"), "inStock": 7})
	})
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail("listen: %v", err)
	}
	server := &http.Server{Handler: otelhttp.NewHandler(mux, "inventory")}
	served := make(chan error, 1)
	go func() { served <- server.Serve(listener) }()
	ready, _ := json.Marshal(map[string]any{"service": "inventory", "port": listener.Addr().(*net.TCPAddr).Port})
	fmt.Println(string(ready))

	select {
	case <-ctx.Done():
	case err := <-served:
		fail("serve: %v", err)
	}
	_ = server.Shutdown(context.Background())
	if err := provider.Shutdown(context.Background()); err != nil {
		fail("telemetry shutdown: %v", err)
	}
}
