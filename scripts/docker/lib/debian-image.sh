# Builds berth-test/debian (sourced by scripts/docker/build-images.sh): a Debian 12 minbase root
# made with debootstrap from the mirror this machine's apt uses, trimmed and imported as an image.
# Images for Postgres, MariaDB, Redis, ... are built FROM it with apt-get (see check-apt).
# shellcheck shell=bash

readonly DEBIAN_IMAGE=berth-test/debian:latest
readonly DEBIAN_SUITE=bookworm

# First URI of an enabled deb822 source (*.sources) whose Suites include the suite.
mirror_from_deb822() {
  awk -v suite="$DEBIAN_SUITE" '
    BEGIN { RS = ""; FS = "\n" }
    {
      types = ""; uris = ""; suites = ""; enabled = "yes"
      for (i = 1; i <= NF; i++) {
        if ($i ~ /^[ \t]*#/ || !match($i, /^[A-Za-z-]+:/)) continue
        key = tolower(substr($i, 1, RLENGTH - 1)); value = substr($i, RLENGTH + 1)
        if (key == "types") types = value; else if (key == "uris") uris = value
        else if (key == "suites") suites = value; else if (key == "enabled") enabled = value
      }
      if ((" " types " ") ~ / deb / && (" " suites " ") ~ (" " suite " ") && enabled !~ /no/) {
        split(uris, u, " "); print u[1]; exit
      }
    }' "$@" 2>/dev/null
}

# First URI of a one-line `deb [options] URI suite components` entry for the suite.
mirror_from_list() {
  sed -e 's/\[[^]]*\]//' "$@" 2>/dev/null | awk -v suite="$DEBIAN_SUITE" '$1 == "deb" && $3 == suite { print $2; exit }'
}

# The Debian mirror apt uses here (BERTH_DEBIAN_MIRROR overrides it).
debian_mirror() {
  local mirror="${BERTH_DEBIAN_MIRROR:-}" file
  for file in /etc/apt/sources.list.d/*.sources; do
    [[ -z "$mirror" && -f "$file" ]] && mirror="$(mirror_from_deb822 "$file")"
  done
  for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -z "$mirror" && -f "$file" ]] && mirror="$(mirror_from_list "$file")"
  done
  [[ -n "$mirror" ]] || die "no '${DEBIAN_SUITE}' Debian source in /etc/apt/sources.list or /etc/apt/sources.list.d/*.sources; set BERTH_DEBIAN_MIRROR=http://<mirror>/debian"
  echo "${mirror%/}"
}

ensure_debootstrap() {
  command -v debootstrap >/dev/null 2>&1 && return
  [[ $EUID -eq 0 ]] || die "debootstrap is missing; install it as root: apt-get install -y debootstrap"
  say "installing debootstrap"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap </dev/null >/dev/null \
    || die "apt-get install debootstrap failed; run apt-get update, then retry"
}

run_debootstrap() {
  local rootfs="$1" mirror="$2" log="$3"
  if ! debootstrap --variant=minbase "$DEBIAN_SUITE" "$rootfs" "$mirror" >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    die "debootstrap ${DEBIAN_SUITE} from ${mirror} failed (last lines above); check that the mirror is reachable, or set BERTH_DEBIAN_MIRROR"
  fi
}

# Container-friendly settings, as Debian's official images have: no man pages or docs, no
# service starts during apt-get install, no leftover apt lists or host network files.
trim_debian_rootfs() {
  local rootfs="$1"
  mkdir -p "${rootfs}/etc/dpkg/dpkg.cfg.d"
  printf '%s\n' 'path-exclude /usr/share/doc/*' 'path-include /usr/share/doc/*/copyright' \
    'path-exclude /usr/share/man/*' 'path-exclude /usr/share/info/*' \
    'path-exclude /usr/share/locale/*' >"${rootfs}/etc/dpkg/dpkg.cfg.d/berth-excludes"
  printf '%s\n' '#!/bin/sh' '# Services are not started inside image builds.' 'exit 101' >"${rootfs}/usr/sbin/policy-rc.d"
  chmod 0755 "${rootfs}/usr/sbin/policy-rc.d"
  rm -rf "${rootfs}"/var/lib/apt/lists/* "${rootfs}"/var/cache/apt/*.bin "${rootfs}"/var/cache/apt/archives/*.deb
  rm -rf "${rootfs}"/usr/share/man/* "${rootfs}"/usr/share/info/* "${rootfs}"/usr/share/locale/*/
  find "${rootfs}/usr/share/doc" "${rootfs}/var/log" ! -type d ! -name copyright -delete
  : >"${rootfs}/etc/resolv.conf"
  echo localhost >"${rootfs}/etc/hostname"
}

build_debian_image() {
  local started=$SECONDS mirror old_id bootstrap_started bootstrap_seconds
  ensure_debootstrap
  mirror="$(debian_mirror)"
  old_id="$(image_id "$DEBIAN_IMAGE")"
  make_scratch_dir
  say "debootstrap --variant=minbase ${DEBIAN_SUITE} from ${mirror}"
  bootstrap_started=$SECONDS
  run_debootstrap "${SCRATCH_DIR}/rootfs" "$mirror" "${SCRATCH_DIR}/debootstrap.log"
  bootstrap_seconds=$((SECONDS - bootstrap_started))
  say "debootstrap took ${bootstrap_seconds}s"
  trim_debian_rootfs "${SCRATCH_DIR}/rootfs"
  import_rootfs "${SCRATCH_DIR}/rootfs" "$DEBIAN_IMAGE" --change 'ENV LANG=C.UTF-8' --change 'CMD ["bash"]'
  remove_tree "$SCRATCH_DIR"
  remove_if_dangling "$old_id" "$DEBIAN_IMAGE"
  docker run --rm "$DEBIAN_IMAGE" cat /etc/debian_version >/dev/null \
    || die "${DEBIAN_IMAGE} does not run (see the output above)"
  record "${DEBIAN_IMAGE}: built in $((SECONDS - started))s (debootstrap ${bootstrap_seconds}s), $(image_size_mb "$DEBIAN_IMAGE") MB, mirror ${mirror}"
}
