#!/usr/bin/env bash
# Builds the non-Node OpenTelemetry clients the tests drive (test/conformance/clients.test.ts, the polyglot
# example): a Python venv from clients/python/requirements.txt, the Go programs of clients/go, and the Java
# emitter of clients/java. Everything lands OUTSIDE the clone, under ${XDG_CACHE_HOME:-$HOME/.cache}/tracecheck,
# in folders keyed by a hash of what they are built from, so a warm machine reuses them and a change rebuilds.
# Safe to run twice: a finished folder holds a `.complete` marker and is skipped.
#
#   bash scripts/install-clients.sh            build what is missing (python, go, java), or only the languages named
#   bash scripts/install-clients.sh --where    print, as JSON, where each client is and whether it is built; builds nothing
#
# A missing toolchain (python3, go, java/mvn) is one loud line and that language is skipped; under CI=true it
# is an error (exit 1) after the other languages are built.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/tracecheck"

# The first 16 hex digits of the sha256 over the files found under $1 (matching the find expression that follows),
# in byte order of their paths: path and content both count.
tree_hash() {
  local dir="$1"
  shift
  (cd "$repo" && find "$dir" -type f "$@" | LC_ALL=C sort | while read -r file; do
    printf '%s\n' "$file"
    sha256sum <"$file"
  done) | sha256sum | cut -c1-16
}

python_dir="$cache/py-$(tree_hash clients/python -name requirements.txt)"
go_dir="$cache/go-$(tree_hash clients/go \( -name '*.go' -o -name go.mod -o -name go.sum \))"
java_dir="$cache/java-$(tree_hash clients/java \( -name pom.xml -o -name '*.java' \))"

if [ "${1:-}" = "--where" ]; then
  ready() { [ -f "$1/.complete" ] && echo true || echo false; }
  printf '{"python":{"dir":"%s","ready":%s},"go":{"dir":"%s","ready":%s},"java":{"dir":"%s","ready":%s}}\n' \
    "$python_dir" "$(ready "$python_dir")" "$go_dir" "$(ready "$go_dir")" "$java_dir" "$(ready "$java_dir")"
  exit 0
fi

languages=("$@")
[ "${#languages[@]}" -gt 0 ] || languages=(python go java)
missing=()

loud() { echo "install-clients: !!! $* !!!" >&2; }

# Builds into $1 with the function $2, unless $1 is complete; a half-built folder from an interrupted run is removed.
build_into() {
  local dir="$1" step="$2"
  if [ -f "$dir/.complete" ]; then
    echo "install-clients: $dir is built (reused)"
    return 0
  fi
  rm -rf "$dir"
  mkdir -p "$dir"
  "$step" "$dir"
  touch "$dir/.complete"
  echo "install-clients: built $dir"
}

build_python() {
  python3 -m venv "$1"
  "$1/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$repo/clients/python/requirements.txt"
}

build_go() {
  export GOTOOLCHAIN=local GOFLAGS=-mod=readonly GOMODCACHE="$cache/go-mod" GOCACHE="$cache/go-build"
  (cd "$repo/clients/go" && go build -trimpath -o "$1/bin/" ./...)
}

build_java() {
  local work
  work="$(mktemp -d)"
  cp -r "$repo/clients/java/." "$work/"
  rm -rf "$work/target"
  # Maven's quiet mode still prints colour codes on stdout: its output is shown only when the build fails.
  if ! (cd "$work" && mvn -B -q -Dstyle.color=never -Dmaven.repo.local="$cache/m2" -DskipTests package >"$work/mvn.log" 2>&1); then
    cat "$work/mvn.log" >&2
    return 1
  fi
  mv "$work/target/classes" "$1/classes"
  mv "$work/target/lib" "$1/lib"
  rm -rf "$work"
}

for language in "${languages[@]}"; do
  case "$language" in
    python)
      if command -v python3 >/dev/null && python3 -c 'import venv, ensurepip' 2>/dev/null; then build_into "$python_dir" build_python
      else loud "python3 with venv is missing: the Python client tests are skipped (Debian: apt-get install -y python3-venv)"; missing+=(python); fi ;;
    go)
      if command -v go >/dev/null; then build_into "$go_dir" build_go
      else loud "go is missing: the Go client tests are skipped (install Go 1.26, then bash scripts/install-clients.sh go)"; missing+=(go); fi ;;
    java)
      if command -v java >/dev/null && command -v mvn >/dev/null; then build_into "$java_dir" build_java
      else loud "java or mvn is missing: the Java client tests are skipped (Debian: apt-get install -y openjdk-17-jdk-headless maven)"; missing+=(java); fi ;;
    *) echo "install-clients: unknown language '$language' (python, go, java)" >&2; exit 2 ;;
  esac
done

if [ "${#missing[@]}" -gt 0 ] && [ "${CI:-}" = "true" ]; then
  echo "install-clients: CI=true and these toolchains are missing: ${missing[*]}" >&2
  exit 1
fi
