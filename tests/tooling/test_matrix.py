"""scripts/matrix.py reports what each leg ran: pytest's result lines, summed per leg."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def _matrix() -> ModuleType:
    spec = importlib.util.spec_from_file_location("matrix", ROOT / "scripts" / "matrix.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["matrix"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def test_result_lines_of_a_real_pytest_run_are_found_and_counted(tmp_path: Path) -> None:
    (tmp_path / "test_some.py").write_text(
        "import pytest\n"
        "def test_a(): pass\n"
        "def test_b(): pass\n"
        "def test_c(): assert False\n"
        "@pytest.mark.skip(reason='x')\n"
        "def test_d(): pass\n"
    )
    outputs = [
        subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *flags,
                        str(tmp_path)], capture_output=True, text=True, cwd=tmp_path).stdout
        for flags in ([], ["-q"])
    ]
    matrix = _matrix()
    found = [line for out in outputs for line in matrix.pytest_results(out)]
    assert len(found) == 2, outputs
    assert all(line.startswith("1 failed, 2 passed, 1 skipped in ") for line in found), found
    assert matrix.count_tests(found) == "2 failed, 4 passed, 2 skipped"


def test_collect_only_and_other_lines_are_not_results() -> None:
    matrix = _matrix()
    text = "12 tests collected in 0.50s\nsome 3 passed words\n"
    assert matrix.pytest_results(text) == []
    assert matrix.count_tests([]) == "no tests ran"
