#!/usr/bin/env bash
# A throwaway PostgreSQL server for the store tests (a CTest fixture).
#   pg_server.sh start DIR   initdb into a fresh temporary directory and start a server that
#                            listens only on a Unix socket in it, on a free port; write the
#                            connection URL to DIR/url.
#   pg_server.sh stop DIR    stop that server and delete its files.
# As root the server runs as the `postgres` user (PostgreSQL refuses root). When the server
# binaries are missing, start writes the reason to DIR/unavailable and exits 0: the tests then
# fail with that reason under CI=true and skip otherwise; so do they when the server does not
# start (the fixture itself then fails under CI=true). Binaries: $PG_BIN, else the newest
# /usr/lib/postgresql/*/bin.
set -euo pipefail

cmd=${1:-}
dir=${2:-}
if [[ -z "$cmd" || -z "$dir" ]]; then
  echo "usage: $0 start|stop DIR" >&2
  exit 2
fi

as_server_user() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

stop() {
  if [[ -f "$dir/datadir" ]]; then
    local data
    data=$(cat "$dir/datadir")
    local bin
    bin=$(cat "$dir/bin" 2>/dev/null || true)
    if [[ -n "$bin" && -f "$data/pgdata/postmaster.pid" ]]; then
      as_server_user "$bin/pg_ctl" -D "$data/pgdata" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    case "$data" in
      /tmp/kohort-pg.*) rm -rf -- "$data" ;;
    esac
  fi
  rm -f "$dir/url" "$dir/unavailable" "$dir/datadir" "$dir/bin"
}

case "$cmd" in
  stop)
    stop
    exit 0
    ;;
  start) ;;
  *)
    echo "usage: $0 start|stop DIR" >&2
    exit 2
    ;;
esac

mkdir -p "$dir"
stop  # a server left over from an interrupted run

# A server that does not start: the tests report the reason (and skip, unless CI=true). Under
# CI=true this fixture fails too, so that the log shows the reason next to the fixture.
fail() {
  echo "$1" | tr '\n' ' ' >"$dir/unavailable"
  echo "$1" >&2
  if [[ "${CI:-}" == "true" ]]; then exit 1; fi
  exit 0
}

bin=${PG_BIN:-}
if [[ -z "$bin" ]]; then
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
fi
if [[ -z "$bin" || ! -x "$bin/initdb" || ! -x "$bin/pg_ctl" ]]; then
  echo "PostgreSQL server binaries (initdb, pg_ctl) not found in ${bin:-/usr/lib/postgresql/*/bin}; install the postgresql package (scripts/setup)" >"$dir/unavailable"
  cat "$dir/unavailable" >&2
  exit 0
fi

if [[ $(id -u) -eq 0 ]] && ! id postgres >/dev/null 2>&1; then
  fail "running as root but there is no 'postgres' user to run the server as; install the postgresql package (it creates the user)"
fi

# A short path: a Unix socket path must fit in about 100 bytes.
data=$(mktemp -d /tmp/kohort-pg.XXXXXX)
echo "$data" >"$dir/datadir"
echo "$bin" >"$dir/bin"
if [[ $(id -u) -eq 0 ]]; then
  chown postgres: "$data"
fi

# A port nobody listens on over TCP; the server itself listens on the socket only, whose name
# carries the port.
port=
for _ in $(seq 1 50); do
  candidate=$((20000 + RANDOM % 40000))
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then
    port=$candidate
    break
  fi
done
port=${port:-54329}


as_server_user "$bin/initdb" -D "$data/pgdata" -U postgres --auth=trust --no-locale -E UTF8 \
  >"$data/initdb.log" 2>&1 || fail "initdb failed: $(tail -n 5 "$data/initdb.log")"
# fsync off: the tests kill clients, never this server, so durability does not matter here.
as_server_user "$bin/pg_ctl" -D "$data/pgdata" -l "$data/server.log" -w -t 60 \
  -o "-k $data -p $port -c listen_addresses= -c fsync=off -c max_connections=50" start \
  >/dev/null 2>&1 || fail "pg_ctl start failed: $(tail -n 5 "$data/server.log" 2>/dev/null)"

echo "postgresql:///postgres?host=$data&port=$port&user=postgres" >"$dir/url"
echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on $data, port $port" >&2
