#!/usr/bin/env bash
# The main job: installs what is needed, builds ftgo, and runs the FTGO
# example (examples/ftgo) under `ftgo run` on the embedded broker.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
FTGO="$(pwd)/build/ftgo" exec bash examples/ftgo/demo.sh
