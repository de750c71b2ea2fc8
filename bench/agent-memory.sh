#!/usr/bin/env bash
# Peak memory of the terminal agent answering one request file of nearly 20 MiB (the
# interface's limit), in the shapes that used to cost gigabytes: millions of empty elements
# (4.3 million `<a/>`), and 10,000 unknown elements of 2,000 characters each. Prints a table;
# no centre is needed (both files are answered locally with a file-level error result).
#   bench/agent-memory.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p shikaku-cli
bin=target/release/shikaku
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export SHIKAKU_DATA_DIR=$work/data SHIKAKU_DATABASE_URL="sqlite://$work/data/shikaku.db"
mkdir -p "$work/data"
"$bin" cert issue --facility 1311234566 --terminal bench --out "$work/certs" >/dev/null

python3 - "$work" <<'PY'
import sys, os
work = sys.argv[1]
head = '<?xml version="1.0" encoding="UTF-8"?><XmlMsg><MessageHeader><QualificationConfirmationDate>20250601</QualificationConfirmationDate><MedicalInstitutionCode>1311234566</MedicalInstitutionCode></MessageHeader><MessageBody>'
tail = '</MessageBody></XmlMsg>'
limit = 20 * 1024 * 1024 - 100_000
os.makedirs(f"{work}/cases", exist_ok=True)
with open(f"{work}/cases/empty-elements.xml", "w") as f:
    f.write(head + "<a/>" * ((limit - len(head) - len(tail)) // 4) + tail)
unknown = '<Unknown>' + 'x' * 2000 + '</Unknown>'
with open(f"{work}/cases/unknown-elements.xml", "w") as f:
    f.write(head + unknown * 10_000 + tail)
PY

printf '| request | bytes | result bytes | seconds | peak RSS MiB |\n|---|---:|---:|---:|---:|\n'
for case in empty-elements unknown-elements; do
  oqs=$work/oqs-$case
  mkdir -p "$oqs/req"
  prefix=OQSmuquc01
  cp "$work/cases/$case.xml" "$oqs/req/${prefix}req_1.xml"
  /usr/bin/time -f '%e %M' -o "$work/time" "$bin" agent --dir "$oqs" --api https://127.0.0.1:1 \
    --cert "$work/certs/bench.crt" --key "$work/certs/bench.key" --ca "$work/data/ca.crt" \
    --stable-ms 10 --rescan-ms 50 --stop-after 1 2>/dev/null
  read -r secs kib <"$work/time"
  printf '| %s | %s | %s | %s | %s |\n' "$case" "$(stat -c %s "$work/cases/$case.xml")" \
    "$(stat -c %s "$oqs/res/${prefix}res_1.xml")" "$secs" "$((kib / 1024))"
done
