#!/bin/sh
# Installs the optional system packages the sandbox uses (bubblewrap), when this
# machine lets us: root and apt-get. Never fails the build: without bwrap the
# sandbox falls back to its other layers and says so.
if command -v bwrap >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing bubblewrap (sandbox layer)..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap) >/dev/null 2>&1 \
        || echo "could not install bubblewrap; the sandbox will run without it"
fi
exit 0
