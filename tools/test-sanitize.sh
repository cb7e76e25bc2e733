#!/usr/bin/env bash
# ASan + UBSan run of the unit-labelled tests (pure and actor tests, issue 10): configures
# build-asan with -DZEGA_SANITIZE=ON, builds the test program and runs `ctest -L unit` there.
# Kept out of the default test run: a cold sanitizer build is slow on 2 cores.
# Usage: tools/test-sanitize.sh [build-dir]   (default: build-asan)
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build-asan}
jobs=$(nproc 2>/dev/null || echo 2)
[ "$jobs" -gt 2 ] && jobs=2

if [ ! -f "$build_dir/build.ninja" ]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DZEGA_SANITIZE=ON
fi
cmake --build "$build_dir" -j "$jobs" --target zega_tests
# detect_leaks=0: CAF keeps process-wide singletons alive at exit; LeakSanitizer reports them.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
cd "$build_dir"
ctest -L unit -j "$jobs" --output-on-failure --timeout 600
