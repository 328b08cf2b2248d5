#!/usr/bin/env bash
# Installs the clients of the compatibility suite (tests/compat/) that are not Debian packages:
# kafkajs (npm), the Java driver with kafka-clients 4.x (Maven Central) and the Go driver with
# franz-go and sarama (Go module proxy, pinned by tests/compat/go/go.sum). Idempotent: a second
# run with nothing changed returns in well under a second.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
compat="$root/tests/compat"

need=()
command -v node >/dev/null && command -v npm >/dev/null || need+=(nodejs npm)
command -v javac >/dev/null || need+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null || need+=(maven)
if ((${#need[@]})); then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  echo "install-compat: installing ${need[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

# kafkajs, pinned by package-lock.json.
node_dir="$compat/node"
if ! cmp -s "$node_dir/package-lock.json" "$node_dir/node_modules/.package-lock.stamp" 2>/dev/null; then
  (cd "$node_dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  cp "$node_dir/package-lock.json" "$node_dir/node_modules/.package-lock.stamp"
fi

# The Java driver: rebuilt when its pom or a source is newer than the jar. Offline first
# (quick when ~/.m2 has everything), online when something is missing.
java_dir="$compat/java"
jar="$java_dir/target/compat-java-1.jar"
if [ ! -f "$jar" ] || [ -n "$(find "$java_dir/pom.xml" "$java_dir/src" -newer "$jar" -print -quit)" ]; then
  (cd "$java_dir" && { mvn -q -B -o package >/dev/null 2>&1 || mvn -q -B package; })
  touch "$jar"
fi

# The Go driver (franz-go, sarama): rebuilt when go.mod, go.sum or a source is newer than the
# binary. Needs the Go of the go directive in go.mod (1.26); Debian's golang is too old, so it is not
# installed from here.
go_dir="$compat/go"
go_bin="$go_dir/compat-go"
go_cmd="$(command -v go || true)"
[ -n "$go_cmd" ] || [ ! -x /usr/local/go/bin/go ] || go_cmd=/usr/local/go/bin/go
if [ ! -x "$go_bin" ] || [ -n "$(find "$go_dir" -maxdepth 1 \( -name '*.go' -o -name go.mod -o -name go.sum \) -newer "$go_bin" -print -quit)" ]; then
  if [ -z "$go_cmd" ]; then
    # Not fatal: the other clients still get installed; the Go cases then fail saying the driver is missing.
    echo "install-compat: go not found (neither on PATH nor /usr/local/go/bin): the Go driver is NOT built and" \
      "the franz-go and sarama compat cases will fail; they need Go >= $(sed -n 's/^go //p' "$go_dir/go.mod")" \
      "from https://go.dev/dl/ (Debian's golang is too old)" >&2
  else
    (cd "$go_dir" && GOFLAGS="-mod=readonly -buildvcs=false" "$go_cmd" build -trimpath -o compat-go .)
  fi
fi

# Apache Kafka 4.0's command-line tools (tests/compat/test_kafka_tools.py): the jars copied
# into kafka-tools/target/lib, again only when the pom is newer than the stamp.
tools_dir="$compat/kafka-tools"
stamp="$tools_dir/target/lib/.stamp"
if [ ! -f "$stamp" ] || [ "$tools_dir/pom.xml" -nt "$stamp" ]; then
  copy=(dependency:copy-dependencies -DoutputDirectory=target/lib)
  (cd "$tools_dir" && { mvn -q -B -o "${copy[@]}" >/dev/null 2>&1 || mvn -q -B "${copy[@]}"; })
  touch "$stamp"
fi
