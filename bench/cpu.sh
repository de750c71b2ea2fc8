#!/usr/bin/env bash
# Server CPU per lookup. Usage: bench/cpu.sh DB_URL PERSONS [BIN]
# Serves DB_URL (a store made by bench/run.sh PERSONS …), runs `shikaku bench lookups` at
# concurrency 64 and reads the server's CPU time from /proc during the measured healthz and
# lookup phases. Prints one Markdown table row: lookups/s, server cores busy, server CPU µs
# per lookup, and server CPU µs per GET /healthz on the same listener (what every request
# costs: TLS, HTTP, TCP), so the difference is what the lookup itself adds; on PostgreSQL
# also the CPU µs per lookup of every process of the local server (user postgres).
# Useful on a noisy machine, where CPU per request varies less than requests per second.
set -euo pipefail
cd "$(dirname "$0")/.."
db="$1"; persons="${2:-1000000}"; bin="${3:-target/release/shikaku}"
out=bench/out/$persons; data=$out/data
"$bin" --db "$db" --data-dir "$data" serve --api-addr 127.0.0.1:18443 --web-addr 127.0.0.1:18080 > "$out/cpu-serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do curl -sf http://127.0.0.1:18080/healthz > /dev/null && break; sleep 0.2; done
"$bin" bench lookups --api https://127.0.0.1:18443 --cert "$out/certs/bench.crt" --key "$out/certs/bench.key" \
  --ca "$data/ca.crt" --population "$out/population.csv" --concurrency 64 --seconds 8 > "$out/cpu-bench.log" 2>&1 &
bench=$!
cpu() { awk '{print $14+$15}' "/proc/$pid/stat"; }
# Every PostgreSQL process of this machine (backends, WAL writer, checkpointer, autovacuum).
pgcpu() { for p in $(pgrep -u postgres || true); do awk '{print $14+$15}' "/proc/$p/stat" 2>/dev/null || true; done | awk '{s += $1} END {print s + 0}'; }
# healthz: 2 s warm-up, measured from 2 s; lookups: 2 s warm-up, then measured from 12 s.
sleep 2.5
h0=$(cpu); hs0=$(date +%s.%N)
sleep 7
h1=$(cpu); hs1=$(date +%s.%N)
sleep 3
t0=$(cpu); p0=$(pgcpu); s0=$(date +%s.%N)
sleep 7
t1=$(cpu); p1=$(pgcpu); s1=$(date +%s.%N)
wait $bench
errors=$(grep -E "healthz|eligibility" "$out/cpu-bench.log" | awk -F'|' '{gsub(/ /, "", $4); e += $4} END {print e + 0}')
if [ "$errors" -gt 0 ]; then
  echo "bench/cpu.sh: $errors failed requests (is $out/certs/bench.crt registered in this store?); see $out/cpu-bench.log" >&2
  exit 1
fi
rate=$(grep eligibility "$out/cpu-bench.log" | awk -F'|' '{gsub(/ /, "", $5); print $5}')
hrate=$(grep healthz "$out/cpu-bench.log" | awk -F'|' '{gsub(/ /, "", $5); print $5}')
hz=$(getconf CLK_TCK)
pg=0; case "$db" in postgres*) pg=$((p1 - p0)) ;; esac
awk -v t="$((t1 - t0))" -v pg="$pg" -v db="$db" -v hz="$hz" -v s0="$s0" -v s1="$s1" -v r="$rate" \
  -v ht="$((h1 - h0))" -v hs0="$hs0" -v hs1="$hs1" -v hr="$hrate" \
  'BEGIN { c = t / hz / (s1 - s0); hc = ht / hz / (hs1 - hs0);
           p = pg / hz / (s1 - s0);
           printf "| %d | %.2f | %.0f | %.0f | %s |\n", r, c, c * 1e6 / r, hc * 1e6 / hr,
             (db ~ /^postgres/) ? sprintf("%.0f", p * 1e6 / r) : "—" }'
