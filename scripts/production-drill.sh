#!/usr/bin/env bash
# A production drill, from an empty PostgreSQL to two councils served by two workers
# with a streaming replica, then a backup restored into a new database and compared.
#
#   bash scripts/production-drill.sh
#
# Everything lives in a temporary directory and on free loopback ports; whatever it
# started is stopped on exit. It exits 0 only if every check held ("ok: ..." lines),
# and prints "DRILL PASSED" last. Settings:
#   PG_BIN          PostgreSQL server binaries (default: the newest /usr/lib/postgresql/*/bin,
#                   else the directory of `initdb` on PATH)
#   FOLLOWUP_VENV   the virtualenv with `followup` (default: .venv of this repository)
#   KEEP_DRILL_DIR  set to 1 to keep the temporary directory (logs, backup) for a look
set -euo pipefail

started_at=$(date +%s)
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${FOLLOWUP_VENV:-$ROOT/.venv}

# fd 3: what the drill says, whatever a command's stdout is redirected to.
exec 3>&1
say() { printf '\n== %s  [%d s]\n' "$*" $(($(date +%s) - started_at)) >&3; }
run() { printf '+ %s\n' "$*" >&3; "$@"; }
fail() { printf 'FAILED: %s\n' "$*" >&3; exit 1; }
# check WHAT CONDITION: CONDITION is shell code (tests on variables set before it).
check() {
  if eval "$2"; then printf 'ok: %s\n' "$1" >&3; else fail "$1"; fi
}

# -- what the drill needs ----------------------------------------------------------------
if [ -z "${PG_BIN:-}" ]; then
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$PG_BIN" ] && command -v initdb >/dev/null; then
    PG_BIN=$(dirname "$(command -v initdb)")
  fi
fi
[ -n "${PG_BIN:-}" ] && [ -x "$PG_BIN/initdb" ] && [ -x "$PG_BIN/pg_basebackup" ] ||
  fail "PostgreSQL server binaries not found (PG_BIN=${PG_BIN:-}): run \`make system-deps\`"
[ -x "$VENV/bin/followup" ] || fail "no $VENV/bin/followup: run \`make install\` first"
export PATH="$VENV/bin:$PG_BIN:$PATH"
PYTHON=$VENV/bin/python

# The drill's settings are its own: none inherited from the caller's environment.
for name in $(compgen -e); do
  case $name in
    FOLLOWUP_* | AUDITTRACKER_* | SQLALCHEMY_* | PERSISTENCE_MODULE | CREATE_TABLE) unset "$name" ;;
  esac
done

# Whatever the drill started is stopped on exit, and its directory removed; on a failure
# the last lines of the logs are shown first.
SERVE_PID=
cleanup() {
  local rc=$?
  set +e
  if [ -n "$SERVE_PID" ] && kill -0 "$SERVE_PID" 2>/dev/null; then
    kill -TERM -- "-$SERVE_PID" 2>/dev/null
    for _ in $(seq 40); do kill -0 "$SERVE_PID" 2>/dev/null || break; sleep 0.25; done
    kill -KILL -- "-$SERVE_PID" 2>/dev/null
  fi
  for data in "${PG:-/nonexistent}/standby" "${PG:-/nonexistent}/primary"; do
    if [ -f "$data/postmaster.pid" ]; then
      as_postgres pg_ctl -D "$data" -m immediate stop >/dev/null 2>&1
    fi
  done
  if [ "$rc" -ne 0 ]; then
    for log in "${WORK:-}/serve.log" "${PG:-}/primary.log" "${PG:-}/standby.log"; do
      [ -s "$log" ] && { echo "--- last lines of $log" >&2; tail -n 15 "$log" >&2; }
    done
    echo "DRILL FAILED (exit $rc)" >&3
  fi
  if [ -n "${WORK:-}" ]; then
    if [ "${KEEP_DRILL_DIR:-}" = 1 ]; then echo "kept $WORK" >&3; else rm -rf "$WORK"; fi
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# As root the servers run as postgres, who must reach the directory: /tmp then.
if [ "$(id -u)" -eq 0 ]; then TMPDIR=/tmp; fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/followup-drill.XXXXXX")
chmod 755 "$WORK"
PG=$WORK/pg # data directories, sockets and server logs
OUT=$WORK/out # every command's JSON answer
mkdir -p "$PG" "$OUT"
# as_postgres TOOL ARGS: a PostgreSQL tool of PG_BIN; as root, as the package's user
# (PostgreSQL refuses to run as root).
if [ "$(id -u)" -eq 0 ]; then
  chown postgres:postgres "$PG"
  as_postgres() {
    printf '+ %s\n' "$*" >&3
    runuser -u postgres -- "$PG_BIN/$1" "${@:2}"
  }
else
  as_postgres() {
    printf '+ %s\n' "$*" >&3
    "$PG_BIN/$1" "${@:2}"
  }
fi
cd "$WORK"

# Small helpers in Python (no curl or jq on a fresh Debian): JSON, HTTP, free ports.
cat >"$WORK/drill.py" <<'PY'
import json, os, socket, sys, time, urllib.error, urllib.request
from http.cookiejar import MozillaCookieJar

def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)

def show(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)

def call(url, body=None, jar=None, timeout=30):
    cookies = MozillaCookieJar(jar) if jar else None
    if cookies is not None:
        try:
            cookies.load(ignore_discard=True)
        except FileNotFoundError:
            pass
    handlers = [urllib.request.HTTPCookieProcessor(cookies)] if cookies is not None else []
    opener = urllib.request.build_opener(*handlers)
    data = None if body is None else body.encode()
    request = urllib.request.Request(url, data=data)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with opener.open(request, timeout=timeout) as answer:
            status, text = answer.status, answer.read().decode()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read().decode()
    if cookies is not None:
        cookies.save(ignore_discard=True)
    return status, text

command, args = sys.argv[1], sys.argv[2:]
if command == "get":  # FILE EXPR: the value of EXPR over the JSON document d
    print(show(eval(args[1], {}, {"d": load(args[0])})))
elif command == "same":  # FILE FILE [KEY...]: equal documents, KEYs aside
    a, b = load(args[0]), load(args[1])
    for key in args[2:]:
        a.pop(key, None), b.pop(key, None)
    sys.exit(0 if a == b else 1)
elif command in ("GET", "POST"):  # URL [JAR] [BODY]: the body on stdout, exit 1 unless 2xx
    url, jar = args[0], (args[1] if len(args) > 1 and args[1] else None)
    status, text = call(url, args[2] if command == "POST" else None, jar)
    print(text)
    sys.exit(0 if 200 <= status < 300 else 1)
elif command == "wait-health":  # URL SECONDS PID: until /health answers (or PID is gone)
    deadline = time.monotonic() + float(args[1])
    while time.monotonic() < deadline:
        try:
            os.kill(int(args[2]), 0)
        except ProcessLookupError:
            sys.exit("the service stopped")
        try:
            status, text = call(args[0], timeout=2)
            if status == 200:
                print(text)
                sys.exit(0)
        except Exception:  # not listening yet, a worker restarting: ask again
            pass
        time.sleep(0.5)
    sys.exit("no answer from /health in time")
elif command == "workers":  # URL SECONDS: until both the leading and a standing-by process answer
    seen, deadline = {}, time.monotonic() + float(args[1])
    while time.monotonic() < deadline and len(seen) < 2:
        try:
            status, text = call(args[0], timeout=2)
            if status == 200:
                health = json.loads(text)
                seen.setdefault(health["leader"]["projector"], health["projector"])
        except Exception:  # not listening yet, a worker restarting: ask again
            pass
        time.sleep(0.2)
    print(json.dumps({"leading": True in seen, "standing_by": False in seen}))
    sys.exit(0 if len(seen) == 2 else 1)
elif command == "ports":  # N: N free loopback ports
    sockets = [socket.socket() for _ in range(int(args[0]))]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    print(" ".join(str(s.getsockname()[1]) for s in sockets))
PY
drill() { "$PYTHON" "$WORK/drill.py" "$@"; }
jget() { drill get "$@"; }

read -r PRIMARY_PORT STANDBY_PORT HTTP_PORT <<<"$(drill ports 3)"
PRIMARY=postgresql://postgres@127.0.0.1:$PRIMARY_PORT
STANDBY=postgresql://postgres@127.0.0.1:$STANDBY_PORT
BASE=http://127.0.0.1:$HTTP_PORT
# psql_at PORT DATABASE SQL: the answer, unaligned
psql_at() { "$PG_BIN/psql" -X -h 127.0.0.1 -p "$1" -U postgres -d "$2" -Atq -c "$3"; }
echo "drill directory $WORK; $("$PG_BIN/postgres" --version) from $PG_BIN" >&3
echo "loopback ports: primary $PRIMARY_PORT, standby $STANDBY_PORT, service $HTTP_PORT" >&3

# -- PostgreSQL: a primary and its streaming standby -------------------------------------
say "1. Create an empty primary cluster (WAL for a replica), start it, create the database"
as_postgres initdb -D "$PG/primary" -U postgres --auth=trust --encoding=UTF8 \
  --locale=C.UTF-8 >/dev/null
as_postgres pg_ctl -D "$PG/primary" -l "$PG/primary.log" -w -o \
  "-p $PRIMARY_PORT -k $PG -c listen_addresses=127.0.0.1 -c wal_level=replica -c max_wal_senders=5" \
  start >/dev/null
as_postgres createdb -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres followup

say "2. Copy it into a standby with a replication slot, start that on another port"
as_postgres pg_basebackup -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -D "$PG/standby" \
  -R -X stream -C -S drill_standby --checkpoint=fast
as_postgres pg_ctl -D "$PG/standby" -l "$PG/standby.log" -w -o \
  "-p $STANDBY_PORT -k $PG -c listen_addresses=127.0.0.1 -c hot_standby=on" start >/dev/null
in_recovery=$(psql_at "$STANDBY_PORT" postgres 'SELECT pg_is_in_recovery()')
check "the standby is a hot standby (in recovery: $in_recovery)" '[ "$in_recovery" = t ]'
state=
for _ in $(seq 60); do
  state=$(psql_at "$PRIMARY_PORT" postgres "SELECT state FROM pg_stat_replication LIMIT 1")
  [ "$state" = streaming ] && break
  sleep 0.25
done
check "the primary streams to it (pg_stat_replication: $state)" '[ "$state" = streaming ]'

# -- The product on the primary: two councils, their audits and staff --------------------
export FOLLOWUP_DATABASE_URL=$PRIMARY/followup
export FOLLOWUP_EVIDENCE_DIR=$WORK/evidence
printf '+ export FOLLOWUP_DATABASE_URL=%s\n' "$FOLLOWUP_DATABASE_URL" >&3
say "3. Create the tables in the empty database"
run followup migrate --json >"$OUT/migrate.json"
migrated=$(jget "$OUT/migrate.json" 'd["migrated"]')
check "migrated: $migrated" '[ "$migrated" = true ]'

say "4. Register the two councils"
run followup councils add alpha 알파시의회 --json >"$OUT/council-alpha.json"
run followup councils add beta 베타구의회 --json >"$OUT/council-beta.json"
run followup councils list --json >"$OUT/councils.json"
councils=$(jget "$OUT/councils.json" 'sorted((c["code"], c["name"]) for c in d)')
check "councils registered: $councils" \
  '[ "$councils" = "[[\"alpha\", \"알파시의회\"], [\"beta\", \"베타구의회\"]]" ]'

say "5. Import the demo report into each council; beta also gets its 2018 audit"
SEED=$ROOT/demo/seed_2018_business_report.txt
AUDIT_2018=$ROOT/tests/fixtures/two_year/audit_2018.txt
run followup import "$SEED" --council alpha --json >"$OUT/import-alpha.json"
run followup import "$SEED" --council beta --json >"$OUT/import-beta.json"
run followup import "$AUDIT_2018" --council beta --json >"$OUT/import-beta-2018.json"
alpha_created=$(jget "$OUT/import-alpha.json" 'd["created"]')
beta_created=$(jget "$OUT/import-beta.json" 'd["created"]')
beta_2018=$(jget "$OUT/import-beta-2018.json" 'd["created"]')
alpha_audit=$(jget "$OUT/import-alpha.json" 'd["audit_id"]')
beta_audit=$(jget "$OUT/import-beta.json" 'd["audit_id"]')
check "imported: alpha $alpha_created findings, beta $beta_created + $beta_2018" \
  '[ "$alpha_created" = 56 ] && [ "$beta_created" = 56 ] && [ "$beta_2018" -gt 0 ]'
check "the demo report is an audit of each council (${alpha_audit:0:8}…, ${beta_audit:0:8}…)" \
  '[ "$alpha_audit" != "$beta_audit" ]'

say "6. Add a council staff account to each council (the password is read from stdin)"
ALPHA_PASSWORD=$("$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(18))')
BETA_PASSWORD=$("$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(18))')
printf '%s\n' "$ALPHA_PASSWORD" |
  run followup users add alpha-staff --role council_staff --council alpha --json \
    >"$OUT/user-alpha.json"
printf '%s\n' "$BETA_PASSWORD" |
  run followup users add beta-staff --role council_staff --council beta --json \
    >"$OUT/user-beta.json"

say "7. Each council's 총괄 on the command line, and every council's together"
run followup summary --json --council alpha >"$OUT/cli-alpha.json"
run followup summary --json --council beta >"$OUT/cli-beta.json"
run followup summary --json >"$OUT/cli-all.json"
alpha_total=$(jget "$OUT/cli-alpha.json" 'd["rows"]["total"]["total"]')
beta_total=$(jget "$OUT/cli-beta.json" 'd["rows"]["total"]["total"]')
all_total=$(jget "$OUT/cli-all.json" 'd["rows"]["total"]["total"]')
check "총괄 totals: alpha $alpha_total, beta $beta_total, together $all_total" \
  '[ "$alpha_total" -ne "$beta_total" ] && [ $((alpha_total + beta_total)) -eq "$all_total" ]'

# -- Two workers, reads from the replica --------------------------------------------------
say "8. Serve with two workers on the primary, reads from the standby"
printf '+ FOLLOWUP_READ_DATABASE_URL=%s FOLLOWUP_LOG_FORMAT=json followup serve --port %s --workers 2 &\n' \
  "$STANDBY/followup" "$HTTP_PORT" >&3
# A process group of its own (setsid), so that stopping it stops its workers too.
FOLLOWUP_READ_DATABASE_URL=$STANDBY/followup FOLLOWUP_LOG_FORMAT=json \
  setsid followup serve --host 127.0.0.1 --port "$HTTP_PORT" --workers 2 \
  >"$WORK/serve.log" 2>&1 </dev/null &
SERVE_PID=$!
run drill wait-health "$BASE/health" 180 "$SERVE_PID" >"$OUT/health.json"
health=$(jget "$OUT/health.json" 'd["status"]')
behind=$(jget "$OUT/health.json" 'sum(d["views_behind"].values())')
check "GET /health: $health, views behind: $behind" '[ "$health" = ok ]'
run drill workers "$BASE/health" 120 >"$OUT/workers.json"
both=$(jget "$OUT/workers.json" 'd["leading"] and d["standing_by"]')
check "two worker processes answer on one port: one leads, one stands by" '[ "$both" = true ]'

say "9. Sign in as each council's staff (POST /api/v1/session), read GET /api/v1/summary"
# (the password is left out of what is echoed)
for who in alpha beta; do
  password=$ALPHA_PASSWORD
  [ "$who" = beta ] && password=$BETA_PASSWORD
  printf '+ drill POST %s %s {"name": "%s-staff", "password": "…"}\n' \
    "$BASE/api/v1/session" "$WORK/$who.jar" "$who" >&3
  drill POST "$BASE/api/v1/session" "$WORK/$who.jar" \
    "{\"name\": \"$who-staff\", \"password\": \"$password\"}" >"$OUT/session-$who.json"
done
run drill GET "$BASE/api/v1/me" "$WORK/alpha.jar" >"$OUT/me-alpha.json"
run drill GET "$BASE/api/v1/me" "$WORK/beta.jar" >"$OUT/me-beta.json"
me_alpha=$(jget "$OUT/me-alpha.json" '[d["name"], d["council"], d["role"]]')
me_beta=$(jget "$OUT/me-beta.json" '[d["name"], d["council"], d["role"]]')
check "signed in: $me_alpha, $me_beta" \
  '[ "$me_alpha" = "[\"alpha-staff\", \"알파시의회\", \"council_staff\"]" ] &&
   [ "$me_beta" = "[\"beta-staff\", \"베타구의회\", \"council_staff\"]" ]'
# Scans of the 총괄's tables counted on the standby itself: the reads it answers.
replica_scans() {
  psql_at "$STANDBY_PORT" followup "SELECT coalesce(sum(seq_scan + coalesce(idx_scan, 0)), 0)
    FROM pg_stat_user_tables
    WHERE relname LIKE 'rm\_summary\_%' AND relname NOT LIKE '%\_tracking'"
}
scans_before=$(replica_scans)
run drill GET "$BASE/api/v1/summary" "$WORK/alpha.jar" >"$OUT/api-alpha.json"
run drill GET "$BASE/api/v1/summary" "$WORK/beta.jar" >"$OUT/api-beta.json"
api_alpha=$(jget "$OUT/api-alpha.json" 'd["rows"]["total"]["total"]')
api_beta=$(jget "$OUT/api-beta.json" 'd["rows"]["total"]["total"]')
check "alpha-staff's GET /api/v1/summary: $api_alpha findings, as summary --council alpha" \
  'drill same "$OUT/api-alpha.json" "$OUT/cli-alpha.json" views_behind'
check "beta-staff's GET /api/v1/summary: $api_beta findings, as summary --council beta" \
  'drill same "$OUT/api-beta.json" "$OUT/cli-beta.json" views_behind'
check "each council's staff get their own totals ($api_alpha vs $api_beta)" \
  '[ "$api_alpha" -ne "$api_beta" ]'
scans_after=$scans_before
for _ in $(seq 40); do # a backend's counts reach the statistics within a second or so
  scans_after=$(replica_scans)
  [ "$scans_after" -gt "$scans_before" ] && break
  sleep 0.25
done
check "the standby answered the 총괄 reads (its scans of the 총괄 tables: $scans_before → $scans_after)" \
  '[ "$scans_after" -gt "$scans_before" ]'

# -- A backup while the service runs, restored into a new database ------------------------
say "10. Back up while the service runs"
run followup backup --out "$WORK/drill.tar" --json >"$OUT/backup.json"
backup_sha=$(jget "$OUT/backup.json" 'd["sha256"]')
backup_events=$(jget "$OUT/backup.json" 'd["events"]')
file_sha=$(sha256sum "$WORK/drill.tar" | cut -d' ' -f1)
check "drill.tar: $backup_events events, sha256 ${backup_sha:0:12}… as the file's" \
  '[ "$file_sha" = "$backup_sha" ]'

say "11. Restore it into a new, empty database on the primary"
as_postgres createdb -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres followup_restored
RESTORED=$PRIMARY/followup_restored
run env FOLLOWUP_EVIDENCE_DIR="$WORK/evidence-restored" \
  followup restore "$WORK/drill.tar" --db "$RESTORED" --json >"$OUT/restore.json"
restored_events=$(jget "$OUT/restore.json" 'd["events"]')
restored_accounts=$(jget "$OUT/restore.json" 'd["accounts"]')
head=$(jget "$OUT/restore.json" 'd["chain_head"]')
check "restored: $restored_events events, $restored_accounts accounts" \
  '[ "$restored_events" = "$backup_events" ] && [ "$restored_accounts" = 2 ]'
run followup verify --db "$RESTORED" --expect-head "$head" --json >"$OUT/verify-restored.json"
run followup verify --expect-head "$head" --json >"$OUT/verify-live.json"
verified_restored=$(jget "$OUT/verify-restored.json" 'd["ok"]')
verified_live=$(jget "$OUT/verify-live.json" 'd["ok"]')
check "both histories verify and hold the backup's head ${head:0:12}…" \
  '[ "$verified_restored" = true ] && [ "$verified_live" = true ]'

say "12. Compare the restored councils and each council's 총괄 with the original's"
run followup councils list --db "$RESTORED" --json >"$OUT/councils-restored.json"
restored_councils=$(jget "$OUT/councils-restored.json" 'sorted((c["code"], c["name"]) for c in d)')
check "the restored database serves the same councils: $restored_councils" \
  'drill same "$OUT/councils.json" "$OUT/councils-restored.json"'
# (the original's 총괄 of each council is the one of step 7: the backup holds no other command)
for council in alpha beta; do
  run followup summary --json --council "$council" --db "$RESTORED" >"$OUT/restored-$council.json"
  restored_total=$(jget "$OUT/restored-$council.json" 'd["rows"]["total"]["total"]')
  check "$council: the restored 총괄 is the original's ($restored_total findings)" \
    'drill same "$OUT/cli-$council.json" "$OUT/restored-$council.json" views_behind'
done

# -- Stop everything ----------------------------------------------------------------------
say "13. Stop the service, then the standby and the primary"
run kill -TERM -- "-$SERVE_PID"
for _ in $(seq 80); do kill -0 "$SERVE_PID" 2>/dev/null || break; sleep 0.25; done
check "the service stopped on SIGTERM" '! kill -0 "$SERVE_PID" 2>/dev/null'
SERVE_PID=
as_postgres pg_ctl -D "$PG/standby" -m fast -w stop >/dev/null
as_postgres pg_ctl -D "$PG/primary" -m fast -w stop >/dev/null

printf '\nDRILL PASSED in %d s\n' $(($(date +%s) - started_at)) >&3
