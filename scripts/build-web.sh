#!/usr/bin/env bash
# Builds the web UI into web/dist, which the server serves at / (AgentRuntime:WebRoot, or found as web/dist upward).
# Installs the pinned npm packages of the hooks package (clients/react) and of web/ with `npm ci` when their lock files
# changed since the last install, builds the hooks package (web depends on it as file:../clients/react), then the app.
# Safe to run again: installs are skipped when up to date, and so is the build when no source changed since it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# npm writes node_modules/.package-lock.json on every install: older than the lock (or package.json) means stale.
install_packages() {
  local dir="$1" stamp="$1/node_modules/.package-lock.json"
  if [[ -f "$stamp" && ! "$dir/package-lock.json" -nt "$stamp" && ! "$dir/package.json" -nt "$stamp" ]]; then
    return 0
  fi
  echo "Installing the pinned packages of ${dir#"$root"/} (npm ci)..."
  (cd "$dir" && npm ci --no-audit --no-fund)
}

# The build is up to date when web/dist/index.html (written last) is newer than every input of both packages.
up_to_date() {
  local built="$root/web/dist/index.html"
  [[ -f "$built" && -z "${FORCE_WEB_BUILD:-}" ]] || return 1
  local changed
  changed="$(find "$root/web/src" "$root/web/index.html" "$root/web/package.json" "$root/web/package-lock.json" \
    "$root/web/vite.config.ts" "$root/web/tsconfig.json" "$root/clients/react/src" "$root/clients/react/package.json" \
    "$root/clients/react/package-lock.json" "$root/clients/react/tsconfig.json" "$root/clients/react/tsconfig.build.json" \
    -newer "$built" -print -quit)"
  [[ -z "$changed" ]]
}

install_packages "$root/clients/react"
install_packages "$root/web"

if up_to_date; then
  echo "web/dist is up to date (FORCE_WEB_BUILD=1 builds it again)."
  exit 0
fi

started=$SECONDS
echo "Building the hooks package and the web UI..."
(cd "$root/web" && npm run --silent build)
echo "Built web/dist in $((SECONDS - started)) s."
