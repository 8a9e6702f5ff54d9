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
  if ! "$root/agents/node_modules/.bin/claude" --version >/dev/null 2>&1; then
    echo "The Claude Code CLI in agents/node_modules does not run; reinstalling..." >&2
    (cd "$root/agents" && rm -rf node_modules && npm ci --no-audit --no-fund)
    "$root/agents/node_modules/.bin/claude" --version >/dev/null
  fi
}

install_agents
