#!/usr/bin/env bash
# On-demand benchmark (not run by CI): messages/s fetched, parsed and stored
# from a local Dovecot, omnilisten against a Python imaplib + email client,
# same folder, same run.
#
#   1. start a throwaway Dovecot (benches/dovecot-up.sh);
#   2. APPEND N realistic support mails (benches/imap_bench.py append);
#   3. time Python: imaplib fetches the folder in UID batches of 500 and
#      `email` parses every mail (headers and decoded text);
#   4. time omnilisten (release build): a fresh durable store (fsync), one
#      imap connector with start = "all"; from process start until
#      /api/stats counts N inputs durable.
#
# usage: benches/imap_vs_imaplib.sh [N]      (default 10000; target: ratio >= 5)
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-10000}
work=$(mktemp -d /tmp/omnilisten-imap-bench-XXXXXX)
chmod 755 "$work"
dovecot_pid=
cleanup() {
  [ -n "$dovecot_pid" ] && kill "$dovecot_pid" 2>/dev/null || true
  sleep 0.5
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

echo "building the release binary..." >&2
cargo build --release --quiet
imap_port=$(free_port)
dovecot_pid=$(benches/dovecot-up.sh "$work/dovecot" "$imap_port")

python3 benches/imap_bench.py append --port "$imap_port" --count "$count"

echo "python imaplib + email..." >&2
python=$(python3 benches/imap_bench.py imaplib --port "$imap_port")

http_port=$(free_port)
mkdir -p "$work/tree/connectors" "$work/tree/rules"
cp rules/*.toml "$work/tree/rules/"
echo pw > "$work/tree/imap-password"
cat > "$work/tree/omnilisten.toml" <<TOML
[server]
listen = "127.0.0.1:$http_port"
[store]
path = "state"
durability = "fsync"
[log]
level = "warn"
TOML
cat > "$work/tree/connectors/bench.toml" <<TOML
kind = "imap"
host = "127.0.0.1"
port = $imap_port
tls = "none"
username = "bench"
password_file = "imap-password"
start = "all"
fetch_batch = 500
poll_interval = "10m"
TOML

echo "omnilisten..." >&2
ours=$(python3 benches/imap_bench.py omnilisten --binary target/release/omnilisten \
  --config "$work/tree/omnilisten.toml" --http "$http_port" --count "$count" --log "$work/omnilisten.log")

python3 - "$python" "$ours" <<'PY'
import json, sys
py, ours = (json.loads(a) for a in sys.argv[1:3])
print(f"python imaplib + email: {py['mails']} mails in {py['seconds']:.2f} s = {py['rate']:,.0f} mails/s")
print(f"omnilisten (fetch, parse, dedup, tickets, fsync'd store): {ours['mails']} mails in {ours['seconds']:.2f} s = {ours['rate']:,.0f} mails/s")
print(f"ratio: {ours['rate'] / py['rate']:.1f}x (target >= 5x)")
PY
