#!/usr/bin/env bash
# Makes sure a Docker engine answers on this machine, for Berth's Docker runtime tests.
# Idempotent, run as root: does nothing when `docker info` already works; otherwise installs
# Debian's docker.io when dockerd is missing, starts dockerd in the background (no systemd
# needed) with its log in a file, and waits until the engine answers. Prints the engine version.
# `engine.sh report` (after failed tests) says whether the engine still answers and, when it
# does not, how the log of the dockerd started last ends (a Go panic names its cause).
#
# Environment:
#   BERTH_DOCKERD_LOG      dockerd's log file          (default /var/log/berth-dockerd.log)
#   BERTH_DOCKERD_WAIT     seconds to wait for dockerd  (default 60)
set -euo pipefail

readonly LOG_FILE="${BERTH_DOCKERD_LOG:-/var/log/berth-dockerd.log}"
readonly WAIT_SECONDS="${BERTH_DOCKERD_WAIT:-60}"
readonly PID_FILE=/var/run/docker.pid

die() { printf 'engine: error: %s\n' "$*" >&2; exit 1; }
say() { printf 'engine: %s\n' "$*"; }

engine_answers() { docker info >/dev/null 2>&1; }

print_version() {
  local version pid=""
  version="$(docker version --format '{{.Server.Version}}')" || die "docker version failed although docker info answered"
  [[ -s "$PID_FILE" ]] && pid="$(<"$PID_FILE")"
  say "Docker engine ${version} is running${pid:+ (dockerd pid ${pid})}"
}

install_engine() {
  command -v dockerd >/dev/null 2>&1 && command -v docker >/dev/null 2>&1 && return
  say "dockerd or docker is missing: installing Debian's docker.io"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q --no-install-recommends docker.io </dev/null; then
    say "apt-get install failed; refreshing the package lists and retrying"
    apt-get update -q </dev/null || die "apt-get update failed: check /etc/apt/sources.list* and that the Debian mirror is reachable"
    apt-get install -y -q --no-install-recommends docker.io </dev/null \
      || die "apt-get install docker.io failed (see the apt output above)"
  fi
  command -v dockerd >/dev/null 2>&1 || die "docker.io is installed but dockerd is not on PATH (${PATH})"
}

# Pid of a dockerd that is already running (from its pid file), or nothing.
running_dockerd_pid() {
  local pid
  [[ -s "$PID_FILE" ]] || return 0
  pid="$(<"$PID_FILE")"
  if [[ "$pid" =~ ^[0-9]+$ ]] && [[ "$(cat "/proc/${pid}/comm" 2>/dev/null)" == dockerd ]]; then
    echo "$pid"
  fi
}

# Starts dockerd in its own session so it outlives this script and the shell that ran it;
# sets DOCKERD_PID.
start_dockerd() {
  mkdir -p "$(dirname "$LOG_FILE")"
  printf '\n--- %s: started by scripts/docker/engine.sh ---\n' "$(date -u +%FT%TZ)" >>"$LOG_FILE"
  setsid dockerd </dev/null >>"$LOG_FILE" 2>&1 &
  DOCKERD_PID=$!
  say "started dockerd (pid ${DOCKERD_PID}), log: ${LOG_FILE}"
}

fail_with_log() {
  printf 'engine: error: %s\n' "$1" >&2
  printf 'engine: last lines of %s:\n' "$LOG_FILE" >&2
  tail -n 25 "$LOG_FILE" >&2 || true
  exit 1
}

wait_for_engine() {
  local pid="$1" deadline=$((SECONDS + WAIT_SECONDS))
  until engine_answers; do
    if ! kill -0 "$pid" 2>/dev/null; then
      fail_with_log "dockerd (pid ${pid}) exited before the engine answered"
    fi
    if (( SECONDS >= deadline )); then
      fail_with_log "dockerd (pid ${pid}) did not answer within ${WAIT_SECONDS}s (raise BERTH_DOCKERD_WAIT, or fix the cause in the log)"
    fi
    sleep 0.5
  done
}

report() {
  if engine_answers; then
    say "the Docker engine still answers"
    return
  fi
  [[ -r "$LOG_FILE" ]] || { say "the Docker engine does not answer, and there is no log at ${LOG_FILE}"; return; }
  say "the Docker engine does not answer; the end of the last dockerd's log (${LOG_FILE}):"
  # From the last start marker on; from its Go panic when there is one, else the last lines.
  awk '/^--- .*: started by scripts\/docker\/engine.sh ---$/ { n = 0; p = 0 }
       /^panic: / { p = n + 1 }
       { line[++n] = $0 }
       END { from = p ? p : (n > 30 ? n - 29 : 1); to = p ? p + 40 : n; for (i = from; i <= to && i <= n; i++) print line[i] }' "$LOG_FILE"
}

main() {
  [[ "${1:-}" == report ]] && { report; return; }
  command -v docker >/dev/null 2>&1 && engine_answers && { print_version; return; }
  [[ $EUID -eq 0 ]] || die "the Docker engine is not answering and starting it needs root: run this script as root"
  install_engine
  # The package's own service (systemd) may have started the engine already.
  engine_answers && { print_version; return; }
  DOCKERD_PID="$(running_dockerd_pid)"
  if [[ -n "$DOCKERD_PID" ]]; then
    say "dockerd (pid ${DOCKERD_PID}) is already running; waiting for it to answer"
  else
    start_dockerd
  fi
  wait_for_engine "$DOCKERD_PID"
  print_version
}

main "$@"
