#!/bin/sh
# Runs pytest as an ordinary (unprivileged) user, with and without bubblewrap.
#
#   scripts/test-as-user.sh [PYTEST ARGS...]     e.g. tests/sandbox tests/probe
#
# As root: creates the user asyncplay-test if it is missing, makes a virtual environment
# that user can run (this checkout, editable, with its test extras; kept under that
# user's ~/.cache and reused until pyproject.toml changes) and runs the tests as that
# user. As any other user: runs them with this checkout's .venv.
#
# One leg per sandbox set-up; each prints one line "test-as-user: ..." with the user,
# the Python, the set-up and the result (passed, FAILED, or skipped and why):
#   bwrap      bubblewrap on (skipped, with the reason, where it does not work here);
#   no-bwrap   ASYNCPLAY_NO_BWRAP=1 (Landlock and the other layers).
# Tests that run under both set-ups run only the leg's one (ASYNCPLAY_TEST_SANDBOX).
#
# Environment:
#   BWRAP=both|on|off      legs to run (default both)
#   PYTHON=python3.X       interpreter for the user's venv (as root; default: the first
#                          python3 >= 3.11 the user can run). If the one asked for is not
#                          reachable by the user (a pyenv under a 0700 /root), every leg is
#                          reported as skipped with that reason.
#   TEST_USER=name         the user (default asyncplay-test; root only)
#   VENV=path              the venv to use when not root (default .venv)
# Exit status: 0 when no leg failed (skipped legs do not fail), 1 otherwise, 2 on bad usage.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BWRAP="${BWRAP:-both}"
TEST_USER="${TEST_USER:-asyncplay-test}"
case "$BWRAP" in
    both) LEGS="bwrap no-bwrap" ;;
    on) LEGS="bwrap" ;;
    off) LEGS="no-bwrap" ;;
    *) echo "test-as-user: BWRAP must be both, on or off (not '$BWRAP')" >&2; exit 2 ;;
esac

say() { echo "test-as-user: $*"; }

if [ "$(id -u)" = 0 ]; then
    if ! command -v runuser >/dev/null 2>&1; then
        say "needs runuser (util-linux) to run the tests as $TEST_USER" >&2
        exit 1
    fi
    if ! id "$TEST_USER" >/dev/null 2>&1; then
        if command -v useradd >/dev/null 2>&1; then
            useradd --create-home --shell /bin/sh --comment "asyncplay tests" "$TEST_USER" || exit 1
        else
            adduser --disabled-password --gecos "asyncplay tests" "$TEST_USER" >/dev/null || exit 1
        fi
        say "created user $TEST_USER"
    fi
    USER_HOME=$(getent passwd "$TEST_USER" | cut -d: -f6)
    as_user() { runuser -u "$TEST_USER" -- env -i HOME="$USER_HOME" USER="$TEST_USER" \
        LOGNAME="$TEST_USER" PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 "$@"; }
    if ! as_user test -r "$ROOT/playground/__init__.py"; then
        say "user $TEST_USER cannot read $ROOT: make the checkout readable (chmod o+rX)" >&2
        exit 1
    fi
    # the interpreter: one the user can run (a pyenv under a 0700 /root is not)
    runnable() { as_user "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; }
    PY=""
    if [ -n "${PYTHON:-}" ]; then
        PY=$(command -v "$PYTHON" || echo "$PYTHON")
        if ! runnable "$PY"; then
            for leg in $LEGS; do
                say "user $TEST_USER, $leg: skipped: $PY is not runnable by $TEST_USER" \
                    "(not installed, older than 3.11, or under a directory it cannot enter)"
            done
            exit 0
        fi
    else
        for cand in python3 /usr/local/bin/python3 /usr/bin/python3; do
            cand=$(command -v "$cand") || continue
            if runnable "$cand"; then PY=$cand; break; fi
        done
        if [ -z "$PY" ]; then
            say "no python3 >= 3.11 that $TEST_USER can run; set PYTHON" >&2
            exit 1
        fi
    fi
    PYVER=$("$PY" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')
    KEY=$(printf '%s %s' "$ROOT" "$(readlink -f "$PY")" | cksum | cut -d' ' -f1)
    VENV="$USER_HOME/.cache/asyncplay/venv-$PYVER-$KEY"
    if [ ! -f "$VENV/.installed" ] || [ "$ROOT/pyproject.toml" -nt "$VENV/.installed" ]; then
        say "making $VENV for $TEST_USER (Python $PYVER)"
        rm -rf "$VENV"
        mkdir -p "$(dirname "$VENV")" && chmod 755 "$USER_HOME/.cache" "$(dirname "$VENV")"
        sh "$ROOT/scripts/make-venv.sh" "$PY" "$VENV" || exit 1
        log="$VENV.install.log"
        { "$VENV/bin/pip" install --quiet --upgrade pip && "$VENV/bin/pip" install --quiet -e "$ROOT[test]"; } \
            >"$log" 2>&1 || { cat "$log" >&2; say "could not install into $VENV" >&2; exit 1; }
        chmod -R a+rX "$VENV"
        touch "$VENV/.installed"
    fi
    RUN_AS="user $TEST_USER (uid $(id -u "$TEST_USER"))"
    run() { (cd "$ROOT" && as_user "$@"); }
else
    VENV="${VENV:-$ROOT/.venv}"
    PYVER=$("$VENV/bin/python" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])') || exit 1
    RUN_AS="user $(id -un) (uid $(id -u))"
    run() { (cd "$ROOT" && env "$@"); }
fi

failed=0
for leg in $LEGS; do
    if [ "$leg" = bwrap ]; then
        # a trial run decides, as this user: name the reason when bubblewrap cannot work
        why=$(run "$VENV/bin/python" -I -c 'from playground import sandbox
i = sandbox.detect(use_bwrap=True)
print("" if i.bwrap else next((m for m in i.missing if m.startswith("bwrap:")), "bwrap: unavailable"))')
        if [ -n "$why" ]; then
            say "$RUN_AS, Python $PYVER, bwrap: skipped: $why"
            continue
        fi
        flags="ASYNCPLAY_TEST_SANDBOX=bwrap"
    else
        flags="ASYNCPLAY_TEST_SANDBOX=no-bwrap ASYNCPLAY_NO_BWRAP=1"
    fi
    start=$(date +%s)
    # shellcheck disable=SC2086  # flags are NAME=value words
    run $flags PYTHONDONTWRITEBYTECODE=1 "$VENV/bin/python" -m pytest -p no:cacheprovider "$@"
    rc=$?
    took=$(( $(date +%s) - start ))
    if [ "$rc" = 0 ] || [ "$rc" = 5 ]; then  # 5: nothing selected in this leg
        say "$RUN_AS, Python $PYVER, $leg: passed in ${took} s"
    else
        say "$RUN_AS, Python $PYVER, $leg: FAILED (pytest exit status $rc) in ${took} s"
        failed=1
    fi
done
exit $failed
