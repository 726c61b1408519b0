# Sourced by the end-to-end tests that need the PostgreSQL fixture's server (pg_server.sh):
#   source pg_fixture.sh; url=$(pg_fixture_url "$PG_DIR")
# prints the server's URL, or exits 77 (skipped) when the fixture has no server, unless
# CI=true: then it fails.
pg_fixture_url() {
  local pg="$1"
  if [[ -f "$pg/unavailable" || ! -f "$pg/url" ]]; then
    local reason
    reason=$(cat "$pg/unavailable" 2>/dev/null || echo "the PostgreSQL fixture did not start")
    if [[ "${CI:-}" == "true" ]]; then echo "FAIL: $reason (CI=true)" >&2; exit 1; fi
    echo "SKIP: $reason" >&2
    exit 77
  fi
  cat "$pg/url"
}
