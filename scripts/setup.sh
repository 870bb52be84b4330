#!/usr/bin/env bash
# One command from a fresh Debian/Ubuntu machine to a running Berth example:
#
#   bash scripts/setup.sh [example]        (default: portfolio; examples live in examples/)
#
# Checks Node (>= 20.18), installs build tools if missing (as root, or via sudo), runs npm ci
# and npm run build, then runs `berth up` for the example in the foreground (Ctrl-C stops it).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

readonly MIN_NODE_MAJOR=20 MIN_NODE_MINOR=18
readonly MIN_NODE="${MIN_NODE_MAJOR}.${MIN_NODE_MINOR}"
APT_UPDATED=no

say() { printf '==> %s\n' "$*"; }
die() { printf 'setup: %s\n' "$*" >&2; exit 1; }

usage() {
  echo "usage: bash scripts/setup.sh [example]    (default: portfolio)"
  echo "examples: $(available_examples | tr '\n' ' ')"
}

available_examples() {
  local file
  for file in examples/*/berth.yaml; do
    if [[ -f "$file" ]]; then basename "$(dirname "$file")"; fi
  done
}

check_example() {
  local name="$1"
  if [[ ! "$name" =~ ^[A-Za-z0-9._-]+$ || ! -f "examples/$name/berth.yaml" ]]; then
    echo "setup: unknown example '$name'. Available:" >&2
    available_examples | sed 's/^/  /' >&2
    exit 2
  fi
}

can_be_root() { [[ $EUID -eq 0 ]] || command -v sudo >/dev/null 2>&1; }

as_root() {
  if [[ $EUID -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

apt_install() {
  command -v apt-get >/dev/null 2>&1 || return 1
  can_be_root || return 1
  if [[ $APT_UPDATED == no ]]; then
    as_root apt-get update -q
    APT_UPDATED=yes
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"
}

node_is_recent() {
  local major minor
  IFS=. read -r major minor _ <<<"$(node -p process.versions.node)"
  (( major > MIN_NODE_MAJOR || (major == MIN_NODE_MAJOR && minor >= MIN_NODE_MINOR) ))
}

node_help() {
  cat >&2 <<HELP
setup: Berth needs Node >= ${MIN_NODE} with npm. $1
  Install a current Node, then run this script again. For example:
    - NodeSource packages: https://github.com/nodesource/distributions (Node 20 or 22)
    - or nvm: https://github.com/nvm-sh/nvm, then: nvm install 22
HELP
  exit 1
}

ensure_node() {
  if ! command -v node >/dev/null 2>&1; then
    say "Node is not installed; installing the distribution's nodejs and npm"
    apt_install nodejs npm || node_help "Node is not installed and could not be installed with apt (need root or sudo)."
    command -v node >/dev/null 2>&1 || node_help "Installing the nodejs package did not provide a node command."
  fi
  node_is_recent || node_help "This machine has Node $(node -v), which is too old (the distribution's package often is)."
  command -v npm >/dev/null 2>&1 || node_help "Node $(node -v) is installed but npm is not."
  say "Node $(node -v), npm $(npm -v)"
}

ensure_build_tools() {
  local missing=()
  command -v make >/dev/null 2>&1 && command -v cc >/dev/null 2>&1 && command -v c++ >/dev/null 2>&1 \
    || missing+=(build-essential)
  command -v python3 >/dev/null 2>&1 || missing+=(python3)
  if (( ${#missing[@]} == 0 )); then return; fi
  say "Installing build tools for better-sqlite3: ${missing[*]}"
  apt_install "${missing[@]}" \
    || die "cannot install ${missing[*]} (need root or sudo). Install them yourself, e.g.: sudo apt-get install ${missing[*]}"
}

# Native addons are compiled here (no prebuilt download). Point node-gyp at the headers that
# ship with Node when they exist, so it does not need to fetch them from nodejs.org.
configure_native_build() {
  export npm_config_build_from_source=true npm_config_update_notifier=false
  local prefix
  prefix="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")"
  if [[ -z "${npm_config_nodedir:-}" && -f "$prefix/include/node/node_version.h" ]]; then
    export npm_config_nodedir="$prefix"
  fi
}

dependencies_current() {
  [[ node_modules/.package-lock.json -nt package-lock.json ]] \
    && node -e "require('better-sqlite3')(':memory:')" >/dev/null 2>&1
}

install_and_build() {
  if dependencies_current; then
    say "Dependencies are up to date (skipping npm ci)"
  else
    say "Installing dependencies (npm ci; compiles better-sqlite3, takes a minute)"
    npm ci --no-audit --no-fund
  fi
  say "Building (npm run build)"
  npm run build
  [[ -f dist/cli/main.js ]] || die "the build did not produce dist/cli/main.js"
}

print_try_it() {
  local example="$1"
  echo
  say "Starting Berth with examples/$example/berth.yaml. While it runs, in another terminal:"
  case "$example" in
    portfolio)
      echo "  CA=.berth/portfolio/tls/local-ca/ca.crt   # Berth's local CA signed the certificates"
      echo "  curl --cacert \$CA --resolve example.com:8443:127.0.0.1 https://example.com:8443/"
      echo "  curl --cacert \$CA --resolve www.example.com:8443:127.0.0.1 https://www.example.com:8443/about/"
      echo "  curl --cacert \$CA --resolve recipe.example.com:8443:127.0.0.1 https://recipe.example.com:8443/health"
      echo "  curl -i -H 'Host: books.example.com' http://127.0.0.1:8080/hello   # 308 to HTTPS"
      ;;
    portfolio-docker)
      echo "  CA=.berth/portfolio-docker/tls/local-ca/ca.crt"
      echo "  curl --cacert \$CA --resolve recipe.example.com:8443:127.0.0.1 https://recipe.example.com:8443/hello"
      echo "  node dist/cli/main.js stats --data-dir .berth/portfolio-docker        # CPU and memory per container"
      echo "  node dist/cli/main.js run recipe --data-dir .berth/portfolio-docker -- node -e \"console.log(process.env.DATABASE_URL)\""
      ;;
    path-routed)
      echo "  curl -H 'Host: example.com' http://127.0.0.1:8080/app1/"
      echo "  curl -H 'Host: example.com' http://127.0.0.1:8080/api/app1/users"
      echo "  curl -H 'Host: example.com' http://127.0.0.1:8080/api/app2/health"
      ;;
    *)
      echo "  curl -H 'Host: <a domain from examples/$example/berth.yaml>' http://127.0.0.1:8080/"
      ;;
  esac
  echo "  node dist/cli/main.js status --data-dir .berth/$example"
  echo "Stop it with Ctrl-C. Its state lives in .berth/$example/."
  echo
}

main() {
  case "${1:-}" in -h|--help) usage; exit 0 ;; esac
  (( $# <= 1 )) || { usage >&2; exit 2; }
  local example="${1:-portfolio}"
  check_example "$example"
  ensure_node
  ensure_build_tools
  configure_native_build
  install_and_build
  if [[ "$example" == *docker* ]]; then
    say "This example runs apps in Docker: starting the engine and building the images it uses (offline)"
    as_root bash scripts/docker/engine.sh
    as_root bash scripts/docker/build-images.sh
  fi
  print_try_it "$example"
  # glibc gives freed heap back to the kernel above 128 KB by default, and the edge then faults
  # the same pages in again for every large response: keep up to 32 MiB (src/lib/malloc-env.ts).
  export MALLOC_TRIM_THRESHOLD_="${MALLOC_TRIM_THRESHOLD_:-33554432}"
  exec node dist/cli/main.js up -f "examples/$example/berth.yaml" --data-dir ".berth/$example"
}

main "$@"
