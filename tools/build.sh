#!/usr/bin/env bash
# Installs the Debian packages zegad needs (when missing) and builds it incrementally.
# Usage: tools/build.sh [build-dir [target...]]   (default: build, every target)
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}
shift || true
targets=("$@")

packages=(g++ cmake ninja-build pkg-config ccache libcaf-dev libboost-dev libssl-dev
          rapidjson-dev liblmdb-dev lmdb-utils catch2 openssl ca-certificates python3
          libspdlog-dev libsystemd-dev libcli11-dev libhowardhinnant-date-dev tzdata)
# What only the tests use (tools/test.sh sets ZEGA_TEST_TOOLS=1): Chromium and Node for the
# browser tests, systemd-analyze for the unit check, an independent Prometheus text parser.
if [ "${ZEGA_TEST_TOOLS:-0}" = 1 ]; then
  packages+=(chromium systemd python3-prometheus-client)
  # A machine may carry its own Node.js build (with npm bundled); Debian's is the fallback.
  command -v node >/dev/null 2>&1 || packages+=(nodejs)
  command -v npm >/dev/null 2>&1 || packages+=(npm)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installing: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ ! -f "$build_dir/build.ninja" ]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
jobs=$(nproc 2>/dev/null || echo 2)
if [ ${#targets[@]} -gt 0 ]; then
  cmake --build "$build_dir" -j "$jobs" --target "${targets[@]}"
else
  cmake --build "$build_dir" -j "$jobs"
fi
