import pytest

from services.kit.preconditions import (
    ANY_VERSION,
    PreconditionFailed,
    PreconditionRequired,
    check_version,
    etag,
    expected_version,
)
from services.kit.problems import Problem


@pytest.mark.parametrize(
    ("header", "version"), [('W/"3"', 3), ('"3"', 3), (' W/"12" ', 12), ("*", ANY_VERSION), (None, None)]
)
def test_if_match_names_a_version(header, version):
    assert expected_version(header) == version


@pytest.mark.parametrize("header", ["yesterday", 'W/"three"', "3", 'W/"1", W/"2"', ""])
def test_a_malformed_if_match_is_a_400(header):
    with pytest.raises(Problem) as caught:
        expected_version(header)
    assert caught.value.status == 400


def test_the_etag_round_trips():
    assert expected_version(etag(7)) == 7


def test_a_missing_if_match_is_428_and_a_stale_one_412():
    with pytest.raises(PreconditionRequired):
        check_version(2, None, what="partner")
    with pytest.raises(PreconditionFailed) as stale:
        check_version(2, 1, what="partner")
    assert stale.value.status == 412 and stale.value.extensions == {"current_version": 2}
    check_version(2, 2, what="partner")
    check_version(2, ANY_VERSION, what="partner")
