# Starts a throwaway PostgreSQL and Redis on free loopback ports in a temporary folder, for the
# tests; stop_services stops them and deletes the folder (callers trap it on EXIT, so it also
# runs on failure).
# Sourced by scripts/test after packages.sh. PostgreSQL refuses to run as root: as root the
# cluster belongs to Debian's 'postgres' system user; otherwise to whoever runs the script.
# Passwords are random per run. Exports LNA_TEST_POSTGRES and LNA_TEST_REDIS for the tests.

services_dir=""
services_pids=()

stop_services() {
  [ -n "$services_dir" ] || return 0
  if [ -f "$services_dir/pg/data/postmaster.pid" ]; then
    as_pg_owner "$pg_bin/pg_ctl" -D "$services_dir/pg/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  if [ -f "$services_dir/redis/redis.pid" ]; then
    local pid
    pid=$(cat "$services_dir/redis/redis.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -rf "$services_dir"
  services_dir=""
}

as_pg_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# A port nothing listens on (a connection to it is refused), below the kernel's ephemeral range
# (ip_local_port_range starts at 32768 on Linux): a port there can be some outgoing connection's
# local port, which connects as "refused" but cannot be bound.
free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$((20000 + RANDOM % 12000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return 0; fi
  done
  echo "No free loopback port found." >&2
  return 1
}

random_secret() { head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n'; }

start_postgres() {
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -x "$pg_bin/initdb" ] || { echo "PostgreSQL's initdb is not under /usr/lib/postgresql/*/bin; install Debian's postgresql." >&2; return 1; }
  local dir="$services_dir/pg" password port
  password=$(random_secret)
  port=$(free_port)
  mkdir -p "$dir"
  printf '%s\n' "$password" > "$dir/password"
  chmod 600 "$dir/password"
  [ "$(id -u)" -eq 0 ] && chown -R postgres:postgres "$dir"
  # A test cluster: C collation (ordinal order, like the app's own sorting), no fsync (the
  # tests kill the app, never PostgreSQL; LNA_PG_DURABLE=1 keeps PostgreSQL's defaults, for
  # benchmarks), room for the connection pools of parallel tests.
  local durability="-c fsync=off -c full_page_writes=off"
  [ "${LNA_PG_DURABLE:-0}" = 1 ] && durability=""
  as_pg_owner "$pg_bin/initdb" -D "$dir/data" -U lna --pwfile="$dir/password" --auth-local=trust --auth-host=scram-sha-256 \
    --no-locale --encoding=UTF8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; return 1; }
  as_pg_owner "$pg_bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c max_connections=400 $durability" \
    start >/dev/null || { cat "$dir/server.log" >&2; return 1; }
  export LNA_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Database=postgres;Username=lna;Password=$password"
  echo "==> PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
}

start_redis() {
  local dir="$services_dir/redis" password port
  password=$(random_secret)
  port=$(free_port)
  mkdir -p "$dir"
  cat > "$dir/redis.conf" <<CONF
bind 127.0.0.1
port $port
requirepass $password
save ""
appendonly no
daemonize yes
dir $dir
pidfile $dir/redis.pid
logfile $dir/redis.log
CONF
  chmod 600 "$dir/redis.conf"
  redis-server "$dir/redis.conf" || { cat "$dir/redis.log" >&2; return 1; }
  for _ in $(seq 1 100); do
    [ "$(REDISCLI_AUTH="$password" redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = PONG ] && break
    sleep 0.1
  done
  [ "$(REDISCLI_AUTH="$password" redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = PONG ] || { cat "$dir/redis.log" >&2; return 1; }
  export LNA_TEST_REDIS="127.0.0.1:$port,password=$password"
  echo "==> Redis $(redis-server --version | awk '{print $3}' | tr -d 'v=') on 127.0.0.1:$port"
}

start_services() {
  services_dir=$(mktemp -d /tmp/lna-services-XXXXXX)
  chmod 755 "$services_dir"
  start_postgres
  start_redis
}
