"""CO3: the base class for object hierarchies that collate, collect and compose.

A ``CO3`` subclass registers *actions* with :func:`collate`. Each action answers a
*key* within one or more *groups*; a group names a family of actions whose results
share a storage component (see :class:`co3.mapper.Mapper`). Actions registered with a
key answer only that key; an action registered bare (``@collate``) takes the key as its
argument and answers any key asked of its group, an *implicit* group named after the
method.

Example:

    class Tomato(CO3):
        @collate("ripe", groups=["aging"])
        def ripen(self):
            return {"age": 3}

        @collate
        def cut(self, method):
            return {"pieces": 4 if method == "dice" else 2}

    Tomato().collate("ripe", group="aging")  # {"age": 3}
    Tomato().collate("slice", group="cut")  # {"pieces": 2}
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Hashable, Iterable
from typing import Any, ClassVar, TypeVar, overload

__all__ = ["CO3", "CollationRegistryMeta", "GroupRegistry", "KeyRegistry", "collate"]

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])
Action = Callable[..., Any]

# attribute set on a decorated function: a list of (key, groups) registrations
_COLLATION_ATTR = "_collation_data"


class KeyRegistry(dict[Hashable, dict[Hashable, Action]]):
    """Key -> {group: action}; an unknown key reads as an empty dict (never stored)."""

    def __missing__(self, key: Hashable) -> dict[Hashable, Action]:
        return {}


class GroupRegistry(dict[Hashable, set[Hashable]]):
    """Group -> set of keys; an unknown group reads as an empty set (never stored)."""

    def __missing__(self, key: Hashable) -> set[Hashable]:
        return set()


@overload
def collate(key: F, groups: None = None) -> F: ...


@overload
def collate(key: Hashable = None, groups: Iterable[Hashable] | None = None) -> Callable[[F], F]: ...


def collate(key: Any = None, groups: Iterable[Hashable] | None = None) -> Any:
    """Register a method of a ``CO3`` subclass as a collation action.

    Used bare (``@collate``), the method takes the key as its argument and answers any
    key in an implicit group named after the method. With a key
    (``@collate("key", groups=["g1", "g2"])``), the method takes no key and answers
    that key in each group; without ``groups`` it belongs to the ``None`` group.
    ``@collate(groups=[...])`` registers an implicit action in the named groups.
    Decorators can be stacked to register one method several times.

    Args:
        key: the key the action answers, or the method itself when used bare.
        groups: the groups the action belongs to; a single string is one group.

    Returns:
        The method unchanged (bare use), or a decorator that registers it.
    """
    if inspect.isfunction(key):
        return _register(key, None, None)

    if isinstance(groups, str):
        groups = [groups]
    group_list = None if groups is None else list(groups)

    def decorator(func: F) -> F:
        return _register(func, key, group_list)

    return decorator


def _register(func: F, key: Hashable, groups: list[Hashable] | None) -> F:
    """Record ``(key, groups)`` on ``func`` for the metaclass to pick up."""
    if groups is None:
        # a key without groups lives in the None group; no key means an implicit group
        # named after the method
        groups = [None] if key is not None else [func.__name__]
    registrations = list(getattr(func, _COLLATION_ATTR, None) or [])
    registrations.append((key, tuple(groups)))
    setattr(func, _COLLATION_ATTR, registrations)
    return func


def _registrations(value: Any) -> list[tuple[Hashable, tuple[Hashable, ...]]]:
    """The (key, groups) registrations carried by a class attribute, if any."""
    if not inspect.isfunction(value):
        return []
    data = getattr(value, _COLLATION_ATTR, None)
    if not data:
        return []
    if isinstance(data, tuple):  # a single (key, groups) pair, as co3 0.6.3 stored it
        data = [data]
    return [(key, tuple(groups)) for key, groups in data]


class CollationRegistryMeta(type):
    """Builds ``key_registry`` and ``group_registry`` for every class it creates.

    Actions are gathered base first along the MRO, so a subclass replaces exactly the
    (key, group) pairs it registers again. A subclass that overrides an action's method
    without decorating it keeps the registration and runs the override.
    """

    key_registry: KeyRegistry
    group_registry: GroupRegistry

    def __new__(
        mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any], **kwargs: Any
    ) -> CollationRegistryMeta:
        cls = super().__new__(mcs, name, bases, namespace, **kwargs)

        # (key, group) -> (attribute name, action)
        actions: dict[tuple[Hashable, Hashable], tuple[str, Action]] = {}
        for klass in reversed(cls.__mro__):
            for attr_name, value in vars(klass).items():
                for key, groups in _registrations(value):
                    for group in groups:
                        actions[(key, group)] = (attr_name, value)

        key_registry = KeyRegistry()
        group_registry = GroupRegistry()
        for (key, group), (attr_name, action) in actions.items():
            current = inspect.getattr_static(cls, attr_name, None)
            if inspect.isfunction(current) and not _registrations(current):
                action = current  # an undecorated override runs in place of the base action
            key_registry.setdefault(key, {})[group] = action
            group_registry.setdefault(group, set()).add(key)

        cls.key_registry = key_registry
        cls.group_registry = group_registry
        return cls


# the name co3 0.6.3 gave the metaclass
FormatRegistryMeta = CollationRegistryMeta


class CO3(metaclass=CollationRegistryMeta):
    """Base class for types that collate actions and are collected into storage.

    Subclasses override ``attributes`` (the row for the type's own component),
    ``components`` (child objects collected along with it) and
    ``collation_attributes`` (columns added to every action result), and register
    actions with :func:`collate`.
    """

    key_registry: ClassVar[KeyRegistry]
    group_registry: ClassVar[GroupRegistry]

    def __init__(self) -> None:
        self._collate_cache: dict[tuple[Hashable, Hashable], Any] = {}

    @property
    def attributes(self) -> dict[str, Any]:
        """The row for this object's attribute component: its public instance fields."""
        return {name: value for name, value in vars(self).items() if not name.startswith("_")}

    @property
    def components(self) -> list[CO3]:
        """Child objects collected together with this one (none by default)."""
        return []

    def collation_attributes(self, key: Any, group: Any) -> dict[str, Any]:
        """Columns merged into the result of the action for ``(key, group)``.

        Args:
            key: the action's key.
            group: the action's group.

        Returns:
            A dict of column values; the action's own result wins on a clash.
        """
        return {}

    @classmethod
    def resolve_action(cls, key: Hashable, group: Hashable = None) -> tuple[Action, bool] | None:
        """The action that ``collate(key, group)`` would run.

        Args:
            key: the collation key.
            group: the group; an implicit group answers only when named here.

        Returns:
            ``(action, implicit)``, where an implicit action takes the key as its first
            argument, or None when nothing answers.
        """
        if key is None:
            return None
        explicit = cls.key_registry[key].get(group)
        if explicit is not None:
            return explicit, False
        if group is None:
            return None
        implicit = cls.key_registry[None].get(group)
        if implicit is not None:
            return implicit, True
        return None

    def collate(
        self,
        key: Hashable,
        group: Hashable = None,
        args: list[Any] | None = None,
        kwargs: dict[str, Any] | None = None,
    ) -> Any:
        """Run the action registered for ``(key, group)``.

        A key registered explicitly runs its own action; any other key runs only under
        an implicit group named in ``group``. Results of calls without ``args`` and
        ``kwargs`` are cached on the instance.

        Args:
            key: the collation key.
            group: the group to run the key in (default: the ``None`` group).
            args: positional arguments for the action.
            kwargs: keyword arguments for the action.

        Returns:
            The action's result, or None when no action answers ``(key, group)``.
        """
        resolved = type(self).resolve_action(key, group)
        if resolved is None:
            logger.debug("no collation action for key %r in group %r", key, group)
            return None

        plain_call = not (args or kwargs)
        cache = self._collation_cache()
        if plain_call and (key, group) in cache:
            return cache[(key, group)]

        action, implicit = resolved
        leading = (key,) if implicit else ()
        result = action(self, *leading, *(args or ()), **(kwargs or {}))
        if plain_call:
            cache[(key, group)] = result
        return result

    def _collation_cache(self) -> dict[tuple[Hashable, Hashable], Any]:
        """The instance's cache, created here when ``__init__`` never ran."""
        try:
            cache: dict[tuple[Hashable, Hashable], Any] = self.__dict__["_collate_cache"]
        except KeyError:
            cache = self.__dict__["_collate_cache"] = {}
        return cache
