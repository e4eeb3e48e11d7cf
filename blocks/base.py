"""Block Kit's small parts: the message value, sections within Slack's limits, and the one way to link."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
    TextObject,
)

from bot.i18n import _, ngettext
from bot.i18n import format_date as localised_date
from bot.privacy import is_erased
from bot.text import cut_mrkdwn, escape_mrkdwn, escaped, split_for_blocks

log = logging.getLogger(__name__)

SECTION_MAX = 3000  # characters in a section's text (and in any text object but a header's)
FIELD_MAX = 2000  # characters in one of a section's fields
HEADER_MAX = 150  # characters in a header
TEXT_MAX = 3000  # characters of a message's fallback text we send (Slack cuts at 40,000; 4,000 is advised)
MESSAGE_BLOCKS_MAX = 50  # blocks in a message (a view holds 100)
VIEW_BLOCKS_MAX = 100
LIST_MAX = 15  # lines in a list before it is cut with "…and N more"
# an address that can sit inside <url|label>: http(s) only, and none of the characters that end the link
_SAFE_URL = re.compile(r"^https?://[^\s<>|]+$")
URL_MAX = 1000  # a longer address is shown unlinked rather than fill a section


@dataclass(frozen=True)
class Message:
    """A message: the notification/fallback text and the blocks, within Slack's limits once made."""

    text: str
    blocks: Sequence[Block] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", cut_mrkdwn(self.text, TEXT_MAX))
        object.__setattr__(self, "blocks", fitted(self.blocks, MESSAGE_BLOCKS_MAX))

    def plain(self) -> Message:
        """The same words without blocks: what is sent when Slack refuses the blocks all the same."""
        words = [self.text] + [_text_of(block) for block in self.blocks if not isinstance(block, ActionsBlock)]
        return Message(text=cut_mrkdwn("\n\n".join(word for word in words if word), TEXT_MAX))

    def as_kwargs(self) -> dict[str, Any]:
        """Arguments for chat.postMessage / respond(); `to_dict` validates every block."""
        kwargs: dict[str, Any] = {"text": self.text}
        if self.blocks:
            kwargs["blocks"] = [block.to_dict() for block in self.blocks]
        return kwargs


def fitted(blocks: Sequence[Block], most: int = MESSAGE_BLOCKS_MAX) -> list[Block]:
    """`blocks` within Slack's limits, whatever went into them.

    The builders keep within the limits themselves; this is the last check, after escaping and
    translation, so that a message Slack would refuse is never sent: an over-long text is cut with "…"
    (never inside an entity), and past `most` blocks the last one (the buttons) is kept.
    """
    blocks = list(blocks)
    if len(blocks) > most:
        log.warning("a message had %d blocks; cut to Slack's %d", len(blocks), most)
        blocks = blocks[: most - 1] + blocks[-1:]
    for block in blocks:
        if isinstance(block, SectionBlock):
            _fit_text(block.text, SECTION_MAX)
            for item in block.fields or []:
                _fit_text(item, FIELD_MAX)
        elif isinstance(block, ContextBlock):
            for element in block.elements:
                _fit_text(element, SECTION_MAX)
        elif isinstance(block, HeaderBlock):
            _fit_text(block.text, HEADER_MAX)
    return blocks


def _fit_text(item: object, limit: int) -> None:
    if isinstance(item, TextObject) and len(item.text) > limit:
        log.warning("a %s text of %d characters was cut to Slack's %d", item.type, len(item.text), limit)
        item.text = cut_mrkdwn(item.text, limit)


def _text_of(block: Block) -> str:
    if isinstance(block, HeaderBlock) and isinstance(block.text, TextObject):
        return f"*{escape_mrkdwn(block.text.text)}*"  # plain text there; mrkdwn here
    if isinstance(block, SectionBlock) and isinstance(block.text, TextObject):
        return block.text.text
    if isinstance(block, ContextBlock):
        return "   ".join(e.text for e in block.elements if isinstance(e, TextObject))
    return ""


def safe_url(url: str | None) -> str | None:
    """`url` if it may be put in a mrkdwn link (http or https, nothing that would end the link early)."""
    return url if url and len(url) <= URL_MAX and _SAFE_URL.match(url) else None


def mention(user_id: str) -> str:
    """A person as Slack text names them: a mention, or "a former colleague" for someone whose data was
    erased (their ID is a tombstone, which Slack could not show)."""
    return _("a former colleague") if is_erased(user_id) else f"<@{user_id}>"


def link(label: str, url: str | None, *, bold: bool = True, limit: int = 150) -> str:
    """The one way every message links: `label` (user text) escaped and cut, linked to `url` when it is a
    safe address, plain text otherwise. A `|` in the label is shown as `¦` so that it cannot end the label."""
    safe = escaped(label, limit)
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


def quote(text: str, limit: int = 1500) -> str:
    """User text as an escaped mrkdwn quote, at most `limit` characters after escaping."""
    return ">" + escaped(text, limit).replace("\n", "\n>")


def days(count: int) -> str:
    return ngettext("{count} day", "{count} days", count)


def waiting_for(count: int) -> str:
    return ngettext("waiting {count} day", "waiting {count} days", count)
