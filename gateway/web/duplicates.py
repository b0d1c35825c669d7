"""What the duplicate review pages show: the queue's reasons in the page's language, and the rows of
the merge form (each field of the two partners, with a choice where they differ).

The partners service writes a pair's reasons in English ("same country: FR"); they are read back
here by their fixed beginnings and said again in words, a reason of an unknown shape shown as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gateway.web import partner_labels as labels
from gateway.web.i18n import format_number
from gateway.web.i18n import lazy_gettext as _l

# The fields whose surviving value the administrator chooses (the service's MergeChoices), in the
# order the form shows them; names, acronyms, aliases and thrusts are united, never chosen.
CHOSEN = (
    "name_fr",
    "name_en",
    "kind",
    "country",
    "subdivision",
    "region",
    "website",
    "owner",
    "description_fr",
    "description_en",
)
UNITED = ("acronyms", "aliases", "thrusts")
KEEP = ("survivor", "duplicate")


def _status(name: str, status: str) -> str:
    word = {"archived": _l("archived"), "merged": _l("merged")}.get(status, status)
    return str(_l("%(name)s is %(status)s")) % {"name": name, "status": word}


REASONS: list[tuple[re.Pattern[str], Callable[[dict[str, str]], str]]] = [
    (re.compile(r"same name: (?P<names>.+)"), lambda m: str(_l("Same name: %(names)s")) % m),
    (
        re.compile(r"similar names: (?P<names>.+) \((?P<similarity>[0-9.]+)\)"),
        lambda m: (
            str(_l("Similar names: %(names)s (similarity %(similarity)s)"))
            % {"names": m["names"], "similarity": format_number(float(m["similarity"]))}
        ),
    ),
    (
        re.compile(r"same country: (?P<code>[A-Z]{2})"),
        lambda m: str(_l("Same country: %(country)s")) % {"country": labels.country_name(m["code"])},
    ),
    (re.compile(r"neither has a country"), lambda _: str(_l("Neither has a country"))),
    (
        re.compile(r"same kind: (?P<kind>[a-z_]+)"),
        lambda m: str(_l("Same kind: %(kind)s")) % {"kind": labels.label(labels.KINDS, m["kind"])},
    ),
    (
        re.compile(r"same subdivision: (?P<code>.+)"),
        lambda m: str(_l("Same subdivision: %(subdivision)s")) % {"subdivision": labels.subdivision_name(m["code"])},
    ),
    (re.compile(r"same website: (?P<url>.+)"), lambda m: str(_l("Same website: %(url)s")) % m),
    (re.compile(r"(?P<name>.+) is (?P<status>[a-z]+)"), lambda m: _status(m["name"], m["status"])),
]


def reason_text(reason: str) -> str:
    """One of the queue's reasons in the page's language (call it while the page renders)."""
    for pattern, say in REASONS:
        matched = pattern.fullmatch(reason)
        if matched:
            return say(matched.groupdict())
    return reason


@dataclass(frozen=True)
class MergeRow:
    field: str
    label: str
    survivor: str  # the value as a person reads it ("" for none)
    duplicate: str
    choice: str | None  # "survivor" / "duplicate" where they differ (the default), None where they agree

    @property
    def differs(self) -> bool:
        return self.choice is not None


def shown(name: str, value: Any) -> str:
    """A partner's field as the page shows it (call it while the page renders)."""
    if value is None or value == "" or value == []:
        return ""
    if name == "kind":
        return labels.label(labels.KINDS, value)
    if name == "region":
        return labels.label(labels.REGIONS, value)
    if name == "country":
        return f"{labels.country_name(value)} ({value})"
    if name == "subdivision":
        return labels.subdivision_name(value)
    if name == "thrusts":
        return ", ".join(labels.thrust_name(code) for code in value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def merge_rows(survivor: dict[str, Any], duplicate: dict[str, Any], posted: dict[str, str]) -> list[MergeRow]:
    """Each chosen field of the two: where they differ, the choice posted, else the service's default
    (the survivor's value, or the duplicate's when the survivor has none). In words of the current
    language: call it within the page's (`speaking(web.lang)`)."""
    rows = []
    for name in CHOSEN:
        mine, theirs = survivor.get(name), duplicate.get(name)
        choice = None
        if (mine or None) != (theirs or None):
            choice = posted.get(name) if posted.get(name) in KEEP else ("survivor" if mine else "duplicate")
        label = str(labels.FIELDS[name])
        rows.append(MergeRow(name, label, shown(name, mine), shown(name, theirs), choice))
    return rows


def united_rows(survivor: dict[str, Any], duplicate: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(label, survivor's, duplicate's) of the fields the merge unites (the merged partner has both)."""
    return [
        (str(labels.FIELDS[name]), shown(name, survivor.get(name)), shown(name, duplicate.get(name))) for name in UNITED
    ]
