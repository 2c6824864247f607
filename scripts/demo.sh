#!/usr/bin/env bash
# The live demo from a fresh clone: installs the toolchain and dependencies, builds the
# packages the demo uses, then runs it (the express-basic example under simulated traffic,
# on the in-memory store) until Ctrl-C.
# Usage: npm run demo [-- --duration <seconds>] [--port <port>]
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1 TURBO_NO_UPDATE_NOTIFIER=1 DO_NOT_TRACK=1

log() { printf '\033[1;34m[demo]\033[0m %s\n' "$*"; }

# 1. pnpm.
. scripts/ensure-pnpm.sh

# 2. Dependencies. pnpm keeps a copy of the lockfile it installed in node_modules/.pnpm:
#    when that matches pnpm-lock.yaml, everything is installed already and the demo starts
#    a few seconds sooner.
if cmp -s pnpm-lock.yaml node_modules/.pnpm/lock.yaml; then
  log "dependencies up to date"
else
  log "pnpm install"
  pnpm install --frozen-lockfile --reporter=silent
fi

# 3. Build what the demo imports (@limitrate/core and @limitrate/express; cached by turbo).
log "building packages"
if ! build_log=$(pnpm -s exec turbo run build --filter=@limitrate/example-express-basic... --output-logs=errors-only 2>&1); then
  printf '%s\n' "$build_log" >&2
  echo "the build failed: see above" >&2
  exit 1
fi

# 4. The demo itself, in this process (so Ctrl-C reaches it directly and it exits cleanly).
log "starting the demo"
cd apps/examples/express-basic
exec node --import tsx src/demo.ts "$@"
