# Builds berth-test/node (sourced by scripts/docker/build-images.sh): a minimal root filesystem
# holding the host's node binary and the shared libraries it links, imported as a base image,
# then scripts/docker/node/Dockerfile on top (non-root user, workdir, PATH).
# shellcheck shell=bash

readonly NODE_IMAGE=berth-test/node:latest
readonly NODE_BASE_IMAGE=berth-test/node-rootfs:build
readonly APP_UID=10001

# Copies a file to the same path inside the root filesystem, following symlinks.
copy_into_rootfs() {
  local rootfs="$1" path="$2"
  mkdir -p "${rootfs}$(dirname "$path")"
  cp -L -- "$path" "${rootfs}${path}" || die "cannot copy ${path} into the node image"
}

# Absolute paths of the shared libraries and the dynamic loader that ldd lists for a binary.
linked_libraries() {
  local binary="$1" listing
  listing="$(ldd "$binary")" || die "ldd ${binary} failed; is it a dynamically linked ELF binary for this machine?"
  awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' <<<"$listing" | sort -u
}

write_node_etc() {
  local etc="$1/etc"
  mkdir -p "$etc"
  printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' "app:x:${APP_UID}:${APP_UID}:app:/app:/sbin/nologin" >"${etc}/passwd"
  printf '%s\n' 'root:x:0:' "app:x:${APP_UID}:" >"${etc}/group"
  printf '%s\n' 'hosts: files dns' >"${etc}/nsswitch.conf"
  if [[ -f /etc/ssl/certs/ca-certificates.crt ]]; then
    mkdir -p "${etc}/ssl/certs"
    cp -L /etc/ssl/certs/ca-certificates.crt "${etc}/ssl/certs/"
  fi
}

assemble_node_rootfs() {
  local rootfs="$1" node_bin="$2" lib
  mkdir -p "${rootfs}"/{usr/local/bin,tmp,app,root,proc,sys,dev}
  chmod 1777 "${rootfs}/tmp"
  chmod 0700 "${rootfs}/root"
  chown "${APP_UID}:${APP_UID}" "${rootfs}/app"
  cp -- "$node_bin" "${rootfs}/usr/local/bin/node"
  while read -r lib; do copy_into_rootfs "$rootfs" "$lib"; done < <(linked_libraries "$node_bin")
  write_node_etc "$rootfs"
}

verify_node_image() {
  local version uid
  version="$(docker run --rm "$NODE_IMAGE" node -e 'console.log(process.version)')" \
    || die "${NODE_IMAGE} does not run node; a shared library may be missing (compare ldd $(command -v node) with the image)"
  uid="$(docker run --rm "$NODE_IMAGE" node -e 'console.log(process.getuid())')" \
    || die "${NODE_IMAGE} cannot report its uid"
  [[ "$uid" == "$APP_UID" ]] || die "${NODE_IMAGE} runs as uid ${uid}, expected ${APP_UID}; check USER in scripts/docker/node/Dockerfile"
  say "verified ${NODE_IMAGE}: node ${version}, uid ${uid}"
}

build_node_image() {
  local started=$SECONDS node_bin old_id
  command -v node >/dev/null 2>&1 || die "node is not on PATH; install Node >= 20 first"
  node_bin="$(readlink -f "$(command -v node)")"
  old_id="$(image_id "$NODE_IMAGE")"
  make_scratch_dir
  say "assembling a root filesystem around ${node_bin}"
  assemble_node_rootfs "${SCRATCH_DIR}/rootfs" "$node_bin"
  import_rootfs "${SCRATCH_DIR}/rootfs" "$NODE_BASE_IMAGE"
  remove_tree "$SCRATCH_DIR"
  DOCKER_BUILDKIT=0 docker build --quiet --force-rm --build-arg "BASE=${NODE_BASE_IMAGE}" \
    --tag "$NODE_IMAGE" "${SCRIPT_DIR}/node" >/dev/null \
    || die "docker build of ${NODE_IMAGE} failed (see the output above)"
  # The final image keeps the base layers; only the temporary tag goes.
  docker image rm "$NODE_BASE_IMAGE" >/dev/null
  remove_if_dangling "$old_id" "$NODE_IMAGE"
  verify_node_image
  record "${NODE_IMAGE}: built in $((SECONDS - started))s, $(image_size_mb "$NODE_IMAGE") MB"
}
