"""The lesson catalog: real lesson folders in tmp_path, and the shipped snippets."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from playground.catalog import (
    DEFAULT_ORDER,
    NO_LEVEL,
    SNIPPETS_ENV,
    Catalog,
    LessonError,
    LessonUnavailable,
    default_snippets_dir,
    load_catalog,
)
from playground.lessonmeta import python_excluded
from playground.session import RunTarget

REPO = Path(__file__).resolve().parents[2]

VALID_TOML = """\
title = "A title"
summary = "A summary."
why = "Why it matters."
watch = "What to watch."
mistake = "The mistake."
fix = "The fix."
tags = ["blocking", "sleep"]
order = 10
timeout_s = 20

[expect.bad]
stall = { min_ms = 900, code = "time.sleep" }

[expect.good]
lag_max_below_ms = 50
"""
BAD_PY = "import time\n\ntime.sleep(1)\n"
GOOD_PY = "import asyncio\n\nasyncio.run(asyncio.sleep(1))\n"


def write_lesson(
    parent: Path,
    slug: str,
    toml: str | bytes | None = VALID_TOML,
    bad: str | bytes | None = BAD_PY,
    good: str | bytes | None = GOOD_PY,
) -> Path:
    folder = parent / slug
    folder.mkdir(parents=True)
    for name, content in (("lesson.toml", toml), ("bad.py", bad), ("good.py", good)):
        if isinstance(content, bytes):
            (folder / name).write_bytes(content)
        elif content is not None:
            (folder / name).write_text(content, encoding="utf-8")
    return folder


def load(*dirs: Path) -> Catalog:
    return load_catalog(list(dirs), include_default=False)


def only_error(catalog: Catalog) -> LessonError:
    assert len(catalog.errors) == 1, [str(e) for e in catalog.errors]
    return catalog.errors[0]


# -- loading good lessons ---------------------------------------------------------------


def test_a_valid_lesson_loads_every_field(tmp_path: Path) -> None:
    folder = write_lesson(tmp_path, "time-sleep")
    catalog = load(tmp_path)
    assert catalog.errors == ()
    lesson = catalog.get("time-sleep")
    assert lesson is not None and catalog.lessons == (lesson,)
    assert lesson.slug == "time-sleep"
    assert (lesson.title, lesson.summary, lesson.why, lesson.watch, lesson.mistake,
            lesson.fix) == ("A title", "A summary.", "Why it matters.", "What to watch.",
                            "The mistake.", "The fix.")
    assert lesson.tags == ("blocking", "sleep")
    assert lesson.order == 10
    assert lesson.timeout_s == 20.0 and isinstance(lesson.timeout_s, float)
    assert lesson.uses_api is False
    assert lesson.folder == folder and lesson.folder.is_absolute()
    assert lesson.bad == folder / "bad.py" and lesson.good == folder / "good.py"
    assert lesson.path("bad") == lesson.bad and lesson.path("good") == lesson.good
    assert lesson.source("bad") == BAD_PY and lesson.source("good") == GOOD_PY
    assert lesson.expect == {
        "bad": {"stall": {"min_ms": 900, "code": "time.sleep"}},
        "good": {"lag_max_below_ms": 50},
    }
    with pytest.raises(ValueError):
        lesson.path("ugly")
    assert hash(lesson) == hash(lesson)  # usable as a dict key / in sets
    assert catalog.get("nope") is None


def test_optional_fields_have_defaults(tmp_path: Path) -> None:
    toml = "\n".join(line for line in VALID_TOML.splitlines()
                     if not line.startswith(("order", "timeout_s", "[expect", "stall", "lag")))
    write_lesson(tmp_path, "plain", toml=toml)
    lesson = load(tmp_path).lessons[0]
    assert lesson.order == DEFAULT_ORDER
    assert lesson.timeout_s is None
    assert lesson.expect == {"bad": {}, "good": {}}
    assert (lesson.level, lesson.lint, lesson.docs, lesson.related) == (None, (), (), ())
    assert (lesson.requires_python, lesson.python_notes, lesson.unavailable) == (None, None, None)
    assert lesson.level_name == NO_LEVEL


FULL_META = """level = "errors and cancellation"
lint = ["ASYNC251", "RUF006"]
docs = ["https://docs.python.org/3/library/asyncio-task.html#asyncio.sleep"]
related = ["other"]
requires_python = ">=3.11, <99"
python_notes = "  Python 3.12 words it differently.  "
"""


def test_the_learning_path_fields_load(tmp_path: Path) -> None:
    write_lesson(tmp_path, "full", toml=FULL_META + VALID_TOML)
    write_lesson(tmp_path, "other")
    catalog = load(tmp_path)
    assert catalog.errors == ()
    lesson = catalog.get("full")
    assert lesson is not None
    assert lesson.level == lesson.level_name == "errors and cancellation"
    assert lesson.lint == ("ASYNC251", "RUF006")
    assert lesson.docs == ("https://docs.python.org/3/library/asyncio-task.html#asyncio.sleep",)
    assert lesson.related == ("other",)
    assert lesson.requires_python == ">=3.11, <99"
    assert lesson.python_notes == "Python 3.12 words it differently."
    assert lesson.unavailable is None
    assert hash(lesson) == hash(lesson)


def test_the_path_orders_by_level_then_order_then_slug(tmp_path: Path) -> None:
    def with_level(level: str, order: int) -> str:
        return f'level = "{level}"\n' + VALID_TOML.replace("order = 10", f"order = {order}")

    write_lesson(tmp_path, "adv", toml=with_level("advanced", 1))
    write_lesson(tmp_path, "conc-b", toml=with_level("concurrency", 5))
    write_lesson(tmp_path, "conc-a", toml=with_level("concurrency", 5))
    write_lesson(tmp_path, "conc-first", toml=with_level("concurrency", -3))
    write_lesson(tmp_path, "basic", toml=with_level("basics", 900))
    write_lesson(tmp_path, "mine", toml=VALID_TOML.replace("order = 10", "order = 0"))
    catalog = load(tmp_path)
    assert catalog.errors == ()
    assert catalog.slugs() == ("basic", "conc-first", "conc-a", "conc-b", "adv", "mine")
    assert [(level, [l.slug for l in lessons]) for level, lessons in catalog.by_level()] == [
        ("basics", ["basic"]),
        ("concurrency", ["conc-first", "conc-a", "conc-b"]),
        ("advanced", ["adv"]),
        (NO_LEVEL, ["mine"]),
    ]


def test_a_related_slug_that_is_not_in_the_catalog_is_reported_and_hides_nothing(
    tmp_path: Path,
) -> None:
    folder = write_lesson(tmp_path, "linked", toml='related = ["nowhere"]\n' + VALID_TOML)
    write_lesson(tmp_path, "self", toml='related = ["self"]\n' + VALID_TOML)
    catalog = load(tmp_path)
    assert catalog.slugs() == ("linked", "self")
    assert sorted((e.path, e.problem) for e in catalog.errors) == [
        (folder / "lesson.toml", "'related' names 'nowhere', which is not in the catalog"),
        (tmp_path / "self" / "lesson.toml", "'related' lists the lesson itself ('self')"),
    ]


def test_a_lesson_for_another_python_is_listed_as_not_available_and_refuses_to_run(
    tmp_path: Path,
) -> None:
    write_lesson(tmp_path, "future", toml='requires_python = ">=99"\n' + VALID_TOML)
    catalog = load(tmp_path)
    assert catalog.errors == ()
    lesson = catalog.get("future")
    assert lesson is not None
    running = ".".join(str(p) for p in sys.version_info[:3])
    assert lesson.unavailable == f"needs Python >=99 (this is Python {running})"
    for variant in ("bad", "good"):
        with pytest.raises(LessonUnavailable, match=r"'future' is not available: needs Python"):
            RunTarget.from_lesson(lesson, variant)


@pytest.mark.parametrize(
    ("spec", "version", "excluded"),
    [
        (">=3.12", (3, 11, 7), True),
        (">=3.12", (3, 12, 0), False),
        (">=3.11,<3.14", (3, 13, 9), False),
        (">=3.11,<3.14", (3, 14, 0), True),
        ("<3.14", (3, 14, 0), True),
        ("<=3.13", (3, 13, 5), True),  # 3.13.5 > 3.13.0, as in the packaging rules
        (">3.11", (3, 11, 0), True),
        (">3.11", (3, 11, 1), False),
        ("==3.12", (3, 12, 4), False),  # a lesson's "==3.12" means any 3.12
        ("==3.12", (3, 13, 0), True),
        ("==3.12.*", (3, 12, 4), False),
        ("!=3.13.*", (3, 13, 1), True),
        ("!=3.13", (3, 12, 1), False),
    ],
)
def test_requires_python_specifiers(spec: str, version: tuple[int, int, int],
                                    excluded: bool) -> None:
    reason = python_excluded(spec, version)
    assert (reason is not None) is excluded
    if reason:
        assert reason == f"needs Python {spec} (this is Python {'.'.join(map(str, version))})"


@pytest.mark.parametrize(
    ("bad", "good", "setting", "uses_api"),
    [
        ("API_URL = 1\n", GOOD_PY, "", True),
        (BAD_PY, "import os\nAPI_URL = os.environ['API_URL']\n", "", True),
        (BAD_PY, GOOD_PY, "", False),
        ("API_URL = 1\n", GOOD_PY, "uses_api = false\n", False),
        (BAD_PY, GOOD_PY, "uses_api = true\n", True),
    ],
)
def test_uses_api_defaults_to_mentioning_api_url(
    tmp_path: Path, bad: str, good: str, setting: str, uses_api: bool
) -> None:
    write_lesson(tmp_path, "x", toml=setting + VALID_TOML, bad=bad, good=good)
    catalog = load(tmp_path)
    assert catalog.errors == ()
    assert catalog.lessons[0].uses_api is uses_api


def test_lessons_sort_by_order_then_slug(tmp_path: Path) -> None:
    write_lesson(tmp_path, "c", toml=VALID_TOML.replace("order = 10", "order = 5"))
    write_lesson(tmp_path, "b")
    write_lesson(tmp_path, "a")
    write_lesson(tmp_path, "z", toml=VALID_TOML.replace("order = 10\n", ""))
    write_lesson(tmp_path, "y", toml=VALID_TOML.replace("order = 10", "order = -1"))
    assert load(tmp_path).slugs() == ("y", "c", "a", "b", "z")


def test_non_lesson_entries_are_ignored(tmp_path: Path) -> None:
    write_lesson(tmp_path, "real")
    (tmp_path / "README.md").write_text("# lessons\n")
    (tmp_path / "notes.toml").write_text("not = 'a lesson'\n")
    write_lesson(tmp_path, ".hidden", toml="broken [")
    write_lesson(tmp_path, "__pycache__", toml=None, bad=None, good=None)
    write_lesson(tmp_path, "_drafts", toml="broken [")
    catalog = load(tmp_path)
    assert catalog.errors == ()
    assert catalog.slugs() == ("real",)


def test_an_extra_dir_may_be_a_single_lesson(tmp_path: Path) -> None:
    folder = write_lesson(tmp_path / "mine", "my-lesson")
    catalog = load(folder)
    assert catalog.errors == ()
    assert catalog.slugs() == ("my-lesson",)


def test_extra_dirs_add_to_the_default_catalog(tmp_path: Path) -> None:
    write_lesson(tmp_path, "my-own-lesson")
    shipped = load_catalog()
    combined = load_catalog([tmp_path])
    assert combined.errors == ()
    assert set(combined.slugs()) == set(shipped.slugs()) | {"my-own-lesson"}


def test_relative_dirs_give_absolute_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_lesson(tmp_path / "lessons", "rel")
    monkeypatch.chdir(tmp_path)
    lesson = load(Path("lessons")).lessons[0]
    assert lesson.folder.is_absolute() and lesson.bad.is_absolute() and lesson.good.is_absolute()
    assert lesson.folder == tmp_path / "lessons" / "rel"


def test_the_same_folder_twice_loads_once(tmp_path: Path) -> None:
    folder = write_lesson(tmp_path, "once")
    catalog = load(tmp_path, folder, tmp_path)
    assert catalog.errors == ()
    assert catalog.slugs() == ("once",)


def test_default_dir_and_its_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SNIPPETS_ENV, raising=False)
    assert default_snippets_dir() == REPO / "snippets"
    write_lesson(tmp_path, "from-env")
    monkeypatch.setenv(SNIPPETS_ENV, str(tmp_path))
    assert default_snippets_dir() == tmp_path
    assert load_catalog().slugs() == ("from-env",)
    assert load_catalog(include_default=False).slugs() == ()


# -- malformed lessons: one clear error, the other lessons still load ----------------------


@pytest.mark.parametrize(
    ("toml", "problem"),
    [
        (VALID_TOML.replace('title = "A title"', "title = A title"), "invalid TOML"),
        (VALID_TOML.replace('why = "Why it matters."\n', ""), "missing 'why'"),
        (VALID_TOML.replace('title = "A title"', "title = 3"), "'title' must be text"),
        (VALID_TOML.replace('fix = "The fix."', 'fix = "  "'), "'fix' must not be empty"),
        (VALID_TOML.replace('tags = ["blocking", "sleep"]\n', ""), "missing 'tags'"),
        (VALID_TOML.replace('["blocking", "sleep"]', '"blocking"'), "'tags' must be a list"),
        (VALID_TOML.replace('["blocking", "sleep"]', '["a", 1]'), "'tags' must be a list"),
        (VALID_TOML.replace("order = 10", 'order = "10"'), "'order' must be an integer"),
        (VALID_TOML.replace("order = 10", "order = true"), "'order' must be an integer"),
        (VALID_TOML.replace("order = 10", "order = 1.5"), "'order' must be an integer"),
        (VALID_TOML.replace("timeout_s = 20", "timeout_s = 0"), "'timeout_s' must be a positive"),
        (VALID_TOML.replace("timeout_s = 20", 'timeout_s = "20"'), "'timeout_s' must be a positive"),
        (VALID_TOML.replace("timeout_s = 20", "timeout_s = inf"), "'timeout_s' must be a positive"),
        ("uses_api = 'yes'\n" + VALID_TOML, "'uses_api' must be true or false"),
        ("timeout = 20\n" + VALID_TOML, "unknown key 'timeout'"),
        (VALID_TOML.replace("lag_max_below_ms", "lag_below_ms"),
         "[expect.good] unknown expectation 'lag_below_ms'"),
        (VALID_TOML.replace("min_ms = 900", 'min_ms = "900"'),
         "[expect.bad] stall.min_ms must be a non-negative number"),
        (VALID_TOML + "[expect.ugly]\nno_error = true\n", "unknown variant [expect.ugly]"),
        (VALID_TOML.split("[expect.bad]")[0] + "expect = { bad = 3 }\n",
         "[expect.bad] must be a table"),
        (VALID_TOML.split("[expect.bad]")[0] + "expect = 3\n", "'expect' must be a table"),
        ('level = "expert"\n' + VALID_TOML, "'level' must be one of 'basics', 'concurrency'"),
        ("level = 1\n" + VALID_TOML, "'level' must be one of"),
        ('lint = "ASYNC251"\n' + VALID_TOML, "'lint' must be a list of rule codes"),
        ('lint = ["async251"]\n' + VALID_TOML, "'lint' must be a list of rule codes"),
        ('lint = ["ASYNC251", "ASYNC251"]\n' + VALID_TOML, "'lint' lists 'ASYNC251' twice"),
        ('docs = ["docs.python.org/3/"]\n' + VALID_TOML, "'docs' must be a list of http(s) links"),
        ('related = ["a b"]\n' + VALID_TOML, "'related' must be a list of lesson slugs"),
        ('requires_python = "3.12"\n' + VALID_TOML,
         "'requires_python' must be a version specifier such as \">=3.12\""),
        ('requires_python = ">=3.12,"\n' + VALID_TOML, "cannot read ''"),
        ('requires_python = ">=3.*"\n' + VALID_TOML, "'.*' goes only with == or !="),
        ("requires_python = 3.12\n" + VALID_TOML, "'requires_python' must be a version"),
        ('python_notes = ""\n' + VALID_TOML, "'python_notes' must not be empty"),
    ],
)
def test_a_malformed_lesson_toml_is_reported_and_hides_nothing(
    tmp_path: Path, toml: str, problem: str
) -> None:
    write_lesson(tmp_path, "aaa")
    broken = write_lesson(tmp_path, "broken", toml=toml)
    write_lesson(tmp_path, "zzz")
    catalog = load(tmp_path)
    error = only_error(catalog)
    assert error.path == broken / "lesson.toml"
    assert problem in error.problem
    assert str(error) == f"{broken / 'lesson.toml'}: {error.problem}"
    assert catalog.slugs() == ("aaa", "zzz")


def test_toml_syntax_errors_name_the_line(tmp_path: Path) -> None:
    toml = VALID_TOML.replace('why = "Why it matters."', "why = Why it matters.")
    assert toml.splitlines()[2].startswith("why")
    write_lesson(tmp_path, "broken", toml=toml)
    error = only_error(load(tmp_path))
    assert "invalid TOML" in error.problem and "line 3" in error.problem


@pytest.mark.parametrize("variant", ["bad", "good"])
def test_a_missing_snippet_is_reported(tmp_path: Path, variant: str) -> None:
    files = {"bad": BAD_PY, "good": GOOD_PY, variant: None}
    folder = write_lesson(tmp_path, "broken", bad=files["bad"], good=files["good"])
    write_lesson(tmp_path, "fine")
    catalog = load(tmp_path)
    error = only_error(catalog)
    assert error.path == folder / f"{variant}.py"
    assert error.problem == "missing file"
    assert catalog.slugs() == ("fine",)


def test_a_missing_lesson_toml_is_reported(tmp_path: Path) -> None:
    folder = write_lesson(tmp_path, "broken", toml=None)
    error = only_error(load(tmp_path))
    assert error.path == folder / "lesson.toml" and error.problem == "missing file"


def test_an_empty_folder_is_reported(tmp_path: Path) -> None:
    (tmp_path / "new-lesson").mkdir()
    write_lesson(tmp_path, "fine")
    catalog = load(tmp_path)
    assert {str(e.path.name) for e in catalog.errors} == {"bad.py", "good.py", "lesson.toml"}
    assert all(e.problem == "missing file" for e in catalog.errors)
    assert catalog.slugs() == ("fine",)


def test_a_snippet_that_does_not_compile_names_its_line(tmp_path: Path) -> None:
    source = "import asyncio\n\nasync def main():\n    await asyncio.sleep(1\n\nx = 1\n"
    folder = write_lesson(tmp_path, "broken", good=source)
    write_lesson(tmp_path, "fine")
    catalog = load(tmp_path)
    error = only_error(catalog)
    assert error.path == folder / "good.py"
    assert error.problem.startswith("line 4: SyntaxError:")
    assert catalog.slugs() == ("fine",)


def test_an_indentation_error_names_its_line(tmp_path: Path) -> None:
    folder = write_lesson(tmp_path, "broken", bad="def f():\nreturn 1\n")
    error = only_error(load(tmp_path))
    assert error.path == folder / "bad.py"
    assert error.problem.startswith("line 2: IndentationError:")


def test_a_snippet_with_null_bytes_is_reported(tmp_path: Path) -> None:
    folder = write_lesson(tmp_path, "broken", bad=b"x = 1\n\x00\n")
    error = only_error(load(tmp_path))
    assert error.path == folder / "bad.py"
    assert "null bytes" in error.problem


@pytest.mark.parametrize("name", ["lesson.toml", "bad.py"])
def test_non_utf8_files_are_reported(tmp_path: Path, name: str) -> None:
    content = {"lesson.toml": VALID_TOML.encode(), "bad.py": BAD_PY.encode()}[name]
    broken = content.replace(b"\n", "\n# caf\u00e9\n".encode("latin-1"), 1)
    folder = write_lesson(tmp_path, "broken", **{name.split(".")[0] if name != "lesson.toml"
                                                   else "toml": broken})
    write_lesson(tmp_path, "fine")
    catalog = load(tmp_path)
    error = only_error(catalog)
    assert error.path == folder / name
    assert "not valid UTF-8" in error.problem and "line 2" in error.problem
    assert catalog.slugs() == ("fine",)


def test_an_unreadable_file_is_reported(tmp_path: Path) -> None:
    folder = write_lesson(tmp_path, "broken", toml=None)
    (folder / "lesson.toml").mkdir()  # exists, but cannot be read as a file
    write_lesson(tmp_path, "fine")
    catalog = load(tmp_path)
    error = only_error(catalog)
    assert error.path == folder / "lesson.toml"
    assert error.problem.startswith("cannot read")
    assert catalog.slugs() == ("fine",)


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read files whatever their mode")
def test_a_file_without_read_permission_is_reported(tmp_path: Path) -> None:
    folder = write_lesson(tmp_path, "broken")
    (folder / "good.py").chmod(0)
    try:
        error = only_error(load(tmp_path))
    finally:
        (folder / "good.py").chmod(0o644)
    assert error.path == folder / "good.py"
    assert error.problem.startswith("cannot read")


def test_a_broken_symlink_is_a_missing_file(tmp_path: Path) -> None:
    folder = write_lesson(tmp_path, "broken", bad=None)
    (folder / "bad.py").symlink_to(tmp_path / "nowhere.py")
    error = only_error(load(tmp_path))
    assert error.path == folder / "bad.py"
    assert error.problem == "missing file (broken symbolic link)"


def test_a_duplicate_slug_across_dirs_is_reported_on_the_later_folder(tmp_path: Path) -> None:
    first = write_lesson(tmp_path / "one", "same")
    second = write_lesson(tmp_path / "two", "same",
                          toml=VALID_TOML.replace("A title", "Another title"))
    catalog = load(tmp_path / "one", tmp_path / "two")
    error = only_error(catalog)
    assert error.path == second
    assert "duplicate slug 'same'" in error.problem and str(first) in error.problem
    lesson = catalog.get("same")
    assert lesson is not None and lesson.folder == first and lesson.title == "A title"


def test_a_slug_shadowing_a_shipped_lesson_is_reported(tmp_path: Path) -> None:
    mine = write_lesson(tmp_path, "time-sleep")
    catalog = load_catalog([tmp_path])
    error = only_error(catalog)
    assert error.path == mine and "duplicate slug 'time-sleep'" in error.problem
    lesson = catalog.get("time-sleep")
    assert lesson is not None and lesson.folder == REPO / "snippets" / "time-sleep"


def test_an_invalid_folder_name_is_reported(tmp_path: Path) -> None:
    folder = write_lesson(tmp_path, "my lesson")
    error = only_error(load(tmp_path))
    assert error.path == folder and "not a valid slug" in error.problem


def test_every_problem_of_a_folder_is_reported(tmp_path: Path) -> None:
    toml = VALID_TOML.replace('title = "A title"', "title = 3").replace("order = 10",
                                                                        'order = "x"')
    folder = write_lesson(tmp_path, "broken", toml=toml, bad="def (:\n", good=None)
    catalog = load(tmp_path)
    assert catalog.lessons == ()
    found = {(e.path.name, e.problem.split(":")[0].split(" must")[0]) for e in catalog.errors}
    assert found == {
        ("bad.py", "line 1"),
        ("good.py", "missing file"),
        ("lesson.toml", "'title'"),
        ("lesson.toml", "'order'"),
    }
    assert all(e.path.parent == folder for e in catalog.errors)


def test_missing_or_wrong_dirs_are_reported(tmp_path: Path) -> None:
    write_lesson(tmp_path / "ok", "fine")
    (tmp_path / "file.txt").write_text("x")
    catalog = load(tmp_path / "nowhere", tmp_path / "file.txt", tmp_path / "ok")
    assert [(e.path, e.problem) for e in catalog.errors] == [
        (tmp_path / "nowhere", "snippets folder does not exist"),
        (tmp_path / "file.txt", "not a folder"),
    ]
    assert catalog.slugs() == ("fine",)


# -- the shipped lessons ----------------------------------------------------------------------

SHIPPED = (
    "time-sleep",
    "missing-await",
    "nested-run",
    "blocking-http",
    "sequential-awaits",
    "async-context-manager",
    "stream-memory",
    "cpu-bound",
)


@pytest.fixture(scope="module")
def shipped() -> Catalog:
    old = os.environ.pop(SNIPPETS_ENV, None)
    try:
        return load_catalog()
    finally:
        if old is not None:
            os.environ[SNIPPETS_ENV] = old


def test_the_shipped_catalog_loads_cleanly(shipped: Catalog) -> None:
    assert [str(e) for e in shipped.errors] == []
    # The first lessons keep their places in the path (others join between them).
    assert [slug for slug in shipped.slugs() if slug in SHIPPED] == list(SHIPPED)


def test_missing_await_expects_the_warning_at_the_call(shipped: Catalog) -> None:
    lesson = shipped.get("missing-await")
    assert lesson is not None
    line = lesson.expect["bad"]["warning"]["line"]
    text = lesson.source("bad").splitlines()[line - 1]
    assert text.strip().startswith("save_score(")
