"""Similar work as people read it: a match's title, kind, status, verdict, score and why."""

from __future__ import annotations

import json
from collections.abc import Sequence

from slack_sdk.models.blocks import (
    Block,
    MarkdownTextObject,
    SectionBlock,
)

from blocks.base import context, link
from bot.i18n import N_, _
from bot.labels import status_label
from bot.matching.service import Found
from bot.text import escaped, is_user_id

KIND_LABELS = {"project": N_("Past project"), "idea": N_("Idea"), "challenge": N_("Challenge")}


VERDICTS = {"duplicate": N_("duplicate"), "related": N_("related")}


def similar_text(item: Found, *, scored: bool = True) -> str:
    """One match as mrkdwn: title (linked), kind, status, organisation, verdict and score, why."""
    facts = [_(KIND_LABELS[item.kind])]
    if item.status:
        facts.append(status_label(item.status))
    if item.organisation:
        facts.append(escaped(item.organisation, 80))
    if item.workspace:  # another workspace's work: where it is, never who wrote it
        facts.append(_("in the workspace {name}", name=escaped(item.workspace, 80)))
    verdict = f"*{_(VERDICTS[item.verdict])}* · " if item.verdict in VERDICTS else ""
    lines = [link(item.title, item.url), " · ".join(facts)]
    if scored:
        why = f" · {escaped(reason_text(item.reason), 300)}" if item.reason else ""  # kept before reasons were
        lines.append(f"{verdict}{item.score}/100{why}")
    if item.lessons_learned:
        lines.append(_("_Lessons:_ {text}", text=escaped(item.lessons_learned, 300)))
    if item.contact:  # a Slack user (a finished idea's author) is mentioned, never shown as a raw ID
        contact = f"<@{item.contact}>" if is_user_id(item.contact) else escaped(item.contact, 120)
        lines.append(_("_Contact:_ {text}", text=contact))
    if item.new:
        lines.append(_("_Found after the author submitted: they did not see this one._"))
    return "\n".join(lines)


def reason_text(reason: str) -> str:
    """The matcher's reason ("both mention: a, b", "similar wording" or "similar meaning") in the reader's language; the
    matched words themselves are people's words and stay as they are."""
    prefix, meant = "both mention: ", "similar meaning; both mention: "
    if reason.startswith(meant):
        return _("similar meaning; both mention: {words}", words=reason[len(meant) :])
    if reason.startswith(prefix):
        return _("both mention: {words}", words=reason[len(prefix) :])
    if reason == "similar wording":
        return _("similar wording")
    if reason == "similar meaning":
        return _("similar meaning")
    return reason


def similar_for_reviewers(similar: Sequence[Found], declared_different: bool) -> list[Block]:
    if not similar:
        return []
    heading = (
        _(":mag: *Similar work* (the author saw these and says theirs is different)")
        if declared_different
        else _(":mag: *Similar work*")
    )
    blocks: list[Block] = [context(heading)]
    blocks += [SectionBlock(text=MarkdownTextObject(text=similar_text(item))) for item in similar]
    return blocks


def declared_different(similar_shown: str | None) -> bool:
    try:
        shown = json.loads(similar_shown or "[]")
    except ValueError:
        return False
    return any(isinstance(entry, list) and len(entry) >= 3 and entry[2] for entry in shown)
