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
# the web console's browser tests drive Debian's Chromium (playwright-core never downloads one)
command -v chromium >/dev/null || need_apt+=(chromium)
# schedules: the generated units are checked by systemd-analyze verify; runs are serialised by flock
command -v systemd-analyze >/dev/null || need_apt+=(systemd)
command -v flock >/dev/null || need_apt+=(util-linux)
# strace shows the atomic file writer's system calls in order (src/platform/fs/atomic-write.test.ts)
command -v strace >/dev/null || need_apt+=(strace)
# fincore shows which of a file's pages are cached (dropCachedPages, src/native/native.test.ts)
command -v fincore >/dev/null || need_apt+=(util-linux-extra)
# GNU time reports a child's peak memory (test/e2e/inventory-files.test.ts)
[ -x /usr/bin/time ] || need_apt+=(time)
# sftp: tests start OpenSSH's sshd (/usr/sbin/sshd, not on a user's PATH) and connect with ssh
[ -x /usr/sbin/sshd ] || need_apt+=(openssh-server)
command -v ssh >/dev/null || need_apt+=(openssh-client)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing Debian packages: ${need_apt[*]}"
  if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# bare-metal restore (test/e2e/bare-metal.test.ts, alone: npm run test:bare-metal): debootstrap builds a small Debian on a loop
# device, QEMU boots it, GRUB for BIOS; sfdisk and partx write and show partition tables
need_bm=()
command -v debootstrap >/dev/null || need_bm+=(debootstrap)
command -v qemu-system-x86_64 >/dev/null || need_bm+=(qemu-system-x86)
[ -d /usr/lib/grub/i386-pc ] || need_bm+=(grub-pc-bin)
command -v sfdisk >/dev/null || need_bm+=(fdisk)
command -v mkfs.ext4 >/dev/null || need_bm+=(e2fsprogs)
if [ ${#need_bm[@]} -gt 0 ]; then
  echo "installing Debian packages: ${need_bm[*]}"
  if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${need_bm[@]}" >/dev/null
fi

# slapd, ldap-utils and PostgreSQL for the inventory collectors' tests (their services kept off)
bash scripts/inventory-test-deps.sh

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
# `npm run build` compiles what a user needs (tsconfig.build.json, the published package);
# the tests need everything: src with its tests and testing/ helpers, test/, bench/.
npm run build:all
# The addon is rebuilt when it is missing or older than any of its sources.
addon=build/Release/lifeboat_native.node
if [ ! -f "$addon" ] || [ -n "$(find native binding.gyp -newer "$addon" -print -quit)" ]; then
  npm run build:native
fi
npm run --silent lint:deps
# ESLint with type information (eslint.config.js): about a minute
npm run --silent lint
# Prettier (.prettierrc.json): code, JSON and YAML as formatted by `npx prettier --write .`
npx prettier --check . >/dev/null || { npx prettier --list-different .; echo 'formatting differs: run npx prettier --write .' >&2; exit 1; }

# The bare-metal test's Debian base is built once per machine and kept under $TMPDIR (minutes the
# first time; nothing afterwards), here rather than inside the test file's time limit.
node dist/test/helpers/build-debian-base.js

# Test files: every compiled *.test.js (unit tests beside the code, test/compat, test/e2e).
mapfile -t files < <(find dist/src dist/test -name '*.test.js' | sort)
exec node --test --test-concurrency=2 --test-timeout=600000 "$@" "${files[@]}"
