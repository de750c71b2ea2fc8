#!/usr/bin/env bash
# Benchmarks of the eligibility core. Usage: bench/run.sh PERSONS [sqlite|postgres]
# Needs a release build (cargo build --release), sqlite3 and psql. Prints Markdown tables.
# PostgreSQL: SHIKAKU_BENCH_PG (default postgres://postgres@127.0.0.1:5432/test); a database
# shikaku_bench is created (dropped first).
set -euo pipefail
cd "$(dirname "$0")/.."
persons="${1:-1000000}"
backend="${2:-sqlite}"
bin=target/release/shikaku
out=bench/out/$persons
mkdir -p "$out"
pop="$out/population.csv"
[ -f "$pop" ] || "$bin" gen population --persons "$persons" --seed 1 --out "$pop"
rows=$(( $(wc -l < "$pop") - 1 ))
data="$out/data"
rm -rf "$data"

timed() { /usr/bin/time -f "%e %M" -o "$out/time" "$@" > "$out/last.log" 2>&1; cat "$out/time"; }

if [ "$backend" = sqlite ]; then
  db="sqlite:$out/shikaku.db"
  rm -f "$out"/shikaku.db* "$out"/shikaku.access-log.* "$out/bare.db"
  read -r ours rss < <(timed "$bin" --db "$db" --data-dir "$data" import qualifications "$pop")
  read -r bare _ < <(timed sqlite3 "$out/bare.db" -cmd ".mode csv" ".import $pop q")
  baseline="sqlite3 .import into a bare table"
else
  server="${SHIKAKU_BENCH_PG:-postgres://postgres@127.0.0.1:5432/test}"
  psql "$server" -qc "drop database if exists shikaku_bench with (force)" -c "create database shikaku_bench"
  db="${server%/*}/shikaku_bench"
  "$bin" --db "$db" --data-dir "$data" migrate > /dev/null
  read -r ours rss < <(timed "$bin" --db "$db" --data-dir "$data" import qualifications "$pop")
  psql "$db" -qc "create table bare (like qualifications including defaults)" -c "alter table bare drop column id"
  cols=$(head -1 "$pop")
  psql "$db" -qc "create table bare_csv ($(echo "$cols" | sed 's/,/ text,/g') text)"
  read -r bare _ < <(timed psql "$db" -qc "\\copy bare_csv from '$pop' with (format csv, header)")
  baseline="psql \\copy into a bare text table"
fi
echo
echo "| what | rows | seconds | rows/s | peak RSS MiB |"
echo "|---|---:|---:|---:|---:|"
awk -v r="$rows" -v s="$ours" -v m="$rss" 'BEGIN { printf "| shikaku import qualifications | %d | %.1f | %.0f | %.0f |\n", r, s, r/s, m/1024 }'
B="$baseline" awk -v r="$rows" -v s="$bare" 'BEGIN { printf "| %s | %d | %.1f | %.0f | |\n", ENVIRON["B"], r, s, r/s }'
awk -v a="$ours" -v b="$bare" 'BEGIN { printf "\nimport ratio (ours rows/s ÷ baseline rows/s): %.2f\n\n", b/a }'

# Lookups through the mTLS API vs /healthz on the same listener.
"$bin" --db "$db" --data-dir "$data" cert issue --facility 1311234566 --terminal bench --out "$out/certs" > /dev/null
"$bin" --db "$db" --data-dir "$data" serve --api-addr 127.0.0.1:18443 --web-addr 127.0.0.1:18080 > "$out/serve.log" 2>&1 &
server_pid=$!
trap 'kill $server_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do curl -sf http://127.0.0.1:18080/healthz > /dev/null && break; sleep 0.2; done
"$bin" bench lookups --api https://127.0.0.1:18443 --cert "$out/certs/bench.crt" --key "$out/certs/bench.key" \
  --ca "$data/ca.crt" --population "$pop" --concurrency "${CONCURRENCY:-64}" --seconds "${SECONDS_PER_PHASE:-10}"
