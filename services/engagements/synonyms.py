"""Cross-language search: a query in English finds engagements written in French, and the reverse.

The vocabulary is the policy thrusts' labels (each thrust's French and English label mean the same)
and a maintained list of FR↔EN equivalents, `synonyms.json` beside this module. A query is expanded
into variants, each with a phrase it contains replaced by an equivalent; an engagement matches if it
matches the query or any variant (the same rule on PostgreSQL and SQLite, `search.matches`). A query
that names a thrust (its label in either language) also finds the engagements tagged with it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from services.engagements.words import words
from services.kit.thrusts import taxonomy

SYNONYMS_PATH = Path(__file__).with_name("synonyms.json")
MAX_VARIANTS = 8


@dataclass(frozen=True)
class Vocabulary:
    # folded phrase (a tuple of words) -> the phrases of its group, as people write them
    equivalents: dict[tuple[str, ...], tuple[str, ...]]
    # folded thrust label -> its code
    thrust_labels: dict[tuple[str, ...], str]


def _key(phrase: str) -> tuple[str, ...]:
    return tuple(words(phrase))


@cache
def vocabulary() -> Vocabulary:
    listed = json.loads(SYNONYMS_PATH.read_text(encoding="utf-8"))["groups"]
    groups: list[list[str]] = [[*group.get("fr", []), *group.get("en", [])] for group in listed]
    labels: dict[tuple[str, ...], str] = {}
    for thrust in taxonomy():
        groups.append([thrust.fr, thrust.en])
        for label in (thrust.fr, thrust.en):
            labels[_key(label)] = thrust.code
    equivalents: dict[tuple[str, ...], tuple[str, ...]] = {}
    for group in groups:
        for phrase in group:
            key = _key(phrase)
            if key:
                merged = [*equivalents.get(key, ()), *(p for p in group if _key(p) != key)]
                equivalents[key] = tuple(dict.fromkeys(merged))
    return Vocabulary(equivalents=equivalents, thrust_labels=labels)


def variants(query: str) -> list[str]:
    """The query said otherwise: each known phrase in it replaced by each of its equivalents."""
    terms = words(query)
    vocab = vocabulary()
    found: list[str] = []
    longest = max((len(k) for k in vocab.equivalents), default=0)
    for start in range(len(terms)):
        for size in range(min(longest, len(terms) - start), 0, -1):
            phrase = tuple(terms[start : start + size])
            found.extend(
                " ".join([*terms[:start], other, *terms[start + size :]]) for other in vocab.equivalents.get(phrase, ())
            )
            if phrase in vocab.equivalents:
                break  # the longest known phrase at this place; not its parts too
    return list(dict.fromkeys(found))[:MAX_VARIANTS]


def thrust_named(query: str) -> str | None:
    """The thrust whose label (French or English) the whole query is, if any."""
    return vocabulary().thrust_labels.get(tuple(words(query)))
