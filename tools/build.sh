#!/usr/bin/env bash
# Installs the Debian packages zegad needs (when missing) and builds it incrementally.
# Usage: tools/build.sh [build-dir]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}

packages=(g++ cmake ninja-build pkg-config ccache libcaf-dev libboost-dev libssl-dev
          rapidjson-dev liblmdb-dev lmdb-utils catch2 openssl ca-certificates python3
          chromium nodejs libcli11-dev)
# The browser tests' npm (tools/test.sh): some nodejs builds bundle it, Debian ships it apart.
command -v npm >/dev/null 2>&1 || packages+=(npm)
missing=()
# The calendar (actors/policy/calendar): Howard Hinnant's date/tz on the system tzdata.
packages+=(libhowardhinnant-date-dev tzdata)
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
cmake --build "$build_dir" -j "$jobs"
