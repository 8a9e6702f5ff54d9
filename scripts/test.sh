#!/usr/bin/env bash
# Runs every test of the repository: installs what the tests need, builds, runs all test projects,
# and prints one closing line "N passed, N failed, N skipped".
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/setup.sh"
cd "$root"

results="$root/artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"
status=0
dotnet test AgentRuntime.slnx -c Release --logger "trx;LogFilePrefix=results" --results-directory "$results" -- RunConfiguration.TestSessionTimeout=2400000 || status=$?

node - "$results" <<'JS'
const fs = require("fs"), path = require("path");
const dir = process.argv[2];
let passed = 0, failed = 0, skipped = 0;
for (const file of fs.readdirSync(dir).filter(f => f.endsWith(".trx"))) {
  const counters = /<Counters\b([^>]*)>/.exec(fs.readFileSync(path.join(dir, file), "utf8"));
  if (!counters) continue;
  const count = name => Number((new RegExp(`\\b${name}="(\\d+)"`).exec(counters[1]) || [0, 0])[1]);
  passed += count("passed");
  failed += count("failed") + count("error") + count("timeout") + count("aborted");
  skipped += count("notExecuted");
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
JS
exit $status
