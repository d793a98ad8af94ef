"""CO3 and collate: registries, inheritance, implicit groups, the collation cache."""

from __future__ import annotations

import subprocess
import sys
from collections import defaultdict
from typing import Any

import pytest

from co3 import CO3, collate
from co3.co3 import GroupRegistry, KeyRegistry


class Vegetable(CO3):
    def __init__(self, name: str, color: str) -> None:
        super().__init__()
        self.name = name
        self.color = color
        self.calls: dict[str, int] = defaultdict(int)

    @collate
    def cut(self, method: str) -> dict[str, Any]:
        self.calls["cut"] += 1
        return {"method": method, "pieces": 2}

    @collate("washed", groups=["prep"])
    def wash(self) -> dict[str, Any]:
        return {"clean": True, "by": "vegetable"}


class Tomato(Vegetable):
    def __init__(self, name: str, radius: int) -> None:
        super().__init__(name, "red")
        self.radius = radius

    @collate("ripe", groups=["aging"])
    def ripen(self) -> dict[str, Any]:
        self.calls["ripen"] += 1
        return {"age": 3}

    @collate("rotten", groups=["aging", "waste"])
    def rot(self) -> dict[str, Any]:
        return {"age": 9}

    @collate("diced", groups=["cooking"])
    def dice(self, size: int = 1) -> dict[str, Any]:
        self.calls["dice"] += 1
        return {"pieces": 12 // size}

    @collate("plain")
    def plain(self) -> str:
        return "plain result"


# registries


def test_bare_collate_registers_an_implicit_group_named_after_the_method() -> None:
    assert Vegetable.key_registry[None] == {"cut": Vegetable.cut}
    assert Vegetable.group_registry["cut"] == {None}


def test_collate_with_key_and_groups() -> None:
    assert Tomato.key_registry["rotten"] == {"aging": Tomato.rot, "waste": Tomato.rot}
    assert Tomato.group_registry["aging"] == {"ripe", "rotten"}
    assert Tomato.group_registry["waste"] == {"rotten"}


def test_collate_without_groups_uses_the_none_group() -> None:
    assert Tomato.key_registry["plain"] == {None: Tomato.plain}
    assert Tomato.group_registry[None] == {"plain"}


def test_collate_with_groups_but_no_key_is_implicit_in_those_groups() -> None:
    class Pepper(CO3):
        @collate(groups=["roast", "grill"])
        def heat(self, key: str) -> dict[str, str]:
            return {"how": key}

        @collate()
        def peel(self, key: str) -> dict[str, str]:
            return {"peeled": key}

        @collate("stuffed", groups="fill")  # one group given as a string
        def stuff(self) -> dict[str, bool]:
            return {"stuffed": True}

    assert Pepper.key_registry[None] == {
        "roast": Pepper.heat,
        "grill": Pepper.heat,
        "peel": Pepper.peel,
    }
    assert Pepper.key_registry["stuffed"] == {"fill": Pepper.stuff}
    assert Pepper().collate("charred", group="grill") == {"how": "charred"}
    assert Pepper().collate("thin", group="peel") == {"peeled": "thin"}


def test_stacked_collate_registers_every_key() -> None:
    class Onion(CO3):
        @collate("sliced", groups=["cut"])
        @collate("chopped", groups=["cut"])
        def cut_up(self) -> dict[str, int]:
            return {"pieces": 8}

    assert Onion.group_registry["cut"] == {"sliced", "chopped"}
    assert Onion().collate("chopped", group="cut") == {"pieces": 8}


def test_registry_keys_and_groups_agree() -> None:
    # every (key, group) in key_registry is in group_registry and vice versa
    pairs_from_keys = {(k, g) for k, groups in Tomato.key_registry.items() for g in groups}
    pairs_from_groups = {(k, g) for g, keys in Tomato.group_registry.items() for k in keys}
    assert pairs_from_keys == pairs_from_groups


def test_missing_keys_read_as_empty_and_are_not_stored() -> None:
    assert isinstance(Tomato.key_registry, KeyRegistry)
    assert isinstance(Tomato.group_registry, GroupRegistry)
    assert isinstance(Tomato.key_registry, dict)
    assert Tomato.key_registry["no such key"] == {}
    assert Tomato.group_registry["no such group"] == set()
    assert "no such key" not in Tomato.key_registry
    assert "no such group" not in Tomato.group_registry
    assert Tomato.key_registry.get("no such key") is None


def test_registries_are_built_per_class() -> None:
    assert Tomato.key_registry is not Vegetable.key_registry
    assert Tomato.group_registry is not Vegetable.group_registry
    assert CO3.key_registry == {}
    assert CO3.group_registry == {}
    # the base class does not see its subclass's actions
    assert "ripe" not in Vegetable.key_registry
    assert "aging" not in Vegetable.group_registry


def test_subclass_inherits_actions() -> None:
    assert Tomato.key_registry[None]["cut"] is Vegetable.cut
    assert Tomato.key_registry["washed"] == {"prep": Vegetable.wash}
    tomato = Tomato("t1", 10)
    assert tomato.collate("washed", group="prep") == {"clean": True, "by": "vegetable"}


def test_subclass_replaces_only_the_pairs_it_registers_again() -> None:
    class Cherry(Tomato):
        @collate("rotten", groups=["aging"])
        def spoil(self) -> dict[str, int]:
            return {"age": 2}

    assert Cherry.key_registry["rotten"] == {"aging": Cherry.spoil, "waste": Tomato.rot}
    assert Cherry.group_registry["aging"] == {"ripe", "rotten"}
    cherry = Cherry("c1", 1)
    assert cherry.collate("rotten", group="aging") == {"age": 2}
    assert cherry.collate("rotten", group="waste") == {"age": 9}
    # the parent is untouched
    assert Tomato.key_registry["rotten"]["aging"] is Tomato.rot


def test_undecorated_override_runs_the_override() -> None:
    # deliberate fix: co3 0.6.3 kept running the base class's function
    class Roma(Tomato):
        def ripen(self) -> dict[str, Any]:
            base = super().ripen()
            return {**base, "age": base["age"] + 2}

        def cut(self, method: str) -> dict[str, Any]:
            return {"method": method.upper(), "pieces": 4}

    roma = Roma("r1", 3)
    assert roma.collate("ripe", group="aging") == {"age": 5}
    assert roma.calls["ripen"] == 1  # super().ripen() still reaches the base action
    assert roma.collate("slice", group="cut") == {"method": "SLICE", "pieces": 4}
    assert Roma.key_registry["ripe"]["aging"] is Roma.ripen
    assert Roma.key_registry[None]["cut"] is Roma.cut


def test_redecorated_override_keeps_other_base_pairs() -> None:
    class Heirloom(Tomato):
        @collate("overripe", groups=["aging"])
        def ripen(self) -> dict[str, int]:
            return {"age": 7}

    # the new registration answers its own key; the base pair keeps the base function
    assert Heirloom.key_registry["overripe"] == {"aging": Heirloom.ripen}
    assert Heirloom.key_registry["ripe"] == {"aging": Tomato.ripen}


# collate


def test_collate_runs_the_registered_action() -> None:
    tomato = Tomato("t1", 10)
    assert tomato.collate("ripe", group="aging") == {"age": 3}
    assert tomato.collate("diced", group="cooking") == {"pieces": 12}
    assert tomato.collate("plain") == "plain result"


def test_collate_returns_none_without_a_match() -> None:
    tomato = Tomato("t1", 10)
    assert tomato.collate("ripe") is None  # registered, but not in the None group
    assert tomato.collate("ripe", group="cooking") is None
    assert tomato.collate("unknown") is None
    assert tomato.collate("unknown", group="aging") is None  # aging is not implicit
    assert tomato.collate(None, group="cut") is None


def test_unregistered_key_matches_only_a_named_implicit_group() -> None:
    tomato = Tomato("t1", 10)
    assert tomato.collate("slice") is None
    assert tomato.collate("slice", group="cut") == {"method": "slice", "pieces": 2}


def test_implicit_group_answers_a_key_registered_elsewhere() -> None:
    # "diced" is explicit in "cooking"; naming the implicit group "cut" runs cut("diced")
    tomato = Tomato("t1", 10)
    assert tomato.collate("diced", group="cut") == {"method": "diced", "pieces": 2}


def test_collate_passes_args_and_kwargs() -> None:
    tomato = Tomato("t1", 10)
    assert tomato.collate("diced", group="cooking", args=[3]) == {"pieces": 4}
    assert tomato.collate("diced", group="cooking", kwargs={"size": 6}) == {"pieces": 2}


def test_resolve_action() -> None:
    assert Tomato.resolve_action("ripe", "aging") == (Tomato.ripen, False)
    assert Tomato.resolve_action("anything", "cut") == (Vegetable.cut, True)
    assert Tomato.resolve_action("anything") is None
    assert Tomato.resolve_action(None, "cut") is None


# the cache


def test_plain_calls_are_cached_per_instance() -> None:
    tomato = Tomato("t1", 10)
    first = tomato.collate("ripe", group="aging")
    assert tomato.collate("ripe", group="aging") is first
    assert tomato.calls["ripen"] == 1

    other = Tomato("t2", 10)
    other.collate("ripe", group="aging")
    assert other.calls["ripen"] == 1


def test_implicit_results_are_cached_per_key() -> None:
    tomato = Tomato("t1", 10)
    assert tomato.collate("slice", group="cut")["method"] == "slice"
    assert tomato.collate("wedge", group="cut")["method"] == "wedge"
    tomato.collate("slice", group="cut")
    assert tomato.calls["cut"] == 2


def test_calls_with_arguments_are_not_cached() -> None:
    tomato = Tomato("t1", 10)
    assert tomato.collate("diced", group="cooking", args=[2]) == {"pieces": 6}
    assert tomato.collate("diced", group="cooking", args=[3]) == {"pieces": 4}
    assert tomato.calls["dice"] == 2
    # and they neither read nor overwrite the plain call's entry
    assert tomato.collate("diced", group="cooking") == {"pieces": 12}
    assert tomato.collate("diced", group="cooking", kwargs={"size": 4}) == {"pieces": 3}
    assert tomato.collate("diced", group="cooking") == {"pieces": 12}
    assert tomato.calls["dice"] == 4


def test_cache_works_without_super_init() -> None:
    class Lazy(CO3):
        def __init__(self) -> None:  # forgets super().__init__()
            self.runs = 0

        @collate("k")
        def action(self) -> dict[str, int]:
            self.runs += 1
            return {"runs": self.runs}

    lazy = Lazy()
    assert lazy.collate("k") == {"runs": 1}
    assert lazy.collate("k") == {"runs": 1}
    assert lazy.runs == 1
    assert lazy.attributes == {"runs": 1}  # the cache stays private


# instance API defaults


def test_attributes_are_the_public_fields() -> None:
    # deliberate fix: co3 0.6.3 returned vars(self), private cache included
    tomato = Tomato("t1", 10)
    tomato._private = "hidden"
    tomato.collate("ripe", group="aging")
    attributes = tomato.attributes
    assert set(attributes) == {"name", "color", "calls", "radius"}
    assert attributes["name"] == "t1"
    assert attributes["radius"] == 10
    attributes["name"] = "changed"
    assert tomato.name == "t1"


def test_components_and_collation_attributes_default_to_empty() -> None:
    tomato = Tomato("t1", 10)
    assert tomato.components == []
    assert tomato.collation_attributes("ripe", "aging") == {}


def test_co3_without_init_arguments() -> None:
    plain = CO3()
    assert plain.attributes == {}
    assert plain.collate("anything") is None


def test_co3_module_does_not_import_sqlalchemy() -> None:
    code = (
        "import sys, co3.co3, co3.mapper, co3.collector; "
        "assert 'sqlalchemy' not in sys.modules, 'sqlalchemy was imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("name", ["CO3", "collate"])
def test_public_names(name: str) -> None:
    import co3
    import co3.co3 as module

    assert getattr(co3, name) is getattr(module, name)
