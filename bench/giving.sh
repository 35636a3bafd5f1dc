#!/usr/bin/env bash
# Giving benchmark (issue 12): on a demo data set with about a million contributions, the throughput
# and latency of
#   summary  one contact's donor summary (a random contact id per request; ~36 % of contacts gave)
#   page     the newest 50 contributions with their contacts (the contributions list's first page)
#   filtered 50 contributions of one campaign received in a date range, newest first
# on SQLite and/or PostgreSQL, through the release binary's /graphql endpoint, with wrk.
#
#   bench/giving.sh [sqlite|postgres|both] [CONTACTS]      # default: both, 300000 contacts
#
# Knobs: GIVING_SECONDS=15 (each wrk run), GIVING_THREADS=2, GIVING_CONNECTIONS=16, GIVING_PORT=18090,
# BENCH_PG_ADMIN_URL (default postgres://tessera:tessera@127.0.0.1:5432/tessera; may create databases).
# Needs: cargo, curl, jq, wrk, sqlite3 and psql. Prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
WHICH=${1:-both}
CONTACTS=${2:-300000}
DURATION=${GIVING_SECONDS:-15}
THREADS=${GIVING_THREADS:-2}
CONNECTIONS=${GIVING_CONNECTIONS:-16}
PORT=${GIVING_PORT:-18090}
DEMO_DATE=2025-11-24
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target}
cargo build --release --quiet
BIN="$CARGO_TARGET_DIR/release/tessera"
WORK=$(mktemp -d)
SERVER=
cleanup() { [[ -n $SERVER ]] && kill "$SERVER" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
export TESSERA_LOG__LEVEL=warn TESSERA_SCHEDULER__ENABLED=false TESSERA_SERVER__LISTEN="127.0.0.1:$PORT"
URL="http://127.0.0.1:$PORT/graphql"
PASSWORD='bench-password-123'

cat >"$WORK/summary.json" <<'JSON'
{"query":"query($id: ID!) { contact(id: $id) { donorSummary { currency lifetimeTotal giftCount firstGiftDate firstGiftAmount lastGiftDate lastGiftAmount largestGift thisYearTotal lastYearTotal softCreditTotal } } }","variables":{"id":"__ID__"}}
JSON
cat >"$WORK/page.json" <<'JSON'
{"query":"{ contributions(first: 50) { nodes { id amount currency receivedDate status financialType { key } contact { id displayName } } } }"}
JSON
cat >"$WORK/filtered.json" <<'JSON'
{"query":"{ contributions(first: 50, filter: { campaignId: \"2\", from: \"2024-01-01\", to: \"2025-06-30\" }) { nodes { id amount receivedDate contact { id displayName } } } }"}
JSON

field() { sed -n "s/.* $2=\\([^ ]*\\).*/\\1/p" <<<" $1"; }

measure() {  # $1 database label
  local db=$1
  "$BIN" admin create --email bench@example.org --password "$PASSWORD" >/dev/null
  "$BIN" serve >"$WORK/server.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.2; done
  local token
  token=$(curl -fs "$URL" -H 'Content-Type: application/json' \
    -d "{\"query\":\"mutation { login(email: \\\"bench@example.org\\\", password: \\\"$PASSWORD\\\") { token } }\"}" | jq -r .data.login.token)
  local total
  total=$(curl -fs "$URL" -H 'Content-Type: application/json' -H "Authorization: Bearer $token" \
    -d '{"query":"{ contributions(first: 0) { totalCount } }"}' | jq -r .data.contributions.totalCount)
  echo "| $db | contributions in the database | $total | | | |"
  for op in summary page filtered; do
    local ids=()
    [[ $op == summary ]] && ids=(1 "$CONTACTS")
    # Warm-up, then the measured run.
    wrk -t"$THREADS" -c"$CONNECTIONS" -d3s -s bench/perf/graphql.lua -H "Authorization: Bearer $token" "$URL" -- "$WORK/$op.json" "\"data\"" "${ids[@]}" >/dev/null
    local out line
    out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" -s bench/perf/graphql.lua -H "Authorization: Bearer $token" "$URL" -- "$WORK/$op.json" "\"data\"" "${ids[@]}")
    line=$(grep '^PERF_RESULT' <<<"$out")
    local bad=$(( $(field "$line" non200) + $(field "$line" gql_errors) + $(field "$line" unexpected) ))
    printf '| %s | %s | %s req/s | p50 %.1f ms | p99 %.1f ms | %s invalid |\n' "$db" "$op" "$(field "$line" rps)" \
      "$(bc -l <<<"$(field "$line" p50_us)/1000")" "$(bc -l <<<"$(field "$line" p99_us)/1000")" "$bad"
  done
  kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=
}

echo "| database | operation | throughput | median | p99 | |"
echo "|---|---|---|---|---|---|"
if [[ $WHICH == sqlite || $WHICH == both ]]; then
  export TESSERA_DATABASE__URL="sqlite://$WORK/giving.db?mode=rwc"
  start=$(date +%s)
  "$BIN" demo --contacts "$CONTACTS" --seed 1 --as-of "$DEMO_DATE" >"$WORK/demo.txt"
  echo "| sqlite | demo load ($CONTACTS contacts) | $(( $(date +%s) - start )) s | | | |"
  measure sqlite
fi
if [[ $WHICH == postgres || $WHICH == both ]]; then
  ADMIN=${BENCH_PG_ADMIN_URL:-postgres://tessera:tessera@127.0.0.1:5432/tessera}
  psql "$ADMIN" -qc "DROP DATABASE IF EXISTS tessera_bench_giving" -c "CREATE DATABASE tessera_bench_giving"
  export TESSERA_DATABASE__URL="${ADMIN%/*}/tessera_bench_giving?sslmode=disable"
  start=$(date +%s)
  "$BIN" demo --contacts "$CONTACTS" --seed 1 --as-of "$DEMO_DATE" >"$WORK/demo.txt"
  psql "${ADMIN%/*}/tessera_bench_giving" -qc "VACUUM (ANALYZE) contributions, contacts, memberships, contribution_memberships, contribution_soft_credits"
  echo "| postgres | demo load ($CONTACTS contacts) | $(( $(date +%s) - start )) s | | | |"
  measure postgres
  psql "$ADMIN" -qc "DROP DATABASE IF EXISTS tessera_bench_giving"
fi
