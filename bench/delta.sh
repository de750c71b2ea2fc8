#!/usr/bin/env bash
# A daily delta imported into a live PostgreSQL store under steady lookups.
# Usage: bench/delta.sh PERSONS [DELTA_ROWS] [RATE] [SECONDS]
# e.g. bench/delta.sh 10000000 500000 2000 300
# Needs the store bench/scale.sh PERSONS left (database shikaku_scale_PERSONS), copied here
# into shikaku_delta (dropped first) so the run can be repeated. The delta is DELTA_ROWS rows
# (default 500,000) of the population file, spread evenly over it, changed as an insurer's
# daily file would change them: every other one ends (資格喪失, qualified_until 2026-11-30,
# when it is still open and began before), the others change the name (a marriage). Lookups
# run at RATE per second (default 2,000) for SECONDS (default 300); the import starts after
# 30 s. Prints the import's time and counts, and the lookups' latency before, during and
# after it (each latency counts from when the lookup was due, so a stall shows).
set -euo pipefail
cd "$(dirname "$0")/.."
persons="$1"; delta_rows="${2:-500000}"; rate="${3:-2000}"; seconds="${4:-300}"
bin="${SHIKAKU_BIN:-target/release/shikaku}"
server="${SHIKAKU_BENCH_PG:-postgres://postgres@127.0.0.1:5432/test}"
out=bench/out/$persons; pop=$out/population.csv; data=$out/delta-data
db="${server%/*}/shikaku_delta"
[ -f "$pop" ] || { echo "bench/delta.sh: run bench/scale.sh $persons first" >&2; exit 1; }
rows=$(( $(wc -l < "$pop") - 1 ))
step=$(( rows / delta_rows ))
awk -F, -v OFS=, -v step="$step" -v want="$delta_rows" '
  NR == 1 { print; next }
  (NR - 2) % step == 0 && n < want {
    n++
    if (n % 2 == 1 && $12 == "" && $11 < "2026-11-30") { $12 = "2026-11-30" }
    else { split($7, name, " "); split($8, kana, " "); $7 = "佐藤 " name[2]; $8 = "サトウ " kana[2] }
    print
  }' "$pop" > "$out/delta.csv"
psql "$server" -qc "drop database if exists shikaku_delta with (force)" \
  -c "create database shikaku_delta template shikaku_scale_$persons"
rm -rf "$data"; cp -r "$out/scale-data" "$data"
"$bin" --db "$db" --data-dir "$data" cert issue --facility 1311234566 --terminal delta --out "$data/certs" > /dev/null
"$bin" --db "$db" --data-dir "$data" serve --api-addr 127.0.0.1:18443 --web-addr 127.0.0.1:18080 > "$out/delta-serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -sf http://127.0.0.1:18080/healthz > /dev/null && break; sleep 0.2; done
"$bin" bench lookups --api https://127.0.0.1:18443 --cert "$data/certs/delta.crt" --key "$data/certs/delta.key" \
  --ca "$data/ca.crt" --population "$pop" --concurrency 64 --rate "$rate" --seconds "$seconds" --no-healthz \
  --latency-log "$out/delta-latency.log" > "$out/delta-bench.log" 2>&1 &
bench=$!
sleep 32
start=$(date +%s%3N)
/usr/bin/time -f "%e %M" -o "$out/delta-time" "$bin" --db "$db" --data-dir "$data" import qualifications "$out/delta.csv" > "$out/delta-import.log" 2>&1
end=$(date +%s%3N)
wait $bench
read -r import_s import_rss < "$out/delta-time"
counts=$(grep -o 'inserted [0-9]*, updated [0-9]*, unchanged [0-9]*' "$out/delta-import.log" || true)
echo "| import | rows | seconds | peak RSS MiB | result |"
echo "|---|---:|---:|---:|---|"
echo "| delta into $persons persons ($rows rows) | $(( $(wc -l < "$out/delta.csv") - 1 )) | $import_s | $((import_rss / 1024)) | ${counts:-see $out/delta-import.log} |"
echo
echo "| lookups (due at $rate/s) | lookups | errors | lookups/s | p50 ms | p99 ms | max ms |"
echo "|---|---:|---:|---:|---:|---:|---:|"
window() { # NAME FROM_MS TO_MS
  awk -v a="$2" -v b="$3" '$1 >= a && $1 < b { print $2, $3 }' "$out/delta-latency.log" | sort -n > "$out/delta-window"
  awk -v name="$1" -v a="$2" -v b="$3" '
    { l[NR] = $1; if ($2 == 0) e++ }
    END {
      if (NR == 0) { printf "| %s | 0 | | | | | |\n", name; exit }
      p50 = l[int((NR - 1) * 0.50 + 0.5) + 1]; p99 = l[int((NR - 1) * 0.99 + 0.5) + 1]
      printf "| %s | %d | %d | %.0f | %.2f | %.2f | %.2f |\n", name, NR, e, NR / ((b - a) / 1000), p50 / 1000, p99 / 1000, l[NR] / 1000
    }' "$out/delta-window"
}
first=$(head -1 "$out/delta-latency.log" | cut -d' ' -f1); last=$(tail -1 "$out/delta-latency.log" | cut -d' ' -f1)
window "before the import" "$first" "$start"
window "during the import" "$start" "$end"
window "after the import" "$end" "$((last + 1))"
