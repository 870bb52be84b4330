#!/usr/bin/env bash
# Builds, without pulling from any registry, the base images Berth's Docker tests use:
#   berth-test/node:latest    the host's node binary + its shared libraries, user app (10001)
#   berth-test/debian:latest  Debian 12 minbase from debootstrap, for apt-built service images
#   berth-test/redis:latest   Redis from Debian's package, for an app's private service
# An image that already exists is skipped unless --force. `check-apt` checks that a docker
# build FROM berth-test/debian can apt-get install from the Debian mirror, and with which network.
# Needs a running engine (scripts/docker/engine.sh) and root for debootstrap.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly SCRIPT_DIR
# shellcheck source=lib/common.sh
source "${SCRIPT_DIR}/lib/common.sh"
# shellcheck source=lib/node-image.sh
source "${SCRIPT_DIR}/lib/node-image.sh"
# shellcheck source=lib/debian-image.sh
source "${SCRIPT_DIR}/lib/debian-image.sh"
# shellcheck source=lib/redis-image.sh
source "${SCRIPT_DIR}/lib/redis-image.sh"
# shellcheck source=lib/apt-check.sh
source "${SCRIPT_DIR}/lib/apt-check.sh"

usage() {
  cat <<EOF
usage: $0 [--force] [node] [debian] [redis] [check-apt]
  node       build berth-test/node:latest
  debian     build berth-test/debian:latest
  redis      build berth-test/redis:latest (needs debian)
  check-apt  check that a docker build FROM berth-test/debian can apt-get install packages
  --force    rebuild images that already exist
With no target: node debian redis.
EOF
}

FORCE=false
TARGETS=()

parse_args() {
  local arg
  for arg in "$@"; do
    case "$arg" in
      --force) FORCE=true ;;
      node | debian | redis | check-apt) TARGETS+=("$arg") ;;
      -h | --help) usage; exit 0 ;;
      *) usage >&2; die "unknown argument '${arg}'" ;;
    esac
  done
  (( ${#TARGETS[@]} > 0 )) || TARGETS=(node debian redis)
}

check_engine() {
  command -v docker >/dev/null 2>&1 || die "docker is not installed; run scripts/docker/engine.sh as root"
  docker info >/dev/null 2>&1 || die "the Docker engine does not answer; run scripts/docker/engine.sh as root"
}

# Builds an image unless it exists (and --force was not given).
build_unless_present() {
  local tag="$1" builder="$2"
  if [[ "$FORCE" == false ]] && image_exists "$tag"; then
    record "${tag}: present, skipped ($(image_size_mb "$tag") MB; --force rebuilds it)"
    return
  fi
  "$builder"
}

run_target() {
  case "$1" in
    node) build_unless_present "$NODE_IMAGE" build_node_image ;;
    debian)
      [[ $EUID -eq 0 ]] || die "building ${DEBIAN_IMAGE} runs debootstrap, which needs root"
      build_unless_present "$DEBIAN_IMAGE" build_debian_image ;;
    redis) build_unless_present "$REDIS_IMAGE" build_redis_image ;;
    check-apt) check_apt_in_build ;;
  esac
}

main() {
  local target
  parse_args "$@"
  check_engine
  trap remove_scratch_dirs EXIT
  for target in "${TARGETS[@]}"; do run_target "$target"; done
  printf '%s\n' "${SUMMARY[@]/#/build-images: }"
}

main "$@"
