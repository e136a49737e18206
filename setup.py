"""Build configuration that pyproject.toml cannot express: the wheel carries the lessons.

The lessons live in the top-level ``snippets/`` folder (easy to find and edit in a
checkout); the build maps that folder to the package ``playground.snippets`` so that an
installed asyncplay (``pip install .``, ``pipx install .``) has every lesson next to its
code. ``packages.find`` in pyproject.toml cannot add a package from another folder,
hence the list here. Each lesson's folder is listed as a package of its own too
(``playground.snippets.time-sleep``): its files are data, but a folder left out of the
list makes setuptools warn, for every lesson, that an importable folder is not packaged.
Everything else is in pyproject.toml.
"""

from pathlib import Path

from setuptools import find_packages, setup

LESSONS = sorted(p.name for p in (Path(__file__).parent / "snippets").iterdir()
                 if p.is_dir() and not p.name.startswith((".", "_")))

setup(
    packages=[
        *find_packages(include=["playground", "playground.*"]),
        "playground.snippets",
        *(f"playground.snippets.{name}" for name in LESSONS),
    ],
    package_dir={"playground.snippets": "snippets"},
)
