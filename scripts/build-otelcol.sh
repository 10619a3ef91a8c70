#!/usr/bin/env bash
# Builds the OpenTelemetry Collector of collector/builder-config.yaml (the scale-out front, docs/scale-out.md) with the
# collector builder, from the Go module proxy, into
#   ${XDG_CACHE_HOME:-$HOME/.cache}/tracecheck/otelcol-<sha256 of the manifest>/otelcol-tracecheck
# and prints that path. Does nothing when the binary is already there, so it is safe to run twice; the Go module and
# build caches live under the same cache root, so a warm machine reuses them. Needs Go (>= the go line of the
# manifest's modules, 1.26.0); never downloads a toolchain (GOTOOLCHAIN=local).
# Usage: bash scripts/build-otelcol.sh [--print-path]   (--print-path prints the path and builds nothing)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
manifest="$root/collector/builder-config.yaml"
builder_version="v0.161.0" # the manifest's release: keep them equal
cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/tracecheck"
hash="$(sha256sum "$manifest" | cut -c1-64)"
out_dir="$cache_root/otelcol-$hash"
binary="$out_dir/otelcol-tracecheck"

if [ "${1:-}" = "--print-path" ]; then
  echo "$binary"
  exit 0
fi
if [ -x "$binary" ]; then
  echo "$binary"
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "build-otelcol: no Go toolchain on PATH: install Go >= 1.26 (apt-get install golang-go, or the Go the machine ships) and run bash scripts/build-otelcol.sh" >&2
  exit 1
fi

export GOTOOLCHAIN=local
export GOMODCACHE="$cache_root/go/mod"
export GOCACHE="$cache_root/go/build"
export GOFLAGS="-mod=mod"
export CGO_ENABLED=0
builder_dir="$cache_root/builder-$builder_version"
if [ ! -x "$builder_dir/builder" ]; then
  mkdir -p "$builder_dir"
  echo "build-otelcol: installing the collector builder $builder_version" >&2
  GOBIN="$builder_dir" go install "go.opentelemetry.io/collector/cmd/builder@$builder_version"
fi

# Build in a scratch folder beside the final one, and move it in place only when it is complete: a build cut short
# leaves no binary that a later run would take for a good one.
work="$(mktemp -d "$cache_root/otelcol-build.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cp "$manifest" "$work/builder-config.yaml"
echo "build-otelcol: building the collector of $manifest (this takes minutes on a cold cache)" >&2
(cd "$work" && "$builder_dir/builder" --config builder-config.yaml >&2)
mkdir -p "$out_dir"
mv "$work/otelcol-tracecheck/otelcol-tracecheck" "$binary.partial"
cp "$manifest" "$out_dir/builder-config.yaml"
mv "$binary.partial" "$binary"
echo "$binary"
