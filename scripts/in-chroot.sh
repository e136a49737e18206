#!/bin/sh
# Runs a command inside a Debian root folder (made by debootstrap, see get-python.sh),
# in the current folder, which is bind-mounted at the same path inside. The mounts live
# in a private mount namespace, so they vanish with the command: nothing to clean up.
# The host's CA bundle and pip configuration are mounted too, so that pip inside reaches
# the package index exactly as it does outside. Needs root (unshare, mount, chroot).
#   usage: in-chroot.sh ROOTDIR COMMAND [ARG...]
set -eu
ROOT="$1"; shift
HERE="$(pwd -P)"
exec unshare --mount --propagation private sh -eu -c '
root="$1"; here="$2"; shift 2
# The root a mount point of its own: bubblewrap inside needs "/" to be one.
mount --bind "$root" "$root"
for fs in proc dev sys; do mount --rbind "/$fs" "$root/$fs"; done
mkdir -p "$root$here" && mount --bind "$here" "$root$here"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
bundle=/etc/ssl/certs/ca-certificates.crt
if [ -f "$bundle" ] && [ -f "$root$bundle" ]; then mount --bind "$bundle" "$root$bundle"; fi
if [ -f /etc/pip.conf ]; then touch "$root/etc/pip.conf" && mount --bind /etc/pip.conf "$root/etc/pip.conf"; fi
if [ -d /etc/xdg/pip ]; then mkdir -p "$root/etc/xdg/pip" && mount --bind /etc/xdg/pip "$root/etc/xdg/pip"; fi
cd "$here"
exec chroot "$root" sh -c "cd \"\$0\" && exec \"\$@\"" "$here" "$@"
' in-chroot "$ROOT" "$HERE" "$@"
