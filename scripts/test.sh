#!/usr/bin/env bash
# Runs every test of the repository: installs what the tests need, builds, runs all .NET test projects and the
# TypeScript packages' tests, and prints one closing line "N passed, N failed, N skipped".
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/setup.sh"
bash "$root/scripts/setup-postgres.sh"
cd "$root"

results="$root/artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"
dotnet build AgentRuntime.slnx -c Release
bash "$root/scripts/build-web.sh"
status=0
for project in test/*.Tests/*.Tests.csproj; do
  name="$(basename "$project" .csproj)"
  dotnet test "$project" -c Release --no-build --logger "trx;LogFileName=$name.trx" --results-directory "$results" --blame-hang-timeout 15m || status=$?
done

# The TypeScript packages: the React hooks (vitest) against the Release build of the server.
bash "$root/scripts/test-react.sh" "$results" || status=$?
# The web UI in headless Chromium against the real server.
bash "$root/scripts/test-web.sh" "$results" || status=$?

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
  // xunit reports a skipped test as neither executed nor "notExecuted": what was not executed is what was skipped.
  skipped += Math.max(count("notExecuted"), count("total") - count("executed"));
}
for (const file of fs.readdirSync(dir).filter(f => f.endsWith(".junit.xml"))) {
  const suites = /<testsuites\b([^>]*)>/.exec(fs.readFileSync(path.join(dir, file), "utf8"));
  if (!suites) continue;
  const count = name => Number((new RegExp(`\\b${name}="(\\d+)"`).exec(suites[1]) || [0, 0])[1]);
  const bad = count("failures") + count("errors");
  passed += count("tests") - bad - count("skipped");
  failed += bad;
  skipped += count("skipped");
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
JS
exit $status
