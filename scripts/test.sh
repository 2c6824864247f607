#!/usr/bin/env bash
# The whole test suite from a fresh clone: installs the toolchain and dependencies,
# starts what the tests need (Redis, promtool), builds every package and runs every test project.
# Usage: npm test [-- vitest args]
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1 TURBO_NO_UPDATE_NOTIFIER=1 DO_NOT_TRACK=1

log() { printf '\033[1;34m[test]\033[0m %s\n' "$*"; }

# 1. pnpm.
. scripts/ensure-pnpm.sh

# 2. Dependencies (fast when already installed).
log "pnpm install"
pnpm install --frozen-lockfile --reporter=silent

# 3. Build: tests of adapters, workerd and benchmarks use the built packages.
log "building packages"
pnpm -s build --output-logs=errors-only

# 4. Servers the tests need: a private redis-server and a 3-node Redis cluster on ports of
#    their own (installed from the OS packages if missing), stopped when this script exits.
. scripts/redis-servers.sh
ensure_redis_server
start_redis_servers

# 5. Tools the tests run: promtool (checks the Prometheus exposition), tmux (runs the CLI dashboard).
. scripts/tools.sh
ensure_promtool
ensure_tmux

# 6. Every test project listed in vitest.workspace.ts.
log "running tests"
pnpm exec vitest run "$@"
