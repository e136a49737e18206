#!/bin/sh
# Installs the optional system packages, when this machine lets us (root and apt-get):
# bubblewrap (the strongest sandbox layer) and chromium (the browser the
# `asyncplay serve` tests drive headless). Never fails the build: without bwrap the
# sandbox falls back to its other layers and says so; without chromium the browser
# tests are skipped with the reason.
missing=""
command -v bwrap >/dev/null 2>&1 || missing="$missing bubblewrap"
[ -x /usr/bin/chromium ] || missing="$missing chromium"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing$missing..."
    apt-get update -qq >/dev/null 2>&1
    for package in $missing; do
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null 2>&1 \
            || echo "could not install $package; the tests that need it say so"
    done
fi
exit 0
