#!/usr/bin/env bash
# The access log at scale on PostgreSQL (issue 23, point 2): a synthetic log of ENTRIES
# entries spread over MONTHS months up to now, in the partitioned table `shikaku migrate`
# makes, then: the bulk insert rate, the person query (the マイナポータル view: a person's newest
# 200 entries) latency with pgbench, the disk per million entries, and the time to drop one
# month. Usage: bench/access-log.sh [ENTRIES] [MONTHS] (defaults 10000000 and 24).
# The log is made by SQL (generate_series), not by the application's append path; persons are
# ENTRIES/200 keyed hashes (sha256 of a number), so a person has about 200 entries.
# Needs a build of shikaku ($SHIKAKU_BIN, default target/release/shikaku; only its `migrate` is used)
# and PostgreSQL (SHIKAKU_BENCH_PG, default the local `test` server).
set -euo pipefail
cd "$(dirname "$0")/.."
entries="${1:-10000000}"
months="${2:-24}"
bin="${SHIKAKU_BIN:-target/release/shikaku}"
server="${SHIKAKU_BENCH_PG:-postgres://postgres@127.0.0.1:5432/test}"
db="${server%/*}/shikaku_logbench"
pgbench="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)/pgbench"
out=bench/out/access-log
mkdir -p "$out"
persons=$(( entries / 200 ))
psql "$server" -qc "drop database if exists shikaku_logbench with (force)" -c "create database shikaku_logbench"
"$bin" --db "$db" --data-dir "$out/data" migrate >/dev/null

# A partition for each month of the span (the store creates only the coming months).
psql "$db" -q <<SQL
DO \$\$
DECLARE m date;
BEGIN
  FOR m IN SELECT (date_trunc('month', now() AT TIME ZONE 'UTC') - make_interval(months => k))::date
           FROM generate_series(1, $months) AS k
  LOOP
    EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF access_log FOR VALUES FROM (%L) TO (%L)',
      'access_log_' || to_char(m, 'YYYYMM'), m::timestamp AT TIME ZONE 'UTC',
      (m + interval '1 month')::timestamp AT TIME ZONE 'UTC');
  END LOOP;
END \$\$;
SQL

# Entries in time order, in chunks of a million (one statement each).
chunk=1000000
start=$(date +%s.%N)
for ((from = 0; from < entries; from += chunk)); do
  to=$(( from + chunk < entries ? from + chunk : entries ))
  psql "$db" -qc "INSERT INTO access_log (at, facility_code, terminal_name, cert_serial, kind, status, person_hash)
    SELECT date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - make_interval(months => $months)
             + (g::float8 / $entries) * (now() - (date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - make_interval(months => $months))),
           lpad(((g % 230000) + 1000000000)::text, 10, '0'), '受付' || (g % 4), to_hex(g % 230000), 'card_numbers', 'valid',
           sha256(int8send((g * 7919) % $persons))
    FROM generate_series(${from}::bigint, ${to}::bigint - 1) AS g"
done
end=$(date +%s.%N)
psql "$db" -qc "VACUUM ANALYZE access_log"

echo "| what | value |"
echo "|---|---:|"
awk -v n="$entries" -v s="$start" -v e="$end" 'BEGIN { printf "| entries inserted (SQL, 1M per statement) | %d |\n| insert seconds | %.1f |\n| entries/s | %.0f |\n", n, e - s, n / (e - s) }'
bytes=$(psql "$db" -Atc "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'access_log'::regclass")
awk -v b="$bytes" -v n="$entries" 'BEGIN { printf "| disk, all partitions with indexes, GiB | %.2f |\n| disk per million entries, MiB | %.0f |\n", b / 2^30, b / 2^20 / (n / 1e6) }'
parts=$(psql "$db" -Atc "SELECT count(*) FROM pg_inherits WHERE inhparent = 'access_log'::regclass")
echo "| partitions | $parts |"
# The person query as the store makes it, for random persons: 2 clients, 20 s (simple
# protocol: planned for every query).
cat > "$out/person.sql" <<SQL
\set p random(0, $(( persons - 1 )))
SELECT at, facility_code, terminal_name, cert_serial, kind, status, person_hash FROM access_log
 WHERE person_hash = sha256(int8send(:p::bigint)) ORDER BY id DESC LIMIT 200;
SQL
rm -f "$out"/pgbench_log.*
(cd "$out" && "$pgbench" -n -c 2 -j 2 -T 20 -f person.sql -l "$db" > pgbench.txt 2>&1)
tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$out/pgbench.txt")
cat "$out"/pgbench_log.* | awk '{ print $3 / 1000 }' | sort -n > "$out/latencies.txt"
count=$(wc -l < "$out/latencies.txt")
p50=$(sed -n "$(( count / 2 ))p" "$out/latencies.txt")
p99=$(sed -n "$(( count * 99 / 100 ))p" "$out/latencies.txt")
rows=$(psql "$db" -Atc "SELECT count(*) FROM access_log WHERE person_hash = sha256(int8send(1::bigint))")
echo "| person query (newest 200 of a person's ~$rows entries), queries/s | $tps |"
echo "| person query p50 ms | $p50 |"
echo "| person query p99 ms | $p99 |"
# The same, prepared once per connection as the store runs it (planned once, not per query).
rm -f "$out"/pgbench_log.*
(cd "$out" && "$pgbench" -n -M prepared -c 2 -j 2 -T 20 -f person.sql -l "$db" > pgbench-prepared.txt 2>&1)
tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$out/pgbench-prepared.txt")
cat "$out"/pgbench_log.* | awk '{ print $3 / 1000 }' | sort -n > "$out/latencies.txt"
count=$(wc -l < "$out/latencies.txt")
echo "| person query prepared, queries/s | $tps |"
echo "| person query prepared p50 ms | $(sed -n "$(( count / 2 ))p" "$out/latencies.txt") |"
echo "| person query prepared p99 ms | $(sed -n "$(( count * 99 / 100 ))p" "$out/latencies.txt") |"
# Dropping the oldest month, as the retention does.
oldest=$(psql "$db" -Atc "SELECT min(c.relname) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'access_log'::regclass AND c.relname ~ '^access_log_[0-9]{6}$'")
inside=$(psql "$db" -Atc "SELECT count(*) FROM $oldest")
t0=$(date +%s.%N)
psql "$db" -qc "DROP TABLE $oldest"
t1=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" -v n="$inside" -v m="$oldest" 'BEGIN { printf "| drop one month (%s, %d entries), seconds | %.2f |\n", m, n, b - a }'
