#!/usr/bin/env bash
# Runs every test: domain, storage (SQLite and a real PostgreSQL), HTTP and CLI end to end, and the pages in
# headless Chromium. Installs and starts what it needs (PostgreSQL 15, Chromium). Ends with one line:
# "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")"
root=$(pwd)
results="$root/artifacts/test-results"
rm -rf "$results"; mkdir -p "$results"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

need_apt=()
[ -x /usr/lib/postgresql/15/bin/initdb ] || need_apt+=(postgresql)
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
# A CJK font, so the pages' Chinese labels render in the browser tests' screenshots.
[ -e /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || need_apt+=(fonts-wqy-zenhei)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "== installing ${need_apt[*]}"
  if [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}") >"$results/apt.log" 2>&1 \
      || { echo "apt-get install ${need_apt[*]} failed; see $results/apt.log"; }
  else
    echo "not root: cannot install ${need_apt[*]}"
  fi
fi

pg_dir=""
cleanup() {
  if [ -n "$pg_dir" ] && [ -d "$pg_dir" ]; then
    runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$pg_dir"
  fi
}
trap cleanup EXIT

if [ -z "${CITYBRAIN_TEST_PG:-}" ]; then
  # A throwaway PostgreSQL 15 on 127.0.0.1, owned by the postgres user, gone when the tests end.
  bin=/usr/lib/postgresql/15/bin
  if [ -x "$bin/initdb" ]; then
    pg_dir=$(mktemp -d /tmp/citybrain-pg.XXXXXX)
    chown postgres "$pg_dir" 2>/dev/null || true
    port=$(( 55000 + RANDOM % 5000 ))
    cd /
    if runuser -u postgres -- "$bin/initdb" -D "$pg_dir/data" -A trust -U postgres -E UTF8 >"$results/pg-initdb.log" 2>&1 &&
       runuser -u postgres -- "$bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 60 \
         -o "-p $port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" start >/dev/null; then
      export CITYBRAIN_TEST_PG="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
      echo "== PostgreSQL 15 on 127.0.0.1:$port"
    else
      echo "could not start PostgreSQL; see $results/pg-initdb.log"
    fi
    cd "$root"
  fi
fi
# Without a server the PostgreSQL tests fail (CI) rather than skip: set CITYBRAIN_TEST_PG=skip to skip them by hand.
export CITYBRAIN_TEST_PG="${CITYBRAIN_TEST_PG:-unavailable}"

echo "== build"
if ! dotnet build CityBrain.slnx -c Release -nologo -v q -clp:ErrorsOnly >"$results/build.log" 2>&1; then
  cat "$results/build.log" | tail -40
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
fi

status=0
for project in tests/*/; do
  name=$(basename "$project")
  echo "== $name"
  dotnet test "$project" -c Release --no-build -nologo -v q \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=minimal" \
    --results-directory "$results" 2>&1 | grep -vE '^\s*$' | tail -30 || true
  [ -f "$results/$name.trx" ] || { echo "$name produced no results"; status=1; }
done

passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  get() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
  total=$(get total); executed=$(get executed); p=$(get passed); f=$(get failed)
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
  skipped=$((skipped + ${total:-0} - ${executed:-0}))
done
[ "$failed" -gt 0 ] && status=1
[ "$passed" -eq 0 ] && status=1
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
