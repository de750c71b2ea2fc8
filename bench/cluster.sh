#!/usr/bin/env bash
# The local cluster under load (issue 22, point 5): lookups/s and p99 through HAProxy with 1,
# 2 and 3 nodes, one node reached directly (the cost of the extra hop), and 2 nodes without
# the standby for reads. Usage: bench/cluster.sh [PERSONS] (default 1000000).
# Needs a release build (cargo build --release -p shikaku-cli), PostgreSQL and HAProxy.
# Each configuration is a fresh cluster (deploy/local-cluster.sh) under bench/out/cluster-*.
# Prints the bench command's own tables, each under a heading.
set -euo pipefail
cd "$(dirname "$0")/.."
persons="${1:-1000000}"
bin="$PWD/target/release/shikaku"
out="$PWD/bench/out/cluster"
mkdir -p "$out"
pop="$out/population-$persons.csv"
[ -f "$pop" ] || "$bin" gen population --persons "$persons" --seed 1 --out "$pop" >/dev/null

run() { # label nodes read-db(1|0) target(api|node1-api)
  local label=$1 nodes=$2 read=$3 target=$4 dir="$out/cluster-$2-$3-$4"
  SHIKAKU_CLUSTER_DIR="$dir" deploy/local-cluster.sh down >/dev/null 2>&1 || true
  rm -rf "$dir"
  local lines
  lines="$(SHIKAKU_CLUSTER_DIR="$dir" SHIKAKU_BIN="$bin" SHIKAKU_CLUSTER_NODES="$nodes" \
    SHIKAKU_CLUSTER_READ_DB="$read" deploy/local-cluster.sh up)"
  local db data api
  db="$(sed -n 's/^db: //p' <<<"$lines")"
  data="$(sed -n 's/^data-dir: //p' <<<"$lines")"
  api="$(sed -n "s/^$target: //p" <<<"$lines")"
  "$bin" --db "$db" --data-dir "$data" import qualifications "$pop" >/dev/null 2>&1
  "$bin" --db "$db" --data-dir "$data" cert issue --facility 1311234566 --terminal bench \
    --out "$dir/certs" >/dev/null
  # Let the standby replay the import before measuring.
  sleep 5
  echo
  echo "### $label"
  "$bin" --db "$db" --data-dir "$data" bench lookups --api "$api" --cert "$dir/certs/bench.crt" \
    --key "$dir/certs/bench.key" --ca "$data/ca.crt" --population "$pop" \
    --concurrency "${CONCURRENCY:-32}" --seconds "${SECONDS_PER_PHASE:-10}" 2>/dev/null
  SHIKAKU_CLUSTER_DIR="$dir" deploy/local-cluster.sh down >/dev/null
  rm -rf "$dir"
}

run "1 node, direct (no HAProxy)" 1 1 node1-api
run "1 node through HAProxy" 1 1 api
run "2 nodes through HAProxy" 2 1 api
run "3 nodes through HAProxy" 3 1 api
run "2 nodes through HAProxy, all reads on the primary" 2 0 api
