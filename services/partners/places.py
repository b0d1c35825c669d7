"""Countries and subdivisions, checked against ISO 3166-1 and ISO 3166-2 (the pycountry package)."""

from __future__ import annotations

from functools import cache

import pycountry


@cache
def _country_codes() -> frozenset[str]:
    return frozenset(country.alpha_2 for country in pycountry.countries)


def check_country(code: str) -> str:
    if not (len(code) == 2 and code.isascii() and code.isalpha() and code.isupper()):
        raise ValueError("country must be an ISO 3166-1 alpha-2 code in upper case, like DE")
    if code not in _country_codes():
        raise ValueError(f"{code!r} is not an ISO 3166-1 country code")
    return code


def subdivision_country(code: str) -> str:
    """The country an ISO 3166-2 code belongs to; ValueError if it is no subdivision code."""
    subdivision = pycountry.subdivisions.get(code=code) if code.isascii() else None
    if subdivision is None:
        raise ValueError(f"{code!r} is not an ISO 3166-2 subdivision code (like DE-BY or CA-QC)")
    return subdivision.country_code


def check_place(country: str | None, subdivision: str | None) -> None:
    """A subdivision needs its country, and must belong to it."""
    if subdivision is None:
        return
    owner = subdivision_country(subdivision)
    if country is None:
        raise ValueError(f"subdivision {subdivision} needs its country ({owner})")
    if owner != country:
        raise ValueError(f"subdivision {subdivision} belongs to {owner}, not to {country}")
