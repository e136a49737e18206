"""Lessons kept between starts (playground.lessoncache): used while their files are
unchanged, read again when one changes, never a broken lesson, never in the way."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from playground import catalog
from playground.catalog import load_catalog
from playground.lessoncache import CACHE_ENV, LessonCache, cache_file

LESSON = """\
title = "{title}"
summary = "s"
why = "w"
watch = "w"
mistake = "m"
fix = "f"
tags = ["t"]
"""


def write_lesson(root: Path, slug: str = "one", title: str = "First") -> Path:
    folder = root / slug
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "lesson.toml").write_text(LESSON.format(title=title))
    (folder / "bad.py").write_text("print('bad')\n")
    (folder / "good.py").write_text("print('good')\n")
    return folder


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cache" / "lessons.pickle"
    monkeypatch.setenv(CACHE_ENV, str(path))
    return path


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The folders the catalog parses (the real parser runs; the list only records it)."""
    seen: list[Path] = []
    real = catalog._load_lesson

    def recording(folder: Path):  # type: ignore[no-untyped-def]
        seen.append(folder)
        return real(folder)

    monkeypatch.setattr(catalog, "_load_lesson", recording)
    return seen


def load(root: Path) -> catalog.Catalog:
    return load_catalog([root], include_default=False)


def test_an_unchanged_lesson_is_not_parsed_again(tmp_path: Path, cache: Path,
                                                  parses: list[Path]) -> None:
    folder = write_lesson(tmp_path / "lessons")
    first = load(tmp_path / "lessons")
    assert parses == [folder] and cache.is_file()
    again = load(tmp_path / "lessons")
    assert parses == [folder]  # the second start took it from the cache
    assert again == first and again.lessons[0].title == "First"


def test_the_shipped_catalog_comes_back_equal(cache: Path, parses: list[Path]) -> None:
    first = load_catalog()
    count = len(parses)
    assert count >= 30
    assert load_catalog() == first
    assert len(parses) == count


@pytest.mark.parametrize("name", ["lesson.toml", "bad.py", "good.py"])
def test_a_changed_file_is_read_again(tmp_path: Path, cache: Path, parses: list[Path],
                                      name: str) -> None:
    folder = write_lesson(tmp_path / "lessons")
    load(tmp_path / "lessons")
    if name == "lesson.toml":
        write_lesson(tmp_path / "lessons", title="Second")
    else:  # the same size, maybe within the same clock tick: the inode and times tell
        (folder / name).write_text((folder / name).read_text().upper())
    got = load(tmp_path / "lessons")
    assert parses == [folder, folder]
    assert got.lessons[0].title == ("Second" if name == "lesson.toml" else "First")


def test_a_snippet_broken_since_is_reported(tmp_path: Path, cache: Path) -> None:
    folder = write_lesson(tmp_path / "lessons")
    load(tmp_path / "lessons")
    (folder / "bad.py").write_text("def broken(:\n")
    got = load(tmp_path / "lessons")
    assert not got.lessons
    assert [str(e.path) for e in got.errors] == [str(folder / "bad.py")]


def test_a_broken_lesson_is_named_at_every_start(tmp_path: Path, cache: Path) -> None:
    folder = write_lesson(tmp_path / "lessons")
    (folder / "good.py").write_text("def broken(:\n")
    for _ in range(2):
        got = load(tmp_path / "lessons")
        assert not got.lessons
        assert "good.py" in str(got.errors[0]) and "SyntaxError" in str(got.errors[0])


@pytest.mark.parametrize("content", [b"", b"not a pickle", pickle.dumps(("other", {}))])
def test_a_corrupt_cache_is_ignored_and_replaced(tmp_path: Path, cache: Path,
                                                 parses: list[Path], content: bytes) -> None:
    write_lesson(tmp_path / "lessons")
    cache.parent.mkdir(parents=True)
    cache.write_bytes(content)
    assert load(tmp_path / "lessons").lessons[0].title == "First"
    assert load(tmp_path / "lessons").lessons[0].title == "First"
    assert len(parses) == 1  # the second start used the cache written over the bad one


def test_a_cache_that_cannot_be_written_costs_nothing_else(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a-file").write_text("")
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "a-file" / "lessons.pickle"))
    write_lesson(tmp_path / "lessons")
    for _ in range(2):
        got = load(tmp_path / "lessons")
        assert got.lessons[0].title == "First" and not got.errors


def test_other_parsing_code_starts_afresh(tmp_path: Path, cache: Path) -> None:
    folder = write_lesson(tmp_path / "lessons")
    load(tmp_path / "lessons")
    key = next(iter(LessonCache(cache, catalog._parsing_code())._entries.values()))[0]
    assert LessonCache(cache, catalog._parsing_code()).get(folder, key) is not None
    (tmp_path / "newer.py").write_text("")
    other = LessonCache(cache, [*catalog._parsing_code(), tmp_path / "newer.py"])
    assert other.get(folder, key) is None


def test_gone_folders_are_dropped(tmp_path: Path, cache: Path) -> None:
    gone = write_lesson(tmp_path / "old")
    load(tmp_path / "old")
    write_lesson(tmp_path / "lessons")
    for name in ("lesson.toml", "bad.py", "good.py"):
        (gone / name).unlink()
    gone.rmdir()
    load(tmp_path / "lessons")
    assert set(LessonCache(cache, catalog._parsing_code())._entries) == {
        str(tmp_path / "lessons" / "one")}


def test_where_the_cache_lives() -> None:
    assert cache_file({CACHE_ENV: ""}) is None
    assert cache_file({CACHE_ENV: "/x/y.pickle"}) == Path("/x/y.pickle")
    assert cache_file({"XDG_CACHE_HOME": "/c"}).parent == Path("/c/asyncplay")  # type: ignore[union-attr]
    home = cache_file({"XDG_CACHE_HOME": "relative"})  # not absolute: ignored, as XDG says
    assert home is not None and home.parent == Path.home() / ".cache" / "asyncplay"


def test_turned_off_nothing_is_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV, "")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    write_lesson(tmp_path / "lessons")
    assert load(tmp_path / "lessons").lessons
    assert not os.path.exists(tmp_path / "xdg")
