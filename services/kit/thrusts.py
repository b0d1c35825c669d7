"""The policy thrusts taxonomy (contracts/taxonomy/policy-thrusts.json, from the policy text).

Codes are dotted: a child (`trade.investment`) belongs to its parent (`trade`), and a filter on a
parent covers its children.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from services.kit.problems import Problem

TAXONOMY_PATH = Path(__file__).resolve().parents[2] / "contracts" / "taxonomy" / "policy-thrusts.json"


@dataclass(frozen=True)
class Thrust:
    code: str
    en: str
    fr: str
    objective: str
    parent: str | None = None


class UnknownThrust(Problem):
    status = 422
    title = "Unknown policy thrust"


class Taxonomy:
    def __init__(self, document: dict[str, Any]) -> None:
        self.objectives = {o["code"]: o for o in document["objectives"]}
        self._thrusts: dict[str, Thrust] = {}
        for top in document["thrusts"]:
            self._thrusts[top["code"]] = Thrust(top["code"], top["en"], top["fr"], top["objective"])
            for child in top.get("children", []):
                self._thrusts[child["code"]] = Thrust(
                    child["code"], child["en"], child["fr"], top["objective"], parent=top["code"]
                )

    def __contains__(self, code: str) -> bool:
        return code in self._thrusts

    def __iter__(self) -> Iterator[Thrust]:
        return iter(self._thrusts.values())

    def get(self, code: str) -> Thrust | None:
        return self._thrusts.get(code)

    def expand(self, code: str) -> set[str]:
        """The code and every code under it: what a filter on `code` matches."""
        if code not in self._thrusts:
            raise UnknownThrust(f"{code!r} is not a policy thrust code.", code=code)
        return {c for c in self._thrusts if c == code or c.startswith(code + ".")}

    def validate(self, codes: list[str]) -> list[str]:
        """The codes, de-duplicated in their order, or a 422 problem naming every unknown one."""
        unknown = [c for c in codes if c not in self._thrusts]
        if unknown:
            raise UnknownThrust(f"Unknown policy thrust code(s): {', '.join(unknown)}.", unknown=unknown)
        return list(dict.fromkeys(codes))


@cache
def taxonomy() -> Taxonomy:
    return Taxonomy(json.loads(TAXONOMY_PATH.read_text(encoding="utf-8")))
