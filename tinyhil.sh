#!/usr/bin/env bash
# tinyhil's one entry point on a fresh Debian machine: installs what is missing (Debian packages,
# a virtualenv with the pinned Python packages, the project itself), then runs what you ask.
#
#   ./tinyhil.sh study        the main job: the op-count latency study on the default twins
#   ./tinyhil.sh test [ARGS]  the test suite (pytest ARGS)
#   ./tinyhil.sh ARGS...      any tinyhil subcommand, e.g. ./tinyhil.sh boards
#
# Run as root or with sudo available. The second run installs nothing and starts in seconds.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

log() { printf 'tinyhil.sh: %s\n' "$*" >&2; }
# pip, quietly: this machine's pip configuration may name extra local indexes that do not exist.
pip_quiet() { "$@" 2> >(grep -v "^WARNING: Location 'file:" >&2); }

# --- Debian packages -------------------------------------------------------------------------
apt_packages=(gcc gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm python3-venv
              espeak-ng sox)
missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  sudo=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { log "need root or sudo to install: ${missing[*]}"; exit 1; }
    sudo="sudo"
  fi
  log "installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- Python virtualenv, shared between clones, keyed by the lock file ------------------------
python_bin="${TINYHIL_PYTHON:-python3}"
py_version="$("$python_bin" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
if [ "$py_version" != "3.11" ]; then
  log "Python 3.11 is required, $python_bin is $py_version (set TINYHIL_PYTHON)"; exit 1
fi
lock_hash="$(sha256sum < requirements.lock | cut -c1-12)"
cache="${TINYHIL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tinyhil}"
venv="${TINYHIL_VENV:-$cache/venv-py$py_version-$lock_hash}"
if [ ! -f "$venv/.complete" ]; then
  log "creating virtualenv $venv (pinned packages from requirements.lock; a few minutes once)"
  rm -rf "$venv"
  "$python_bin" -m venv "$venv"
  pip_quiet "$venv/bin/pip" install -q --disable-pip-version-check -r requirements.lock
  touch "$venv/.complete"
fi
# The project itself, editable, pointing at this clone.
project_stamp="$here $(sha256sum < pyproject.toml | cut -c1-12)"
if [ "$(cat "$venv/.project" 2>/dev/null)" != "$project_stamp" ]; then
  pip_quiet "$venv/bin/pip" install -q --disable-pip-version-check --no-deps --no-build-isolation -e "$here" >/dev/null
  echo "$project_stamp" > "$venv/.project"
fi
export PATH="$venv/bin:$PATH" TINYHIL_CACHE="$cache"
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}" FLWR_TELEMETRY_ENABLED=0

# --- what was asked --------------------------------------------------------------------------
[ $# -gt 0 ] || set -- study
case "$1" in
  test) shift; exec "$venv/bin/python" -m pytest "$@" ;;
  *) exec "$venv/bin/tinyhil" "$@" ;;
esac
