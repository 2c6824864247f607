# Tools the tests run besides Node, provided by scripts/test.sh. Source it, then call
# ensure_promtool and ensure_tmux.
#
# ensure_promtool: promtool (Prometheus' checker, for @limitrate/prometheus' exposition
# test), from the PATH or else unpacked from Debian's prometheus package into
# .cache/promtool, without installing the package (which would also set up a Prometheus
# service). Exports LIMITRATE_PROMTOOL, which makes that test required rather than skipped.
ensure_promtool() {
  if command -v promtool >/dev/null 2>&1; then
    LIMITRATE_PROMTOOL=$(command -v promtool)
    export LIMITRATE_PROMTOOL
    return 0
  fi
  local dir
  dir="$(pwd)/.cache/promtool"
  if [ ! -x "$dir/usr/bin/promtool" ]; then
    log "promtool is missing: unpacking it from Debian's prometheus package"
    local tmp
    tmp=$(mktemp -d)
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo -n"
    if ! (cd "$tmp" && apt-get download prometheus >/dev/null 2>&1); then
      $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 || true
      (cd "$tmp" && apt-get download prometheus >/dev/null 2>&1) || {
        rm -rf "$tmp"
        echo "promtool is needed by the tests and could not be fetched: install it (Debian/Ubuntu: apt-get install prometheus; macOS: brew install prometheus) and run again" >&2
        exit 1
      }
    fi
    mkdir -p "$dir"
    dpkg-deb -x "$tmp"/prometheus_*.deb "$dir"
    rm -rf "$tmp"
  fi
  LIMITRATE_PROMTOOL="$dir/usr/bin/promtool"
  export LIMITRATE_PROMTOOL
}

# ensure_tmux: tmux (the dashboard's end-to-end test runs the real CLI in a tmux pane), from
# the PATH or else installed from the OS packages. Exports LIMITRATE_TMUX, which makes that
# test required rather than skipped.
ensure_tmux() {
  if ! command -v tmux >/dev/null 2>&1; then
    log "tmux is missing: installing it from the OS packages"
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo -n"
    if ! { command -v apt-get >/dev/null 2>&1 \
      && $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 \
      && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tmux >/dev/null 2>&1; }; then
      echo "tmux is needed by the tests and could not be installed: install it (Debian/Ubuntu: apt-get install tmux; macOS: brew install tmux) and run again" >&2
      exit 1
    fi
  fi
  LIMITRATE_TMUX=$(command -v tmux)
  export LIMITRATE_TMUX
}
