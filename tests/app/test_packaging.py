"""The wheel as a user gets it: built, installed into a fresh venv, run from elsewhere.

A plain ``pip install .`` must give an ``asyncplay`` that has every lesson (they live
in the top-level ``snippets/`` folder; the build maps them into the package) and that
runs them, with no trace of the checkout on its path.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from playground.catalog import load_catalog

REPO = Path(__file__).resolve().parents[2]
# Building needs setuptools from PyPI and installing needs the dependencies: minutes
# on a cold cache.
pytestmark = pytest.mark.timeout(900)

#: What the build needs from the checkout is copied, so that the build leaves nothing
#: in it (build/, *.egg-info) and runs while others use the checkout.
_NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv*", ".pythons", "build", "dist", "*.egg-info", "__pycache__",
    ".*_cache", "tests", "benchmarks", "docs",
)


def _run(*args: str | Path, cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "ASYNCPLAY_SNIPPETS", "VIRTUAL_ENV")}
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True,
                            text=True, timeout=timeout)
    return result


class Installed:
    """A venv with the wheel installed, and a folder that is not the checkout."""

    def __init__(self, root: Path, wheel: Path) -> None:
        self.wheel = wheel
        self.bin = root / "venv" / "bin"
        self.elsewhere = root / "elsewhere"
        self.elsewhere.mkdir()

    def run(self, program: str, *args: str) -> subprocess.CompletedProcess[str]:
        return _run(self.bin / program, *args, cwd=self.elsewhere, timeout=300)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    root = tmp_path_factory.mktemp("wheel")
    source = root / "source"
    shutil.copytree(REPO, source, ignore=_NOT_SOURCE)
    built = _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet",
                 "-w", root / "dist", source, cwd=root)
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = (root / "dist").glob("asyncplay-*.whl")
    venv.create(root / "venv", with_pip=True)
    done = _run(root / "venv" / "bin" / "pip", "install", "--quiet", wheel, cwd=root)
    assert done.returncode == 0, done.stdout + done.stderr
    return Installed(root, wheel)


def test_the_wheel_carries_every_lesson_and_an_spdx_license(installed: Installed) -> None:
    checkout = load_catalog([REPO / "snippets"], include_default=False)
    with zipfile.ZipFile(installed.wheel) as wheel:
        names = set(wheel.namelist())
        metadata = wheel.read(next(n for n in names if n.endswith(".dist-info/METADATA")))
    for lesson in checkout.lessons:
        for path in sorted(lesson.folder.iterdir()):
            if path.is_file():
                assert f"playground/snippets/{lesson.slug}/{path.name}" in names
    assert b"\nLicense-Expression: MIT\n" in metadata
    assert not any(name.startswith(("snippets/", "tests/")) for name in names)


def test_installed_asyncplay_lists_every_lesson_from_its_own_package(installed: Installed) -> None:
    result = installed.run("asyncplay", "list", "--json")
    assert result.returncode == 0, result.stderr
    listed = json.loads(result.stdout)
    checkout = load_catalog([REPO / "snippets"], include_default=False)
    assert not checkout.errors
    assert [lesson["slug"] for lesson in listed] == list(checkout.slugs())
    site = installed.bin.parent / "lib"
    for lesson in listed:
        for variant in ("bad", "good"):
            path = Path(lesson[variant])
            assert path.is_file() and site in path.parents, path


def test_installed_asyncplay_runs_a_lesson_from_another_folder(installed: Installed) -> None:
    result = installed.run("asyncplay", "run", "time-sleep", "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["target"] == "time-sleep/bad"
    assert summary["status"] == "ok", summary["message"]
    assert summary["expect"]["met"] is True, summary["expect"]
    assert summary["stalls"] and summary["stalls"][0]["code"].startswith("time.sleep(1)")


def test_installed_app_starts_with_every_lesson(installed: Installed) -> None:
    script = (
        "import asyncio\n"
        "from playground.tui.app import AsyncPlayApp\n"
        "from playground.tui.lesson_options import LessonOptions\n"
        "async def main():\n"
        "    app = AsyncPlayApp()\n"
        "    async with app.run_test(size=(120, 36)):\n"
        "        lessons = app.screen.query_one(LessonOptions).lesson_options\n"
        "        print(' '.join(option.lesson.slug for option in lessons))\n"
        "asyncio.run(main())\n"
    )
    result = installed.run("python", "-I", "-c", script)
    assert result.returncode == 0, result.stderr
    checkout = load_catalog([REPO / "snippets"], include_default=False)
    assert result.stdout.split() == list(checkout.slugs())
