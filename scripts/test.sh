#!/usr/bin/env bash
# The one test command (README, .ci/run): installs what the tests need when it is missing,
# builds, checks types and import boundaries, then runs every test with node's test runner.
# Never skips a test because a tool is absent: it installs the tool instead.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v restic >/dev/null || need_apt+=(restic)
command -v setfattr >/dev/null || need_apt+=(attr)
# backends: rclone serve restic (REST and rclone: tests), openssl for the local S3 server's certificate
command -v rclone >/dev/null || need_apt+=(rclone)
command -v openssl >/dev/null || need_apt+=(openssl)
# sftp: tests start OpenSSH's sshd (/usr/sbin/sshd, not on a user's PATH) and connect with ssh
[ -x /usr/sbin/sshd ] || need_apt+=(openssh-server)
command -v ssh >/dev/null || need_apt+=(openssh-client)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing Debian packages: ${need_apt[*]}"
  if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# slapd, ldap-utils and PostgreSQL for the inventory collectors' tests (their services kept off)
bash scripts/inventory-test-deps.sh

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
else
  npm run build
  [ -f build/Release/lifeboat_native.node ] || npm run build:native
fi
npm run --silent lint:deps

# Test files: every compiled *.test.js (unit tests beside the code, test/compat, test/e2e).
mapfile -t files < <(find dist/src dist/test -name '*.test.js' | sort)
exec node --test --test-concurrency=2 --test-timeout=600000 "$@" "${files[@]}"
