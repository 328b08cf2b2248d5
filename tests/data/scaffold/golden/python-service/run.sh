#!/bin/sh
# Runs order-service from wherever this directory was copied (a release dir too).
cd "$(dirname "$0")" && exec python3 service.py "$@"
