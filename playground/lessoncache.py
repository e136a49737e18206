"""Lessons parsed at an earlier start, kept until one of their files changes.

Reading the catalog (35 ``lesson.toml`` files parsed and checked, 70 snippets compiled
to check that they do) took about 50 ms of every start of the app, and of each of
``asyncplay serve``'s apps. A lesson that loaded without a problem is kept in
``$XDG_CACHE_HOME/asyncplay/lessons-X.Y.pickle`` (``~/.cache`` when ``XDG_CACHE_HOME``
is not set), keyed on its folder and on the size, modification and change times and inode
of its three files; a later start takes it from there while all three are unchanged. The file also
records which Python and which code parsed its lessons (the parsing modules' own sizes
and change times): a new version of either starts it afresh.

Only lessons without problems are kept, so a broken lesson is read again, and named
again, at every start. The cache is only an accelerator: a file that is missing,
unreadable, corrupt or written by other code is ignored (and replaced), and a cache
folder that cannot be written costs nothing but the time saved. It is the user's own
file, like their edits, and trusted as such.
"""

from __future__ import annotations

import os
import pickle
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

__all__ = ["LessonCache", "cache_file", "files_key"]

#: Environment variable naming the cache file; empty turns the cache off.
CACHE_ENV = "ASYNCPLAY_LESSON_CACHE"

_FORMAT = 1  # bumped when the file's layout changes

FileKey = tuple[tuple[int, int, int, int], ...]


def cache_file(env: dict[str, str] | os._Environ[str] = os.environ) -> Path | None:
    """Where the cache lives (see the module's text), or None when turned off."""
    if CACHE_ENV in env:
        return Path(env[CACHE_ENV]) if env[CACHE_ENV] else None
    base = env.get("XDG_CACHE_HOME", "")
    root = Path(base) if os.path.isabs(base) else Path.home() / ".cache"
    return root / "asyncplay" / f"lessons-{sys.version_info[0]}.{sys.version_info[1]}.pickle"


def files_key(paths: Iterable[Path]) -> FileKey | None:
    """The files' (size, modification time, change time, inode), or None when one is missing
    (the change time moves with a chmod or a rename as well)."""
    try:
        stats = [os.stat(path) for path in paths]
    except (OSError, ValueError):
        return None
    return tuple((st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino) for st in stats)


class LessonCache:
    """The kept lessons of one file: :meth:`get` and :meth:`put` by folder, then :meth:`save`."""

    def __init__(self, path: Path | None, code: Iterable[Path]) -> None:
        """``code``: the modules whose parsing the kept lessons come from."""
        self.path = path
        self._stamp = (_FORMAT, sys.version, files_key(code))
        self._entries: dict[str, tuple[FileKey, Any]] = {}
        self._changed = False
        if path is not None:
            self._entries = self._read(path)

    def _read(self, path: Path) -> dict[str, tuple[FileKey, Any]]:
        try:
            with open(path, "rb") as file:
                stamp, entries = pickle.load(file)
        except Exception:  # noqa: BLE001 (missing, unreadable, corrupt, from other code: start afresh)
            return {}
        if stamp != self._stamp or not isinstance(entries, dict):
            return {}
        return entries

    def get(self, folder: Path, key: FileKey | None) -> Any:
        """The value kept for ``folder`` under ``key``, or None."""
        if key is None or self.path is None:
            return None
        entry = self._entries.get(str(folder))
        if entry is None or entry[0] != key:
            return None
        return entry[1]

    def put(self, folder: Path, key: FileKey | None, value: Any) -> None:
        """Keep ``value`` for ``folder`` while its files match ``key``."""
        if key is None or self.path is None:
            return
        self._entries[str(folder)] = (key, value)
        self._changed = True

    def save(self) -> None:
        """Write the file if anything changed (atomically: starts may run side by side)."""
        if self.path is None or not self._changed:
            return
        # Folders that are gone (a lesson moved, a temporary folder) are dropped.
        entries = {name: entry for name, entry in self._entries.items() if os.path.isdir(name)}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".lessons-")
            try:
                with os.fdopen(fd, "wb") as file:
                    pickle.dump((self._stamp, entries), file, protocol=pickle.HIGHEST_PROTOCOL)
                os.replace(tmp, self.path)
            except BaseException:
                os.unlink(tmp)
                raise
        except (OSError, pickle.PicklingError):
            return  # a read-only home, a full disk: the next start parses again
        self._entries = entries
        self._changed = False
