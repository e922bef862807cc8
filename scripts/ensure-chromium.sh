#!/usr/bin/env bash
# Makes sure Debian's Chromium is at /usr/bin/chromium for the browser tests (test/browser/), which
# drive it with playwright-core (no browser download of its own). Installs the `chromium` package with
# apt when it is missing (through sudo when not root) and fails loudly when that is impossible.
# NCF_CHROMIUM=/path/to/chromium names another binary instead (it must exist).
set -euo pipefail

CHROMIUM="${NCF_CHROMIUM:-/usr/bin/chromium}"

if [[ -x "$CHROMIUM" ]]; then
  exit 0
fi
if [[ -n "${NCF_CHROMIUM:-}" ]]; then
  echo "ensure-chromium: FAILED: NCF_CHROMIUM=$NCF_CHROMIUM is not an executable file" >&2
  exit 1
fi

echo "ensure-chromium: $CHROMIUM not found: installing Debian's chromium package" >&2
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: FAILED: no $CHROMIUM and no apt-get to install it; install Chromium or set NCF_CHROMIUM" >&2
  exit 1
fi
SUDO=()
if [[ "$(id -u)" -ne 0 ]]; then SUDO=(sudo); fi
if ! "${SUDO[@]}" apt-get update || ! "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium; then
  echo "ensure-chromium: FAILED: apt-get could not install chromium; the browser tests cannot run" >&2
  exit 1
fi
if [[ ! -x "$CHROMIUM" ]]; then
  echo "ensure-chromium: FAILED: the chromium package is installed but $CHROMIUM is still missing" >&2
  exit 1
fi
"$CHROMIUM" --version >&2 || { echo "ensure-chromium: FAILED: $CHROMIUM does not start" >&2; exit 1; }
