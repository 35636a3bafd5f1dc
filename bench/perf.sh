#!/usr/bin/env bash
# Peer benchmark: Tessera against PostGraphile 4.14 (one process, then two cluster workers) and against
# the minimal SQL (pgbench), on one PostgreSQL database loaded with `tessera demo`, for three read
# operations (four measurements; bench/perf/README.md describes each and how they are kept equivalent):
#
#   page     50 memberships (oldest first) with contact, type and status; no totalCount
#   contact  one contact by a random id with its memberships, their type and status
#   search   contacts whose name or email contains PERF_TERM: totalCount and the first 20 by name
#   search2  the same for the two words of PERF_TERM2 (Tessera's search requires every word)
#
# Then, for Tessera alone: latency at a fixed arrival rate (oha -q), idle and peak RSS, and start-up time
# on an existing database. Prints a Markdown report and writes it to PERF_OUT.
#
#   bench/perf.sh                                                    # the full run (release build)
#   PERF_PROFILE=debug PERF_CONTACTS=2000 PERF_SECONDS=5 bench/perf.sh    # a quick try of the script
#
# Knobs (environment):
#   PERF_PROFILE=release      cargo profile of the tessera binary (release|debug); it is built first
#   PERF_CONTACTS=100000      demo contacts (about 1.01 memberships each)
#   PERF_SEED=1 PERF_AS_OF=2025-11-24   demo seed and date (same values, same data)
#   PERF_SECONDS=20           length of each wrk run and of each fixed-rate run
#   PERF_WARMUP=3             seconds of unrecorded load before each measured wrk run (0: none)
#   PERF_THREADS=2 PERF_CONNECTIONS=16   wrk -t/-c, and pgbench -j/-c
#   PERF_RATE=100             requests/s of the fixed-rate runs (oha -q); PERF_RATE_SECONDS (=PERF_SECONDS)
#   PERF_POOL=8               database connections per server process (Tessera's default is 8;
#                             PostGraphile gets -m PERF_POOL per process, so 2 workers hold twice that)
#   PERF_TERM=smith           one-word search (must exist in the demo data)
#   PERF_TERM2=               two-word search, e.g. "emma smith"; empty: the first name most often
#                             found with the surname PERF_TERM in the data, then that surname
#   PERF_SYSTEMS="tessera postgraphile postgraphile-2w pgbench"   subset to measure
#   PERF_OPS="page contact search search2"                        subset to measure
#   PERF_STARTUP_RUNS=5       start-up measurements (0: skip)
#   PERF_ADMIN_URL=postgres://tessera:tessera@127.0.0.1:5432/tessera   a role that may create databases
#   PERF_SSLMODE=disable      sslmode of every client's connection to the benchmark database
#   PERF_DB=tessera_bench_perf   the database created (dropped first if it exists)
#   PERF_KEEP_DB=0            1: keep the database at the end
#   PERF_PORT=18080           Tessera's port; PostGraphile uses PERF_PORT+1
#   PERF_OUT=bench/perf-results.md   where the report goes (relative to the repository)
#   PERF_BREAK=               testing the harness: an operation (e.g. search) whose GraphQL queries ask
#                             for a field that does not exist, so that every answer is an error and
#                             the report must mark those runs INVALID
#   CARGO_TARGET_DIR          as for cargo (default: target)
#
# Needs: cargo, psql, pgbench, curl, jq, node + npm (PostGraphile is installed into a temporary folder,
# never into the repository), wrk, oha (installed with `cargo install oha --locked` when missing).
# Exit status: 0, or 2 when some run had invalid answers (the report says which), 1 on errors.
# shellcheck disable=SC2016 # $id in single quotes is a GraphQL variable
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
COMMAND_LINE="$0${*:+ $*}"

PERF_PROFILE=${PERF_PROFILE:-release}
PERF_CONTACTS=${PERF_CONTACTS:-100000}
PERF_SEED=${PERF_SEED:-1}
PERF_AS_OF=${PERF_AS_OF:-2025-11-24}
PERF_SECONDS=${PERF_SECONDS:-20}
PERF_WARMUP=${PERF_WARMUP:-3}
PERF_THREADS=${PERF_THREADS:-2}
PERF_CONNECTIONS=${PERF_CONNECTIONS:-16}
PERF_RATE=${PERF_RATE:-100}
PERF_RATE_SECONDS=${PERF_RATE_SECONDS:-$PERF_SECONDS}
PERF_POOL=${PERF_POOL:-8}
PERF_TERM=${PERF_TERM:-smith}
PERF_TERM2=${PERF_TERM2:-}
PERF_SYSTEMS=${PERF_SYSTEMS:-tessera postgraphile postgraphile-2w pgbench}
PERF_OPS=${PERF_OPS:-page contact search search2}
PERF_STARTUP_RUNS=${PERF_STARTUP_RUNS:-5}
PERF_ADMIN_URL=${PERF_ADMIN_URL:-postgres://tessera:tessera@127.0.0.1:5432/tessera}
PERF_DB=${PERF_DB:-tessera_bench_perf}
PERF_SSLMODE=${PERF_SSLMODE:-disable}
PERF_KEEP_DB=${PERF_KEEP_DB:-0}
PERF_PORT=${PERF_PORT:-18080}
PERF_OUT=${PERF_OUT:-bench/perf-results.md}
PERF_BREAK=${PERF_BREAK:-}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target}

PG_PORT=$((PERF_PORT + 1))
# Every client (Tessera, PostGraphile, pgbench, psql) connects the same way: without TLS by default,
# as node-postgres does unless told otherwise (libpq and sqlx would otherwise negotiate TLS with a
# server that offers it, and pay for it on every statement).
DB_URL="${PERF_ADMIN_URL%/*}/$PERF_DB?sslmode=$PERF_SSLMODE"
TESSERA_URL="http://127.0.0.1:$PERF_PORT"
PG_URL="http://127.0.0.1:$PG_PORT"
ADMIN_EMAIL=bench@example.org
ADMIN_PASSWORD="bench-perf-$RANDOM-$RANDOM-password"

log() { printf "[perf %s] %s\n" "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '[perf] ERROR: %s\n' "$*" >&2; exit 1; }
has() { [[ " $1 " == *" $2 "* ]]; }

# ---------------------------------------------------------------------------------------------- checks
case "$PERF_PROFILE" in release | debug) ;; *) die "PERF_PROFILE must be release or debug, not '$PERF_PROFILE'" ;; esac
for n in PERF_CONTACTS PERF_SECONDS PERF_WARMUP PERF_THREADS PERF_CONNECTIONS PERF_RATE PERF_RATE_SECONDS \
  PERF_POOL PERF_STARTUP_RUNS PERF_PORT PERF_SEED; do
  [[ ${!n} =~ ^[0-9]+$ ]] || die "$n must be a whole number, not '${!n}'"
done
((PERF_CONTACTS >= 100)) || die "PERF_CONTACTS must be at least 100"
((PERF_SECONDS >= 1)) || die "PERF_SECONDS must be at least 1"
[[ $PERF_DB =~ ^[a-z_][a-z0-9_]*$ ]] || die "PERF_DB must be a plain lower-case identifier"
[[ $PERF_TERM =~ ^[A-Za-z]+$ ]] || die "PERF_TERM must be one word of letters, not '$PERF_TERM'"
[[ -z $PERF_TERM2 || $PERF_TERM2 =~ ^[A-Za-z]+\ [A-Za-z]+$ ]] || die "PERF_TERM2 must be two words of letters, not '$PERF_TERM2'"
for s in $PERF_SYSTEMS; do has "tessera postgraphile postgraphile-2w pgbench" "$s" || die "unknown system '$s' in PERF_SYSTEMS"; done
for o in $PERF_OPS; do has "page contact search search2" "$o" || die "unknown operation '$o' in PERF_OPS"; done
[[ -z $PERF_BREAK ]] || has "page contact search search2" "$PERF_BREAK" || die "PERF_BREAK must name an operation"

need=(cargo psql pgbench curl jq wrk setsid)
if has "$PERF_SYSTEMS" postgraphile || has "$PERF_SYSTEMS" postgraphile-2w; then need+=(node npm); fi
for c in "${need[@]}"; do
  command -v "$c" >/dev/null || die "'$c' is not installed (wrk: apt-get install -y wrk; psql/pgbench: postgresql-client)"
done
if has "$PERF_SYSTEMS" tessera && ! command -v oha >/dev/null; then
  [[ -x $HOME/.cargo/bin/oha ]] && export PATH="$HOME/.cargo/bin:$PATH"
fi
if has "$PERF_SYSTEMS" tessera && ! command -v oha >/dev/null; then
  log "oha is missing: cargo install oha --locked (a few minutes)"
  cargo install oha --locked >&2 || die "could not install oha"
  export PATH="$HOME/.cargo/bin:$PATH"
fi
psql "$PERF_ADMIN_URL" -XAtqc 'SELECT 1' >/dev/null 2>&1 || die "cannot connect to PostgreSQL as PERF_ADMIN_URL ($PERF_ADMIN_URL)"
for p in "$PERF_PORT" "$PG_PORT"; do
  if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$p/"; then die "port $p is already in use (set PERF_PORT)"; fi
done

# --------------------------------------------------------------------------------- clean-up on any exit
WORK=$(mktemp -d /tmp/tessera-perf.XXXXXX)
SERVER_PIDS=()
DB_CREATED=0
cleanup() {
  local rc=$?
  for pid in "${SERVER_PIDS[@]}"; do stop_server "$pid" quiet; done
  if [[ $DB_CREATED == 1 && $PERF_KEEP_DB != 1 ]]; then
    psql "$PERF_ADMIN_URL" -XqAtc "DROP DATABASE IF EXISTS $PERF_DB" >/dev/null 2>&1 ||
      log "could not drop database $PERF_DB"
  elif [[ $DB_CREATED == 1 ]]; then
    log "kept database $PERF_DB ($DB_URL)"
  fi
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Servers (and npm) run in their own session (setsid), so that stopping one reaches its child
# processes too (PostGraphile's cluster workers). $! is the server's own pid: the caller is never a group leader.
start_server() { # $1 = log file, rest = command; sets SERVER_PID
  local logf=$1
  shift
  setsid "$@" >"$logf" 2>&1 &
  SERVER_PID=$!
  SERVER_PIDS+=("$SERVER_PID")
}
stop_server() { # $1 = pid [quiet]
  local pid=$1 i
  kill -0 "$pid" 2>/dev/null || { forget_pid "$pid"; return 0; }
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 150; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    [[ ${2:-} == quiet ]] || log "pid $pid did not stop within 15 s: SIGKILL"
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  # cluster workers leave with their master; give them a moment, then make sure
  for ((i = 0; i < 50; i++)); do
    kill -0 -- "-$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL -- "-$pid" 2>/dev/null || true
  forget_pid "$pid"
}
forget_pid() {
  local keep=() p
  for p in "${SERVER_PIDS[@]}"; do [[ $p == "$1" ]] || keep+=("$p"); done
  SERVER_PIDS=("${keep[@]}")
}
wait_http() { # $1 = pid, $2 = what, $3 = timeout s, rest = curl arguments; waits for a 200
  local pid=$1 what=$2 timeout=$3 code start=$SECONDS
  shift 3
  until code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$@") && [[ $code == 200 ]]; do
    kill -0 "$pid" 2>/dev/null || die "$what exited during start-up; its log:
$(tail -n 30 "$WORK/$what.log" 2>/dev/null)"
    ((SECONDS - start < timeout)) || die "$what not ready after ${timeout}s (last status $code); its log:
$(tail -n 30 "$WORK/$what.log" 2>/dev/null)"
    sleep 0.05
  done
}

now_ns() { date +%s%N; }
ms() { awk -v us="$1" 'BEGIN { printf "%.2f", us / 1000 }'; } # microseconds -> "1.23"
kib_to_mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
field() { sed -n "s/.* $2=\\([^ ]*\\).*/\\1/p" <<<" $1"; } # field "PERF_RESULT a=1 b=2" b -> 2

# ------------------------------------------------------------------------------------------------ build
log "building tessera ($PERF_PROFILE)"
if [[ $PERF_PROFILE == release ]]; then
  cargo build --release --quiet --bin tessera || die "cargo build --release failed"
else
  cargo build --quiet --bin tessera || die "cargo build failed"
fi
BIN="$CARGO_TARGET_DIR/$PERF_PROFILE/tessera"
[[ $BIN == /* ]] || BIN="$ROOT/$BIN"
[[ -x $BIN ]] || die "no binary at $BIN"
TESSERA_COMMIT="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
[[ -z $(git status --porcelain -- src migration Cargo.toml Cargo.lock 2>/dev/null) ]] || TESSERA_COMMIT+=" (with uncommitted changes)"

# PostGraphile is installed while the demo data loads.
PGDIR="$WORK/postgraphile"
NPM_PID=
if has "$PERF_SYSTEMS" postgraphile || has "$PERF_SYSTEMS" postgraphile-2w; then
  mkdir -p "$PGDIR"
  log "installing PostGraphile 4 into $PGDIR (background)"
  start_server "$WORK/npm.log" env -C "$PGDIR" sh -c 'npm init -y >/dev/null &&
    npm install --no-audit --no-fund --loglevel=error postgraphile@4 postgraphile-plugin-connection-filter@2'
  NPM_PID=$SERVER_PID
fi

# --------------------------------------------------------------------------------------------- database
export TESSERA_DATABASE__URL="$DB_URL"
export TESSERA_DATABASE__MAX_CONNECTIONS="$PERF_POOL"
export TESSERA_SERVER__LISTEN="127.0.0.1:$PERF_PORT"
export TESSERA_SCHEDULER__ENABLED=false
export TESSERA_LOG__LEVEL=warn
unset RUST_LOG TESSERA_ENV TESSERA_CONFIG_DIR || true
cd "$WORK" # no config folder here: Tessera runs on its built-in defaults plus the variables above

log "creating database $PERF_DB"
psql "$PERF_ADMIN_URL" -XqAt -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS $PERF_DB" -c "CREATE DATABASE $PERF_DB" \
  >/dev/null || die "could not create database $PERF_DB"
DB_CREATED=1
"$BIN" migrate >"$WORK/migrate.log" 2>&1 || die "tessera migrate failed: $(tail -n 20 "$WORK/migrate.log")"
log "loading demo data: $PERF_CONTACTS contacts"
t0=$(now_ns)
"$BIN" demo --contacts "$PERF_CONTACTS" --seed "$PERF_SEED" --as-of "$PERF_AS_OF" >"$WORK/demo.out" 2>"$WORK/demo.log" ||
  die "tessera demo failed: $(tail -n 20 "$WORK/demo.log")"
DEMO_SECONDS=$(awk -v a="$t0" -v b="$(now_ns)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
DEMO_SUMMARY=$(tr -s '\n' ' ' <"$WORK/demo.out")
psql "$DB_URL" -XqAt -c "SET client_min_messages = error" -c "VACUUM ANALYZE" >/dev/null
sql() { psql "$DB_URL" -XAt -v ON_ERROR_STOP=1 -F '|' "$@"; }
IFS='|' read -r N_CONTACTS MIN_ID MAX_ID N_DELETED < <(sql -c \
  "SELECT count(*), min(id), max(id), count(*) FILTER (WHERE deleted_at IS NOT NULL) FROM contacts")
N_MEMBERSHIPS=$(sql -c "SELECT count(*) FROM memberships")
((MAX_ID - MIN_ID + 1 == N_CONTACTS)) || die "contact ids are not contiguous ($MIN_ID..$MAX_ID for $N_CONTACTS)"
((N_DELETED == 0)) || die "the demo data has $N_DELETED contacts in the trash; the operations assume none (see bench/perf/README.md)"
ID_TWO=$(sql -c "SELECT contact_id FROM memberships GROUP BY contact_id HAVING count(*) > 1 ORDER BY contact_id LIMIT 1")
ID_NONE=$(sql -c "SELECT id FROM contacts c WHERE NOT EXISTS (SELECT 1 FROM memberships m WHERE m.contact_id = c.id) ORDER BY id LIMIT 1")
SAMPLE_IDS="$MIN_ID $MAX_ID $ID_TWO $ID_NONE"
if [[ -z $PERF_TERM2 ]]; then
  PERF_TERM2=$(sql -v term="$PERF_TERM" <<<"SELECT lower(first_name) || ' ' || lower(last_name) FROM contacts
    WHERE lower(last_name) = lower(:'term') AND first_name ~ '^[A-Za-z]+$' AND deleted_at IS NULL
    GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")
  [[ -n $PERF_TERM2 ]] || die "no individual has the surname PERF_TERM='$PERF_TERM'; set PERF_TERM2 to a first name and surname"
fi
log "data: $N_CONTACTS contacts, $N_MEMBERSHIPS memberships (demo load ${DEMO_SECONDS}s)"

# ------------------------------------------------------------------------------------------ the queries
# Bodies are written to $WORK/body-<system>-<op>.json; the contact bodies hold __ID__, which the wrk
# script replaces by a random id per request.
W1=${PERF_TERM2% *} W2=${PERF_TERM2#* }
T_PAGE='{ memberships(first: 50) { nodes { id startDate endDate contact { id displayName email } membershipType { id name } status { id name } } } }'
T_CONTACT='query($id: ID!) { contact(id: $id) { id displayName email memberships { id startDate endDate membershipType { name } status { name } } } }'
# Ordered by name like the SQL and PostGraphile (Tessera ranks search results by relevance unless told).
T_SEARCH="{ contacts(first: 20, filter: { search: \"$PERF_TERM\" }, orderBy: { field: NAME }) { totalCount nodes { id displayName email } } }"
T_SEARCH2="{ contacts(first: 20, filter: { search: \"$PERF_TERM2\" }, orderBy: { field: NAME }) { totalCount nodes { id displayName email } } }"
pg_word() { echo "{ or: [{ displayName: { includesInsensitive: \"$1\" } }, { sortName: { includesInsensitive: \"$1\" } }, { email: { includesInsensitive: \"$1\" } }] }"; }
P_PAGE='{ allMemberships(first: 50, orderBy: ID_ASC, filter: { contactByContactId: { deletedAt: { isNull: true } } }) { nodes { id startDate endDate contactByContactId { id displayName email } membershipTypeByMembershipTypeId { id name } membershipStatusByStatusId { id name } } } }'
P_CONTACT='query($id: BigInt!) { contactById(id: $id) { id displayName email membershipsByContactId(orderBy: ID_ASC) { nodes { id startDate endDate membershipTypeByMembershipTypeId { name } membershipStatusByStatusId { name } } } } }'
P_SEARCH="{ allContacts(first: 20, orderBy: [SORT_NAME_ASC, ID_ASC], filter: { deletedAt: { isNull: true }, and: [$(pg_word "$PERF_TERM")] }) { totalCount nodes { id displayName email } } }"
P_SEARCH2="{ allContacts(first: 20, orderBy: [SORT_NAME_ASC, ID_ASC], filter: { deletedAt: { isNull: true }, and: [$(pg_word "$W1"), $(pg_word "$W2")] }) { totalCount nodes { id displayName email } } }"
# What only a successful answer of each operation contains (checked on every answer).
declare -A EXPECT=([page]='"startDate"' [contact]='"displayName"' [search]='"totalCount"' [search2]='"totalCount"')
declare -A QUERY=(
  [tessera.page]=$T_PAGE [tessera.contact]=$T_CONTACT [tessera.search]=$T_SEARCH [tessera.search2]=$T_SEARCH2
  [postgraphile.page]=$P_PAGE [postgraphile.contact]=$P_CONTACT [postgraphile.search]=$P_SEARCH [postgraphile.search2]=$P_SEARCH2
)
for sys in tessera postgraphile; do
  for op in page contact search search2; do
    q=${QUERY[$sys.$op]}
    [[ $op == "$PERF_BREAK" ]] && q=${q//email/emailDoesNotExist}
    if [[ $op == contact ]]; then
      jq -nc --arg q "$q" '{query: $q, variables: {id: "__ID__"}}' >"$WORK/body-$sys-$op.json"
    else
      jq -nc --arg q "$q" '{query: $q}' >"$WORK/body-$sys-$op.json"
    fi
  done
done
body_for() { # $1 = system, $2 = op, [$3 = id]: the body to send once
  if [[ -n ${3:-} ]]; then sed "s/__ID__/$3/" "$WORK/body-$1-$2.json"; else cat "$WORK/body-$1-$2.json"; fi
}

# Each answer (and each SQL result) is reduced to the same lines, so that the systems can be compared
# row by row: page and contact -> one line per membership; search -> the total, then one line per contact.
normalise() { # $1 = system, $2 = op; reads the JSON answer
  case "$1.$2" in
  tessera.page) jq -r '.data.memberships.nodes[] | [.id, .startDate, .endDate, .contact.id, .contact.displayName, .contact.email, .membershipType.id, .membershipType.name, .status.id, .status.name] | map(. // "") | join("|")' ;;
  postgraphile.page) jq -r '.data.allMemberships.nodes[] | [.id, .startDate, .endDate, .contactByContactId.id, .contactByContactId.displayName, .contactByContactId.email, .membershipTypeByMembershipTypeId.id, .membershipTypeByMembershipTypeId.name, .membershipStatusByStatusId.id, .membershipStatusByStatusId.name] | map(. // "") | join("|")' ;;
  tessera.contact) jq -r '.data.contact as $c | ($c.memberships | if length == 0 then [{}] else . end)[] | [$c.id, $c.displayName, $c.email, .id, .startDate, .endDate, .membershipType.name, .status.name] | map(. // "") | join("|")' ;;
  postgraphile.contact) jq -r '.data.contactById as $c | ($c.membershipsByContactId.nodes | if length == 0 then [{}] else . end)[] | [$c.id, $c.displayName, $c.email, .id, .startDate, .endDate, .membershipTypeByMembershipTypeId.name, .membershipStatusByStatusId.name] | map(. // "") | join("|")' ;;
  tessera.search*) jq -r '.data.contacts | (.totalCount | tostring), (.nodes[] | [.id, .displayName, .email] | map(. // "") | join("|"))' ;;
  postgraphile.search*) jq -r '.data.allContacts | (.totalCount | tostring), (.nodes[] | [.id, .displayName, .email] | map(. // "") | join("|"))' ;;
  esac
}
pattern() { printf '%%%s%%' "$(tr '[:upper:]' '[:lower:]' <<<"$1")"; } # smith -> %smith%
like() { printf "'%s'" "$(pattern "$1")"; }
sql_answer() { # $1 = op, [$2 = id]: the pgbench script's rows, run once through psql
  sed -e '/^\\set/d' -e '/^--/d' -e "s/:id\\b/${2:-0}/g" -e "s/:pattern1\\b/$(like "$W1")/g" \
    -e "s/:pattern2\\b/$(like "$W2")/g" -e "s/:pattern\\b/$(like "$PERF_TERM")/g" "$ROOT/bench/perf/pgbench-$1.sql" |
    sql -f -
}
ask() { # $1 = system (tessera|postgraphile), $2 = url, $3 = op, [$4 = id]: one request; prints the body, fails unless 200
  local code auth=()
  [[ $1 == tessera ]] && auth=(-H "authorization: Bearer $TOKEN")
  code=$(body_for "$1" "$3" "${4:-}" | curl -s -o "$WORK/answer.json" -w '%{http_code}' --max-time 120 \
    -H 'content-type: application/json' "${auth[@]}" --data-binary @- "$2/graphql") || code=000
  cat "$WORK/answer.json"
  [[ $code == 200 ]]
}
# Checks every operation once on a server, against the SQL answer: the same rows, or an error.
check_answers() { # $1 = system, $2 = url
  local sys=${1%-2w} url=$2 op id got want
  for op in page contact search search2; do
    for id in $([[ $op == contact ]] && echo "$SAMPLE_IDS" || echo -); do
      [[ $id == - ]] && id=
      if ! got=$(ask "$sys" "$url" "$op" "$id") || grep -q '"errors"' <<<"$got"; then
        [[ $op == "$PERF_BREAK" ]] && { log "$sys $op: error answer, as PERF_BREAK asks"; continue 2; }
        die "$1 answered $op with an error: $(head -c 600 <<<"$got")"
      fi
      [[ $op == "$PERF_BREAK" ]] && die "$sys answered the broken $op query without error"
      want=$(sql_answer "$op" "$id")
      if [[ $(normalise "$sys" "$op" <<<"$got") != "$want" ]]; then
        diff <(normalise "$sys" "$op" <<<"$got") <(echo "$want") | head -n 20 >&2 || true
        die "$sys's answer to $op${id:+ (id $id)} differs from the SQL answer (diff above: < $sys, > SQL)"
      fi
    done
  done
  log "$1: every operation answers the same rows as the SQL"
}
SEARCH_TOTAL=$(sql_answer search | sed -n 1p)
SEARCH2_TOTAL=$(sql_answer search2 | sed -n 1p)
((SEARCH_TOTAL > 0)) || die "no contact matches PERF_TERM='$PERF_TERM': choose a word in the demo data (e.g. smith)"
((SEARCH2_TOTAL > 0)) || die "no contact matches PERF_TERM2='$PERF_TERM2': choose a first name and surname in the demo data"

# ----------------------------------------------------------------------------------------- measurement
LOAD_ROWS=() RATE_ROWS=()
INVALID=0
verdict() { # $1 = number of invalid answers; sets VERDICT and counts invalid runs
  if (($1 == 0)); then VERDICT=valid; else
    INVALID=$((INVALID + 1))
    VERDICT="**INVALID**"
  fi
}
run_wrk() { # $1 = system label, $2 = url, $3 = body system, $4 = op
  local label=$1 url=$2 bsys=$3 op=$4 out args=() line bad
  args=("$WORK/body-$bsys-$op.json" "${EXPECT[$op]}")
  [[ $op == contact ]] && args+=("$MIN_ID" "$MAX_ID")
  local hdr=()
  [[ $bsys == tessera ]] && hdr=(-H "Authorization: Bearer $TOKEN")
  if ((PERF_WARMUP > 0)); then
    wrk -t"$PERF_THREADS" -c"$PERF_CONNECTIONS" -d"${PERF_WARMUP}s" --timeout 10s "${hdr[@]}" \
      -s "$ROOT/bench/perf/graphql.lua" "$url/graphql" -- "${args[@]}" >/dev/null 2>&1 || true
  fi
  log "wrk: $label $op (${PERF_SECONDS}s, -t$PERF_THREADS -c$PERF_CONNECTIONS)"
  out=$(wrk -t"$PERF_THREADS" -c"$PERF_CONNECTIONS" -d"${PERF_SECONDS}s" --timeout 10s "${hdr[@]}" \
    -s "$ROOT/bench/perf/graphql.lua" "$url/graphql" -- "${args[@]}" 2>&1) || die "wrk failed: $out"
  line=$(grep '^PERF_RESULT' <<<"$out") || die "wrk printed no result: $out"
  local non200 gqle unexp sock ok
  non200=$(field "$line" non200) gqle=$(field "$line" gql_errors) unexp=$(field "$line" unexpected)
  sock=$(field "$line" socket_errors) ok=$(field "$line" ok)
  bad=$((non200 + gqle + unexp + sock))
  verdict "$bad"
  LOAD_ROWS+=("| $op | $label | $(field "$line" rps) | $(ms "$(field "$line" p50_us)") | $(ms "$(field "$line" p99_us)") | $(field "$line" requests) | $ok | $non200 / $gqle / $unexp / $sock | $VERDICT |")
  log "  $(field "$line" rps) req/s, p50 $(ms "$(field "$line" p50_us)") ms, p99 $(ms "$(field "$line" p99_us)") ms, invalid $bad"
}

percentiles() { # stdin: latencies in µs, one a line -> "count p50 p99 max"
  sort -n | awk '{ v[NR] = $1 } END {
    if (NR == 0) { print 0, 0, 0, 0; exit }
    i50 = int(NR * 0.50); if (i50 < NR * 0.50) i50++; i99 = int(NR * 0.99); if (i99 < NR * 0.99) i99++;
    print NR, v[i50], v[i99], v[NR] }'
}
run_pgbench() { # $1 = op
  local op=$1 out rc=0 tps n failed p50 p99 max
  rm -f "$WORK"/pgb.*
  if ((PERF_WARMUP > 0)); then
    pgbench -n -M prepared -c "$PERF_CONNECTIONS" -j "$PERF_THREADS" -T "$PERF_WARMUP" -f "$ROOT/bench/perf/pgbench-$op.sql" \
      -D min_id="$MIN_ID" -D max_id="$MAX_ID" -D pattern="$(pattern "$PERF_TERM")" \
      -D pattern1="$(pattern "$W1")" -D pattern2="$(pattern "$W2")" "$DB_URL" >/dev/null 2>&1 || true
  fi
  log "pgbench: $op (${PERF_SECONDS}s, -j$PERF_THREADS -c$PERF_CONNECTIONS)"
  out=$(pgbench -n -M prepared -c "$PERF_CONNECTIONS" -j "$PERF_THREADS" -T "$PERF_SECONDS" -f "$ROOT/bench/perf/pgbench-$op.sql" \
    -D min_id="$MIN_ID" -D max_id="$MAX_ID" -D pattern="$(pattern "$PERF_TERM")" \
    -D pattern1="$(pattern "$W1")" -D pattern2="$(pattern "$W2")" \
    -l --log-prefix="$WORK/pgb" "$DB_URL" 2>&1) || rc=$?
  tps=$(sed -n 's/^tps = \([0-9.]*\) (without.*/\1/p' <<<"$out")
  failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' <<<"$out")
  [[ -n $tps ]] || die "pgbench $op failed: $out"
  read -r n p50 p99 max < <(cat "$WORK"/pgb.* | awk '{ print $3 }' | percentiles)
  verdict $((${failed:-0} + (rc != 0 ? 1 : 0)))
  LOAD_ROWS+=("| $op | SQL (pgbench) | $(printf '%.1f' "$tps") | $(ms "$p50") | $(ms "$p99") | $n | $n | ${failed:-?} failed, exit $rc | $VERDICT |")
  log "  $(printf '%.1f' "$tps") tx/s, p50 $(ms "$p50") ms, p99 $(ms "$p99") ms"
}

# Tessera at a fixed arrival rate: oha sends PERF_RATE requests a second whatever the answers' speed
# (--latency-correction counts the wait of a request that was due while the connections were busy).
# oha checks status codes only; requests ask for application/graphql-response+json, so that a query
# Tessera cannot run answers 4xx, and its bodies are those just validated by wrk.
run_oha() { # $1 = op
  local op=$1 json args=() total non200 errs cut achieved p50 p99 max note=
  args=(-q "$PERF_RATE" -z "${PERF_RATE_SECONDS}s" -c "$PERF_CONNECTIONS" --latency-correction --no-tui
    --output-format json -m POST -H 'content-type: application/json'
    -H 'accept: application/graphql-response+json' -H "authorization: Bearer $TOKEN")
  if [[ $op == contact ]]; then
    # one body per request, a random id in MIN_ID..MAX_ID (oha -Z picks a random line per request)
    awk -v lo="$MIN_ID" -v hi="$MAX_ID" -v n=$((PERF_RATE * PERF_RATE_SECONDS + 1000)) '{
        i = index($0, "__ID__"); pre = substr($0, 1, i - 1); post = substr($0, i + 6)
        srand(1); for (k = 0; k < n && k < 200000; k++) print pre (lo + int(rand() * (hi - lo + 1))) post
      }' "$WORK/body-tessera-contact.json" >"$WORK/oha-contact.lines"
    args+=(-Z "$WORK/oha-contact.lines")
  else
    args+=(-D "$WORK/body-tessera-$op.json")
  fi
  log "oha: tessera $op at $PERF_RATE req/s for ${PERF_RATE_SECONDS}s"
  json=$(oha "${args[@]}" "$TESSERA_URL/graphql" 2>"$WORK/oha.err") || die "oha failed: $(cat "$WORK/oha.err")"
  total=$(jq '[.statusCodeDistribution[]] | add // 0' <<<"$json")
  non200=$(jq '[.statusCodeDistribution | to_entries[] | select(.key != "200") | .value] | add // 0' <<<"$json")
  # oha -z cuts the requests still in flight when the time is up ("aborted due to deadline"): at most
  # one per connection, not an error of the server
  cut=$(jq '.errorDistribution["aborted due to deadline"] // 0' <<<"$json")
  errs=$(jq '[.errorDistribution | to_entries[]? | select(.key != "aborted due to deadline") | .value] | add // 0' <<<"$json")
  ((cut <= PERF_CONNECTIONS)) || errs=$((errs + cut))
  achieved=$(jq '.summary.requestsPerSec' <<<"$json")
  p50=$(jq '.latencyPercentiles.p50 * 1e6' <<<"$json")
  p99=$(jq '.latencyPercentiles.p99 * 1e6' <<<"$json")
  max=$(jq '.summary.slowest * 1e6' <<<"$json")
  verdict $((non200 + errs + ${WRK_BAD[$op]:-0}))
  awk -v a="$achieved" -v t="$PERF_RATE" 'BEGIN { exit !(a < 0.95 * t) }' && note=" (saturated: below the target rate)"
  RATE_ROWS+=("| $op | $PERF_RATE | $(printf '%.1f' "$achieved") | $(ms "$p50") | $(ms "$p99") | $(ms "$max") | $total | $non200 / $errs / $cut | $VERDICT$note |")
  log "  $(printf '%.1f' "$achieved") req/s, p50 $(ms "$p50") ms, p99 $(ms "$p99") ms, non-200 $non200, errors $errs$note"
}

RSS_SAMPLES="$WORK/rss.samples"
sample_rss() { # $1 = pid; appends VmRSS (KiB) every 200 ms while the pid lives
  while kill -0 "$1" 2>/dev/null; do
    awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null >>"$RSS_SAMPLES" || true
    sleep 0.2
  done
}
status_kib() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }

TOKEN=
declare -A WRK_BAD
IDLE_RSS='' PEAK_RSS='' HWM=''
if has "$PERF_SYSTEMS" tessera; then
  log "starting tessera"
  TESSERA_ADMIN_PASSWORD="$ADMIN_PASSWORD" "$BIN" admin create --email "$ADMIN_EMAIL" >/dev/null 2>"$WORK/admin.log" ||
    die "tessera admin create failed: $(cat "$WORK/admin.log")"
  start_server "$WORK/tessera.log" "$BIN" serve
  TESSERA_PID=$SERVER_PID
  wait_http "$TESSERA_PID" tessera 120 "$TESSERA_URL/readyz"
  TOKEN=$(jq -nc --arg e "$ADMIN_EMAIL" --arg p "$ADMIN_PASSWORD" \
    '{query: "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }", variables: {e: $e, p: $p}}' |
    curl -s -H 'content-type: application/json' --data-binary @- "$TESSERA_URL/graphql" | jq -r '.data.login.token // empty')
  [[ -n $TOKEN ]] || die "could not log in to tessera as $ADMIN_EMAIL"
  check_answers tessera "$TESSERA_URL"
  sleep 1
  IDLE_RSS=$(status_kib "$TESSERA_PID" VmRSS)
  : >"$RSS_SAMPLES"
  sample_rss "$TESSERA_PID" &
  SAMPLER_PID=$!
  for op in $PERF_OPS; do
    inv_before=$INVALID
    run_wrk Tessera "$TESSERA_URL" tessera "$op"
    WRK_BAD[$op]=$((INVALID - inv_before))
  done
  for op in $PERF_OPS; do run_oha "$op"; done
  kill "$SAMPLER_PID" 2>/dev/null || true
  wait "$SAMPLER_PID" 2>/dev/null || true
  HWM=$(status_kib "$TESSERA_PID" VmHWM)
  PEAK_RSS=$(sort -n "$RSS_SAMPLES" | tail -n 1)
  stop_server "$TESSERA_PID"
fi

PG_VERSION=
if [[ -n $NPM_PID ]]; then
  wait "$NPM_PID" || die "npm install failed: $(tail -n 20 "$WORK/npm.log")"
  forget_pid "$NPM_PID"
  PG_VERSION=$(cd "$PGDIR" && node -p 'require("postgraphile/package.json").version + " (connection-filter " + require("postgraphile-plugin-connection-filter/package.json").version + ")"')
  # the relation filter (contactByContactId: { deletedAt: … }) needs connectionFilterRelations
  echo 'module.exports = { options: { graphileBuildOptions: { connectionFilterRelations: true } } };' >"$PGDIR/.postgraphilerc.js"
fi
start_postgraphile() { # $1 = label, rest = extra options
  local label=$1
  shift
  log "starting $label"
  # run from $PGDIR: the CLI reads .postgraphilerc.js from its working directory
  start_server "$WORK/$label.log" env -C "$PGDIR" NODE_ENV=production node node_modules/postgraphile/cli.js \
    -c "$DB_URL" --schema public --host 127.0.0.1 --port "$PG_PORT" -m "$PERF_POOL" \
    --append-plugins postgraphile-plugin-connection-filter --disable-query-log --disable-graphiql "$@"
  wait_http "$SERVER_PID" "$label" 120 -H 'content-type: application/json' --data '{"query":"{ __typename }"}' "$PG_URL/graphql"
}
for variant in postgraphile postgraphile-2w; do
  has "$PERF_SYSTEMS" "$variant" || continue
  if [[ $variant == postgraphile ]]; then
    start_postgraphile "$variant"
    label="PostGraphile (1 process)"
  else
    start_postgraphile "$variant" --cluster-workers 2
    label="PostGraphile (2 workers)"
  fi
  check_answers "$variant" "$PG_URL"
  for op in $PERF_OPS; do run_wrk "$label" "$PG_URL" postgraphile "$op"; done
  stop_server "$SERVER_PID"
done

if has "$PERF_SYSTEMS" pgbench; then
  for op in $PERF_OPS; do run_pgbench "$op"; done
fi

STARTUP=
if has "$PERF_SYSTEMS" tessera && ((PERF_STARTUP_RUNS > 0)); then
  log "start-up time: $PERF_STARTUP_RUNS runs"
  : >"$WORK/startup.ms"
  for ((i = 0; i < PERF_STARTUP_RUNS; i++)); do
    t0=$(now_ns)
    start_server "$WORK/tessera.log" "$BIN" serve
    wait_http "$SERVER_PID" tessera 120 "$TESSERA_URL/readyz"
    echo $((($(now_ns) - t0) / 1000000)) >>"$WORK/startup.ms"
    stop_server "$SERVER_PID"
  done
  STARTUP=$(sort -n "$WORK/startup.ms" | awk '{ v[NR] = $1 } END { printf "%d / %d / %d ms (min / median / max of %d)", v[1], v[int((NR + 1) / 2)], v[NR], NR }')
fi

# ------------------------------------------------------------------------------------------------ report
cd "$ROOT"
CPU=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
MEM=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
PGSERVER=$(psql "$PERF_ADMIN_URL" -XAtc 'SHOW server_version' 2>/dev/null || echo '?')
{
  echo "# Tessera peer benchmark"
  echo
  echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- Command: \`$(env | grep -E '^PERF_' | sort | tr '\n' ' ')$COMMAND_LINE\`"
  echo "- Machine: $(nproc) CPUs ($CPU), $MEM RAM, $(uname -sr); load generators run on the same machine"
  echo "- Tessera: $PERF_PROFILE build of $TESSERA_COMMIT, pool $PERF_POOL connections"
  if [[ -n $PG_VERSION ]]; then
    echo "- PostGraphile $PG_VERSION on Node $(node --version) (NODE_ENV=production, -m $PERF_POOL per process, no query log, no auth)"
  fi
  echo "- Tools: PostgreSQL $PGSERVER; $({ wrk --version 2>&1 || true; } | awk 'NR == 1 { print $1, $2 }'); $(oha --version 2>/dev/null || true)"
  echo "- Data: \`tessera demo --contacts $PERF_CONTACTS --seed $PERF_SEED --as-of $PERF_AS_OF\` — $N_CONTACTS contacts, $N_MEMBERSHIPS memberships, loaded in ${DEMO_SECONDS} s, then \`VACUUM ANALYZE\` (demo: ${DEMO_SUMMARY% })"
  echo "- Search terms: search = \"$PERF_TERM\" ($SEARCH_TOTAL matches); search2 = \"$PERF_TERM2\" ($SEARCH2_TOTAL matches)"
  echo
  echo "## Closed-loop load: wrk -t$PERF_THREADS -c$PERF_CONNECTIONS -d${PERF_SECONDS}s (after ${PERF_WARMUP}s of warm-up)"
  echo
  echo "Every answer is checked: status 200, no \`errors\`, and the operation's field present (non-200 /"
  echo "GraphQL errors / unexpected body / socket errors). pgbench runs the minimal SQL with -j$PERF_THREADS -c$PERF_CONNECTIONS -M prepared"
  echo "directly against PostgreSQL (no HTTP, no GraphQL): a floor, not a peer."
  echo
  echo "| operation | system | req/s | p50 ms | p99 ms | requests | valid answers | invalid: non-200 / errors / unexpected / socket | verdict |"
  echo "|---|---|---:|---:|---:|---:|---:|---|---|"
  for op in $PERF_OPS; do
    for r in "${LOAD_ROWS[@]}"; do [[ $r == "| $op |"* ]] && echo "$r"; done
  done
  if ((${#RATE_ROWS[@]})); then
    echo
    echo "## Tessera at a fixed arrival rate: oha -q $PERF_RATE -z ${PERF_RATE_SECONDS}s -c $PERF_CONNECTIONS --latency-correction"
    echo
    echo "Latency includes the time a request waited for a free connection after it was due. oha checks"
    echo "status codes only (requests ask for application/graphql-response+json, so a query that cannot run"
    echo "answers 4xx); a row is also invalid when the wrk run of the same operation was. \"cut\" counts the requests"
    echo "still in flight when the time was up (at most one per connection; not errors, not in the percentiles)."
    echo "A saturated row means Tessera could not keep up with the rate: its latencies are mostly queueing."
    echo
    echo "| operation | target req/s | achieved req/s | p50 ms | p99 ms | max ms | requests | non-200 / errors / cut | verdict |"
    echo "|---|---:|---:|---:|---:|---:|---:|---|---|"
    printf '%s\n' "${RATE_ROWS[@]}"
  fi
  if [[ -n $IDLE_RSS ]]; then
    echo
    echo "## Tessera process"
    echo
    echo "| measure | value |"
    echo "|---|---|"
    echo "| idle RSS (after start-up and $(($(wc -w <<<"$SAMPLE_IDS") + 3)) checking requests) | $(kib_to_mib "$IDLE_RSS") MiB |"
    echo "| peak RSS during the load (VmRSS sampled every 200 ms) | $(kib_to_mib "${PEAK_RSS:-0}") MiB |"
    echo "| VmHWM at the end of the load (the kernel's peak since start; updated lazily, so it may sit just below a sample) | $(kib_to_mib "${HWM:-0}") MiB |"
    [[ -n $STARTUP ]] && echo "| start-up on the existing database (spawn to first 200 from /readyz, polled every 50 ms with curl) | $STARTUP |"
  fi
  echo
  echo "## Operations"
  echo
  echo "Before the load, each server's answer to each operation (for the contact: ids $SAMPLE_IDS) was compared"
  echo "row by row with the SQL's; they were identical${PERF_BREAK:+ (except $PERF_BREAK, broken on purpose)}. Queries: bench/perf/README.md and bench/perf.sh."
  if [[ -n $PERF_BREAK ]]; then
    echo
    echo "**PERF_BREAK=$PERF_BREAK: the GraphQL queries of $PERF_BREAK asked for a field that does not exist (a test of the harness).**"
  fi
  echo
  if ((INVALID > 0)); then
    echo "**$INVALID run(s) had invalid answers: their figures do not measure the operation.**"
  else
    echo "All runs valid."
  fi
} >"$WORK/report.md"
mkdir -p "$(dirname "$PERF_OUT")"
cp "$WORK/report.md" "$PERF_OUT"
cat "$WORK/report.md"
log "report written to $PERF_OUT"
((INVALID == 0)) || exit 2
