# Builds berth-test/redis:latest FROM berth-test/debian with apt (sourced by build-images.sh).
# shellcheck shell=bash

readonly REDIS_IMAGE=berth-test/redis:latest

build_redis_image() {
  local started=$SECONDS old
  image_exists "$DEBIAN_IMAGE" || die "${DEBIAN_IMAGE} does not exist; build it first: $0 debian"
  old="$(image_id "$REDIS_IMAGE")"
  say "building ${REDIS_IMAGE} (apt-get install redis-server)"
  DOCKER_BUILDKIT=0 docker build --force-rm --tag "$REDIS_IMAGE" "${SCRIPT_DIR}/redis" >/dev/null \
    || die "building ${REDIS_IMAGE} failed; run: DOCKER_BUILDKIT=0 docker build ${SCRIPT_DIR}/redis"
  remove_if_dangling "$old" "$REDIS_IMAGE"
  record "${REDIS_IMAGE}: built in $((SECONDS - started))s, $(image_size_mb "$REDIS_IMAGE") MB"
}
