#!/usr/bin/env bash
# The PostgreSQL store at growing populations. Usage: bench/scale.sh PERSONS...
# e.g. bench/scale.sh 1000000 10000000 30000000
# For each size: generates the population (seed 1; kept in bench/out/N), imports it into a
# fresh database shikaku_scale_N on SHIKAKU_BENCH_PG (dropped first, kept afterwards for
# bench/delta.sh), and measures the import (wall seconds, peak RSS), the disk (table, its
# indexes, the lookup key index alone, the whole database) and lookups over the mTLS API
# (`shikaku bench lookups`, CONCURRENCY default 32, SECONDS_PER_PHASE default 10, no
# healthz phase). Prints one Markdown row per size. Needs a release build and psql.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${SHIKAKU_BIN:-target/release/shikaku}"
server="${SHIKAKU_BENCH_PG:-postgres://postgres@127.0.0.1:5432/test}"
mib() { awk -v b="$1" 'BEGIN { printf "%.0f", b / 1048576 }'; }
echo "| persons | rows | import s | rows/s | import peak RSS MiB | table MiB | indexes MiB | key index MiB | database MiB | lookups/s | p50 ms | p99 ms |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for persons in "$@"; do
  out=bench/out/$persons; mkdir -p "$out"
  pop=$out/population.csv
  [ -f "$pop" ] || "$bin" gen population --persons "$persons" --seed 1 --out "$pop" > /dev/null
  rows=$(( $(wc -l < "$pop") - 1 ))
  db="${server%/*}/shikaku_scale_$persons"; data=$out/scale-data
  rm -rf "$data"
  psql "$server" -qc "drop database if exists shikaku_scale_$persons with (force)" -c "create database shikaku_scale_$persons"
  "$bin" --db "$db" --data-dir "$data" migrate > /dev/null
  /usr/bin/time -f "%e %M" -o "$out/scale-time" "$bin" --db "$db" --data-dir "$data" import qualifications "$pop" > "$out/scale-import.log" 2>&1
  read -r seconds rss < "$out/scale-time"
  psql "$db" -qc "vacuum analyze qualifications"
  read -r table indexes key database < <(psql "$db" -Atc "select pg_relation_size('qualifications'), pg_indexes_size('qualifications'), pg_relation_size('qualifications_key'), pg_database_size(current_database())" | tr '|' ' ')
  "$bin" --db "$db" --data-dir "$data" cert issue --facility 1311234566 --terminal bench --out "$data/certs" > /dev/null
  "$bin" --db "$db" --data-dir "$data" serve --api-addr 127.0.0.1:18443 --web-addr 127.0.0.1:18080 > "$out/scale-serve.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do curl -sf http://127.0.0.1:18080/healthz > /dev/null && break; sleep 0.2; done
  "$bin" bench lookups --api https://127.0.0.1:18443 --cert "$data/certs/bench.crt" --key "$data/certs/bench.key" \
    --ca "$data/ca.crt" --population "$pop" --concurrency "${CONCURRENCY:-32}" \
    --seconds "${SECONDS_PER_PHASE:-10}" --no-healthz > "$out/scale-bench.log" 2>&1
  kill "$pid"; wait "$pid" 2>/dev/null || true
  read -r errors rate p50 p99 < <(awk -F'|' '/eligibility/ { gsub(/ /, ""); print $4, $5, $6, $7 }' "$out/scale-bench.log")
  if [ "$errors" != 0 ]; then echo "bench/scale.sh: $errors failed lookups; see $out/scale-bench.log" >&2; exit 1; fi
  echo "| $persons | $rows | $seconds | $(awk -v r="$rows" -v s="$seconds" 'BEGIN { printf "%.0f", r / s }') | $((rss / 1024)) | $(mib "$table") | $(mib "$indexes") | $(mib "$key") | $(mib "$database") | $rate | $p50 | $p99 |"
done
