"""Mapper: ties CO3 types to a schema's components, collects and composes them.

A type's *attribute component* receives its ``attributes`` row; its *collation
components*, one per action group, receive the results of its ``collate`` actions.

Example:

    mapper = ComposableMapper(schema, attr_compose_map=same_name, coll_compose_map=same_name)
    mapper.attach(Vegetable, "vegetable")
    mapper.attach(Tomato, "tomato", coll_groups={"aging": "tomato_aging_states"})
    mapper.collect(Tomato("t1", 10), keys=["ripe"])
    rows = mapper.collector.collect_inserts()  # {component: [row, ...]}
    joined = mapper.compose(Tomato, groups=["aging"])
"""

from __future__ import annotations

import dataclasses
import inspect
import logging
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any, ClassVar, Generic, TypeVar

from co3.co3 import CO3
from co3.collector import Collector
from co3.component import Component
from co3.components.relation import ComposableComponent
from co3.exceptions import ForeignComponentError, UnknownComponentError
from co3.schema import Schema

__all__ = ["ComposableMapper", "Mapper"]

logger = logging.getLogger(__name__)

C = TypeVar("C", bound=Component[Any])
CC = TypeVar("CC", bound=ComposableComponent[Any])

TypeOrObject = type[CO3] | CO3


def _type_of(type_or_obj: TypeOrObject) -> type[CO3]:
    return type_or_obj if isinstance(type_or_obj, type) else type(type_or_obj)


def _as_row(result: Any) -> dict[str, Any] | None:
    """An action's result as a dict: from a mapping, a dataclass or a namedtuple."""
    if isinstance(result, Mapping):
        return dict(result)
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        return dataclasses.asdict(result)
    if isinstance(result, tuple) and hasattr(result, "_asdict"):
        return dict(result._asdict())
    return None


class Mapper(Generic[C]):
    """Attaches CO3 types to the components of one schema and collects their rows.

    Args:
        schema: the schema whose components types can be attached to.
    """

    _collector_cls: ClassVar[type[Collector[Any]]] = Collector

    def __init__(self, schema: Schema[C]) -> None:
        self.schema = schema
        self.collector: Collector[C] = self._collector_cls(schema)
        self.attribute_comps: dict[type[CO3], C] = {}
        self.collation_groups: dict[type[CO3], dict[Hashable, C]] = {}

    def _check_component(self, comp: str | C, strict: bool = True) -> C | None:
        """The schema's component for a name or component object.

        Raises:
            UnknownComponentError: (strict) no component has that name.
            ForeignComponentError: (strict) the object is not in the schema.
        """
        if isinstance(comp, str):
            found = self.schema.get_component(comp)
            if found is not None:
                return found
            known = ", ".join(sorted(c.name for c in self.schema)) or "none"
            message = (
                f"no component named {comp!r} in the mapper's schema (it has: {known}); "
                "check the name or add the component to the schema"
            )
            if strict:
                raise UnknownComponentError(message)
        else:
            if comp in self.schema:
                return comp
            message = (
                f"{comp} is not a component of the mapper's schema; attach a component "
                "of that schema, or add this one to it first"
            )
            if strict:
                raise ForeignComponentError(message)
        logger.info("%s (skipped)", message)
        return None

    def attach(
        self,
        type_ref: type[CO3],
        attr_comp: str | C | None,
        coll_comp: str | C | None = None,
        coll_groups: Mapping[Any, str | C] | None = None,
        strict: bool = True,
    ) -> None:
        """Attach a type to its attribute component and its collation components.

        Args:
            type_ref: the CO3 type.
            attr_comp: the component (or its name) for the type's ``attributes``.
            coll_comp: the component for actions of the ``None`` group.
            coll_groups: group -> component, for the actions of each group.
            strict: raise on an unknown name or a component outside the schema; when
                False, such components are skipped.

        Raises:
            UnknownComponentError: (strict) a name is not in the schema; also a
                ``ValueError``.
            ForeignComponentError: (strict) a component object is not in the schema;
                also a ``TypeError``.
        """
        if attr_comp is not None:
            checked = self._check_component(attr_comp, strict=strict)
            if checked is not None:
                self.attribute_comps[type_ref] = checked

        groups: dict[Hashable, str | C] = {}
        if coll_comp is not None:
            groups[None] = coll_comp
        if coll_groups is not None:
            groups.update(coll_groups)
        for group, comp in groups.items():
            checked = self._check_component(comp, strict=strict)
            if checked is not None:
                self.collation_groups.setdefault(type_ref, {})[group] = checked

    def attach_many(
        self,
        type_list: Iterable[type[CO3]],
        attr_name_map: Callable[[type[CO3]], str | C],
        coll_name_map: Callable[[type[CO3], Any], str | C] | None = None,
        strict: bool = False,
    ) -> None:
        """Attach several types, naming their components with functions.

        Args:
            type_list: the CO3 types.
            attr_name_map: type -> its attribute component (or name).
            coll_name_map: (type, group) -> the group's collation component (or name),
                called for every group in the type's ``group_registry``.
            strict: as for :meth:`attach`; by default unknown names are skipped.
        """
        for type_ref in type_list:
            coll_groups: dict[Hashable, str | C] = {}
            if coll_name_map is not None:
                for group in type_ref.group_registry:
                    coll_groups[group] = coll_name_map(type_ref, group)
            self.attach(type_ref, attr_name_map(type_ref), coll_groups=coll_groups, strict=strict)

    def get_attr_comp(self, type_or_obj: TypeOrObject) -> C | None:
        """The attribute component attached to a type (or an object's type), or None."""
        return self.attribute_comps.get(_type_of(type_or_obj))

    def get_coll_comp(self, type_or_obj: TypeOrObject, group: Hashable = None) -> C | None:
        """The collation component of ``group`` for a type (or object), or None."""
        return self.collation_groups.get(_type_of(type_or_obj), {}).get(group)

    def collect(
        self,
        obj: CO3,
        keys: Iterable[Hashable] | None = None,
        groups: Iterable[Hashable] | None = None,
    ) -> list[str]:
        """Stage an object's rows in the collector, then those of its components.

        For every attached class up the object's MRO (base first) this stages the
        object's ``attributes`` in the class's attribute component, then the results of
        the actions for ``keys`` in the class's collation components. Actions may
        return a dict, a dataclass or a namedtuple; None results are skipped.

        Args:
            obj: the object to collect.
            keys: the action keys to run (default: none).
            groups: the groups to run each key in (default: the groups the key is
                explicitly registered in; implicit groups answer only when named here).

        Returns:
            The receipts of the staged rows.
        """
        key_list = list(keys) if keys is not None else []
        group_list = list(groups) if groups is not None else None
        receipts: list[str] = []
        self._collect(obj, key_list, group_list, receipts, set())
        return receipts

    def _collect(
        self,
        obj: CO3,
        keys: list[Hashable],
        groups: list[Hashable] | None,
        receipts: list[str],
        seen: set[int],
    ) -> None:
        if id(obj) in seen:
            return
        seen.add(id(obj))

        collation_rows = self._collation_rows(obj, keys, groups)
        attributes = obj.attributes
        for klass in reversed(type(obj).__mro__):
            attr_comp = self.get_attr_comp(klass)
            if attr_comp is None:
                continue
            self.collector.add_insert(attr_comp, attributes, receipts=receipts)
            for group, row in collation_rows:
                coll_comp = self.get_coll_comp(klass, group)
                if coll_comp is not None:
                    self.collector.add_insert(coll_comp, row, receipts=receipts)

        for child in obj.components:
            if isinstance(child, CO3):
                self._collect(child, keys, groups, receipts, seen)

    @staticmethod
    def _collation_rows(
        obj: CO3, keys: list[Hashable], groups: list[Hashable] | None
    ) -> list[tuple[Hashable, dict[str, Any]]]:
        """(group, row) for every action result; one call per distinct action."""
        rows: list[tuple[Hashable, dict[str, Any]]] = []
        for key in keys:
            if key is None:
                continue
            key_groups = list(obj.key_registry[key]) if groups is None else groups

            # groups answered by the same action share one call
            by_action: dict[tuple[Any, bool], list[Hashable]] = {}
            for group in key_groups:
                resolved = type(obj).resolve_action(key, group)
                if resolved is not None:
                    by_action.setdefault(resolved, []).append(group)

            for action_groups in by_action.values():
                result = _as_row(obj.collate(key, group=action_groups[0]))
                if result is None:
                    continue
                for group in action_groups:
                    connective = obj.collation_attributes(key, group) or {}
                    rows.append((group, {**connective, **result}))
        return rows


def _takes_three(func: Callable[..., Any]) -> bool:
    """Whether ``func`` accepts three positional arguments."""
    try:
        inspect.signature(func).bind(None, None, None)
    except (TypeError, ValueError):
        return False
    return True


class ComposableMapper(Mapper[CC]):
    """A Mapper that also composes (joins) a type's components.

    Args:
        schema: the schema whose components types can be attached to.
        attr_compose_map: (parent attribute component, child attribute component) ->
            the condition joining them; None lets the components decide (SQL: foreign
            keys).
        coll_compose_map: (attribute component, collation component[, the previous
            level's collation components]) -> the condition joining them.
    """

    def __init__(
        self,
        schema: Schema[CC],
        attr_compose_map: Callable[[CC, CC], Any] | None = None,
        coll_compose_map: Callable[..., Any] | None = None,
    ) -> None:
        super().__init__(schema)
        self.attr_compose_map = attr_compose_map
        self.coll_compose_map = coll_compose_map
        self._compose_cache: dict[Hashable, CC | None] = {}

    def attach(
        self,
        type_ref: type[CO3],
        attr_comp: str | CC | None,
        coll_comp: str | CC | None = None,
        coll_groups: Mapping[Any, str | CC] | None = None,
        strict: bool = True,
    ) -> None:
        """As :meth:`Mapper.attach`; also forgets cached compositions."""
        self._compose_cache.clear()
        super().attach(type_ref, attr_comp, coll_comp, coll_groups, strict)

    def compose(
        self,
        type_or_obj: TypeOrObject,
        groups: Iterable[Hashable] | None = None,
        compose_args: Iterable[Any] | None = None,
        compose_kwargs: Mapping[str, Any] | None = None,
    ) -> CC | None:
        """Compose a type's attribute components up its hierarchy, with collation groups.

        Attached classes are joined base first; at each level the collation components
        of ``groups`` are joined to that level's attribute component. Unattached
        classes are passed over.

        Args:
            type_or_obj: the CO3 type (or an instance of it).
            groups: the collation groups to join (default: none).
            compose_args: extra positional arguments for ``Component.compose``.
            compose_kwargs: extra keyword arguments for it (e.g. ``outer=True``).

        Returns:
            The composed component, or None when no class up the hierarchy is attached.
        """
        type_ref = _type_of(type_or_obj)
        group_list = list(groups) if groups is not None else []
        args = list(compose_args) if compose_args is not None else []
        kwargs = dict(compose_kwargs) if compose_kwargs is not None else {}

        cache_key: Hashable | None = (
            type_ref,
            tuple(group_list),
            tuple(args),
            tuple(sorted(kwargs.items())),
            self.attr_compose_map,
            self.coll_compose_map,
        )
        try:
            hash(cache_key)
        except TypeError:
            cache_key = None  # an unhashable argument: compose afresh every time
        if cache_key is not None and cache_key in self._compose_cache:
            return self._compose_cache[cache_key]

        composed = self._compose(type_ref, group_list, args, kwargs)
        if cache_key is not None:
            self._compose_cache[cache_key] = composed
        return composed

    def _compose(
        self,
        type_ref: type[CO3],
        groups: list[Hashable],
        args: list[Any],
        kwargs: dict[str, Any],
    ) -> CC | None:
        coll_map = self.coll_compose_map
        coll_map_takes_three = coll_map is not None and _takes_three(coll_map)

        composed: CC | None = None
        last_attr_comp: CC | None = None
        last_coll_comps: list[CC] | None = None
        for klass in reversed(type_ref.__mro__):
            attr_comp = self.get_attr_comp(klass)
            if attr_comp is None:
                continue

            if composed is None or last_attr_comp is None:
                composed = attr_comp
            else:
                on = (
                    self.attr_compose_map(last_attr_comp, attr_comp)
                    if self.attr_compose_map is not None
                    else None
                )
                composed = composed.compose(attr_comp, on, *args, **kwargs)

            coll_comps: list[CC] = []
            for group in groups:
                coll_comp = self.get_coll_comp(klass, group)
                if coll_comp is None:
                    continue
                coll_comps.append(coll_comp)
                if coll_map is None:
                    on = None
                elif coll_map_takes_three:
                    on = coll_map(attr_comp, coll_comp, last_coll_comps)
                else:
                    on = coll_map(attr_comp, coll_comp)
                composed = composed.compose(coll_comp, on, *args, **kwargs)

            last_attr_comp = attr_comp
            last_coll_comps = coll_comps
        return composed
