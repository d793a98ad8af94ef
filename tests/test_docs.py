"""README's test command, and `.ci/run` running exactly that command."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
CI_RUN = ROOT / ".ci" / "run"
MARKER = "<!-- test-command -->"

BASH = shutil.which("bash")
needs_bash = pytest.mark.skipif(BASH is None, reason="bash is not installed")


def readme_test_block(text: str) -> tuple[str, list[str]]:
    """The language and lines of the first fenced block after the marker."""
    after = text.split(MARKER, 1)[1]
    match = re.search(r"^```(\w*)\n(.*?)^```", after, re.MULTILINE | re.DOTALL)
    assert match, f"README.md has no fenced block after {MARKER}"
    return match.group(1), match.group(2).splitlines()


def ci_extract(readme: Path) -> str:
    """The command `.ci/run` would run for this README, from its own extraction."""
    assert BASH is not None
    result = subprocess.run(
        [BASH, "-c", 'source "$1" && readme_test_command "$2"', "_", str(CI_RUN), str(readme)],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return result.stdout.rstrip("\n")


def test_readme_has_the_marker_once() -> None:
    assert README.read_text(encoding="utf-8").count(MARKER) == 1


def test_readme_test_command_makes_a_venv_installs_test_extra_and_runs_pytest() -> None:
    language, lines = readme_test_block(README.read_text(encoding="utf-8"))
    assert language in {"sh", "bash", "shell"}
    assert len(lines) == 1, "the test command must be one line: .ci/run runs only the first"
    steps = [step.strip() for step in lines[0].split("&&")]
    assert len(steps) == 3, steps
    venv = re.fullmatch(r"python3 -m venv (\S+)", steps[0])
    assert venv, f"first step should create a virtual environment: {steps[0]!r}"
    env = re.escape(venv.group(1))
    assert re.fullmatch(rf"{env}/bin/pip install (-e )?(['\"]?)\.\[test\]\2", steps[1]), (
        f"second step should install the test extra into {venv.group(1)}: {steps[1]!r}"
    )
    assert re.fullmatch(rf"{env}/bin/pytest", steps[2]), (
        f"third step should run the whole suite with {venv.group(1)}'s pytest: {steps[2]!r}"
    )


@needs_bash
def test_ci_runs_exactly_the_readme_command() -> None:
    _, lines = readme_test_block(README.read_text(encoding="utf-8"))
    assert ci_extract(README) == lines[0]


@needs_bash
@pytest.mark.parametrize(
    ("readme", "expected"),
    [
        (f"intro\n{MARKER}\n```sh\necho one\necho two\n```\n```sh\nlater\n```\n", "echo one"),
        (f"{MARKER}\n\nSome words.\n\n```bash\nmake test\n```\n", "make test"),
        (f"{MARKER}\n```sh\n```\n```sh\nnot this\n```\n", ""),
        ("```sh\nno marker\n```\n", ""),
    ],
    ids=["first-line", "text-before-fence", "empty-block", "no-marker"],
)
def test_ci_extraction(tmp_path: Path, readme: str, expected: str) -> None:
    path = tmp_path / "README.md"
    path.write_text(readme, encoding="utf-8")
    assert ci_extract(path) == expected


@needs_bash
def test_ci_script_parses() -> None:
    assert BASH is not None
    subprocess.run([BASH, "-n", str(CI_RUN)], check=True, timeout=30)
    assert CI_RUN.stat().st_mode & 0o111, ".ci/run must be executable"


def test_changelog_has_an_unreleased_section() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(r"^## \[Unreleased\]$", changelog, re.MULTILINE)


def test_readme_command_reference_is_current() -> None:
    from co3.cli.reference import update_readme

    assert update_readme(README, check=True), (
        "README.md's command reference is out of date: run python -m co3.cli.reference"
    )


def test_readme_documents_every_command() -> None:
    from co3.cli import build_parser

    text = README.read_text(encoding="utf-8")
    parser = build_parser()
    for action in parser._actions:
        for name in getattr(action, "choices", None) or ():
            assert f"### `co3 {name}`" in text, f"README does not document co3 {name}"


def test_readme_library_example_runs(tmp_path: Path) -> None:
    text = README.read_text(encoding="utf-8")
    match = re.search(r"## The library\n\n```python\n(.*?)```", text, re.DOTALL)
    assert match, "README.md lost its library example"
    code = (
        match.group(1)
        + "\nassert rows == [{'id': 1, 'name': 'roma', 'id_1': 1, 'state': 'ripe'}]\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
