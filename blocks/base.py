"""Block Kit's small parts: the message value, sections within Slack's limits, and the one way to link."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.i18n import _, ngettext
from bot.i18n import format_date as localised_date
from bot.text import escape_mrkdwn, shorten, split_for_blocks

SECTION_MAX = 3000  # characters in a section's text
LIST_MAX = 15  # lines in a list before it is cut with "…and N more"
# an address that can sit inside <url|label>: http(s) only, and none of the characters that end the link
_SAFE_URL = re.compile(r"^https?://[^\s<>|]+$")


@dataclass(frozen=True)
class Message:
    """A message: the notification/fallback text and the blocks."""

    text: str
    blocks: Sequence[Block] = field(default_factory=tuple)

    def as_kwargs(self) -> dict[str, Any]:
        """Arguments for chat.postMessage / respond(); `to_dict` validates every block."""
        kwargs: dict[str, Any] = {"text": self.text}
        if self.blocks:
            kwargs["blocks"] = [block.to_dict() for block in self.blocks]
        return kwargs


def safe_url(url: str | None) -> str | None:
    """`url` if it may be put in a mrkdwn link (http or https, nothing that would end the link early)."""
    return url if url and _SAFE_URL.match(url) else None


def link(label: str, url: str | None, *, bold: bool = True, limit: int = 150) -> str:
    """The one way every message links: `label` (user text) escaped and cut, linked to `url` when it is a
    safe address, plain text otherwise. A `|` in the label is shown as `¦` so that it cannot end the label."""
    safe = escape_mrkdwn(shorten(label, limit))
    address = safe_url(url)
    text = f"<{address}|{safe.replace('|', '¦')}>" if address else safe
    return f"*{text}*" if bold else text


def posted_link(title: str, permalink: str | None) -> str:
    """A submission in a list: linked to its post, or said to be not posted yet."""
    if permalink is None:
        return link(title, None, limit=120) + " " + _("(not posted yet)")
    return link(title, permalink, bold=False, limit=120)


def context(mrkdwn: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=mrkdwn)])


def labelled(label: str, user_text: str) -> list[Block]:
    """A bold label over user text, spread over as many sections as Slack's 3,000-character limit needs."""
    return sections(f"*{label}*\n{escape_mrkdwn(user_text)}")


def sections(mrkdwn: str) -> list[Block]:
    return [SectionBlock(text=MarkdownTextObject(text=piece)) for piece in split_for_blocks(mrkdwn, SECTION_MAX)]


def and_more(count: int) -> str:
    """The line that ends a cut list."""
    return ngettext("…and {count} more", "…and {count} more", count)


def format_date(day: date) -> str:
    return localised_date(day)


def quote(text: str) -> str:
    """User text as an escaped mrkdwn quote."""
    return ">" + escape_mrkdwn(text).replace("\n", "\n>")


def days(count: int) -> str:
    return ngettext("{count} day", "{count} days", count)


def waiting_for(count: int) -> str:
    return ngettext("waiting {count} day", "waiting {count} days", count)
