#!/usr/bin/env bash
# ASan + UBSan run of the unit and actor tests (issue 10): configures build-asan with
# -DZEGA_SANITIZE=ON, builds only the test program (in that build it holds only the files
# with unit or actor cases, and no program is built), and runs `ctest -L 'unit|actor'` there.
# tools/test.sh calls it after the normal tests.
# Usage: tools/test-sanitize.sh [build-dir]   (default: build-asan)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
build_dir=${1:-build-asan}
jobs=$(nproc 2>/dev/null || echo 2)
[ "$jobs" -gt 2 ] && jobs=2

started=$(date +%s)
if [ ! -f "$build_dir/build.ninja" ]; then
  # -O1 with line tables only: half the compile time of -O2 -g, and reports still name
  # file and line. NDEBUG as in the normal build, so the same code is checked.
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DZEGA_SANITIZE=ON \
        "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG"
fi
cmake --build "$build_dir" -j "$jobs" --target zega_tests
built=$(date +%s)
echo "sanitizer build: $((built - started)) s"
# detect_leaks=0: CAF keeps process-wide singletons alive at exit; LeakSanitizer reports them.
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:abort_on_error=1:detect_leaks=0}
# Every report stops the test; tools/ubsan.supp silences one known defect inside CAF's own
# header (see there), nothing of ours.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:suppressions=$root/tools/ubsan.supp}
cd "$build_dir"
ctest -L 'unit|actor' -j "$jobs" --output-on-failure --timeout 600
echo "sanitizer tests: $(($(date +%s) - built)) s"
