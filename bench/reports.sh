#!/usr/bin/env bash
# Reports benchmark (issue 15): on the demo data set with about a million memberships (and their
# history and contributions), how long each report takes to answer, one request at a time, and the
# CSV export of every membership: rows, throughput and the server's peak resident memory.
#
#   bench/reports.sh [sqlite|postgres|both] [CONTACTS]      # default: both, 200000 contacts
#
# Each report is asked once to warm up, then REPORTS_RUNS times (default 3); the table shows the
# median and the slowest. Every answer is checked for "data" and no "errors".
# Knobs: REPORTS_RUNS=3, REPORTS_PORT=18091, BENCH_PG_ADMIN_URL (default
# postgres://tessera:tessera@127.0.0.1:5432/tessera; creates and drops a database).
# Needs: cargo, curl, jq, psql. Prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
WHICH=${1:-both}
CONTACTS=${2:-200000}
RUNS=${REPORTS_RUNS:-3}
PORT=${REPORTS_PORT:-18091}
DEMO_DATE=2025-11-24
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target}
cargo build --release --quiet
BIN="$CARGO_TARGET_DIR/release/tessera"
WORK=$(mktemp -d)
SERVER=
cleanup() { [[ -n $SERVER ]] && kill -9 "$SERVER" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
export TESSERA_LOG__LEVEL=warn TESSERA_SCHEDULER__ENABLED=false TESSERA_SERVER__LISTEN="127.0.0.1:$PORT"
BASE="http://127.0.0.1:$PORT"
PASSWORD='bench-password-123'

# name|query — the dates sit around the demo's "today" (2025-11-24) and its five years of history.
REPORTS=(
  'membershipSummary (today, compared with a year ago)|{ membershipSummary(asOf: "2025-11-24", compareTo: "2024-11-24") { currentMembers currentMemberships rows { count } comparison { currentMembers } } }'
  'membershipSummary (three years ago)|{ membershipSummary(asOf: "2022-11-24") { currentMembers rows { count } } }'
  'retention (one year)|{ retention(from: "2024-11-24", to: "2025-11-24") { retentionRate churnRate renewalRate byType { retained } } }'
  'membershipTrends (one year by month: 12 periods)|{ membershipTrends(from: "2024-12-01", to: "2025-11-30", interval: MONTH) { periods { currentAtEnd joined renewed lapsed reinstated netChange } } }'
  'membershipTrends (5 years by year)|{ membershipTrends(from: "2021-01-01", to: "2025-12-31", interval: YEAR) { periods { currentAtEnd joined renewed lapsed reinstated } } }'
  'cohortRetention (two years by quarter: 8 cohorts)|{ cohortRetention(from: "2023-12-01", to: "2025-11-30", interval: QUARTER) { start size stillCurrent } }'
  'lapsedMembers (first page of 50)|{ lapsedMembers(from: "2024-11-24", to: "2025-11-24", first: 50) { totalCount nodes { id } } }'
  'contributionSummary by financial type (one year)|{ contributionSummary(from: "2024-11-24", to: "2025-11-24", groupBy: FINANCIAL_TYPE) { rows { count total } } }'
  'contributionSummary by month (five years)|{ contributionSummary(from: "2020-11-24", to: "2025-11-24", groupBy: MONTH) { rows { count total } } }'
  'contributionSummary by campaign (five years)|{ contributionSummary(from: "2020-11-24", to: "2025-11-24", groupBy: CAMPAIGN) { rows { count total } } }'
  'lybunt 2025 (first page of 50)|{ lybunt(year: 2025, first: 50) { totalCount nodes { id } } }'
  'sybunt 2025 (first page of 50)|{ sybunt(year: 2025, first: 50) { totalCount nodes { id } } }'
  'donorRetention 2025|{ donorRetention(year: 2025) { previousYearDonors retained retentionRate } }'
  'topDonors (five years, 100)|{ topDonors(from: "2020-11-24", to: "2025-11-24", limit: 100) { total } }'
  'topDonors (one year, 100)|{ topDonors(from: "2024-11-24", to: "2025-11-24", limit: 100) { total } }'
  'topDonors (one week, 100)|{ topDonors(from: "2025-11-17", to: "2025-11-24", limit: 100) { total } }'
  'mailingStats (five years)|{ mailingStats(from: "2020-11-24", to: "2025-11-24") { templateKey sent } }'
)

gql() {  # $1 token, $2 query → body on stdout, seconds on fd 3
  jq -n --arg q "$2" '{query: $q}' >"$WORK/body.json"
  curl -s "$BASE/graphql" -H 'Content-Type: application/json' -H "Authorization: Bearer $1" \
    --data-binary @"$WORK/body.json" -o "$WORK/answer.json" -w '%{time_total}'
}

peak_rss() { awk '/VmHWM/ { print int($2 / 1024) }' "/proc/$1/status"; }
rss() { awk '/VmRSS/ { print int($2 / 1024) }' "/proc/$1/status"; }

measure() {  # $1 database label
  local db=$1
  "$BIN" admin create --email bench@example.org --password "$PASSWORD" >/dev/null
  "$BIN" serve >"$WORK/server.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 100); do curl -fs "$BASE/readyz" >/dev/null && break; sleep 0.2; done
  local token
  token=$(curl -fs "$BASE/graphql" -H 'Content-Type: application/json' \
    -d "{\"query\":\"mutation { login(email: \\\"bench@example.org\\\", password: \\\"$PASSWORD\\\") { token } }\"}" | jq -r .data.login.token)
  gql "$token" '{ memberships(first: 0) { totalCount } contributions(first: 0) { totalCount } }' >/dev/null
  echo "| $db | memberships / contributions in the database | $(jq -r '.data.memberships.totalCount' "$WORK/answer.json") / $(jq -r '.data.contributions.totalCount' "$WORK/answer.json") | |"
  for entry in "${REPORTS[@]}"; do
    local name=${entry%%|*} query=${entry#*|} times=()
    gql "$token" "$query" >/dev/null
    for _ in $(seq 1 "$RUNS"); do
      times+=("$(gql "$token" "$query")")
      if ! jq -e '.data != null and .errors == null' "$WORK/answer.json" >/dev/null; then
        echo "| $db | $name | FAILED: $(head -c 300 "$WORK/answer.json") | |"; continue 2
      fi
    done
    local sorted
    sorted=$(printf '%s\n' "${times[@]}" | sort -g)
    printf '| %s | %s | %.0f ms | %.0f ms |\n' "$db" "$name" \
      "$(bc -l <<<"$(sed -n "$(( (RUNS + 1) / 2 ))p" <<<"$sorted") * 1000")" \
      "$(bc -l <<<"$(tail -1 <<<"$sorted") * 1000")"
  done
  # The export of every membership, with the server's memory sampled while it streams.
  local before start end rows bytes peak=0 sampler
  before=$(rss "$SERVER")
  ( while kill -0 "$SERVER" 2>/dev/null; do rss "$SERVER"; sleep 0.05; done ) >"$WORK/rss.txt" &
  sampler=$!
  start=$(date +%s.%N)
  curl -fs "$BASE/export/memberships.csv" -H "Authorization: Bearer $token" -o "$WORK/memberships.csv"
  end=$(date +%s.%N)
  kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true
  peak=$(sort -n "$WORK/rss.txt" | tail -1)
  rows=$(( $(wc -l <"$WORK/memberships.csv") - 1 ))
  bytes=$(stat -c %s "$WORK/memberships.csv")
  local secs
  secs=$(bc -l <<<"$end - $start")
  printf '| %s | export/memberships.csv: %s rows, %.0f MB | %.1f s, %.0f rows/s | RSS %s MB before, %s MB peak while streaming (high-water mark since start %s MB) |\n' \
    "$db" "$rows" "$(bc -l <<<"$bytes / 1000000")" "$secs" "$(bc -l <<<"$rows / $secs")" "$before" "$peak" "$(peak_rss "$SERVER")"
  # A query that outlived its request (a timeout) still holds the server: stop it for good.
  kill "$SERVER"; sleep 2; kill -9 "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; SERVER=
}

echo "| database | report | median | slowest |"
echo "|---|---|---:|---:|"
if [[ $WHICH == sqlite || $WHICH == both ]]; then
  export TESSERA_DATABASE__URL="sqlite://$WORK/reports.db?mode=rwc"
  start=$(date +%s)
  "$BIN" demo --contacts "$CONTACTS" --seed 1 --as-of "$DEMO_DATE" >"$WORK/demo.txt"
  echo "| sqlite | demo load ($CONTACTS contacts) | $(( $(date +%s) - start )) s | |"
  measure sqlite
  rm -f "$WORK"/reports.db*
fi
if [[ $WHICH == postgres || $WHICH == both ]]; then
  ADMIN=${BENCH_PG_ADMIN_URL:-postgres://tessera:tessera@127.0.0.1:5432/tessera}
  psql "$ADMIN" -qc "DROP DATABASE IF EXISTS tessera_bench_reports" -c "CREATE DATABASE tessera_bench_reports"
  export TESSERA_DATABASE__URL="${ADMIN%/*}/tessera_bench_reports?sslmode=disable"
  start=$(date +%s)
  "$BIN" demo --contacts "$CONTACTS" --seed 1 --as-of "$DEMO_DATE" >"$WORK/demo.txt"
  psql "${ADMIN%/*}/tessera_bench_reports" -qc "VACUUM (ANALYZE)"
  echo "| postgres | demo load ($CONTACTS contacts) | $(( $(date +%s) - start )) s | |"
  measure postgres
  psql "$ADMIN" -qc "DROP DATABASE IF EXISTS tessera_bench_reports"
fi
