"""Collector: stages rows for a schema's components until a Manager inserts them."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any, Generic, TypeVar
from uuid import uuid4

from co3.component import Component
from co3.schema import Schema

__all__ = ["Collector"]

logger = logging.getLogger(__name__)

C = TypeVar("C", bound=Component[Any])


class Collector(Generic[C]):
    """Rows staged for insertion, each under a receipt.

    A receipt (a unique string) names one staged row, so a caller can take back exactly
    the rows it staged: ``collect_inserts(receipts)`` hands them over grouped by
    component, ready for ``Manager.insert_many``.

    Args:
        schema: the schema whose components may receive rows.
    """

    def __init__(self, schema: Schema[C]) -> None:
        self.schema = schema
        self._inserts: dict[str, tuple[C, dict[str, Any]]] = {}

    def __len__(self) -> int:
        return len(self._inserts)

    @property
    def inserts(self) -> dict[C, list[dict[str, Any]]]:
        """Every staged row, grouped by component; the rows stay staged."""
        return self._group(list(self._inserts), pop=False)

    def add_insert(
        self,
        component: C | str,
        insert_data: Mapping[str, Any],
        receipts: list[str] | None = None,
    ) -> str | None:
        """Stage one row for ``component``.

        The row is prepared by the component (for a SQL table: filtered to its columns
        and filled with defaults) when it knows how.

        Args:
            component: a component of the schema, or its name.
            insert_data: the row's values.
            receipts: a list to append the new receipt to.

        Returns:
            The row's receipt, or None when the component is not in the schema (the
            row is dropped).
        """
        resolved = self._resolve(component)
        if resolved is None:
            logger.debug("dropped a row for %s: not in the collector's schema", component)
            return None

        prepare = getattr(resolved, "prepare_insert_data", None)
        row = dict(prepare(dict(insert_data)) if callable(prepare) else insert_data)

        receipt = self._new_receipt()
        self._inserts[receipt] = (resolved, row)
        if receipts is not None:
            receipts.append(receipt)
        return receipt

    def collect_inserts(
        self, receipts: Iterable[str] | None = None
    ) -> dict[C, list[dict[str, Any]]]:
        """Take staged rows out of the collector, grouped by component.

        Args:
            receipts: the rows to take (unknown or already taken receipts are skipped);
                default: every staged row.

        Returns:
            Component -> list of rows, in the order they were staged.
        """
        return self._group(list(self._inserts) if receipts is None else receipts, pop=True)

    def _resolve(self, component: C | str) -> C | None:
        if isinstance(component, str):
            return self.schema.get_component(component)
        return component if component in self.schema else None

    def _group(self, receipts: Iterable[str], pop: bool) -> dict[C, list[dict[str, Any]]]:
        grouped: dict[C, list[dict[str, Any]]] = {}
        for receipt in receipts:
            entry = self._inserts.pop(receipt, None) if pop else self._inserts.get(receipt)
            if entry is not None:
                component, row = entry
                grouped.setdefault(component, []).append(row if pop else dict(row))
        return grouped

    def _new_receipt(self) -> str:
        receipt = str(uuid4())
        while receipt in self._inserts:
            receipt = str(uuid4())
        return receipt
