"""co3-tui: the terminal app for co3 (arrives with its own issue)."""
