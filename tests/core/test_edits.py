"""Edits of lesson variants: kept in memory, saved to the user's data folder, read back."""

from __future__ import annotations

from pathlib import Path

import pytest

from playground.edits import EditError, Edits, edits_folder


def test_the_folder_follows_xdg_data_home(tmp_path: Path) -> None:
    assert edits_folder({"XDG_DATA_HOME": str(tmp_path)}) == tmp_path / "asyncplay" / "edits"
    # Unset or relative (the spec says ignore it): the default under the home folder.
    for env in ({}, {"XDG_DATA_HOME": "relative/dir"}):
        assert edits_folder(env) == Path.home() / ".local/share/asyncplay/edits"


def test_kept_in_memory_then_saved_and_read_back_by_a_new_store(tmp_path: Path) -> None:
    edits = Edits(tmp_path)
    assert edits.text("time-sleep", "bad") is None
    edits.keep("time-sleep", "bad", "print(1)\n")
    assert edits.text("time-sleep", "bad") == "print(1)\n"
    assert edits.saved("time-sleep", "bad") is None
    path = edits.save("time-sleep", "bad", "print(2)\n", original="print(0)\n")
    assert path == tmp_path / "time-sleep" / "bad.py"
    assert path.read_text() == "print(2)\n"
    again = Edits(tmp_path)  # the next start of the app
    assert again.text("time-sleep", "bad") == again.saved("time-sleep", "bad") == "print(2)\n"
    assert again.text("time-sleep", "good") is None
    # Kept in memory wins over the saved file (a reset to the original, not saved yet).
    again.keep("time-sleep", "bad", "print(0)\n")
    assert again.text("time-sleep", "bad") == "print(0)\n"
    assert sorted(p.name for p in path.parent.iterdir()) == ["bad.py"]  # no temporary left


def test_saving_the_original_removes_the_saved_edit(tmp_path: Path) -> None:
    edits = Edits(tmp_path)
    edits.save("s", "bad", "edited\n", original="original\n")
    assert edits.save("s", "bad", "original\n", original="original\n") is None
    assert not (tmp_path / "s" / "bad.py").exists()
    assert edits.saved("s", "bad") is None and edits.text("s", "bad") == "original\n"


def test_names_cannot_leave_the_folder(tmp_path: Path) -> None:
    with pytest.raises(EditError, match="'../x'"):
        Edits(tmp_path).path("../x", "bad")
    with pytest.raises(EditError, match="'a/b'"):
        Edits(tmp_path).save("s", "a/b", "x", "y")


def test_a_saved_edit_that_is_not_text_is_named(tmp_path: Path) -> None:
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "bad.py").write_bytes(b"print('\xff')\n")
    with pytest.raises(EditError, match=r"s/bad.py is not UTF-8 text"):
        Edits(tmp_path).text("s", "bad")


def test_a_folder_that_cannot_be_written_is_named(tmp_path: Path) -> None:
    (tmp_path / "s").write_text("a file where the lesson's folder would go")
    with pytest.raises(EditError, match=r"cannot save the edit to .*s/bad.py"):
        Edits(tmp_path).save("s", "bad", "x\n", original="y\n")
