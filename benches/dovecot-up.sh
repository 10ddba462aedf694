#!/usr/bin/env bash
# Starts a throwaway Dovecot on 127.0.0.1:PORT with everything under DIR
# (the rootless configuration of shared/research/rust-ecosystem.md §5, the
# same as tests/support/dovecot.rs). Any user logs in with password "pw".
# Prints the master's pid; stop it with `kill PID`.
#
# usage: benches/dovecot-up.sh DIR PORT
set -euo pipefail
dir=$1 port=$2
dovecot=$(command -v dovecot || echo /usr/sbin/dovecot)
[ -x "$dovecot" ] || { echo "dovecot is missing: apt-get install -y dovecot-imapd" >&2; exit 3; }

if [ "$(id -u)" = 0 ]; then
  # imap-login refuses root: run everything as nobody.
  user=nobody group=$(getent group nogroup >/dev/null && echo nogroup || echo nobody)
  run=(setpriv --reuid "$user" --regid "$group" --clear-groups)
else
  user=$(id -un) group=$(id -gn) run=()
fi
uid=$(id -u "$user")

mkdir -p "$dir"/{run,state,home}
chmod 755 "$dir"
touch "$dir/dovecot.log"
if [ "$(id -u)" = 0 ]; then
  chown "$user" "$dir"/{run,state,home} "$dir/dovecot.log"
  # Every parent must be searchable by the unprivileged account.
  p=$dir
  while [ "$p" != / ]; do
    setpriv --reuid "$user" --regid "$group" --clear-groups test -x "$p" || {
      echo "$p is not searchable by $user" >&2; exit 4; }
    p=$(dirname "$p")
  done
fi

cat > "$dir/dovecot.conf" <<CONF
protocols = imap
listen = 127.0.0.1
base_dir = $dir/run
state_dir = $dir/state
instance_name = omnilisten-bench-$port
log_path = $dir/dovecot.log
info_log_path = $dir/dovecot.log
default_internal_user = $user
default_internal_group = $group
default_login_user = $user
first_valid_uid = $uid
last_valid_uid = $uid
mail_uid = $user
mail_gid = $group
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {
  driver = static
  args = password=pw
}
userdb {
  driver = static
  args = home=$dir/home/%u
}
mail_location = maildir:$dir/home/%u/Maildir
namespace inbox {
  inbox = yes
  separator = /
}
mail_fsync = never
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = $port
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
service stats {
  unix_listener stats-reader {
    mode = 0600
  }
  unix_listener stats-writer {
    mode = 0600
  }
}
CONF

"${run[@]}" "$dovecot" -F -c "$dir/dovecot.conf" </dev/null >>"$dir/dovecot.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
  if python3 -c "import socket,sys; s=socket.create_connection(('127.0.0.1',$port),1); sys.exit(0 if s.recv(4)==b'* OK' else 1)" 2>/dev/null; then
    echo "$pid"
    exit 0
  fi
  sleep 0.1
done
echo "dovecot did not start; see $dir/dovecot.log" >&2
kill "$pid" 2>/dev/null || true
exit 1
