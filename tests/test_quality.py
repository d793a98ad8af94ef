"""ruff and mypy as tests, so the suite (and CI) enforces them: deselect with -m 'not quality'."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.quality

ROOT = Path(__file__).resolve().parent.parent
# The tools installed next to the interpreter running the tests (the `test` extra).
BIN = Path(sys.executable).parent
PY_DIRS = ["co3", "co3_tui", "tests", "benchmarks"]


def run_tool(tool: str, *args: str) -> None:
    executable = BIN / tool
    if not executable.exists():
        pytest.fail(f"{executable} is missing; install the test extra: pip install -e '.[test]'")
    dirs = [d for d in PY_DIRS if (ROOT / d).is_dir()]
    argv = [str(executable), *args, *(dirs if tool == "ruff" else [])]
    result = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        command = " ".join([tool, *argv[1:]])
        pytest.fail(
            f"`{command}` failed (exit {result.returncode}):\n{result.stdout}{result.stderr}",
            pytrace=False,
        )


def test_ruff_format() -> None:
    run_tool("ruff", "format", "--check", "--diff")


def test_ruff_lint() -> None:
    run_tool("ruff", "check", "--no-fix", "--output-format=concise")


def test_mypy() -> None:
    # What to check (packages, strictness) lives in pyproject.toml's [tool.mypy].
    run_tool("mypy")
