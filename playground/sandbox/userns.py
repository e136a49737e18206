"""Whether an ordinary user may create user namespaces here, which bubblewrap needs;
if not, which setting blocks them and how to allow them (shown by ``asyncplay doctor``).
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["userns_blocked"]

#: (sysctl, value that blocks, what it means, the fix)
_KNOBS = (
    ("kernel/apparmor_restrict_unprivileged_userns", "1",
     "AppArmor restricts unprivileged user namespaces "
     "(kernel.apparmor_restrict_unprivileged_userns = 1, Ubuntu's default since 24.04)",
     "give bwrap an AppArmor profile that allows userns (see docs/SECURITY.md), or allow "
     "them for every program: sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0"),
    ("kernel/unprivileged_userns_clone", "0",
     "unprivileged user namespaces are switched off (kernel.unprivileged_userns_clone = 0)",
     "sudo sysctl -w kernel.unprivileged_userns_clone=1"),
    ("user/max_user_namespaces", "0",
     "user namespaces are switched off (user.max_user_namespaces = 0)",
     "sudo sysctl -w user.max_user_namespaces=15000"),
)


def userns_blocked(sysctl_dir: Path = Path("/proc/sys")) -> str | None:
    """Why bubblewrap cannot make a user namespace here, with the fix; None if no
    setting of this machine forbids it."""
    for name, blocking, meaning, fix in _KNOBS:
        try:
            value = (sysctl_dir / name).read_text().strip()
        except OSError:
            continue
        if value == blocking:
            return f"{meaning}; to use bubblewrap: {fix}"
    return None
