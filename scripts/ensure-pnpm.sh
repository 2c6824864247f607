# Sourced by scripts/test.sh and scripts/demo.sh: makes sure pnpm 10 (the version pinned in
# package.json's packageManager field) is on the PATH, installing it from npm, or through
# corepack when npm cannot install globally. Uses the caller's log function.
if ! command -v pnpm >/dev/null 2>&1; then
  log "installing pnpm 10"
  npm install -g pnpm@10 >/dev/null 2>&1 \
    || { corepack enable >/dev/null 2>&1 && COREPACK_INTEGRITY_KEYS=0 corepack prepare pnpm@10.34.9 --activate >/dev/null 2>&1; } \
    || { echo "could not install pnpm: run 'npm install -g pnpm@10' and try again" >&2; exit 1; }
fi
