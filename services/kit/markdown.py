"""Markdown notes to HTML that is safe to put in a page: rendered, then sanitised."""

from __future__ import annotations

from functools import cache

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p",
    "br",
    "em",
    "strong",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "del",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}


@cache
def _markdown() -> MarkdownIt:
    # Raw HTML in the Markdown is shown as text, not passed through; the sanitiser is the second wall.
    return MarkdownIt("commonmark", {"html": False}).enable("table").enable("strikethrough")


def render_notes(markdown: str | None) -> str | None:
    if markdown is None:
        return None
    html = _markdown().render(markdown)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
