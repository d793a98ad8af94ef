"""The tree of the database: its schemas, their components and each component's columns."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from co3_tui.values import ColumnFormat

__all__ = ["SchemaTree"]


@dataclass(frozen=True)
class Place:
    """What a tree node stands for: a component, or one of its columns."""

    component: str
    column: str | None = None


def _keys(column: Any) -> str:
    marks = []
    if column.primary_key:
        marks.append("PK")
    marks.extend(f"→ {fk.target_fullname}" for fk in column.foreign_keys)
    return " ".join(marks)


class SchemaTree(Tree[Place | None]):
    """Database > schemas (where components come from) > components > columns."""

    HELP_TITLE = "Database tree"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Open/close", show=False),
        Binding("space", "toggle_node", "Open/close", show=False),
    ]

    @dataclass
    class ComponentHighlighted(Message):
        """The cursor is on a component, or on one of its columns."""

        tree: SchemaTree
        component: str
        column: str | None

        @property
        def control(self) -> SchemaTree:
            return self.tree

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("Database", **kwargs)
        self.show_root = True
        self.auto_expand = False
        self.guide_depth = 2

    def show(
        self,
        title: str,
        components: dict[str, Any],
        sources: dict[str, str],
        formats: Mapping[str, Sequence[ColumnFormat]],
        expanded: str | None,
    ) -> None:
        """Fill the tree; ``expanded`` names the component whose columns are shown."""
        self.clear()
        key_style = f"bold {self.app.theme_variables.get('accent', 'yellow')}"
        self.root.set_label(Text(title, style="bold"))
        groups: dict[str, list[str]] = {}
        for name in components:
            groups.setdefault(sources.get(name, "tables"), []).append(name)
        for source, names in groups.items():
            group = self.root.add(Text.assemble((source, "italic"), (" (schema)", "dim")))
            group.expand()
            for name in names:
                columns = list(components[name].obj.columns)
                label = Text.assemble((name, "bold"), (f"  {len(columns)}", "dim"))
                node = group.add(label, data=Place(name))
                width = max(len(c.name) for c in columns) if columns else 0
                type_width = max(len(f.type_name) for f in formats[name]) if columns else 0
                for column, fmt in zip(columns, formats[name], strict=True):
                    leaf = Text.assemble(
                        f"{column.name:<{width}} ",
                        (f"{fmt.type_name:<{type_width}}", "dim"),
                        (f" {_keys(column)}".rstrip(), key_style),
                    )
                    node.add_leaf(leaf, data=Place(name, column.name))
                if name == expanded:
                    node.expand()
        self.root.expand()

    def nodes(self) -> Iterator[TreeNode[Place | None]]:
        """Every node, depth first from the root."""
        stack = [self.root]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))

    def select_component(self, name: str) -> None:
        """Put the cursor on the component ``name`` and show its columns."""
        for node in self.nodes():
            if node.data == Place(name):
                node.expand()
                # the node's line is known once the tree has laid its lines out
                self.call_after_refresh(self.move_cursor, node)
                return

    @on(Tree.NodeHighlighted)
    def _highlighted(self, event: Tree.NodeHighlighted[Place | None]) -> None:
        """Tell the screen which component (and column) the cursor is on."""
        place = event.node.data
        if place is not None:
            self.post_message(self.ComponentHighlighted(self, place.component, place.column))
