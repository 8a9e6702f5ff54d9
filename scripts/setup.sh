#!/usr/bin/env bash
# Installs what the runtime needs on this machine: the pinned agent CLIs (npm, from agents/package-lock.json).
# Sourced by run.sh and test.sh; safe to run again (it skips work that is already done).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

install_agents() {
  local stamp="$root/agents/node_modules/.package-lock.json"
  if [[ ! -f "$stamp" || "$root/agents/package-lock.json" -nt "$stamp" ]]; then
    echo "Installing the pinned agent CLIs (npm ci in agents/)..."
    (cd "$root/agents" && npm ci --no-audit --no-fund)
  fi
  if ! "$root/agents/node_modules/.bin/claude" --version >/dev/null 2>&1 || ! "$root/agents/node_modules/.bin/gemini" --version >/dev/null 2>&1; then
    echo "An agent CLI in agents/node_modules does not run; reinstalling..." >&2
    (cd "$root/agents" && rm -rf node_modules && npm ci --no-audit --no-fund)
    "$root/agents/node_modules/.bin/claude" --version >/dev/null
    "$root/agents/node_modules/.bin/gemini" --version >/dev/null
  fi
}

# apt_install WHAT PACKAGES...: installs Debian packages as root, or says how to when this is not root.
apt_install() {
  local what="$1"
  shift
  echo "Installing $what (apt-get)..."
  if [[ "$(id -u)" -ne 0 ]]; then
    echo "$what is missing and this is not root: install it with 'sudo apt-get install $*'." >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

install_bubblewrap() {
  # Sandboxes isolate agents with bubblewrap; setpriv and prlimit (util-linux) start them as their own user with limits.
  if ! command -v bwrap >/dev/null 2>&1 || ! command -v prlimit >/dev/null 2>&1 || ! command -v setpriv >/dev/null 2>&1; then
    apt_install "bubblewrap and util-linux" bubblewrap util-linux
  fi
}

install_python() {
  # Profiles' pip dependencies are installed in a sandbox, which sees the system's Python (/usr), not a user's own.
  if ! /usr/bin/python3 -m pip --version >/dev/null 2>&1; then
    apt_install "python3 and pip" python3 python3-pip
  fi
}

install_agents
install_bubblewrap
install_python
