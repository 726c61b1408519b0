#!/usr/bin/env bash
# No password reaches an output, on a real server: kohort fit, report and check with a
# PostgreSQL store and a PostgreSQL source whose URLs carry a password (the fixture's server
# trusts local connections, so the password is carried but not needed), well-formed and
# malformed. Every stdout, stderr, written file and stored row is searched for it.
#   secrets_postgres_test.sh KOHORT PG_DIR WORK_DIR
# Exit 77 (skipped) when the fixture has no server, unless CI=true: then it fails.
set -uo pipefail
kohort=$(realpath "$1") pg="$2" work="$3"
export PGOPTIONS="--client-min-messages=warning"
# shellcheck source=/dev/null
source "$(dirname "$0")/pg_fixture.sh"
fixture=$(pg_fixture_url "$pg") || exit $?
host=$(sed 's/.*host=\([^&]*\).*/\1/' <<<"$fixture")
port=$(sed 's/.*port=\([0-9]*\).*/\1/' <<<"$fixture")
secret=S3cretPW
psql_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)/psql
# A database of its own: other tests publish to the fixture's default one at the same time.
"$psql_bin" "$fixture" -qc "DROP DATABASE IF EXISTS kohort_secrets" -c "CREATE DATABASE kohort_secrets" >/dev/null ||
  { echo "FAIL: cannot create the test database" >&2; exit 1; }
db="postgresql:///kohort_secrets?host=$host&port=$port&user=postgres"
url="postgresql://postgres:$secret@/kohort_secrets?host=$host&port=$port"
rm -rf "$work"
mkdir -p "$work"
cd "$work" || exit 1
fail=0
no_leak() {  # no_leak WHAT FILE...
  local what=$1
  shift
  if grep -l -- "$secret" "$@" >/dev/null 2>&1 || grep -l -- "S3c" "$@" >/dev/null 2>&1; then
    echo "FAIL: the password leaked in $what: $(grep -h -- "S3c" "$@" | head -c 400)" >&2
    fail=1
  fi
}
expect_exit() {  # expect_exit CODE WHAT COMMAND...
  local want=$1 what=$2
  shift 2
  "$@" >out.txt 2>err.txt
  local got=$?
  if [[ $got != "$want" ]]; then
    echo "FAIL: $what exited $got, expected $want: $(head -c 400 err.txt)" >&2
    fail=1
  fi
  no_leak "$what" out.txt err.txt
}

"$kohort" simulate --customers 600 --seed 3 --out data >/dev/null 2>&1
expect_exit 0 "fit publishing to the store" "$kohort" fit data --k 3 --store "$url" --json --out segments
no_leak "the fit's output folder" segments/*
expect_exit 0 "fit with an upper-case scheme" "$kohort" fit data --k 3 --store "POSTGRESQL${url#postgresql}" --no-store
expect_exit 0 "report" "$kohort" report --store "$url" --out report.html --data report.json --json
no_leak "the report" report.html report.json
# What the store itself holds.
"$psql_bin" "$db" -Atc "SELECT command, options_json, error FROM runs; SELECT model_json FROM model_versions" \
  >stored.txt 2>&1 || { echo "FAIL: cannot read the store back: $(cat stored.txt)" >&2; fail=1; }
grep -q '"store":"postgresql://postgres:\*\*\*@' stored.txt || { echo "FAIL: the run record lacks the redacted store" >&2; fail=1; }
no_leak "the store's runs and models" stored.txt

# Malformed URLs: refused clearly, the password nowhere.
for bad in "postgresql://postgres:S3cr%zzPW@/kohort_secrets?host=$host&port=$port" \
           "postgresql://postgres:S3c/retPW@/kohort_secrets?host=$host&port=$port" \
           "postgresql://postgres:S3cretPW@[::1/kohort_secrets" \
           "postgresql://postgres:S3cretPW@127.0.0.1:notaport/postgres"; do
  expect_exit 1 "fit with the store $bad" "$kohort" fit data --k 3 --store "$bad" --json
  grep -q '"code":' out.txt || { echo "FAIL: no JSON error for $bad" >&2; fail=1; }
done

# A PostgreSQL source in kohort.toml.
columns=$(head -n 1 data/transactions.csv | sed 's/,/ text, /g; s/$/ text/')
"$psql_bin" "$db" -qc "DROP TABLE IF EXISTS tx; CREATE TABLE tx ($columns)" >/dev/null
"$psql_bin" "$db" -qc "\\copy tx FROM '$work/data/transactions.csv' WITH (FORMAT csv, HEADER true)" >/dev/null
mkdir -p source
printf '[transactions]\npostgresql = "%s"\ntable = "tx"\n' "$url" >source/kohort.toml
expect_exit 0 "check of a PostgreSQL source" "$kohort" check source --json
grep -q '"segmentable": true' out.txt || { echo "FAIL: the source was not read: $(head -c 300 err.txt)" >&2; fail=1; }
printf '[transactions]\npostgresql = "%s"\ntable = "tx"\n' "postgresql://postgres:S3cr%zzPW@/kohort_secrets?host=$host&port=$port" >source/kohort.toml
expect_exit 1 "check of a source with a malformed URL" "$kohort" check source --json
printf '[transactions]\npostgresql = "%s"\ntable = "tx"\n' "postgresql://postgres:S3c/retPW@/kohort_secrets?host=$host&port=$port" >source/kohort.toml
expect_exit 1 "check of a source with an unencoded / in the password" "$kohort" check source --json

if ((fail)); then exit 1; fi
echo "ok: no password in any output, file or stored row"
