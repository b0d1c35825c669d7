"""The import's in-memory duplicate index finds exactly what the rule says: every name of the same
country equal to or at least `DUPLICATE_SIMILARITY` alike (search.similarity), whatever the trigram order."""

import random
import uuid

from services.partners import search
from services.partners.name_index import NameIndex


def made_up(rng: random.Random) -> str:
    syllables = ["ba", "ve", "ri", "lo", "ma", "nor", "sud", "tel", "qua", "de", "la", "x"]
    return " ".join("".join(rng.choice(syllables) for _ in range(rng.randint(1, 3))) for _ in range(rng.randint(1, 3)))


def test_look_alikes_are_exactly_those_the_rule_names():
    rng = random.Random(7)
    stored = [(uuid.uuid4(), search.fold(made_up(rng)), rng.choice(["FR", "BE", None])) for _ in range(600)]
    queries = [(search.fold(made_up(rng)), rng.choice(["FR", "BE", None])) for _ in range(300)]
    queries += [(key, country) for _, key, country in stored[:50]]  # equal names too
    for rank_from_data in (True, False):  # rarest-first order, or any order: the same answers
        index = NameIndex()
        if rank_from_data:
            grams = sorted({g for _, key, _ in stored for g in search.trigrams(key)})
            index.rank.update((gram, position) for position, gram in enumerate(grams))
        for partner_id, key, country in stored:
            index.add(partner_id=partner_id, key=key, country=country, display=key)
        for key, country in queries:
            expected = {
                pid
                for pid, other, where in stored
                if where == country and (other == key or search.similarity(key, other) >= search.DUPLICATE_SIMILARITY)
            }
            assert {pid for pid, _ in index.alike(key, country)} == expected, key


def test_a_forgotten_partner_is_no_longer_found():
    index = NameIndex()
    kept, gone = uuid.uuid4(), uuid.uuid4()
    index.add(partner_id=kept, key="baviere", country="DE", display="Bavière")
    index.add(partner_id=gone, key="bavieres", country="DE", display="Bavières")
    assert {pid for pid, _ in index.alike("baviere", "DE")} == {kept, gone}
    index.forget(gone)
    assert [pid for pid, _ in index.alike("baviere", "DE")] == [kept]
    assert index.alike("baviere", "FR") == []
