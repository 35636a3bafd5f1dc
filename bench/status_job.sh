#!/usr/bin/env bash
# Benchmark of the update-statuses job on a demo data set (default 1,000,000 contacts, which gives
# about 1,010,000 memberships), on SQLite and/or PostgreSQL.
#
#   bench/status_job.sh [sqlite|postgres|both] [CONTACTS]
#
# The demo set (as of 2025-11-24) is loaded once per database and copied before each scenario, so
# every scenario starts from the same data:
#   1. a run one year later: ~470,000 status changes, ~417,000 expiry emails rendered and queued;
#   2. the same run with mail.expired_notice=false (status work only);
#   3. a run for the demo's own date: every membership examined, nothing to change;
#   4. a daily run (the day after the demo's date).
# PostgreSQL: BENCH_PG_ADMIN_URL (default postgres://tessera:tessera@127.0.0.1:5432/tessera) must be
# allowed to create databases. Prints wall time and peak memory of each step (GNU time).
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
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); d=r["details"]; print("   examined", r["processed"], "changed", r["changed"], d["changedTo"], "expiry emails", d.get("expiredMessagesQueued"))' "$WORK/out.json"
  fi
}

scenarios() {  # $1 = a command that resets the database to the demo snapshot
  $1; timed "1. one year later, with expiry emails" "$BIN" jobs run update-statuses --as-of 2026-11-24
  $1; TESSERA_MAIL__EXPIRED_NOTICE=false timed "2. one year later, no emails" "$BIN" jobs run update-statuses --as-of 2026-11-24
  $1; timed "3. demo date again (nothing to change)" "$BIN" jobs run update-statuses --as-of "$DEMO_DATE"
  $1; timed "4. the next day (a daily run)" "$BIN" jobs run update-statuses --as-of 2025-11-25
}

if [ "$WHICH" = sqlite ] || [ "$WHICH" = both ]; then
  echo "== SQLite, $CONTACTS contacts"
  export TESSERA_DATABASE__URL="sqlite://$WORK/base.db?mode=rwc"
  timed "demo load" "$BIN" demo --contacts "$CONTACTS" --seed 1 --as-of "$DEMO_DATE"
  cat "$WORK/out.json"
  sqlite_reset() { rm -f "$WORK"/run.db*; cp "$WORK/base.db" "$WORK/run.db"; }
  export TESSERA_DATABASE__URL="sqlite://$WORK/run.db?mode=rwc"
  scenarios sqlite_reset
  ls -la "$WORK/base.db" | awk '{print "   demo database file:", int($5/1048576), "MiB"}'
fi

if [ "$WHICH" = postgres ] || [ "$WHICH" = both ]; then
  echo "== PostgreSQL, $CONTACTS contacts"
  ADMIN=${BENCH_PG_ADMIN_URL:-postgres://tessera:tessera@127.0.0.1:5432/tessera}
  BASE="${ADMIN%/*}"
  psql "$ADMIN" -qc "DROP DATABASE IF EXISTS tessera_bench_base" -c "CREATE DATABASE tessera_bench_base"
  TESSERA_DATABASE__URL="$BASE/tessera_bench_base" timed "demo load" "$BIN" demo --contacts "$CONTACTS" --seed 1 --as-of "$DEMO_DATE"
  cat "$WORK/out.json"
  psql "$BASE/tessera_bench_base" -qc "VACUUM ANALYZE"
  pg_reset() { psql "$ADMIN" -qc "DROP DATABASE IF EXISTS tessera_bench_run" -c "CREATE DATABASE tessera_bench_run TEMPLATE tessera_bench_base"; }
  export TESSERA_DATABASE__URL="$BASE/tessera_bench_run"
  scenarios pg_reset
  psql "$ADMIN" -qc "DROP DATABASE IF EXISTS tessera_bench_run" -c "DROP DATABASE IF EXISTS tessera_bench"
fi
rm -rf "$WORK"
