"""co3-tui: the terminal app for co3 (run ``co3-tui`` or ``python -m co3_tui``)."""

__all__: list[str] = []
