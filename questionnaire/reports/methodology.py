"""The published method (docs/methodology.md) as HTML, for the web page and report annex.

The English document is the reference; `docs/methodology.<language>.md` holds its
translation (French, Spanish, Arabic), shown to readers of that language.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from markupsafe import Markup, escape

from ..config import resource
from ..i18n import current_language

METHODOLOGY = resource("docs/methodology.md")


def methodology_file(language: str) -> Path:
    """The method document in a language, or the English one where it has no translation."""
    translated = METHODOLOGY.with_name(f"methodology.{language}.md")
    return translated if language != "en" and translated.is_file() else METHODOLOGY


def _slug(text: str) -> str:
    """Return a heading's anchor as GitHub spells it ("Worked example" -> "worked-example")."""
    text = re.sub(r"[^\w\- ]", "", text.lower(), flags=re.UNICODE)
    return re.sub(r" ", "-", text.strip())


def _table_open(self: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    """Put each table in a box that scrolls on its own on a narrow screen, named by its heading."""
    heading = tokens[idx].meta.get("heading", "")
    label = f' aria-labelledby="{escape(heading)}"' if heading else ""
    return f'<div class="table-wrap" role="region" tabindex="0"{label}>' + self.renderToken(tokens, idx, options, env)


def _table_close(self: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    return self.renderToken(tokens, idx, options, env) + "</div>\n"


def methodology_html(shift: int = 0, id_prefix: str = "") -> Markup:
    """The method document in the reader's language, as HTML (see `methodology_in`)."""
    return methodology_in(current_language(), shift, id_prefix)


@lru_cache(maxsize=16)
def methodology_in(language: str, shift: int = 0, id_prefix: str = "") -> Markup:
    """Render docs/methodology.md to HTML (raw HTML in the file is not passed through).

    Headings get anchors (`id_prefix` + slug) so the document's own "#…" links
    work; `shift` demotes headings (2 turns the title into an h3) so the text can
    sit inside a larger document such as a report annex.
    """
    try:
        text = methodology_file(language).read_text(encoding="utf-8")
    except OSError:
        text = "The method document is missing from this installation."
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    md.add_render_rule("table_open", _table_open)
    md.add_render_rule("table_close", _table_close)
    tokens = md.parse(text)
    heading = ""
    for index, token in enumerate(tokens):
        if token.type in ("heading_open", "heading_close"):
            level = min(6, int(token.tag[1]) + shift)
            token.tag = f"h{level}"
            if token.type == "heading_open" and index + 1 < len(tokens):
                heading = id_prefix + _slug(tokens[index + 1].content)
                token.attrSet("id", heading)
        if token.type == "table_open":
            token.meta["heading"] = heading
        if token.type in ("th_open", "td_open"):
            # The CSP forbids style attributes: column alignment becomes a class.
            style = token.attrGet("style")
            if isinstance(style, str) and style.startswith("text-align:"):
                token.attrs.pop("style", None)
                token.attrSet("class", "align-" + style.split(":", 1)[1].strip())
        if token.type == "inline" and token.children:
            for child in token.children:
                href = child.attrGet("href") if child.type == "link_open" else None
                if isinstance(href, str) and href.startswith("#"):
                    child.attrSet("href", "#" + id_prefix + href[1:])
    # markdown-it escapes everything (html disabled); ids and hrefs are escaped by its renderer.
    return Markup(md.renderer.render(tokens, md.options, {}))  # noqa: S704  # nosec B704 - markdown-it with HTML disabled escapes all text
