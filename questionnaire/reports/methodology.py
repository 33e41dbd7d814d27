"""The published method (docs/methodology.md) as HTML, for the web page and report annex."""

from __future__ import annotations

from functools import lru_cache

from markdown_it import MarkdownIt
from markupsafe import Markup

from ..config import PROJECT_ROOT

METHODOLOGY = PROJECT_ROOT / "docs" / "methodology.md"


@lru_cache(maxsize=1)
def methodology_html() -> Markup:
    """Render docs/methodology.md to HTML (raw HTML in the file is not passed through)."""
    try:
        text = METHODOLOGY.read_text(encoding="utf-8")
    except OSError:
        text = "The method document is missing from this installation."
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    return Markup(md.render(text))  # noqa: S704 - markdown-it escapes everything, html disabled
