#!/usr/bin/env bash
# A local cluster on this machine (issue 22): a PostgreSQL primary and a hot standby made
# with pg_basebackup and streaming replication, two (or three) `shikaku serve` nodes on the
# primary that read card numbers from the standby while it keeps up (--read-db), and HAProxy
# in front (TCP passthrough for the mTLS API, so the client certificate reaches a node; HTTP
# for the web listener; health checks on each node's /readyz).
#
#   deploy/local-cluster.sh up           start everything, or whatever part is stopped;
#                                        prints the addresses
#   deploy/local-cluster.sh status       the same lines, and each part's state
#   deploy/local-cluster.sh down         stop everything it started
#   deploy/local-cluster.sh stop PART    stop one part (node1…, standby, primary, haproxy);
#                                        `up` starts it again
#   deploy/local-cluster.sh kill NODE    SIGKILL one node (a crash), e.g. `kill node1`
#
# Files live in $SHIKAKU_CLUSTER_DIR (default: a folder under the system temp directory).
# The shikaku binary is $SHIKAKU_BIN, or target/release/shikaku (built when missing).
# $SHIKAKU_CLUSTER_NODES (1 to 3, default 2) is fixed when the cluster is first made;
# SHIKAKU_CLUSTER_READ_DB=0 starts the nodes without --read-db.
# Needs Debian's postgresql (15) and haproxy packages.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
dir="${SHIKAKU_CLUSTER_DIR:-${TMPDIR:-/tmp}/shikaku-cluster}"
pgbin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
state="$dir/cluster.env"
nodes="${SHIKAKU_CLUSTER_NODES:-2}"
# A cluster made earlier keeps its number of nodes.
if [ -f "$state" ]; then
  nodes="$(sed -n 's/^NODES=//p' "$state")"
  nodes="${nodes:-2}"
fi
case "$nodes" in 1|2|3) ;; *) echo "local-cluster: SHIKAKU_CLUSTER_NODES is 1, 2 or 3" >&2; exit 2 ;; esac

die() { echo "local-cluster: $*" >&2; exit 1; }

# PostgreSQL refuses to run as root: its commands run as the postgres user then.
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# A free port below the kernel's ephemeral range (32768 up): a port the kernel picked for us
# could be handed out again, to any outgoing connection, before HAProxy or a node binds it
# minutes later.
free_port() {
  python3 -c '
import random, socket
while True:
    port = random.randrange(20000, 32000)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
        break
    except OSError:
        pass
    finally:
        s.close()
print(port)'
}

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# Stops the process of a pid file: SIGTERM, up to 30 s to finish, then SIGKILL.
stop_pid() {
  alive "$1" || { rm -f "$1"; return 0; }
  local pid
  pid="$(cat "$1")"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$1"
}

wait_for() { # command… : up to 60 s
  for _ in $(seq 1 120); do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done
  return 1
}

print_lines() {
  # shellcheck disable=SC1090
  . "$state"
  echo "api: https://127.0.0.1:$API_PORT"
  echo "web: http://127.0.0.1:$WEB_PORT"
  for n in $(seq 1 "$nodes"); do
    eval "echo \"node$n-api: https://127.0.0.1:\$NODE${n}_API\""
  done
  for n in $(seq 1 "$nodes"); do
    eval "echo \"node$n-web: http://127.0.0.1:\$NODE${n}_WEB\""
  done
  echo "db: postgres://postgres@127.0.0.1:$PRIMARY_PORT/shikaku"
  echo "standby: postgres://postgres@127.0.0.1:$STANDBY_PORT/shikaku"
  echo "data-dir: $dir/data"
}

bin() {
  if [ -n "${SHIKAKU_BIN:-}" ]; then echo "$SHIKAKU_BIN"; return; fi
  if [ ! -x "$root/target/release/shikaku" ]; then
    (cd "$root" && cargo build --release -q -p shikaku-cli) >&2
  fi
  echo "$root/target/release/shikaku"
}

start_pg() { # name port
  as_pg "$pgbin/pg_ctl" -D "$dir/pg/$1" -l "$dir/pg/$1.log" -w -t 60 \
    -o "-p $2 -k $dir/pg -c listen_addresses=127.0.0.1" start >/dev/null
}

start_node() { # n
  local n=$1 api web read=()
  eval "api=\$NODE${n}_API; web=\$NODE${n}_WEB"
  if [ "${SHIKAKU_CLUSTER_READ_DB:-1}" != 0 ]; then
    read=(--read-db "postgres://postgres@127.0.0.1:$STANDBY_PORT/shikaku")
  fi
  SHIKAKU_DATABASE_URL="postgres://postgres@127.0.0.1:$PRIMARY_PORT/shikaku" \
  SHIKAKU_DATA_DIR="$dir/data" \
    nohup "$BIN" serve --api-addr "127.0.0.1:$api" --web-addr "127.0.0.1:$web" "${read[@]}" \
      --trusted-proxy 127.0.0.1 --public-url "http://127.0.0.1:$WEB_PORT" \
      >"$dir/node$n.log" 2>&1 &
  echo $! >"$dir/node$n.pid"
  wait_for curl -sf "http://127.0.0.1:$web/readyz" || die "node$n did not become ready (see $dir/node$n.log)"
}

haproxy_config() {
  cat <<EOF
global
    log stderr format short local0 warning
defaults
    log global
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    # A connection refused by a node that just died goes to another.
    retries 3
    option redispatch
# The mTLS API: TCP passthrough, so the client certificate reaches the node.
frontend api
    bind 127.0.0.1:$API_PORT
    mode tcp
    default_backend api_nodes
backend api_nodes
    mode tcp
    balance roundrobin
    option httpchk GET /readyz
$(for n in $(seq 1 "$nodes"); do eval "echo \"    server node$n 127.0.0.1:\$NODE${n}_API check port \$NODE${n}_WEB inter 1s fall 2 rise 1\""; done)
# The web listener: HTTP, the client's address in X-Forwarded-For.
frontend web
    bind 127.0.0.1:$WEB_PORT
    mode http
    option forwardfor
    default_backend web_nodes
backend web_nodes
    mode http
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
$(for n in $(seq 1 "$nodes"); do eval "echo \"    server node$n 127.0.0.1:\$NODE${n}_WEB check inter 1s fall 2 rise 1\""; done)
EOF
}

up() {
  command -v haproxy >/dev/null || die "haproxy is not installed (apt-get install haproxy)"
  [ -n "$pgbin" ] || die "PostgreSQL is not installed (apt-get install postgresql)"
  mkdir -p "$dir"
  chmod 755 "$dir"
  if [ ! -f "$state" ]; then
    {
      echo "NODES=$nodes"
      echo "API_PORT=$(free_port)"
      echo "WEB_PORT=$(free_port)"
      echo "PRIMARY_PORT=$(free_port)"
      echo "STANDBY_PORT=$(free_port)"
      for n in $(seq 1 "$nodes"); do
        echo "NODE${n}_API=$(free_port)"
        echo "NODE${n}_WEB=$(free_port)"
      done
    } >"$state"
  fi
  # shellcheck disable=SC1090
  . "$state"
  BIN="$(bin)"
  mkdir -p "$dir/pg" "$dir/data"
  [ "$(id -u)" = 0 ] && chown postgres "$dir/pg"
  # The primary.
  if [ ! -d "$dir/pg/primary" ]; then
    as_pg "$pgbin/initdb" -D "$dir/pg/primary" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    cat >>"$dir/pg/primary/postgresql.conf" <<EOF
wal_level = replica
max_wal_senders = 10
hot_standby = on
EOF
  fi
  as_pg "$pgbin/pg_ctl" -D "$dir/pg/primary" status >/dev/null 2>&1 || start_pg primary "$PRIMARY_PORT"
  wait_for "$pgbin/pg_isready" -h 127.0.0.1 -p "$PRIMARY_PORT" || die "the primary did not start"
  "$pgbin/psql" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -d postgres -Atc \
    "select 1 from pg_database where datname = 'shikaku'" | grep -q 1 \
    || "$pgbin/psql" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -d postgres -qc 'create database shikaku'
  # The hot standby, copied from the primary and streaming from it.
  if [ ! -d "$dir/pg/standby" ]; then
    as_pg "$pgbin/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres \
      -D "$dir/pg/standby" -R -X stream -c fast
  fi
  as_pg "$pgbin/pg_ctl" -D "$dir/pg/standby" status >/dev/null 2>&1 || start_pg standby "$STANDBY_PORT"
  wait_for "$pgbin/pg_isready" -h 127.0.0.1 -p "$STANDBY_PORT" || die "the standby did not start"
  # The nodes, one after the other (the first runs the migrations).
  for n in $(seq 1 "$nodes"); do
    alive "$dir/node$n.pid" || start_node "$n"
  done
  # HAProxy.
  haproxy_config >"$dir/haproxy.cfg"
  if ! alive "$dir/haproxy.pid"; then
    haproxy -f "$dir/haproxy.cfg" -D -p "$dir/haproxy.pid" 2>"$dir/haproxy.log" \
      || die "haproxy did not start (see $dir/haproxy.log)"
  fi
  wait_for curl -sf "http://127.0.0.1:$WEB_PORT/readyz" || die "HAProxy does not reach the nodes"
  print_lines
}

status() {
  [ -f "$state" ] || die "no cluster in $dir (run: $0 up)"
  print_lines
  # shellcheck disable=SC1090
  . "$state"
  for part in primary standby; do
    port=PRIMARY_PORT; [ "$part" = standby ] && port=STANDBY_PORT
    if "$pgbin/pg_isready" -q -h 127.0.0.1 -p "${!port}"; then
      role="$("$pgbin/psql" -h 127.0.0.1 -p "${!port}" -U postgres -d postgres -Atc \
        "select case when pg_is_in_recovery() then 'standby' else 'primary' end")"
      echo "$part: running ($role)"
    else
      echo "$part: stopped"
    fi
  done
  for n in $(seq 1 "$nodes"); do
    if alive "$dir/node$n.pid"; then echo "node$n: running"; else echo "node$n: stopped"; fi
  done
  if alive "$dir/haproxy.pid"; then echo "haproxy: running"; else echo "haproxy: stopped"; fi
}

down() {
  [ -d "$dir" ] || return 0
  stop_pid "$dir/haproxy.pid"
  for n in $(seq 1 "$nodes"); do
    stop_pid "$dir/node$n.pid"
  done
  for part in standby primary; do
    if [ -d "$dir/pg/$part" ]; then
      as_pg "$pgbin/pg_ctl" -D "$dir/pg/$part" -m fast stop >/dev/null 2>&1 || true
    fi
  done
  echo "stopped (files kept in $dir; remove the folder for a fresh cluster)"
}

stop_part() { # part
  [ -f "$state" ] || die "no cluster in $dir"
  case "$1" in
    node[1-3])
      [ "${1#node}" -le "$nodes" ] || die "there is no $1"
      stop_pid "$dir/$1.pid" ;;
    haproxy) stop_pid "$dir/haproxy.pid" ;;
    standby|primary) as_pg "$pgbin/pg_ctl" -D "$dir/pg/$1" -m fast stop >/dev/null ;;
    *) die "stop what? node1…node$nodes, standby, primary or haproxy" ;;
  esac
}

kill_node() { # nodeN
  [ -f "$state" ] || die "no cluster in $dir"
  case "$1" in
    node[1-3]) [ "${1#node}" -le "$nodes" ] || die "there is no $1" ;;
    *) die "kill a node: node1…node$nodes" ;;
  esac
  alive "$dir/$1.pid" || die "$1 is not running"
  kill -9 "$(cat "$dir/$1.pid")"
  rm -f "$dir/$1.pid"
}

case "${1:-}" in
  up) up ;;
  status) status ;;
  down) down ;;
  stop) stop_part "${2:-}" ;;
  kill) kill_node "${2:-}" ;;
  *) echo "usage: $0 up|status|down|stop PART|kill NODE" >&2; exit 2 ;;
esac
