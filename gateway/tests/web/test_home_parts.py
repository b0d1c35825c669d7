"""The home page's parts that need no browser: the calendar link's token, the charts' SVG, quarters."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import date

from gateway.web import calendar_links, charts
from gateway.web.dashboard import local_link, quarter_starts

SECRET = "a-secret-of-the-test-only-0123456789"


def test_a_calendar_token_names_its_person_and_cannot_be_forged():
    token = calendar_links.feed_token(SECRET, "camille.tremblay")
    assert calendar_links.feed_user(SECRET, token) == "camille.tremblay"
    assert calendar_links.feed_user("another-secret-0123456789abcdef", token) is None, "a rotated secret ends it"
    name, mac = token.split(".")
    other_name = calendar_links.feed_token(SECRET, "someone.else").split(".")[0]
    assert calendar_links.feed_user(SECRET, f"{other_name}.{mac}") is None
    for bad in ("", ".", "nonsense", f"{name}.", f"{name}.!!!!", "%%%.%%%"):
        assert calendar_links.feed_user(SECRET, bad) is None


def test_charts_are_plain_svg_named_by_their_caption_with_labels_escaped():
    made = asyncio.run(
        charts.render(
            [
                charts.bar_chart(
                    key="c1", caption="c", label="L", value="V", data=[("<script>alert(1)</script>", 2), ("B", 0)]
                ),
                charts.bar_chart(key="c2", caption="c", label="L", value="V", data=[("nothing", 0)]),
            ]
        )
    )
    svg = str(made[0].svg)
    assert svg.startswith('<svg role="img" aria-labelledby="c1-caption"')
    assert "<script" not in svg and "style=" not in svg and "&lt;script&gt;" in svg
    assert not re.search(r'<svg[^>]*\swidth="', svg), "sized by the page (360 px phones), not fixed"
    assert made[0].rows == [["<script>alert(1)</script>", 2], ["B", 0]]
    assert made[1].empty and str(made[1].svg) == "", "an empty chart is not drawn"


def test_the_same_numbers_are_drawn_once_and_new_numbers_again(monkeypatch):
    drawn = []
    real = charts.vl_convert.vegalite_to_svg
    monkeypatch.setattr(charts.vl_convert, "vegalite_to_svg", lambda spec: drawn.append(spec) or real(spec))
    tag = str(uuid.uuid4())  # not drawn by any other test in this process

    def chart(n: int) -> charts.Chart:
        return charts.bar_chart(key="c", caption="c", label="L", value="V", data=[(tag, n)])

    first, again, more = (asyncio.run(charts.render([chart(n)]))[0].svg for n in (2, 2, 3))
    assert len(drawn) == 2
    assert first == again and first != more


def test_quarters_and_links():
    assert quarter_starts(date(2026, 2, 10), 3) == [date(2025, 7, 1), date(2025, 10, 1), date(2026, 1, 1)]
    assert quarter_starts(date(2026, 12, 31), 1) == [date(2026, 10, 1)]
    assert local_link("https://liaison.example/engagements/42") == "/engagements/42"
    assert local_link(None) is None and local_link("https:////evil.example") is None


def test_pages_need_a_login_and_a_bad_calendar_link_is_refused(web_client):
    with web_client as client:
        for path in ("/", "/follow-ups", "/inbox", "/inbox/subscriptions", "/inbox/preferences"):
            response = client.get(path, follow_redirects=False)
            assert response.status_code == 303 and response.headers["location"].startswith("/login?next=")
        refused = client.get("/calendar/bm9ib2R5.AAAA.ics")
        assert refused.status_code == 404 and refused.text == "Unknown calendar link.\n"
        posted = client.post("/follow-ups/00000000-0000-0000-0000-000000000001/complete", follow_redirects=False)
        assert posted.status_code == 303, "no session: to the login page, nothing changed"
