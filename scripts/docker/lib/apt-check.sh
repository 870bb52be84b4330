# Checks that a docker build FROM berth-test/debian can apt-get install from the Debian mirror
# (sourced by scripts/docker/build-images.sh). Tries the default build network first, then the
# host's network, and reports which one works; the probe image is removed afterwards.
# shellcheck shell=bash

readonly APT_CHECK_IMAGE=berth-test/apt-check:tmp

# Runs the probe build with a network mode ("default" or a `docker build --network` value).
try_apt_build() {
  local network="$1" log="$2"
  local args=(--force-rm --no-cache --tag "$APT_CHECK_IMAGE")
  [[ "$network" == default ]] || args+=(--network "$network")
  DOCKER_BUILDKIT=0 docker build "${args[@]}" "${SCRIPT_DIR}/apt-check" >"$log" 2>&1
}

check_apt_in_build() {
  local network started log
  image_exists "$DEBIAN_IMAGE" || die "${DEBIAN_IMAGE} does not exist; build it first: $0 debian"
  make_scratch_dir
  log="${SCRATCH_DIR}/build.log"
  for network in default host; do
    started=$SECONDS
    say "apt-get install redis-server inside docker build (network: ${network})"
    if try_apt_build "$network" "$log"; then
      docker image rm "$APT_CHECK_IMAGE" >/dev/null
      record "apt-get in docker build: works with network ${network} ($((SECONDS - started))s for redis-server)"
      return
    fi
    say "the build failed with network ${network}; last lines:"
    tail -n 8 "$log" >&2
  done
  die "no docker build network reaches the Debian mirror: check dockerd's log, ip_forward and the iptables NAT rules (iptables -t nat -S)"
}
