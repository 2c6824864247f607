# Sourced by scripts/test.sh: private Redis servers for the tests, on 127.0.0.1 and ports
# of their own, in a temporary directory, stopped on exit. Uses the caller's log function.
#
#   ensure_redis_server   installs redis-server from the OS packages when it is missing
#                         (apt-get, as root or through passwordless sudo), else explains
#   start_redis_servers   a standalone server and a 3-node cluster (no replicas); exports
#                         LIMITRATE_REDIS_URL and LIMITRATE_REDIS_CLUSTER_NODES
#   stop_redis_servers    stops them (registered as an EXIT trap by start_redis_servers)
#
# Set LIMITRATE_REDIS_URL yourself to test against a server of your own: then nothing is
# started for the standalone tests.

ensure_redis_server() {
  command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1 && return 0
  log "redis-server is missing: installing it from the OS packages"
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo -n"
  if command -v apt-get >/dev/null 2>&1 \
    && $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 \
    && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null 2>&1; then
    return 0
  fi
  echo "redis-server is needed by the tests and could not be installed: install it (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis) and run again" >&2
  exit 1
}

# A free TCP port on 127.0.0.1, from the kernel.
free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

REDIS_DIR=""
REDIS_PIDS=()

# redis_start <port> [extra args...]: starts a server in the background and waits for PING.
redis_start() {
  local port=$1
  shift
  local dir="$REDIS_DIR/$port"
  mkdir -p "$dir"
  redis-server --bind 127.0.0.1 --port "$port" --dir "$dir" --save '' --appendonly no \
    --daemonize no --logfile "$dir/redis.log" "$@" &
  REDIS_PIDS+=("$!")
  for _ in $(seq 1 100); do
    redis-cli -p "$port" ping >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  echo "redis-server on port $port did not start: see $dir/redis.log" >&2
  cat "$dir/redis.log" >&2 || true
  exit 1
}

start_redis_servers() {
  REDIS_DIR=$(mktemp -d "${TMPDIR:-/tmp}/limitrate-redis.XXXXXX")
  trap stop_redis_servers EXIT
  if [ -z "${LIMITRATE_REDIS_URL:-}" ]; then
    local port
    port=$(free_port)
    redis_start "$port"
    export LIMITRATE_REDIS_URL="redis://127.0.0.1:$port"
  fi
  if [ -z "${LIMITRATE_REDIS_CLUSTER_NODES:-}" ]; then
    local nodes=() p
    for _ in 1 2 3; do
      p=$(free_port)
      # The cluster bus uses port + 10000: pick again while that one is taken.
      while ! node -e "const s=require('net').createServer();s.on('error',()=>process.exit(1));s.listen($p+10000,'127.0.0.1',()=>s.close())" 2>/dev/null || [ "$p" -gt 55535 ]; do p=$(free_port); done
      redis_start "$p" --cluster-enabled yes --cluster-config-file "nodes-$p.conf" --cluster-node-timeout 2000
      nodes+=("127.0.0.1:$p")
    done
    redis-cli --cluster create "${nodes[@]}" --cluster-replicas 0 --cluster-yes >"$REDIS_DIR/cluster-create.log" 2>&1 \
      || { cat "$REDIS_DIR/cluster-create.log" >&2; echo "could not create the Redis cluster" >&2; exit 1; }
    # Every node must see the whole cluster before the tests start.
    local node ok
    for _ in $(seq 1 150); do
      ok=1
      for node in "${nodes[@]}"; do
        redis-cli -p "${node#*:}" cluster info 2>/dev/null | grep -q 'cluster_state:ok' || { ok=0; break; }
      done
      [ "$ok" = 1 ] && break
      sleep 0.1
    done
    [ "$ok" = 1 ] || { echo "the Redis cluster did not become ready" >&2; exit 1; }
    export LIMITRATE_REDIS_CLUSTER_NODES
    LIMITRATE_REDIS_CLUSTER_NODES=$(IFS=,; echo "${nodes[*]}")
  fi
  log "redis: standalone $LIMITRATE_REDIS_URL, cluster $LIMITRATE_REDIS_CLUSTER_NODES"
}

stop_redis_servers() {
  local pid
  for pid in "${REDIS_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${REDIS_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  REDIS_PIDS=()
  [ -n "$REDIS_DIR" ] && rm -rf "$REDIS_DIR"
  REDIS_DIR=""
}
