#!/usr/bin/env bash
# Installs what the inventory tests start on loopback: slapd + ldap-utils (OpenLDAP) and PostgreSQL.
# The tests run their own throwaway instances on random ports, so the packages' system services
# must not start (they would hold 389/5432): a temporary policy-rc.d forbids service starts while
# apt runs, and any instance that started anyway is stopped and disabled afterwards.
set -euo pipefail

need=()
command -v slapd >/dev/null 2>&1 || [ -x /usr/sbin/slapd ] || need+=(slapd)
command -v ldapadd >/dev/null 2>&1 || need+=(ldap-utils)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need+=(postgresql)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v runuser >/dev/null 2>&1 || need+=(util-linux)
[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
echo "installing Debian packages for the inventory tests: ${need[*]}"

policy=/usr/sbin/policy-rc.d
made_policy=
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod 755 "$policy"
  made_policy=1
fi
cleanup() { if [ -n "$made_policy" ]; then $SUDO rm -f "$policy"; fi; }
trap cleanup EXIT

$SUDO apt-get update -qq || true
# slapd asks debconf questions; noninteractive takes the defaults (a dummy dc=nodomain database).
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null

# Belt and braces: if a service started anyway, stop it and keep it from starting at boot.
for svc in slapd postgresql; do
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    $SUDO systemctl disable --now "$svc" >/dev/null 2>&1 || true
  elif [ -x "/etc/init.d/$svc" ]; then
    $SUDO "/etc/init.d/$svc" stop >/dev/null 2>&1 || true
  fi
done
