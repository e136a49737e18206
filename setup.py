"""Build configuration that pyproject.toml cannot express: the wheel carries the lessons.

The lessons live in the top-level ``snippets/`` folder (easy to find and edit in a
checkout); the build maps that folder to the package ``playground.snippets`` so that an
installed asyncplay (``pip install .``, ``pipx install .``) has every lesson next to its
code. ``packages.find`` in pyproject.toml cannot add a package from another folder,
hence the list here. Everything else is in pyproject.toml.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["playground", "playground.*"]), "playground.snippets"],
    package_dir={"playground.snippets": "snippets"},
)
