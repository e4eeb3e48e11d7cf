"""Making user text safe for Slack: cleaning input, escaping mrkdwn, splitting long text."""

from __future__ import annotations

import re
import unicodedata

# Control characters other than tab and newline; they render as garbage or break clients.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ENTITY_TAIL = re.compile(r"&[a-z]{0,3}$")
# A Slack user ID (U… for a user, W… for an Enterprise Grid user), the only form people are stored in.
USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")


def is_user_id(text: str) -> bool:
    return USER_ID.fullmatch(text) is not None


def clean(text: str | None) -> str:
    """Normalise what a person typed: NFC, unified newlines, no control characters, trimmed."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text).strip()


def escape_mrkdwn(text: str) -> str:
    """Escape the three characters Slack treats as control sequences in mrkdwn.

    After this, `<!channel>`, `<@U123>` and `<https://x|label>` show as typed and ping or link nobody.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escaped(text: str, limit: int) -> str:
    """User text made safe for mrkdwn and cut to `limit` characters *after* escaping.

    Escaping can make text five times longer (`&` is `&amp;`), so cutting first would not keep the
    result within Slack's limits; the cut ends with "…" and never splits an entity.
    """
    return cut_mrkdwn(escape_mrkdwn(text), limit)


def cut_mrkdwn(text: str, limit: int) -> str:
    """Already-escaped mrkdwn cut to `limit` characters (with "…"), at a word boundary when there is one
    nearby, never inside an `&amp;`-style entity."""
    if len(text) <= limit:
        return text
    window = text[: limit - 1]
    space = window.rfind(" ")
    if space > limit * 3 // 4:
        window = window[:space]
    tail = _ENTITY_TAIL.search(window)
    if tail:
        window = window[: tail.start()]
    return window.rstrip() + "…"


def split_for_blocks(text: str, limit: int) -> list[str]:
    """Split already-escaped mrkdwn into pieces of at most `limit` characters.

    Prefers paragraph, line and word boundaries and never cuts an `&amp;`-style entity in half,
    so long text is spread over several blocks instead of being cut off.
    """
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = _best_cut(rest, limit)
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest or not pieces:
        pieces.append(rest)
    return pieces


def _best_cut(text: str, limit: int) -> int:
    window = text[:limit]
    for separator in ("\n\n", "\n", " "):
        position = window.rfind(separator)
        if position > limit // 2:
            return position + len(separator)
    tail = _ENTITY_TAIL.search(window)
    return tail.start() if tail else limit


def shorten(text: str, limit: int) -> str:
    """Cut `text` to `limit` characters at a word boundary, ending with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip() + "…"


def fold_key(text: str) -> str:
    """A name reduced for comparison: case, accents and spacing ignored ("Mobilité  Urbaine" ~ "mobilite urbaine")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.split())
