# Helpers shared by scripts/docker/build-images.sh (sourced, not run): messages, scratch
# directories that are removed safely, importing a root filesystem, image facts.
# shellcheck shell=bash

die() { printf 'build-images: error: %s\n' "$*" >&2; exit 1; }
say() { printf 'build-images: %s\n' "$*"; }

# Scratch directories created by make_scratch_dir; removed on exit by remove_scratch_dirs.
SCRATCH_DIRS=()

# Creates a scratch directory under /var/tmp (not /tmp: it may be a small or noexec tmpfs,
# and debootstrap runs programs inside its target). Sets SCRATCH_DIR.
make_scratch_dir() {
  SCRATCH_DIR="$(mktemp -d /var/tmp/berth-image.XXXXXX)" || die "cannot create a scratch directory under /var/tmp"
  SCRATCH_DIRS+=("$SCRATCH_DIR")
}

# Unmounts whatever is still mounted below a directory (debootstrap mounts /proc and /sys in its
# target and leaves them mounted when it fails), deepest first. Never follows a mount when deleting.
remove_tree() {
  local dir="$1" target
  [[ -d "$dir" ]] || return 0
  while read -r target; do
    [[ -n "$target" ]] && umount -l "$target" 2>/dev/null
  done < <(findmnt -rn -o TARGET | grep -F "${dir}/" | sort -r)
  if findmnt -rn -o TARGET | grep -qF "${dir}/"; then
    printf 'build-images: warning: mounts remain below %s; not deleting it (unmount them, then delete it)\n' "$dir" >&2
    return 0
  fi
  rm -rf --one-file-system -- "$dir"
}

remove_scratch_dirs() {
  local dir
  for dir in "${SCRATCH_DIRS[@]}"; do remove_tree "$dir"; done
}

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

image_id() { docker image inspect --format '{{.Id}}' "$1" 2>/dev/null || true; }

# Size of an image in MB, as `docker image ls` counts it (all layers).
image_size_mb() {
  local bytes
  bytes="$(docker image inspect --format '{{.Size}}' "$1")"
  echo $(( (bytes + 500000) / 1000000 ))
}

# Removes an image that a rebuild left without a tag, if nothing else uses it.
remove_if_dangling() {
  local old_id="$1" tag="$2"
  [[ -n "$old_id" && "$old_id" != "$(image_id "$tag")" ]] || return 0
  docker image rm "$old_id" >/dev/null 2>&1 || true
}

# Tars a root filesystem (numeric owners, as assembled) and imports it as an image.
# Extra arguments are passed to `docker import` (e.g. --change 'CMD ["bash"]').
import_rootfs() {
  local rootfs="$1" tag="$2"
  shift 2
  tar -C "$rootfs" --numeric-owner -cf - . | docker import "$@" - "$tag" >/dev/null \
    || die "docker import of ${rootfs} as ${tag} failed (see the output above)"
}

# Records one line of the final summary.
SUMMARY=()
record() { SUMMARY+=("$*"); }
