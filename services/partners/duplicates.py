"""The duplicate review queue: pairs of partners that are likely one, with a score and the reasons,
best first; pairs an administrator dismissed are remembered and never proposed again.

A pair is what duplicate detection at creation would refuse (`search.likely_duplicates`): the same
country (or neither has one) and a name, acronym or alias alike (trigram similarity of the folded
names at least `search.DUPLICATE_SIMILARITY`). Partners are compared country by country, through an
index of their names' trigrams, so the work grows with the look-alikes, not with every pair.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlmodel import Session, col

from services.kit import cursors
from services.kit.identity import Caller
from services.kit.problems import Problem
from services.partners import search
from services.partners.models import DuplicateDismissal, Partner, PartnerName
from services.partners.service import get_partner

# What each kind of evidence adds to a pair's score (out of 100).
NAME_WEIGHT = 80.0
SAME_KIND = 10.0
SAME_SUBDIVISION = 5.0
SAME_WEBSITE = 5.0


@dataclass
class Pair:
    first: Partner
    second: Partner
    similarity: float = 0.0
    names: tuple[str, str] = ("", "")
    reasons: list[str] = field(default_factory=list)
    score: float = 0.0


def ordered(a: uuid.UUID, b: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID]:
    return (a, b) if str(a) < str(b) else (b, a)


def likely_pairs(*, session: Session) -> list[Pair]:
    """Every likely duplicate pair not dismissed, best first (score, then names)."""
    partners = {p.id: p for p in session.scalars(select(Partner).where(col(Partner.merged_into).is_(None)))}
    names_by_country: dict[str | None, list[tuple[uuid.UUID, str, str]]] = defaultdict(list)
    rows = session.execute(select(col(PartnerName.partner_id), col(PartnerName.name), col(PartnerName.key)))
    for partner_id, name, key in rows:
        partner = partners.get(partner_id)
        if partner is not None:
            names_by_country[partner.country].append((partner_id, name, key))
    dismissed = {(row.first_id, row.second_id) for row in session.scalars(select(DuplicateDismissal))}
    found: dict[tuple[uuid.UUID, uuid.UUID], Pair] = {}
    for names in names_by_country.values():
        for (a_id, a_name, _), (b_id, b_name, _), similarity in _alike(names):
            key = ordered(a_id, b_id)
            if key in dismissed:
                continue
            pair = found.get(key)
            if pair is None or similarity > pair.similarity:
                first, second = partners[key[0]], partners[key[1]]
                names_pair = (a_name, b_name) if key[0] == a_id else (b_name, a_name)
                found[key] = Pair(first=first, second=second, similarity=similarity, names=names_pair)
    pairs = [_scored(pair) for pair in found.values()]
    pairs.sort(key=_order)
    return pairs


def _alike(names: list[tuple[uuid.UUID, str, str]]):
    """Name pairs of different partners whose folded forms are equal or similar enough."""
    index: dict[str, list[int]] = defaultdict(list)
    grams = [search.trigrams(key) for _, _, key in names]
    for i, (partner_id, _, key) in enumerate(names):
        shared: dict[int, int] = defaultdict(int)
        for gram in grams[i]:
            for j in index[gram]:
                shared[j] += 1
        for j, common in shared.items():
            other = names[j]
            if other[0] == partner_id:
                continue
            similarity = 1.0 if other[2] == key else common / (len(grams[i]) + len(grams[j]) - common)
            if similarity >= search.DUPLICATE_SIMILARITY:
                yield other, names[i], similarity
        for gram in grams[i]:
            index[gram].append(i)


def _scored(pair: Pair) -> Pair:
    a, b = pair.first, pair.second
    left, right = pair.names
    if search.fold(left) == search.fold(right):
        pair.reasons.append(f"same name: {left!r}" + (f" / {right!r}" if left != right else ""))
    else:
        pair.reasons.append(f"similar names: {left!r} / {right!r} ({pair.similarity:.2f})")
    pair.reasons.append(f"same country: {a.country}" if a.country else "neither has a country")
    score = NAME_WEIGHT * pair.similarity
    if a.kind == b.kind:
        score += SAME_KIND
        pair.reasons.append(f"same kind: {a.kind}")
    if a.subdivision and a.subdivision == b.subdivision:
        score += SAME_SUBDIVISION
        pair.reasons.append(f"same subdivision: {a.subdivision}")
    if a.website and b.website and a.website.rstrip("/").lower() == b.website.rstrip("/").lower():
        score += SAME_WEBSITE
        pair.reasons.append(f"same website: {a.website}")
    for partner in (a, b):
        if partner.status != "active":
            pair.reasons.append(f"{partner.name_fr or partner.name_en} is {partner.status}")
    pair.score = round(min(score, 100.0), 1)
    return pair


def _order(pair: Pair) -> tuple[float, str, str, str]:
    return (-pair.score, pair.first.sort_key, str(pair.first.id), str(pair.second.id))


def page(*, session: Session, limit: int, cursor: str | None) -> tuple[list[Pair], str | None, int]:
    pairs = likely_pairs(session=session)
    start = 0
    if cursor:
        score, sort_key, first, second = cursors.decode(cursor, float, str, str, str)
        after = (-score, sort_key, first, second)
        start = next((i for i, pair in enumerate(pairs) if _order(pair) > after), len(pairs))
    shown = pairs[start : start + limit]
    next_cursor = None
    if start + limit < len(pairs):
        last = shown[-1]
        next_cursor = cursors.encode(last.score, last.first.sort_key, str(last.first.id), str(last.second.id))
    return shown, next_cursor, len(pairs)


def dismiss(
    *, session: Session, partner_ids: tuple[uuid.UUID, uuid.UUID], caller: Caller | None = None
) -> DuplicateDismissal:
    """Remember that these two are not duplicates (dismissing twice keeps the first dismissal)."""
    a, b = partner_ids
    if a == b:
        raise Problem("A pair needs two different partners.", status=422, title="Invalid request")
    for partner_id in (a, b):
        get_partner(session=session, partner_id=partner_id)
    first, second = ordered(a, b)
    held = session.get(DuplicateDismissal, (first, second))
    if held is not None:
        return held
    row = DuplicateDismissal(first_id=first, second_id=second, dismissed_by=caller.user if caller else None)
    session.add(row)
    session.flush()
    return row
