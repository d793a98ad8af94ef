"""``python -m co3.cli``: the ``co3`` command."""

from co3.cli import run

run()
