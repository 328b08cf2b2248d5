#!/usr/bin/env bash
# Installs what the built-in templates' pipelines need beyond scripts/install-deps.sh:
#   node-service:   nodejs and npm (its build stage runs `npm ci`, fetching kafkajs)
#   python-service: python3-venv (its build stage makes a venv, pip fetches confluent-kafka)
#   cpp-service:    cmake, g++, librdkafka-dev, nlohmann-json3-dev, libcpp-httplib-dev
# Idempotent; an existing node (e.g. from nvm or NodeSource) is kept.
set -euo pipefail

packages=(python3-venv cmake g++ pkg-config librdkafka-dev nlohmann-json3-dev libcpp-httplib-dev)
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  echo "install-template-deps: installing ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
