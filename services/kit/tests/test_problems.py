"""Problem titles follow their status (issue 10: a 413 said "Bad request")."""

from services.kit.http_problems import problem_response
from services.kit.problems import NotFound, Problem


def test_a_problem_raised_with_another_status_gets_that_status_title():
    assert Problem("The file is over 20 MB.", status=413).title == "Content too large"
    assert Problem("x", status=409).title == "Conflict"
    assert Problem("x").title == "Bad request"
    assert Problem("x", status=413, title="File too large").title == "File too large"
    assert NotFound("x").title == "Not found"


def test_a_problem_response_without_a_title_is_named_after_its_status():
    import json

    assert json.loads(problem_response(413).body)["title"] == "Content too large"
    assert json.loads(problem_response(404).body)["title"] == "Not Found"
