#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (unit, actor, loopback integration).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/build.sh build
cd build
ctest --output-on-failure --timeout 600 -j 2
