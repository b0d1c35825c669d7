import pytest

from services.kit.spreadsheets import inert


@pytest.mark.parametrize("lead", ["=", "+", "-", "@", "\t", "\r", "\n"])
def test_a_cell_a_spreadsheet_would_run_is_made_text(lead):
    assert inert(f"{lead}cmd") == f"'{lead}cmd"


def test_other_cells_are_left_alone():
    assert inert("Culture") == "Culture" and inert(3) == "3" and inert(None) == "" and inert(" =x") == " =x"
