"""The command reference in README.md, generated from the parser itself.

``python -m co3.cli.reference`` rewrites the part of README.md between the
``<!-- cli-reference -->`` markers; ``--check`` exits 1 when it is out of date (a test
runs that check, so the reference never drifts from the parser).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

__all__ = ["render", "update_readme"]

START = "<!-- cli-reference:start -->"
END = "<!-- cli-reference:end -->"
WIDTH = "88"


def render() -> str:
    """Markdown: the help of ``co3`` and of each of its commands, as fenced blocks."""
    previous = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = WIDTH  # argparse wraps to the terminal: make it fixed
    try:
        from co3.cli import build_parser

        parser = build_parser()
        parts = ["```", parser.format_help().rstrip(), "```"]
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        for name, command in sub.choices.items():
            parts += ["", f"### `co3 {name}`", "", "```", command.format_help().rstrip(), "```"]
        return "\n".join(parts) + "\n"
    finally:
        if previous is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = previous


def update_readme(readme: Path, *, check: bool = False) -> bool:
    """Put the reference into ``readme``; returns whether it was already current.

    Raises:
        ValueError: the README lacks the markers.
    """
    text = readme.read_text(encoding="utf-8")
    if START not in text or END not in text:
        raise ValueError(f"{readme} has no {START} ... {END} markers")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    new = f"{head}{START}\n{render()}{END}{tail}"
    if new == text:
        return True
    if not check:
        readme.write_text(new, encoding="utf-8")
    return False


if __name__ == "__main__":
    path = Path(__file__).resolve().parents[2] / "README.md"
    current = update_readme(path, check="--check" in sys.argv)
    if "--check" in sys.argv and not current:
        print("README.md's command reference is out of date: run python -m co3.cli.reference")
        sys.exit(1)
