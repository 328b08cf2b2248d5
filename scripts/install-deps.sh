#!/usr/bin/env bash
# Installs every Debian package ftgo needs to build, test, fuzz and benchmark.
# Idempotent: when everything is present it returns in well under a second.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git ccache
  libcli11-dev libyaml-cpp-dev librdkafka-dev
  libboost-dev libboost-filesystem-dev
  nlohmann-json3-dev catch2 libfmt-dev libspdlog-dev
  libkainjow-mustache-dev libcpp-httplib-dev zlib1g-dev libssl-dev libisal-dev
  libsnappy-dev liblz4-dev libzstd-dev
  kcat curl procps clang libclang-rt-14-dev
  python3 python3-venv
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  echo "install-deps: installing ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Python packages for the e2e and compat suites, in the repository's .venv.
root="$(cd "$(dirname "$0")/.." && pwd)"
stamp="$root/.venv/.requirements"
if ! cmp -s "$root/tests/requirements.txt" "$stamp" 2>/dev/null; then
  python3 -m venv "$root/.venv"
  "$root/.venv/bin/pip" install -q --disable-pip-version-check -r "$root/tests/requirements.txt"
  cp "$root/tests/requirements.txt" "$stamp"
fi

# The built-in templates' toolchains (node and npm, ...), for the e2e suites that build them.
bash "$root/scripts/install-template-deps.sh"
