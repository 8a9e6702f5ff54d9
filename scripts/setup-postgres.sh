#!/usr/bin/env bash
# Makes sure this machine can start the throwaway PostgreSQL servers that the PostgreSQL tests and the benchmark run
# (AgentRuntime.Testing.PostgresServer): the server programs initdb and postgres, looked for where the helper looks
# (`pg_config --bindir`, /usr/lib/postgresql/*/bin, PATH), and, under root, the unprivileged `postgres` user the
# server runs as. Installs Debian's `postgresql` package when the programs are missing, without creating or starting
# the package's default cluster: the tests start their own servers and nothing else should run.
# Safe to run again and fast when all is there; can be executed or sourced.
set -euo pipefail

# Prints the directory holding initdb and postgres, or fails.
postgres_bindir() {
  local dir
  if command -v pg_config >/dev/null 2>&1; then
    dir="$(pg_config --bindir 2>/dev/null || true)"
    if [[ -n "$dir" && -x "$dir/initdb" && -x "$dir/postgres" ]]; then
      echo "$dir"
      return 0
    fi
  fi
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [[ -x "$dir/initdb" && -x "$dir/postgres" ]]; then
      echo "$dir"
      return 0
    fi
  done
  if command -v initdb >/dev/null 2>&1; then
    dir="$(dirname "$(readlink -f "$(command -v initdb)")")"
    if [[ -x "$dir/postgres" ]]; then
      echo "$dir"
      return 0
    fi
  fi
  return 1
}

install_postgres() {
  if postgres_bindir >/dev/null; then
    return 0
  fi
  if [[ "$(id -u)" != 0 ]]; then
    echo "PostgreSQL (initdb, postgres) is not installed, and installing it needs root: run this script as root," >&2
    echo "or install your distribution's PostgreSQL server package." >&2
    return 1
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "PostgreSQL (initdb, postgres) is not installed and there is no apt-get; install the PostgreSQL server package." >&2
    return 1
  fi

  # Without this the package creates a "main" cluster and starts it on port 5432.
  mkdir -p /etc/postgresql-common/createcluster.d
  echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.d/agent-runtime-no-main-cluster.conf

  echo "Installing PostgreSQL (apt-get install postgresql)..."
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  postgres_bindir >/dev/null || { echo "apt-get installed postgresql, but initdb and postgres are still not found." >&2; return 1; }
}

# PostgreSQL refuses to run as root; under root the helper runs it as this user through runuser.
ensure_postgres_user() {
  if [[ "$(id -u)" != 0 ]] || id -u postgres >/dev/null 2>&1; then
    return 0
  fi
  echo "Creating the postgres system user..."
  useradd --system --user-group --home-dir /var/lib/postgresql --no-create-home --shell /bin/bash postgres
}

install_postgres
ensure_postgres_user
echo "PostgreSQL server programs: $(postgres_bindir)"
