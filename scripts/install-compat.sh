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
command -v curl >/dev/null || need+=(curl)    # the Go toolchain, when there is no Go >= 1.21
command -v unzip >/dev/null || need+=(unzip)
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
# binary. Needs the Go of the go directive in go.mod (1.26). Debian 12's golang (1.19) is too old
# and cannot fetch a newer one itself, so where no Go >= 1.21 is installed the toolchain comes
# from the Go module proxy (golang.org/toolchain, the module `go` itself downloads when a go.mod
# asks for a newer Go), pinned by its SHA-256, into ~/.cache/ftgo.
go_toolchain=1.26.8
# The pinned SHA-256 of each linux build the proxy serves.
go_toolchain_amd64_sha256=30c2b1bf7dcc88d3eb0a1364e47ddd9128edb3110a30e8a0ef61cd5856b31de7
go_toolchain_arm64_sha256=02b36b6787b3ac767668f630e2998df45a3b1f9ffee08d1bf3ef6487cd658d99
go_dir="$compat/go"
go_bin="$go_dir/compat-go"

# Prints a usable go command, fetching the pinned toolchain if needed.
find_go() {
  local cmd minor
  cmd="$(command -v go || true)"
  [ -n "$cmd" ] || [ ! -x /usr/local/go/bin/go ] || cmd=/usr/local/go/bin/go
  if [ -n "$cmd" ]; then
    minor=$("$cmd" env GOVERSION | sed -n 's/^go1\.\([0-9]*\).*/\1/p')
    if [ -n "$minor" ] && [ "$minor" -ge 21 ]; then echo "$cmd"; return; fi  # switches toolchain itself
  fi
  local dir="${XDG_CACHE_HOME:-$HOME/.cache}/ftgo/go$go_toolchain"
  if [ ! -x "$dir/bin/go" ]; then
    local arch sha
    case "$(uname -m)" in
      x86_64) arch=amd64 sha=$go_toolchain_amd64_sha256 ;;
      aarch64 | arm64) arch=arm64 sha=$go_toolchain_arm64_sha256 ;;
      *) echo "install-compat: no Go >= 1.21 here and no pinned toolchain for $(uname -m) (install Go >= 1.21)" >&2; return 1 ;;
    esac
    local proxy="${GOPROXY:-https://proxy.golang.org}" tmp
    proxy="${proxy%%,*}"
    case "$proxy" in direct | off) proxy=https://proxy.golang.org ;; esac
    tmp="$(mktemp -d)"
    echo "install-compat: fetching Go $go_toolchain from the module proxy" >&2
    curl -fsSL "$proxy/golang.org/toolchain/@v/v0.0.1-go$go_toolchain.linux-$arch.zip" -o "$tmp/go.zip"
    if ! echo "$sha  $tmp/go.zip" | sha256sum -c --quiet >/dev/null; then
      rm -rf "$tmp"
      echo "install-compat: the Go toolchain download does not match its pinned SHA-256" >&2; return 1
    fi
    unzip -q "$tmp/go.zip" -d "$tmp"
    mkdir -p "$(dirname "$dir")"
    rm -rf "$dir"
    mv "$tmp/golang.org/toolchain@v0.0.1-go$go_toolchain.linux-$arch" "$dir"
    chmod -R u+rwX,go+rX "$dir"
    chmod +x "$dir"/bin/* "$dir"/pkg/tool/*/*
    rm -rf "$tmp"
  fi
  echo "$dir/bin/go"
}

if [ ! -x "$go_bin" ] || [ -n "$(find "$go_dir" -maxdepth 1 \( -name '*.go' -o -name go.mod -o -name go.sum \) -newer "$go_bin" -print -quit)" ]; then
  go_cmd="$(find_go)"
  (cd "$go_dir" && GOFLAGS="-mod=readonly -buildvcs=false" "$go_cmd" build -trimpath -o compat-go .)
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
