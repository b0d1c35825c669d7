import json

import pytest

from services.kit.thrusts import TAXONOMY_PATH, UnknownThrust, taxonomy

SHARED_TAXONOMY = TAXONOMY_PATH.parents[3] / "shared" / "taxonomy" / "policy-thrusts.json"


def test_parents_and_children_are_known():
    assert "trade" in taxonomy() and "trade.investment" in taxonomy()
    assert taxonomy().get("trade.investment").parent == "trade"
    assert taxonomy().get("trade").objective == "prosperity"


def test_a_parent_expands_to_itself_and_its_children_only():
    assert taxonomy().expand("climate") == {
        "climate",
        "climate.carbon-pricing",
        "climate.clean-tech",
        "climate.adaptation",
        "climate.water-biodiversity",
    }
    assert taxonomy().expand("north-arctic") == {"north-arctic"}
    assert taxonomy().expand("trade.policy") == {"trade.policy"}


def test_validate_names_every_unknown_code():
    with pytest.raises(UnknownThrust) as caught:
        taxonomy().validate(["trade", "trade.smuggling", "space"])
    assert caught.value.status == 422
    assert caught.value.extensions["unknown"] == ["trade.smuggling", "space"]


def test_validate_keeps_order_and_drops_repeats():
    assert taxonomy().validate(["culture", "trade", "culture"]) == ["culture", "trade"]


def test_every_label_is_bilingual():
    assert all(thrust.en and thrust.fr for thrust in taxonomy())


def test_the_repository_copy_is_the_policy_teams_taxonomy():
    # shared/ sits beside the repository on the team's machines and in CI; the services ship a copy.
    ours = json.loads(TAXONOMY_PATH.read_text(encoding="utf-8"))
    if SHARED_TAXONOMY.exists():
        assert ours == json.loads(SHARED_TAXONOMY.read_text(encoding="utf-8"))
    assert {t["code"] for t in ours["thrusts"]} >= {"trade", "climate", "culture", "french-language"}
