# Sourced by scripts: a private, throwaway PostgreSQL cluster on a temporary
# directory and port, for tests and benchmarks.
#
#   pg_start PORT   starts it; sets PG_URL (postgres://latchkey@127.0.0.1:PORT/postgres)
#                   and returns 1 (changing nothing) when PostgreSQL is not installed,
#                   2 when it did not start (the port taken, say)
#   pg_stop         stops and removes it (safe to call twice)
#
# Trust authentication is safe here: the cluster listens on loopback only,
# lives in a fresh temporary directory, and is removed when stopped.

PG_DIR=""
PG_URL=""
_pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
_as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

pg_start() {
  local port=$1
  [ -n "$_pg_bin" ] || return 1
  if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then return 1; fi
  PG_DIR=$(mktemp -d /tmp/latchkey-pg.XXXXXX)
  [ "$(id -u)" -eq 0 ] && chown postgres "$PG_DIR"
  _as_pg "$_pg_bin/initdb" -D "$PG_DIR/data" --auth=trust -U latchkey >"$PG_DIR/initdb.log"
  _as_pg "$_pg_bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w \
    -o "-p $port -k $PG_DIR -c listen_addresses=127.0.0.1 ${PG_EXTRA_OPTIONS:-}" start >/dev/null \
    || { echo "PostgreSQL did not start on port $port: see $PG_DIR/server.log" >&2; return 2; }
  PG_URL="postgres://latchkey@127.0.0.1:$port/postgres"
}

pg_stop() {
  if [ -n "$PG_DIR" ] && [ -f "$PG_DIR/data/postmaster.pid" ]; then
    _as_pg "$_pg_bin/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
  fi
  [ -n "$PG_DIR" ] && rm -rf "$PG_DIR"
  PG_DIR=""
  return 0
}
