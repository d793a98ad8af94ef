"""``python -m co3_tui``: the ``co3-tui`` command."""

from co3_tui.cli import run

run()
