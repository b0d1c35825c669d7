"""Likely duplicates for a whole batch of names at once (issue 12: CSV imports).

The rule is `search.likely_duplicates`' — a partner of the same country (or neither has one), not
merged, known by a folded name equal to one of ours or at least `DUPLICATE_SIMILARITY` alike (trigram
Jaccard) — but answered from memory: asking the database name by name was nearly all of an import's
time (six candidate queries a row, each scanning pg_trgm's or FTS5's postings of common trigrams).

The index holds the directory's names, country by country, and finds look-alikes by prefix
filtering: names at least t alike share one of the first `n - ⌊t·n⌋ + 1` trigrams of each (in one
fixed order, rarest first), so only those trigrams are indexed and looked up, and common trigrams
("ion", " de") are never walked. Each candidate is then scored exactly (`search.similarity`).

Fresh enough, not a copy: `refresh` reads the names written since the last look (ids above a
watermark, re-reading `OVERLAP` ids back so that a transaction committing a little late, or an id
SQLite reused, is still seen), and `confirm` re-reads the partners a batch would be refused for, so a
renamed or merged partner never refuses a line. A partner written elsewhere in a transaction that
spans a whole batch of the import may be missed: the duplicate review queue shows such pairs.
"""

from __future__ import annotations

import math
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from services.partners import search
from services.partners.models import Partner, PartnerName

OVERLAP = 2_000
POSITION_BITS = 10
POSITION_MASK = (1 << POSITION_BITS) - 1  # a position past it is kept as it, and the entry never dropped early
EPSILON = 1e-9
CONFIRM_CHUNK = 5_000
Country = str | None


class NameIndex:
    def __init__(self, threshold: float = search.DUPLICATE_SIMILARITY, *, rank: dict[str, int] | None = None) -> None:
        self.threshold = threshold
        # Trigram -> its rank in the one fixed order (rarest first): known ones ranked by how often the
        # directory and the sample have them, new ones before all (negative), in the order they come.
        # Indexes that share it (`companion`) can be searched with one another's trigram ranks.
        self.rank: dict[str, int] = {} if rank is None else rank
        self.grams: list[tuple[int, ...]] = []  # each entry's trigram ranks, in order
        self.keys: list[str] = []
        self.owners: list[uuid.UUID] = []
        self.dead: set[int] = set()
        # (entry << POSITION_BITS | position in its grams), for the trigrams of its prefix only
        self.postings: dict[Country, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
        self.by_partner: dict[uuid.UUID, list[int]] = defaultdict(list)
        self.display: dict[uuid.UUID, str] = {}
        self.read: set[tuple[int, uuid.UUID, str]] = set()  # name rows already indexed (id, partner, key)
        self.watermark = 0

    # --- building and keeping fresh ---------------------------------------------------------------

    def build(self, *, session: Session, sample: Iterable[str]) -> None:
        """Load the directory's names; `sample` (folded names from the file) helps pick the rarest trigrams."""
        rows = self._read_since(session, 0)
        frequency: Counter[str] = Counter()
        for key in sample:
            frequency.update(search.trigrams(key))
        for row in rows:
            frequency.update(search.trigrams(row[2]))
        ordered = sorted(frequency, key=lambda gram: (frequency[gram], gram))
        self.rank.clear()
        self.rank.update((gram, position) for position, gram in enumerate(ordered))
        self._add_rows(rows)

    def refresh(self, *, session: Session, skip: set[uuid.UUID]) -> None:
        """Index the names written since the last look, but those of `skip` (this import's own, indexed already)."""
        rows = self._read_since(session, max(self.watermark - OVERLAP, 0))
        self._add_rows([row for row in rows if row[1] not in skip])

    def _read_since(self, session: Session, after: int) -> list[tuple[int, uuid.UUID, str, Country, str]]:
        statement = _names_of_live_partners(col(PartnerName.id) > after)
        rows = []
        for name_id, partner_id, key, country, name_fr, name_en in session.execute(statement):
            self.watermark = max(self.watermark, name_id)
            rows.append((name_id, partner_id, key, country, name_fr or name_en or ""))
        return rows

    def _add_rows(self, rows: list[tuple[int, uuid.UUID, str, Country, str]]) -> None:
        for name_id, partner_id, key, country, display in rows:
            if (name_id, partner_id, key) in self.read:
                continue
            self.read.add((name_id, partner_id, key))
            self.add(partner_id=partner_id, key=key, country=country, display=display)

    def companion(self) -> NameIndex:
        """An empty index in the same trigram order (a batch's own rows, searched beside this one)."""
        return NameIndex(self.threshold, rank=self.rank)

    def add(self, *, partner_id: uuid.UUID, key: str, country: Country, display: str) -> None:
        entry = len(self.keys)
        grams = self._ordered(key)
        self.keys.append(key)
        self.grams.append(grams)
        self.owners.append(partner_id)
        self.by_partner[partner_id].append(entry)
        self.display[partner_id] = display
        postings = self.postings[country]
        for position in range(self._prefix_length(len(grams))):
            postings[grams[position]].append(entry << POSITION_BITS | min(position, POSITION_MASK))

    def forget(self, partner_id: uuid.UUID) -> None:
        self.dead.update(self.by_partner.pop(partner_id, ()))
        self.display.pop(partner_id, None)

    def confirm(self, *, session: Session, partner_ids: set[uuid.UUID]) -> None:
        """Re-read these partners' names and countries: what changed since they were indexed replaces what was."""
        ids = list(partner_ids)
        for start in range(0, len(ids), CONFIRM_CHUNK):
            chunk = ids[start : start + CONFIRM_CHUNK]
            for partner_id in chunk:
                self.forget(partner_id)
            statement = _names_of_live_partners(col(Partner.id).in_(chunk))
            for _name_id, partner_id, key, country, name_fr, name_en in session.execute(statement):
                self.add(partner_id=partner_id, key=key, country=country, display=name_fr or name_en or "")

    # --- finding ----------------------------------------------------------------------------------

    def _ordered(self, key: str) -> tuple[int, ...]:
        ranks = []
        for gram in search.trigrams(key):
            rank = self.rank.get(gram)
            if rank is None:
                rank = self.rank[gram] = -len(self.rank) - 1
            ranks.append(rank)
        return tuple(sorted(ranks))

    def _prefix_length(self, n: int) -> int:
        # At least t alike means at least ⌈t·n⌉ trigrams shared; ⌊t·n⌋ errs on the longer, safe side.
        return n - int(self.threshold * n) + 1

    def alike(self, key: str, country: Country) -> list[tuple[uuid.UUID, float]]:
        """Partners (of `country`) with a name equal to `key` or at least the threshold alike, best first.

        PPJoin's filters: only entries within the length bounds of a t-alike name are counted, and an
        entry is dropped as soon as the trigrams left on either side cannot make up the overlap needed."""
        postings = self.postings.get(country)
        if not postings:
            return []
        t, mine = self.threshold, self._ordered(key)
        n = len(mine)
        shortest, longest = t * n - EPSILON, n / t + EPSILON
        overlap: dict[int, int] = {}
        for i in range(self._prefix_length(n)):
            for code in postings.get(mine[i], ()):
                entry, j = code >> POSITION_BITS, code & POSITION_MASK
                counted = overlap.get(entry, 0)
                if counted < 0:
                    continue
                m = len(self.grams[entry])
                if m < shortest or m > longest or entry in self.dead:
                    overlap[entry] = -1
                    continue
                needed = math.ceil(t * (n + m) / (1 + t) - EPSILON)
                if j < POSITION_MASK and counted + 1 + min(n - i - 1, m - j - 1) < needed:
                    overlap[entry] = -1
                else:
                    overlap[entry] = counted + 1
        mine_set = frozenset(mine)
        best: dict[uuid.UUID, float] = {}
        for entry, counted in overlap.items():
            if counted < 0:
                continue
            other = self.grams[entry]
            shared = sum(1 for rank in other if rank in mine_set)
            value = shared / (n + len(other) - shared)  # search.similarity, on the same trigram sets
            owner = self.owners[entry]
            if value >= t and value > best.get(owner, -1.0):
                best[owner] = value
        return sorted(best.items(), key=lambda item: (-item[1], str(item[0])))


def _names_of_live_partners(condition: Any) -> Any:
    """Each stored name with what the index keeps of its partner (country, names), for partners that
    are not merged away and match `condition`: the one read behind both the refresh and the re-check."""
    return (
        select(
            col(PartnerName.id),
            col(PartnerName.partner_id),
            col(PartnerName.key),
            col(Partner.country),
            col(Partner.name_fr),
            col(Partner.name_en),
        )
        .join(Partner, col(Partner.id) == col(PartnerName.partner_id))
        .where(condition, col(Partner.merged_into).is_(None))
    )
