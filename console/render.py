"""Slack messages and views as readable terminal text, with their buttons numbered."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

NAMES: dict[str, str] = {}  # user or channel ID -> the name shown in the console


@dataclass
class Button:
    """A button the console user can press with `click N`."""

    action_id: str
    value: str
    label: str
    channel: str
    message: dict[str, Any] | None  # None: the button is in a modal


def mrkdwn(text: str) -> str:
    """Slack mrkdwn as plain text: mentions by name, links as "label (url)", entities decoded."""
    text = re.sub(r"<@([A-Z0-9]+)(\|[^>]*)?>", lambda m: "@" + NAMES.get(m.group(1), m.group(1)), text)
    text = re.sub(r"<#([A-Z0-9]+)(\|[^>]*)?>", lambda m: "#" + NAMES.get(m.group(1), m.group(1)), text)
    text = re.sub(r"<!date\^(\d+)\^[^|]*\|([^>]*)>", lambda m: _local(int(m.group(1))), text)
    text = re.sub(r"<(https?://[^|>]+)\|([^>]+)>", r"\2 (\1)", text)
    text = re.sub(r"<(https?://[^>]+)>", r"\1", text)
    text = re.sub(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", r"\1", text)  # *bold*
    text = re.sub(r"(?<![\w_])_([^_\n]+)_(?![\w_])", r"\1", text)  # _italic_
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def blocks_text(blocks: list[dict[str, Any]], buttons: list[Button], channel: str, message: dict | None) -> str:
    """The text of Block Kit blocks; every button found is appended to `buttons` and shown as [N]."""
    lines: list[str] = []
    if isinstance(blocks, str):  # blocks sent form-encoded arrive as a JSON string
        blocks = json.loads(blocks)
    for block in blocks:
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        if kind == "header":
            lines.append(f"== {block['text']['text']} ==")
        elif kind == "section":
            if block.get("text"):
                lines.append(mrkdwn(block["text"]["text"]))
            accessory = block.get("accessory")
            if accessory and accessory.get("type") == "button":
                lines.append("   " + _button(accessory, buttons, channel, message))
        elif kind == "context":
            lines.append("   " + " ".join(mrkdwn(e.get("text", "")) for e in block.get("elements", [])))
        elif kind == "divider":
            lines.append("   ----")
        elif kind == "actions":
            lines.append("   " + "  ".join(_button(e, buttons, channel, message) for e in block["elements"]))
    return "\n".join(lines)


def _button(element: dict[str, Any], buttons: list[Button], channel: str, message: dict | None) -> str:
    label = element["text"]["text"]
    buttons.append(Button(element["action_id"], element.get("value", ""), label, channel, message))
    return f"[{len(buttons)}] {label}"


def _local(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%a %d %b %H:%M UTC")
