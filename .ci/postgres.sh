#!/usr/bin/env bash
# Starts a private, throw-away PostgreSQL server for flexcord's store contract tests and sets
# FLEXCORD_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:55432/flexcord_test
#
# Use either way:
#   source .ci/postgres.sh                 # exports the variable into this shell
#   eval "$(.ci/postgres.sh)"              # the script prints an `export …` line
# On GitHub Actions it also appends the variable to $GITHUB_ENV for later steps.
#
# Idempotent: when a server already answers on the port, it is reused. Otherwise the data
# directory is reset and a fresh cluster is created. The server listens on 127.0.0.1 only,
# with its own socket directory, trust authentication and fsync off: a test fixture, never a
# place for data you want to keep. Stop it with:
#   pg_ctl -D /tmp/flexcord-pg/data stop     (as the postgres user when run as root)
#
# Knobs: FLEXCORD_PG_PORT (55432), FLEXCORD_PG_BASE (/tmp/flexcord-pg).

flexcord_pg_main() {
    set -euo pipefail

    local port="${FLEXCORD_PG_PORT:-55432}"
    local base="${FLEXCORD_PG_BASE:-/tmp/flexcord-pg}"
    local data="$base/data" socket="$base/socket" log="$base/server.log"
    local db="flexcord_test"

    log() { echo "postgres.sh: $*" >&2; }

    # Newest installed server binaries: PATH first, then Debian's versioned directories.
    find_bindir() {
        local pg_ctl
        if pg_ctl="$(command -v pg_ctl 2>/dev/null)" && [ -x "$(dirname "$(readlink -f "$pg_ctl")")/initdb" ]; then
            dirname "$(readlink -f "$pg_ctl")"
            return 0
        fi
        local dir
        dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
        if [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
            echo "$dir"
            return 0
        fi
        return 1
    }

    local bindir
    if ! bindir="$(find_bindir)"; then
        log "PostgreSQL server binaries not found; installing the Debian package"
        local sudo=""
        [ "$(id -u)" -eq 0 ] || sudo="sudo"
        $sudo apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >&2
        bindir="$(find_bindir)" || { log "no initdb/pg_ctl after installing postgresql"; return 1; }
    fi

    # PostgreSQL refuses to run as root: as root, run the server as the postgres user.
    local owner
    owner="$(id -un)"
    as_owner() { (cd / && "$@"); }
    if [ "$(id -u)" -eq 0 ]; then
        owner="postgres"
        id postgres >/dev/null 2>&1 || useradd --system --home-dir "$base" --shell /bin/sh postgres
        as_owner() { (cd / && runuser -u postgres -- "$@"); }
    fi

    if "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port"; then
        log "reusing the server already listening on 127.0.0.1:$port"
    else
        log "creating a fresh cluster in $data ($bindir)"
        # A cluster left behind by a previous run may still be half-running on its socket.
        if [ -f "$data/postmaster.pid" ]; then
            as_owner "$bindir/pg_ctl" -D "$data" -m immediate stop >/dev/null 2>&1 || true
        fi
        rm -rf "$base"
        mkdir -p "$data" "$socket"
        chown -R "$owner" "$base"
        chmod 700 "$data"
        as_owner "$bindir/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 \
            --no-instructions >/dev/null
        as_owner "$bindir/pg_ctl" -D "$data" -l "$log" -w -t 60 \
            -o "-c listen_addresses=127.0.0.1 -p $port -k $socket -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
            start >/dev/null || { log "server did not start; its log:"; cat "$log" >&2; return 1; }
    fi

    local tries=0
    until "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres; do
        tries=$((tries + 1))
        if [ "$tries" -ge 60 ]; then log "server not ready after 30 s"; return 1; fi
        sleep 0.5
    done

    local psql=("$bindir/psql" -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1)
    if [ "$("${psql[@]}" -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'")" != "1" ]; then
        "${psql[@]}" -c "CREATE DATABASE $db" >/dev/null
    fi

    echo "postgres://postgres@127.0.0.1:$port/$db"
}

flexcord_pg_url="$( (flexcord_pg_main) )" || {
    echo "postgres.sh: failed" >&2
    unset flexcord_pg_url
    # `return` when sourced, `exit` when run.
    return 1 2>/dev/null || exit 1
}
export FLEXCORD_TEST_POSTGRES_URL="$flexcord_pg_url"
unset flexcord_pg_url
unset -f flexcord_pg_main
if [ -n "${GITHUB_ENV:-}" ]; then
    echo "FLEXCORD_TEST_POSTGRES_URL=$FLEXCORD_TEST_POSTGRES_URL" >>"$GITHUB_ENV"
fi
echo "export FLEXCORD_TEST_POSTGRES_URL=$FLEXCORD_TEST_POSTGRES_URL"
