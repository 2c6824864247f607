#!/usr/bin/env bash
# The whole test suite from a fresh clone: installs the toolchain and dependencies,
# starts what the tests need, builds every package and runs every test project.
# Usage: npm test [-- vitest args]
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1 TURBO_NO_UPDATE_NOTIFIER=1 DO_NOT_TRACK=1

log() { printf '\033[1;34m[test]\033[0m %s\n' "$*"; }

# 1. pnpm (the version pinned in package.json's packageManager field).
if ! command -v pnpm >/dev/null 2>&1; then
  log "installing pnpm 10"
  npm install -g pnpm@10 >/dev/null 2>&1 \
    || { corepack enable >/dev/null 2>&1 && COREPACK_INTEGRITY_KEYS=0 corepack prepare pnpm@10.34.9 --activate >/dev/null 2>&1; } \
    || { echo "could not install pnpm: run 'npm install -g pnpm@10' and try again" >&2; exit 1; }
fi

# 2. Dependencies (fast when already installed).
log "pnpm install"
pnpm install --frozen-lockfile --reporter=silent

# 3. Build: tests of adapters, workerd and benchmarks use the built packages.
log "building packages"
pnpm -s build --output-logs=errors-only

# 4. Every test project listed in vitest.workspace.ts.
log "running tests"
pnpm exec vitest run "$@"
