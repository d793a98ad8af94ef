"""Write an SVG of every co3-tui screen to this folder (``make screenshots``).

The screens show the demo project, at 120x36, with times in UTC and the demo in
``~/demo`` (HOME is a temporary folder), so the files change only when the app does.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:1/test"

# name -> (what to open, keys to press)
SCREENS: dict[str, tuple[dict[str, Any], Sequence[str]]] = {
    "browse": ({"open_component": "files"}, ()),
    "browse-sorted": ({"open_component": "files"}, ("right", "right", "right", "o", "o")),
    "filter": ({"open_component": "files"}, ("slash", *"path ~ journal and size > 400", "enter")),
    "row": ({"open_component": "files"}, ("down", "enter")),
    "help": ({"open_component": "files"}, ("question_mark",)),
    "error": ({"db_url": UNREACHABLE, "read_only": True}, ()),
}


async def shoot(name: str, options: Any, keys: Sequence[str]) -> None:
    from co3_tui.app import Co3App
    from tests.co3_tui.helpers import SIZE, settle

    app = Co3App(options)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        (HERE / f"{name}.svg").write_text(app.export_screenshot(title="co3-tui"))
    print(f"screenshots/{name}.svg")


async def main() -> None:
    from co3.project import load_project
    from co3_tui.demo import build_demo
    from co3_tui.options import Options
    from tests.co3_tui.helpers import pin_inodes

    demo = build_demo(Path(os.environ["HOME"]) / "demo")
    pin_inodes(demo)
    project = load_project(demo)
    for name, (settings, keys) in SCREENS.items():
        if "db_url" in settings:
            options = Options(**settings)
        else:
            options = Options(project=project, **settings)
        await shoot(name, options, keys)


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(prefix="co3-screenshots-") as home:
        os.environ.update(HOME=home, TZ="UTC", TEXTUAL_ANIMATIONS="none")
        time.tzset()
        asyncio.run(main())
