#!/usr/bin/env bash
# Runs the web UI's end-to-end test in a real browser: the real server (its Release build) serving web/dist, the real
# Claude Code CLI in a sandbox against a scripted model, and headless Chromium from Debian's `chromium` package driven
# by playwright-core. Screenshots go to artifacts/web/.
# Assumes the .NET solution is built in Release and the UI is built (scripts/build-web.sh). Installs Chromium with
# apt-get when /usr/bin/chromium is missing, and the agent CLIs and bubblewrap (scripts/setup.sh) when they are.
# Usage: test-web.sh [RESULTS_DIR]  — with a directory, also writes RESULTS_DIR/web.junit.xml.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if [[ ! -f "$root/src/AgentRuntime.Host/bin/Release/net10.0/AgentRuntime.Host.dll" ]]; then
  echo "The server's Release build is missing: run 'dotnet build AgentRuntime.slnx -c Release' first." >&2
  exit 1
fi
if [[ ! -f "$root/web/dist/index.html" || ! -d "$root/web/node_modules/playwright-core" ]]; then
  echo "The web UI is not built: run 'bash scripts/build-web.sh' first." >&2
  exit 1
fi

if [[ ! -x /usr/bin/chromium ]]; then
  if [[ "$(id -u)" -ne 0 ]]; then
    echo "Chromium is missing and this is not root: install it with 'sudo apt-get install chromium'." >&2
    exit 1
  fi
  echo "Installing Chromium (apt-get)..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

if [[ ! -x "$root/agents/node_modules/.bin/claude" ]] || ! command -v bwrap >/dev/null 2>&1; then
  # shellcheck source=setup.sh
  source "$root/scripts/setup.sh"
fi

reporters=(--test-reporter=spec --test-reporter-destination=stdout)
junit=""
if [[ $# -gt 0 ]]; then
  mkdir -p "$1"
  junit="$(cd "$1" && pwd)/web.junit.xml"
  reporters+=(--test-reporter=junit "--test-reporter-destination=$junit")
fi

cd "$root/web"
status=0
# Every wait in the test is bounded; the outer timeout only guards against a hang in the runner itself.
timeout --kill-after=15s 300s node --test --test-timeout=150000 "${reporters[@]}" e2e/ || status=$?

if [[ -n "$junit" && -f "$junit" ]]; then
  # Node's JUnit reporter leaves the root <testsuites> without totals; add them, as other JUnit writers do.
  node - "$junit" <<'JS'
const fs = require("fs");
const file = process.argv[2];
const xml = fs.readFileSync(file, "utf8");
const count = (pattern) => (xml.match(pattern) || []).length;
const tests = count(/<testcase\b/g), failures = count(/<failure\b/g), skipped = count(/<skipped\b/g);
fs.writeFileSync(file, xml.replace(/<testsuites>/, `<testsuites tests="${tests}" failures="${failures}" errors="0" skipped="${skipped}">`));
JS
fi
exit $status
