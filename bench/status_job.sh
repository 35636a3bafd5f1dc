#!/usr/bin/env bash
# Benchmark of the update-statuses job on a demo data set (default 1,000,000 contacts, which gives
# about 1,015,000 memberships), on SQLite and/or PostgreSQL.
#
#   bench/status_job.sh [sqlite|postgres|both] [CONTACTS]
#
# PostgreSQL: BENCH_PG_ADMIN_URL (default postgres://tessera:tessera@127.0.0.1:5432/tessera) must be
# allowed to create databases; the script uses a database named tessera_bench.
# Prints wall time and peak memory of each step (GNU time), which bench/RESULTS.md records.
set -euo pipefail
cd "$(dirname "$0")/.."
WHICH=${1:-both}
CONTACTS=${2:-1000000}
DEMO_DATE=2025-11-24
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target}
cargo build --release --quiet
BIN="$CARGO_TARGET_DIR/release/tessera"
WORK=$(mktemp -d)
export TESSERA_LOG__LEVEL=warn

timed() {
  local label=$1; shift
  /usr/bin/time -f "$label: %e s wall, %M KiB peak RSS" "$@" >"$WORK/out.json" 2>"$WORK/time.txt" || { cat "$WORK/time.txt"; exit 1; }
  tail -1 "$WORK/time.txt"
  if grep -q '"changed"' "$WORK/out.json"; then
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print("   examined", r["processed"], "changed", r["changed"], r["details"]["changedTo"])' "$WORK/out.json"
  fi
}

run_suite() {
  echo "== $1: demo with $CONTACTS contacts as of $DEMO_DATE"
  timed "demo load" "$BIN" demo --contacts "$CONTACTS" --seed 1 --as-of "$DEMO_DATE"
  cat "$WORK/out.json"
  timed "job, one year later (many transitions)" "$BIN" jobs run update-statuses --as-of 2026-11-24
  timed "job, same date again (nothing to change)" "$BIN" jobs run update-statuses --as-of 2026-11-24
  timed "job, one day later (a daily run)" "$BIN" jobs run update-statuses --as-of 2026-11-25
}

if [ "$WHICH" = sqlite ] || [ "$WHICH" = both ]; then
  export TESSERA_DATABASE__URL="sqlite://$WORK/bench.db?mode=rwc"
  run_suite SQLite
  ls -la "$WORK/bench.db" | awk '{print "   database file:", $5/1048576, "MiB"}'
fi

if [ "$WHICH" = postgres ] || [ "$WHICH" = both ]; then
  ADMIN=${BENCH_PG_ADMIN_URL:-postgres://tessera:tessera@127.0.0.1:5432/tessera}
  psql "$ADMIN" -qc "DROP DATABASE IF EXISTS tessera_bench" -c "CREATE DATABASE tessera_bench"
  export TESSERA_DATABASE__URL="${ADMIN%/*}/tessera_bench"
  run_suite PostgreSQL
fi
rm -rf "$WORK"
