#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (unit, actor, loopback integration,
# headless-browser), then the unit and actor tests under ASan + UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
ZEGA_TEST_TOOLS=1 tools/build.sh build
# playwright-core for the browser tests (label "browser"), as pinned by the lock file; it
# drives Debian's chromium and downloads no browser of its own.
if [ tests/browser/package-lock.json -nt tests/browser/node_modules/.package-lock.json ]; then
  (cd tests/browser && npm ci --no-audit --no-fund)
fi
(cd build && ctest --output-on-failure --timeout 600 -j 2)
# The unit and actor tests again under ASan + UBSan (its own build directory, build-asan).
tools/test-sanitize.sh
