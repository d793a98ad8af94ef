"""The package's import surface: cheap, lazy, explicit, and never reaching for the TUI."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import co3

PACKAGE_DIR = Path(co3.__file__).parent


def init_id(path: Path) -> str:
    return str(path.relative_to(PACKAGE_DIR.parent))


def run_fresh(code: str) -> subprocess.CompletedProcess[str]:
    """Runs ``code`` in a fresh interpreter, so no test's imports leak into the check."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


def assert_ran(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"


def test_import_co3_loads_neither_sqlalchemy_nor_textual() -> None:
    result = run_fresh(
        "import sys, co3\n"
        "heavy = sorted(m for m in ('sqlalchemy', 'textual', 'co3_tui') if m in sys.modules)\n"
        "assert not heavy, f'import co3 loaded {heavy}'\n"
    )
    assert_ran(result)


def test_no_co3_module_imports_textual() -> None:
    # Every module of the library, imported for real: none may pull in the TUI.
    result = run_fresh(
        "import importlib, pkgutil, sys, co3\n"
        "for info in pkgutil.walk_packages(co3.__path__, 'co3.'):\n"
        "    if info.name.endswith('.__main__'):\n"
        "        continue  # runs a command when imported\n"
        "    importlib.import_module(info.name)\n"
        "    loaded = [m for m in ('textual', 'co3_tui') if m in sys.modules]\n"
        "    assert not loaded, f'importing {info.name} loaded {loaded}'\n"
    )
    assert_ran(result)


def test_subpackages_reachable_after_plain_import() -> None:
    assert_ran(run_fresh("import co3\nco3.databases.SQLDatabase\n"))


def test_from_co3_import_name() -> None:
    assert_ran(run_fresh("from co3 import Mapper\nassert Mapper.__name__ == 'Mapper'\n"))


@pytest.mark.parametrize("name", co3.__all__)
def test_public_name_resolves(name: str) -> None:
    assert getattr(co3, name) is not None


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        co3.no_such_name  # noqa: B018


def package_dirs() -> list[Path]:
    return sorted(
        path
        for path in [PACKAGE_DIR, *PACKAGE_DIR.rglob("*")]
        if path.is_dir() and path.name != "__pycache__" and any(path.glob("*.py"))
    )


@pytest.mark.parametrize("folder", package_dirs(), ids=init_id)
def test_every_package_has_init(folder: Path) -> None:
    # Without one, setuptools' package discovery would leave the folder out of the wheel.
    assert (folder / "__init__.py").is_file(), f"{folder} has Python files but no __init__.py"


def init_files() -> list[Path]:
    return sorted(PACKAGE_DIR.rglob("__init__.py"))


def declares_all(source: str) -> bool:
    """Whether the module assigns ``__all__`` at its top level."""
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            targets = [node.target]
        else:
            continue
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
            return True
    return False


@pytest.mark.parametrize("init", init_files(), ids=init_id)
def test_every_init_declares_all(init: Path) -> None:
    assert declares_all(init.read_text(encoding="utf-8")), f"{init} has no __all__"


@pytest.mark.parametrize("init", init_files(), ids=init_id)
def test_every_init_all_resolves(init: Path) -> None:
    module_name = ".".join(init.parent.relative_to(PACKAGE_DIR.parent).parts)
    module = importlib.import_module(module_name)
    missing = [name for name in module.__all__ if not hasattr(module, name)]
    assert not missing, f"{module_name}.__all__ names what it does not define: {missing}"
