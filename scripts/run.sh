#!/usr/bin/env bash
# Runs the agent runtime with its web UI on its embedded defaults (SQLite and sandboxes under ./.data, bubblewrap
# sandboxes, the Claude Code and Gemini CLIs) at http://127.0.0.1:5080, or at the addresses given with --urls.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/setup.sh"
bash "$root/scripts/build-web.sh"
cd "$root"
args=("$@")
# dotnet run starts the host in its project directory; keep the data in the repository's .data unless told otherwise.
if [[ -z "${AgentRuntime__DataDirectory:-}" && " ${args[*]-} " != *"DataDirectory"* ]]; then
  args+=(--AgentRuntime:DataDirectory "$root/.data")
fi
if [[ " ${args[*]-} " != *" --urls "* ]]; then
  args+=(--urls "http://127.0.0.1:5080")
fi
exec dotnet run --project src/AgentRuntime.Host -c Release -- "${args[@]}"
