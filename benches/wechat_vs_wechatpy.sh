#!/usr/bin/env bash
# On-demand benchmark (not run by CI): safe-mode WeChat pushes per second and
# their latency, omnilisten against a typical wechatpy + Flask receiver, with
# the same pre-encrypted pushes, the same client and the same concurrency.
#
#   1. installs wechatpy==1.8.18 and Flask when missing (pip, system-wide);
#   2. builds the release binary;
#   3. makes one Token, EncodingAESKey and AppID, shared by both servers;
#   4. starts benches/wechatpy_server.py (Flask's built-in threaded server by
#      default; WECHATPY_SERVER=gunicorn for gunicorn gthread workers) and
#      replays the pushes at it with `omnilisten bench wechat --url ...`;
#   5. starts `omnilisten run` (a separate process, like the Python server)
#      with one safe-mode WeChat connector on a fresh fsync'd store, and
#      replays the same number of pushes at it; every push must be stored
#      exactly once (checked through /api/stats);
#   6. prints both side by side.
#
# Both servers run on this machine next to the client, so on a small machine
# the client's CPU (reported) is taken from the server.
#
# usage: benches/wechat_vs_wechatpy.sh [PUSHES] [CONCURRENCY] [RUNS]
#        (defaults 20000 64 3; target: omnilisten >= 4000 pushes/s, p99 < 20 ms)
# env:   WECHATPY_SERVER=flask|gunicorn   WECHATPY_SQLITE=1 (the Python server
#        commits each push to SQLite before answering, like omnilisten)
set -euo pipefail
cd "$(dirname "$0")/.."
pushes=${1:-20000}
concurrency=${2:-64}
runs=${3:-3}
server_kind=${WECHATPY_SERVER:-flask}

work=$(mktemp -d /tmp/omnilisten-wechat-bench-XXXXXX)
py_pid=
ours_pid=
cleanup() {
  [ -n "$py_pid" ] && kill "$py_pid" 2>/dev/null || true
  [ -n "$ours_pid" ] && kill "$ours_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

need() { # need MODULE PIP-SPEC [VERSION]
  if python3 - "$1" "${3:-}" <<'PY' 2>/dev/null; then return 0; fi
import importlib, importlib.metadata as md, sys
mod, version = sys.argv[1], sys.argv[2]
importlib.import_module(mod)
dist = {"flask": "Flask"}.get(mod, mod)
sys.exit(0 if not version or md.version(dist) == version else 1)
PY
  echo "installing $2..." >&2
  python3 -m pip install --quiet "$2" 2>/dev/null \
    || python3 -m pip install --quiet --break-system-packages "$2" \
    || { echo "cannot install $2 (no network to PyPI?)" >&2; exit 1; }
}
need flask flask
need wechatpy wechatpy==1.8.18 1.8.18
need cryptography cryptography
[ "$server_kind" = gunicorn ] && need gunicorn gunicorn

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { # wait_http URL PID
  for _ in $(seq 1 200); do
    if python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' "$1" 2>/dev/null; then
      return 0
    fi
    kill -0 "$2" 2>/dev/null || { echo "server exited; see $work/*.log" >&2; return 1; }
    sleep 0.1
  done
  echo "server did not answer $1" >&2
  return 1
}

echo "building the release binary..." >&2
cargo build --release --quiet
bin=target/release/omnilisten

# One account, shared by both servers and the client.
python3 - "$work" <<'PY'
import base64, os, secrets, string, sys
work = sys.argv[1]
alnum = string.ascii_letters + string.digits
open(f"{work}/token", "w").write("".join(secrets.choice(alnum) for _ in range(32)) + "\n")
open(f"{work}/aes_key", "w").write(base64.b64encode(os.urandom(32)).decode()[:43] + "\n")
open(f"{work}/app_id", "w").write("wx" + secrets.token_hex(8) + "\n")
PY
chmod 600 "$work/token" "$work/aes_key"
app_id=$(cat "$work/app_id")
common=(--pushes "$pushes" --concurrency "$concurrency" --runs "$runs"
  --token-file "$work/token" --aes-key-file "$work/aes_key" --app-id "$app_id" --json)

# --- wechatpy + Flask -------------------------------------------------------
py_port=$(free_port)
py_args=(--port "$py_port" --token-file "$work/token" --aes-key-file "$work/aes_key" --app-id "$app_id")
[ -n "${WECHATPY_SQLITE:-}" ] && py_args+=(--sqlite "$work/pushes.sqlite")
[ "$server_kind" = gunicorn ] && py_args+=(--gunicorn "$(nproc)")
python3 benches/wechatpy_server.py "${py_args[@]}" >"$work/wechatpy.log" 2>&1 &
py_pid=$!
wait_http "http://127.0.0.1:$py_port/healthz" "$py_pid"
echo "wechatpy ($server_kind): $runs x $pushes pushes at $concurrency connections..." >&2
python_json=$("$bin" bench wechat --url "http://127.0.0.1:$py_port/wechat" --server-pid "$py_pid" "${common[@]}") || true
kill "$py_pid" 2>/dev/null || true
wait "$py_pid" 2>/dev/null || true
py_pid=

# --- omnilisten (its own process, fsync'd store) ----------------------------
ours_port=$(free_port)
mkdir -p "$work/tree/connectors" "$work/tree/rules"
cat >"$work/tree/omnilisten.toml" <<TOML
[server]
listen = "127.0.0.1:$ours_port"
[store]
path = "state"
durability = "fsync"
[log]
level = "warn"
TOML
cat >"$work/tree/connectors/bench.toml" <<TOML
kind = "wechat"
token_file = "../token"
aes_key_file = "../aes_key"
app_id = "$app_id"
accept = ["safe"]
TOML
"$bin" run --config "$work/tree/omnilisten.toml" >"$work/omnilisten.log" 2>&1 &
ours_pid=$!
wait_http "http://127.0.0.1:$ours_port/healthz" "$ours_pid"
echo "omnilisten: $runs x $pushes pushes at $concurrency connections..." >&2
ours_json=$("$bin" bench wechat --url "http://127.0.0.1:$ours_port/wechat/bench" --server-pid "$ours_pid" "${common[@]}") || true
kill -TERM "$ours_pid" 2>/dev/null || true
wait "$ours_pid" 2>/dev/null || true
ours_pid=

python3 - "$python_json" "$ours_json" "$server_kind" <<'PY'
import json, sys
def load(text):
    try:
        return json.loads(text)
    except ValueError:
        return None
py, ours, kind = load(sys.argv[1]), load(sys.argv[2]), sys.argv[3]
rows = [
    ("pushes/s", "pushes_per_sec", "{:,.0f}"),
    ("latency p50 (ms)", "p50_ms", "{:.2f}"),
    ("latency p90 (ms)", "p90_ms", "{:.2f}"),
    ("latency p99 (ms)", "p99_ms", "{:.2f}"),
    ("latency p99.9 (ms)", "p999_ms", "{:.2f}"),
    ("latency max (ms)", "max_ms", "{:.2f}"),
    ("server CPU (cores)", "server_cores", "{:.2f}"),
    ("server CPU per push (µs)", "server_cpu_us_per_push", "{:.0f}"),
    ("client CPU (cores)", "client_cores", "{:.2f}"),
    ("pushes per fsync", "pushes_per_fsync", "{:.1f}"),
]
def cell(doc, key, fmt):
    if doc is None:
        return "failed"
    value = doc["median"].get(key)
    return fmt.format(value) if value is not None else "n/a"
left = f"wechatpy + Flask ({kind})"
print(f"{'median of runs':<26} {left:>24} {'omnilisten (fsync)':>20}")
for label, key, fmt in rows:
    print(f"{label:<26} {cell(py, key, fmt):>24} {cell(ours, key, fmt):>20}")
def status(doc):
    if doc is None:
        return "no result"
    errors = sum(r["errors"] for r in doc["runs"])
    stored = [r["stored"] for r in doc["runs"]]
    text = f"{errors} errors in {len(doc['runs'])} runs"
    if all(s is not None for s in stored):
        text += f"; stored per run {stored}"
    return text + ("" if doc["passed"] else " (CHECKS FAILED)")
print(f"checks, wechatpy:   {status(py)}")
print(f"checks, omnilisten: {status(ours)}")
if py and ours and py["median"]["pushes_per_sec"]:
    ratio = ours["median"]["pushes_per_sec"] / py["median"]["pushes_per_sec"]
    print(f"omnilisten / wechatpy: {ratio:.1f}x the pushes/s; "
          f"omnilisten target (>= 4000 pushes/s, p99 < 20 ms): {'met' if ours['target_met'] else 'NOT met'}")
PY
