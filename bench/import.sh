#!/usr/bin/env bash
# Import benchmark (issue 16): a generated CSV of ROWS contacts (default 1,000,000, spreadsheet
# headers, every row valid but 1 in 1,000 with a bad email), then ROWS memberships naming those
# contacts by external id, imported with `tessera import` into a fresh database: wall time,
# rows per second and the process's peak resident memory (GNU time), then the same contacts file
# again (every row matched and unchanged: the idempotent re-run).
#
#   bench/import.sh [sqlite|postgres|both] [ROWS]       # default: sqlite, 1000000
#
# Knobs: BENCH_PG_ADMIN_URL (default postgres://tessera:tessera@127.0.0.1:5432/tessera; creates
# and drops a database). Needs: cargo, python3, GNU time (/usr/bin/time), psql for postgres.
# Prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
WHICH=${1:-sqlite}
ROWS=${2:-1000000}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target}
cargo build --release --quiet
BIN="$CARGO_TARGET_DIR/release/tessera"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export TESSERA_LOG__LEVEL=warn TESSERA_SCHEDULER__ENABLED=false

python3 - "$WORK" "$ROWS" <<'PY'
import csv, random, sys
work, rows = sys.argv[1], int(sys.argv[2])
random.seed(1)
first = ["Ada", "Grace", "Alan", "Mia", "Jonas", "Lena", "René", "Zoë", "Sam", "Noor"]
last = ["Lovelace", "Hopper", "Turing", "Müller", "Schmidt", "Fischer", "Okafor", "Nguyen"]
with open(f"{work}/contacts.csv", "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerow(["Member no", "First name", "Surname", "Email", "Phone", "City", "Postcode", "Date of birth", "Notes"])
    for i in range(rows):
        email = f"member{i}@example.org" if i % 1000 != 999 else f"member{i}@@example.org"
        w.writerow([f"M{i}", random.choice(first), random.choice(last), email, "+44 20 7946 0000",
                    "London", "SW1Y 4JH", f"{1940 + i % 60}-{1 + i % 12:02d}-{1 + i % 28:02d}",
                    "Joined at the spring fair" if i % 7 == 0 else ""])
with open(f"{work}/memberships.csv", "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerow(["Membership ID", "Contact ID", "Membership Type", "Member Since", "Start Date", "End Date"])
    for i in range(rows):
        y = 2015 + i % 11
        w.writerow([f"S{i}", f"M{i}", "Individual", f"{y}-03-01", "2025-03-01", "2026-02-28"])
PY

run() { # label, then the command; prints a table row
  local label=$1; shift
  local start end out
  start=$(date +%s.%N)
  /usr/bin/time -v -o "$WORK/time" "$@" > "$WORK/out.json"
  end=$(date +%s.%N)
  local secs rss created rejected unchanged
  secs=$(python3 -c "print(f'{$end - $start:.1f}')")
  rss=$(awk -F': ' '/Maximum resident/ {printf "%.0f", $2/1024}' "$WORK/time")
  read -r created unchanged rejected < <(python3 -c "import json,sys; r=json.load(open('$WORK/out.json')); print(r['created'], r['unchanged'], r['rejected'])")
  echo "| $DB | $label | $ROWS | $secs s | $(python3 -c "print(f'{$ROWS / ($end - $start):,.0f}')") | $rss MB | $created | $unchanged | $rejected |"
}

bench_db() {
  "$BIN" migrate 2>/dev/null
  # The demo's membership types ("Individual" is the one the file names), with one demo contact.
  "$BIN" demo --contacts 1 >/dev/null 2>&1
  run "contacts (new)" "$BIN" import contacts "$WORK/contacts.csv"
  run "memberships (new)" "$BIN" import memberships "$WORK/memberships.csv"
  run "contacts again (all unchanged)" "$BIN" import contacts "$WORK/contacts.csv"
}

echo "| Database | Import | Rows | Time | Rows/s | Peak RSS | Created | Unchanged | Rejected |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
if [[ $WHICH == sqlite || $WHICH == both ]]; then
  DB=sqlite
  export TESSERA_DATABASE__URL="sqlite://$WORK/bench.db?mode=rwc"
  bench_db
fi
if [[ $WHICH == postgres || $WHICH == both ]]; then
  DB=postgres
  ADMIN=${BENCH_PG_ADMIN_URL:-postgres://tessera:tessera@127.0.0.1:5432/tessera}
  NAME="tessera_import_bench_$$"
  psql -q "$ADMIN" -c "CREATE DATABASE $NAME"
  trap 'psql -q "$ADMIN" -c "DROP DATABASE IF EXISTS $NAME WITH (FORCE)"; rm -rf "$WORK"' EXIT
  export TESSERA_DATABASE__URL="${ADMIN%/*}/$NAME"
  bench_db
fi
