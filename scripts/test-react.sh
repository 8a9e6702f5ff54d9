#!/usr/bin/env bash
# Builds and tests the React hooks package (clients/react): npm ci when the lock file changed, tsc build, typecheck of
# the tests, vitest run. The integration test starts the real server from its Release build, so the .NET solution
# must already be built with -c Release (scripts/test.sh does that first).
# Usage: test-react.sh [RESULTS_DIR]  — with a directory, vitest also writes RESULTS_DIR/react.junit.xml.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root/clients/react"

stamp="node_modules/.package-lock.json"
if [[ ! -f "$stamp" || "package-lock.json" -nt "$stamp" ]]; then
  echo "Installing the React package's pinned dependencies (npm ci in clients/react)..."
  npm ci --no-audit --no-fund
fi

if [[ ! -f "$root/src/AgentRuntime.Host/bin/Release/net10.0/AgentRuntime.Host.dll" ]]; then
  echo "The server's Release build is missing: run 'dotnet build AgentRuntime.slnx -c Release' first." >&2
  exit 1
fi

npm run --silent build
npm run --silent typecheck
reporters=()
if [[ $# -gt 0 ]]; then
  mkdir -p "$1"
  reporters=(--reporter=default --reporter=junit "--outputFile.junit=$(cd "$1" && pwd)/react.junit.xml")
fi
CI=true npm test -- "${reporters[@]}"
