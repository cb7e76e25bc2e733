#!/usr/bin/env bash
# The built-in demo: installs what is missing, builds, starts the fake LLM server and zegad
# on loopback, trains 5 examples with zegactl, shows where they are stored, stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
# Only the three programs the demo runs, not the tests and benchmarks.
tools/build.sh build zegad zegactl zega-fake-llm >&2

bin=build
demo_dir=${ZEGA_DEMO_DIR:-demo-data}
mkdir -p "$demo_dir"
fake_pid=""; zegad_pid=""
cleanup() {
  [ -n "$zegad_pid" ] && kill -TERM "$zegad_pid" 2>/dev/null && wait "$zegad_pid" 2>/dev/null || true
  [ -n "$fake_pid" ] && kill -TERM "$fake_pid" 2>/dev/null && wait "$fake_pid" 2>/dev/null || true
}
trap cleanup EXIT

# Reads "... listening on HOST:PORT" from a program's stdout file, with a deadline.
wait_port() {
  local file=$1 pattern=$2
  for _ in $(seq 1 300); do
    local port
    port=$(grep -oE "$pattern" "$file" 2>/dev/null | grep -oE '[0-9]+$' | head -1 || true)
    [ -n "$port" ] && { echo "$port"; return 0; }
    sleep 0.1
  done
  echo "timed out waiting for $file" >&2
  return 1
}

echo "==> starting the fake LLM server (speaks Ollama, Groq, Gemini and Hugging Face protocols)"
"$bin/zega-fake-llm" --port 0 --seed 42 --latency-ms 150 --log "$demo_dir/fake-llm.log" \
  > "$demo_dir/fake-llm.out" &
fake_pid=$!
fake_port=$(wait_port "$demo_dir/fake-llm.out" 'listening on 127\.0\.0\.1:[0-9]+')
echo "    fake LLM server on 127.0.0.1:$fake_port"

sed "s/127.0.0.1:11500/127.0.0.1:$fake_port/g" config/examples/demo.json > "$demo_dir/zegad.json"
echo "==> starting zegad (config $demo_dir/zegad.json, data $demo_dir/lmdb)"
ZEGA_DEMO_KEY=demo-key \
  "$bin/zegad" --config "$demo_dir/zegad.json" --data-dir "$demo_dir/lmdb" \
  --listen 127.0.0.1:0 --env-file /dev/null > "$demo_dir/zegad.out" 2> "$demo_dir/zegad.log" &
zegad_pid=$!
zegad_port=$(wait_port "$demo_dir/zegad.out" 'listening on http://127\.0\.0\.1:[0-9]+')
url="http://127.0.0.1:$zegad_port"
echo "    zegad on $url"

echo "==> zegactl train -n 5"
"$bin/zegactl" --url "$url" train -n 5
echo
echo "==> zegactl status"
"$bin/zegactl" --url "$url" status
echo
echo "==> the archive: $demo_dir/lmdb (LMDB; records are JSON)"
mdb_stat -a "$demo_dir/lmdb" | grep -E '^Status of|Entries' | paste - - || true
echo "==> exporting the dataset for fine-tuning: zegactl export -o $demo_dir/dataset.jsonl"
"$bin/zegactl" --url "$url" export -o "$demo_dir/dataset.jsonl"
echo "    inspect the archive: mdb_dump -p -s examples $demo_dir/lmdb | head"
echo "==> stopping zegad and the fake server"
