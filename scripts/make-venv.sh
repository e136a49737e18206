#!/bin/sh
# Creates .venv with the given Python. On Debian/Ubuntu, python3 may come without its
# venv module (package python3-venv); install it when this machine lets us (root and
# apt-get), else say exactly what is missing.
set -u
PYTHON="${1:-python3}"
VENV="${2:-.venv}"
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
    echo "asyncplay needs Python 3.11 or newer; $PYTHON is $("$PYTHON" --version 2>&1)" >&2
    exit 1
}
if "$PYTHON" -m venv "$VENV" 2>/dev/null; then exit 0; fi
rm -rf "$VENV"
pkg="python$("$PYTHON" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')-venv"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing $pkg (Python's venv module)..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg") >/dev/null 2>&1 \
        || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null 2>&1
    "$PYTHON" -m venv "$VENV" && exit 0
fi
echo "could not create $VENV: install Python's venv module (sudo apt-get install $pkg)" >&2
exit 1
