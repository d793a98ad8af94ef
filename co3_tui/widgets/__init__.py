"""Reusable widgets of co3-tui."""

from co3_tui.widgets.filter_bar import FilterBar
from co3_tui.widgets.rows_panel import RowsPanel
from co3_tui.widgets.rows_table import RowsTable
from co3_tui.widgets.schema_tree import SchemaTree
from co3_tui.widgets.top_bar import TopBar

__all__ = ["FilterBar", "RowsPanel", "RowsTable", "SchemaTree", "TopBar"]
