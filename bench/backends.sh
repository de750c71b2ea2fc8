#!/usr/bin/env bash
# SQLite against PostgreSQL in one run. Usage: bench/backends.sh PERSONS [ROUNDS]
# Imports the same generated population into a SQLite store and a PostgreSQL database
# (shikaku_backends on SHIKAKU_BENCH_PG, dropped first), then alternates the lookup benchmark
# between them ROUNDS times (default 3): each phase serves one store and runs
# `shikaku bench lookups` (CONCURRENCY, default 32; SECONDS_PER_PHASE, default 10, after a
# 2-second warm-up). Alternating spreads the machine's slow and fast minutes over both.
# Prints one Markdown row per round and the median ratio. Needs a release build and psql.
set -euo pipefail
cd "$(dirname "$0")/.."
persons="${1:-1000000}"; rounds="${2:-3}"
bin="${SHIKAKU_BIN:-target/release/shikaku}"
out=bench/out/$persons; cmp=$out/backends
mkdir -p "$out"
pop="$out/population.csv"
[ -f "$pop" ] || "$bin" gen population --persons "$persons" --seed 1 --out "$pop" > /dev/null
server="${SHIKAKU_BENCH_PG:-postgres://postgres@127.0.0.1:5432/test}"
pg="${server%/*}/shikaku_backends"
rm -rf "$cmp"; mkdir -p "$cmp"

prepare() { # NAME DB_URL
  local data=$cmp/$1
  "$bin" --db "$2" --data-dir "$data" import qualifications "$pop" > "$cmp/$1-import.log" 2>&1
  "$bin" --db "$2" --data-dir "$data" cert issue --facility 1311234566 --terminal bench --out "$data/certs" > /dev/null
}
psql "$server" -qc "drop database if exists shikaku_backends with (force)" -c "create database shikaku_backends"
prepare sqlite "sqlite:$cmp/shikaku.db"
prepare postgres "$pg"
# Vacuum and analyze the freshly loaded table before measuring, whether or not autovacuum runs.
psql "$pg" -qc "vacuum analyze qualifications"

measure() { # NAME DB_URL -> "rate p99"
  local data=$cmp/$1
  "$bin" --db "$2" --data-dir "$data" serve --api-addr 127.0.0.1:18443 --web-addr 127.0.0.1:18080 > "$cmp/$1-serve.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 100); do curl -sf http://127.0.0.1:18080/healthz > /dev/null && break; sleep 0.2; done
  "$bin" bench lookups --api https://127.0.0.1:18443 --cert "$data/certs/bench.crt" --key "$data/certs/bench.key" \
    --ca "$data/ca.crt" --population "$pop" --concurrency "${CONCURRENCY:-32}" \
    --seconds "${SECONDS_PER_PHASE:-10}" --no-healthz > "$cmp/$1-bench.log" 2>&1
  kill "$pid"; wait "$pid" 2>/dev/null || true
  awk -F'|' '/eligibility/ { gsub(/ /, ""); if ($4 + 0 > 0) { print "errors"; exit } print $5, $7 }' "$cmp/$1-bench.log"
}

echo "| round | SQLite lookups/s | SQLite p99 ms | PostgreSQL lookups/s | PostgreSQL p99 ms | PostgreSQL ÷ SQLite |"
echo "|---:|---:|---:|---:|---:|---:|"
ratios=()
for round in $(seq 1 "$rounds"); do
  read -r srate sp99 < <(measure sqlite "sqlite:$cmp/shikaku.db")
  read -r prate pp99 < <(measure postgres "$pg")
  if [ "$srate" = errors ] || [ "$prate" = errors ]; then
    echo "bench/backends.sh: failed requests; see $cmp/*-bench.log" >&2; exit 1
  fi
  ratio=$(awk -v p="$prate" -v s="$srate" 'BEGIN { printf "%.2f", p / s }')
  ratios+=("$ratio")
  echo "| $round | $srate | $sp99 | $prate | $pp99 | $ratio |"
done
printf '%s\n' "${ratios[@]}" | sort -n | awk '{ r[NR] = $1 } END { printf "\nmedian PostgreSQL ÷ SQLite: %s (%d persons, concurrency %s, %s s per phase)\n", r[int((NR + 1) / 2)], '"$persons"', "'"${CONCURRENCY:-32}"'", "'"${SECONDS_PER_PHASE:-10}"'" }'
