#!/usr/bin/env bash
# Installs the Debian packages the test suite talks to (real servers and PGP stacks, not mocks).
# Used by `.ci/run` and by `npm test` (the `pretest` script), so a fresh machine and CI install the same set.
#   bash scripts/system-packages.sh           install what is missing (needs root and apt-get)
#   bash scripts/system-packages.sh --check   only report what is missing; exit 1 if anything is
set -euo pipefail

# command-or-path  debian-package
checks=(
  "/usr/sbin/sshd openssh-server"
  "gpg gnupg"
  "promtool prometheus"
  "chromium chromium"
  "pg_isready postgresql-client"
  "/usr/sbin/proftpd proftpd-core"
  "/usr/lib/proftpd/mod_sftp.so proftpd-mod-crypto"
  "/usr/lib/python3/dist-packages/asyncssh python3-asyncssh"
  "/usr/lib/python3/dist-packages/paramiko python3-paramiko"
  "sq sq"
  "rnp rnp"
  "/usr/share/java/bcpg.jar libbcpg-java"
  "/usr/share/java/bcprov.jar libbcprov-java"
  "javac default-jdk-headless"
  "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc fonts-noto-cjk"
)

missing=()
for entry in "${checks[@]}"; do
  what=${entry% *}
  pkg=${entry##* }
  if [[ $what == /* ]]; then
    [ -e "$what" ] || missing+=("$pkg")
  else
    command -v "$what" >/dev/null 2>&1 || missing+=("$pkg")
  fi
done

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "${1:-}" = "--check" ]; then
  echo "missing system packages: ${missing[*]}" >&2
  exit 1
fi

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "The tests need these Debian packages: ${missing[*]}" >&2
  echo "Install them as root with:  bash scripts/system-packages.sh" >&2
  echo "(or: apt-get install --no-install-recommends ${missing[*]})" >&2
  exit 1
fi

echo "installing system packages: ${missing[*]}" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# proftpd-core's package starts a daemon on port 21; the tests start their own on loopback ports.
if command -v systemctl >/dev/null 2>&1; then systemctl disable --now proftpd >/dev/null 2>&1 || true; fi
pkill -x proftpd >/dev/null 2>&1 || true
