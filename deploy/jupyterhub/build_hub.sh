#!/usr/bin/env bash
# Build the hub's own software: JupyterHub (requirements.txt, a freeze) in a venv,
# and configurable-http-proxy from npm (package.json + package-lock.json, `npm ci`).
#
#   deploy/jupyterhub/build_hub.sh [PREFIX]    # default /srv/why-deep-networks-train
#
# writes PREFIX/hub-env/ and PREFIX/proxy/node_modules/. HUB_ENV=dir and PROXY_DIR=dir
# put them elsewhere (the end-to-end test keeps them in a cache). Run again after a
# change of the pins: an environment whose pins are unchanged is kept as it is.
# Needs: python3 with venv (Debian: python3-venv), nodejs and npm (Debian: nodejs npm).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PREFIX=${1:-${COURSE_HUB_PREFIX:-/srv/why-deep-networks-train}}
HUB_ENV=${HUB_ENV:-$PREFIX/hub-env}
PROXY_DIR=${PROXY_DIR:-$PREFIX/proxy}
PYTHON=${PYTHON:-/usr/bin/python3}

command -v npm >/dev/null || { echo "npm is missing: apt-get install nodejs npm" >&2; exit 1; }
"$PYTHON" -c 'import venv, ensurepip' 2>/dev/null \
    || { echo "$PYTHON cannot make a venv: apt-get install python3-venv" >&2; exit 1; }

want=$(cat "$HERE/requirements.txt" | sha256sum | cut -c1-64)
if [ "$(cat "$HUB_ENV/.built" 2>/dev/null)" != "$want" ]; then
    echo "== JupyterHub into $HUB_ENV"
    rm -rf "$HUB_ENV"
    "$PYTHON" -m venv "$HUB_ENV"
    "$HUB_ENV/bin/python" -m pip install --quiet --disable-pip-version-check \
        -r "$HERE/requirements.txt"
    "$HUB_ENV/bin/jupyterhub" --version >/dev/null      # it runs
    echo "$want" > "$HUB_ENV/.built"
fi

want=$(cat "$HERE/package.json" "$HERE/package-lock.json" | sha256sum | cut -c1-64)
if [ "$(cat "$PROXY_DIR/.built" 2>/dev/null)" != "$want" ]; then
    echo "== configurable-http-proxy into $PROXY_DIR"
    rm -rf "$PROXY_DIR"
    mkdir -p "$PROXY_DIR"
    cp "$HERE/package.json" "$HERE/package-lock.json" "$PROXY_DIR/"
    (cd "$PROXY_DIR" && npm ci --no-audit --no-fund --loglevel=error)
    "$PROXY_DIR/node_modules/.bin/configurable-http-proxy" --version >/dev/null   # it runs
    echo "$want" > "$PROXY_DIR/.built"
fi
test -x "$HUB_ENV/bin/jupyterhub" && test -x "$PROXY_DIR/node_modules/.bin/configurable-http-proxy"
echo "hub: $HUB_ENV, proxy: $PROXY_DIR (up to date)"
