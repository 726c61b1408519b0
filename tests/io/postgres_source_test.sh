#!/usr/bin/env bash
# Events read from PostgreSQL tables and a query give the same features as the same events
# read from CSV files; a wrong table and an unreachable server are clear errors (exit 1) that
# never print the connection string's password.
#   postgres_source_test.sh KOHORT PG_DIR WORK_DIR
# Exit 77 (skipped) when the fixture has no server, unless CI=true: then it fails.
set -euo pipefail
kohort="$1" pg="$2" work="$3"
# shellcheck source=/dev/null
source "$(dirname "$0")/../store/pg_fixture.sh"
url=$(pg_fixture_url "$pg")
psql=("$(cat "$pg/bin")/psql" -X -q -v ON_ERROR_STOP=1 "$url")
rm -rf "$work"
mkdir -p "$work/db"
"$kohort" simulate --customers 1500 --seed 3 --out "$work/csv" -q
rm -f "$work/csv/truth.csv"
schema="events_$$"
# Typed columns, so that the rows come back in PostgreSQL's own forms: timestamptz in the
# server's time zone ("2023-02-10 21:10:53+01"), numeric, boolean ("t"/"f").
"${psql[@]}" <<SQL
DROP SCHEMA IF EXISTS $schema CASCADE;
CREATE SCHEMA $schema;
SET TIME ZONE 'Europe/Berlin';
CREATE TABLE $schema.orders (customer_id text, order_id text, ordered_at timestamptz,
  amount numeric(12, 2), quantity integer, product_id text, category text, channel text,
  payment_method text, discount numeric, returned boolean);
CREATE TABLE $schema.sessions (customer_id text, timestamp timestamptz, duration_s integer,
  pages integer, category text, search integer, device text);
CREATE TABLE $schema.customers (customer_id text, signup_date date, region text, age integer,
  loyalty_tier text, gender text, email text);
\copy $schema.orders FROM '$work/csv/transactions.csv' WITH (FORMAT csv, HEADER true)
\copy $schema.sessions FROM '$work/csv/sessions.csv' WITH (FORMAT csv, HEADER true)
\copy $schema.customers FROM '$work/csv/customers.csv' WITH (FORMAT csv, HEADER true)
SQL
# The PostgreSQL dataset: transactions and sessions from tables, customers from a query; the
# other streams stay files.
cp "$work/csv/emails.csv" "$work/csv/support.csv" "$work/csv/referrals.csv" "$work/db/"
cat > "$work/db/kohort.toml" <<TOML
[transactions]
postgresql = "$url&options=-c%20TimeZone%3DAmerica/New_York"
table = "$schema.orders"
time = "ordered_at"

[sessions]
postgresql = "$url"
table = "$schema.sessions"

[customers]
postgresql = "$url"
query = "SELECT customer_id, signup_date, region, age, loyalty_tier, gender, email FROM $schema.customers ORDER BY age;"
TOML
"$kohort" features "$work/csv" --out "$work/csv.csv" --threads 2 2> "$work/csv.log"
"$kohort" features "$work/db" --out "$work/db.csv" --threads 2 2> "$work/db.log"
grep -q "postgresql:$schema.orders: " "$work/db.log" || { cat "$work/db.log" >&2; echo "FAIL: the orders table was not reported" >&2; exit 1; }
if grep -q "$url" "$work/db.log"; then echo "FAIL: the connection string was printed" >&2; exit 1; fi
cmp -s "$work/csv.csv" "$work/db.csv" || {
  diff <(head -3 "$work/csv.csv") <(head -3 "$work/db.csv") >&2 || true
  echo "FAIL: features from PostgreSQL differ from features from the same rows in CSV" >&2
  exit 1
}
rows=$(($(wc -l < "$work/db.csv") - 1))
[[ $rows -gt 1000 ]] || { echo "FAIL: only $rows customers" >&2; exit 1; }

# A table that does not exist: exit 1, naming kohort.toml:line:column and the server's message.
sed -i "s/table = \"$schema.sessions\"/table = \"$schema.no_such_table\"/" "$work/db/kohort.toml"
set +e
"$kohort" features "$work/db" --out "$work/bad.csv" 2> "$work/bad.log"
code=$?
set -e
[[ $code -eq 1 ]] || { cat "$work/bad.log" >&2; echo "FAIL: exit $code for a missing table (want 1)" >&2; exit 1; }
grep -q "kohort.toml:7:" "$work/bad.log" && grep -q "no_such_table" "$work/bad.log" || {
  cat "$work/bad.log" >&2; echo "FAIL: the error does not name kohort.toml:7 and the table" >&2; exit 1; }
[[ ! -e "$work/bad.csv" ]] || { echo "FAIL: an output was written despite the error" >&2; exit 1; }

# A query the server rejects: the position is given in the user's query.
cat > "$work/db/kohort.toml" <<TOML
[transactions]
postgresql = "$url"
query = "SELECT customer_id, ordered_at AS timestamp, amount FROM $schema.orders WHERE amount > 'x'"
TOML
set +e
"$kohort" features "$work/db" --out "$work/bad.csv" 2> "$work/query.log"
code=$?
set -e
[[ $code -eq 1 ]] || { cat "$work/query.log" >&2; echo "FAIL: exit $code for a bad query (want 1)" >&2; exit 1; }
grep -q "kohort.toml:2:.*PostgreSQL: invalid input syntax.*(at character" "$work/query.log" || {
  cat "$work/query.log" >&2; echo "FAIL: the query error does not say where" >&2; exit 1; }

# An unreachable server: exit 1, a clear message, and the password never printed.
cat > "$work/db/kohort.toml" <<TOML
[transactions]
postgresql = "postgresql://shop:s3cret-pw@127.0.0.1:1/shop?connect_timeout=3"
table = "orders"
TOML
set +e
"$kohort" features "$work/db" --out "$work/bad.csv" 2> "$work/down.log"
code=$?
set -e
[[ $code -eq 1 ]] || { cat "$work/down.log" >&2; echo "FAIL: exit $code for an unreachable server (want 1)" >&2; exit 1; }
grep -q "cannot connect to PostgreSQL" "$work/down.log" || { cat "$work/down.log" >&2; echo "FAIL: no connection error" >&2; exit 1; }
if grep -q "s3cret-pw" "$work/down.log"; then echo "FAIL: the password was printed" >&2; exit 1; fi

"${psql[@]}" -c "DROP SCHEMA $schema CASCADE"
echo "ok: $rows customers' features identical from PostgreSQL and from CSV; errors clear"
