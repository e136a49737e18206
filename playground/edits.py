"""The learner's edits of lesson variants: kept for the app's life, saved on request.

An edit is the text of one lesson's variant as the learner changed it. :class:`Edits`
keeps it in memory per lesson and variant while the app runs, and writes it, when
asked, to ``$XDG_DATA_HOME/asyncplay/edits/SLUG/VARIANT.py`` (``~/.local/share`` when
``XDG_DATA_HOME`` is not set), where the next start finds it again. The lesson's own
files are never written. Saving the original text back removes the saved file.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path

__all__ = ["EditError", "Edits", "edits_folder"]

# A slug or variant names a folder or file: nothing that could leave the edits folder.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class EditError(Exception):
    """A saved edit that cannot be read or written (the message names the file)."""


def edits_folder(env: Mapping[str, str] | None = None) -> Path:
    """Where saved edits live: ``$XDG_DATA_HOME/asyncplay/edits`` (an absolute
    ``XDG_DATA_HOME`` only, as the XDG spec says), else ``~/.local/share/asyncplay/edits``."""
    env = os.environ if env is None else env
    data = env.get("XDG_DATA_HOME", "")
    base = Path(data) if data and os.path.isabs(data) else Path.home() / ".local" / "share"
    return base / "asyncplay" / "edits"


class Edits:
    """Edited texts per (lesson slug, variant): in memory, and saved files on disk."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder if folder is not None else edits_folder()
        self._texts: dict[tuple[str, str], str] = {}

    def path(self, slug: str, variant: str) -> Path:
        """The file an edit of ``slug``'s ``variant`` is saved to."""
        for name in (slug, variant):
            if not _NAME.match(name):
                raise EditError(f"cannot name a saved edit after {name!r}")
        return self.folder / slug / f"{variant}.py"

    # ------------------------------------------------------------------ memory
    def text(self, slug: str, variant: str) -> str | None:
        """The text the learner has for this variant now: the one kept in memory, else
        the saved one, else None (then the lesson's own text stands)."""
        kept = self._texts.get((slug, variant))
        return kept if kept is not None else self.saved(slug, variant)

    def keep(self, slug: str, variant: str, text: str) -> None:
        """Keep ``text`` as this variant's current text for the app's life."""
        self._texts[(slug, variant)] = text

    def kept(self) -> dict[tuple[str, str], str]:
        """Every text kept in memory, by (lesson slug, variant)."""
        return dict(self._texts)

    # -------------------------------------------------------------------- disk
    def saved(self, slug: str, variant: str) -> str | None:
        """The saved edit's text, or None when there is none; :class:`EditError` when
        the file is there but cannot be read."""
        path = self.path(slug, variant)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise EditError(f"cannot read the saved edit {path}: {exc.strerror or exc}") from exc
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise EditError(f"the saved edit {path} is not UTF-8 text ({exc.reason} at byte "
                            f"{exc.start}); move it away to start again from the lesson") from exc

    def save(self, slug: str, variant: str, text: str, original: str) -> Path | None:
        """Save ``text`` (and keep it); returns the file, or None when ``text`` is the
        original, whose saved edit (if any) is then removed. The file is written whole
        or not at all (a temporary file renamed)."""
        self.keep(slug, variant, text)
        path = self.path(slug, variant)
        try:
            if text == original:
                path.unlink(missing_ok=True)
                return None
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{variant}-", suffix=".py", dir=path.parent)
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(text.encode("utf-8", errors="replace"))
                os.replace(tmp, path)
            except BaseException:
                os.unlink(tmp)
                raise
        except OSError as exc:
            raise EditError(f"cannot save the edit to {path}: {exc.strerror or exc}") from exc
        return path
