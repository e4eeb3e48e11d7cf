"""The catalogs: complete, with the same placeholders as English, up to date with the code, and every
translated string within the Slack limit of the place it is shown."""

from __future__ import annotations

import ast
import re
import string
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from blocks import base, digest, dms, home, modals, posts, replies
from bot import i18n
from bot.digest import Digest
from bot.home import Figures, Home
from bot.i18n import LOCALES_DIR, _, ngettext, speaking
from bot.labels import STATUS_LABELS
from bot.matching.service import Found
from bot.submissions import ChallengeDraft, IdeaDraft
from storage.models import Challenge, Decision, Idea

ROOT = Path(__file__).resolve().parents[2]
TRANSLATED = [language for language in i18n.LANGUAGES if language != "en"]
NOW = datetime(2026, 11, 30, 9, tzinfo=UTC)


def template() -> list:
    with (LOCALES_DIR / "messages.pot").open("rb") as file:
        return [message for message in read_po(file) if message.id]


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated_with_the_same_placeholders(language):
    with (LOCALES_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as file:
        catalog = read_po(file, locale=language)
    for source in template():
        found = catalog.get(source.id)
        assert found is not None and not found.fuzzy, f"{language}: missing {source.id!r}"
        if isinstance(source.id, tuple):
            forms = found.string
            assert len(forms) == catalog.num_plurals and all(forms), f"{language}: plural forms of {source.id[0]!r}"
            for form in forms:
                assert fields(form) == fields(source.id[1]), f"{language}: {form!r} vs {source.id[1]!r}"
        else:
            assert found.string, f"{language}: empty translation of {source.id!r}"
            assert fields(found.string) == fields(source.id), f"{language}: {found.string!r} vs {source.id!r}"


def test_the_template_holds_every_string_the_code_marks():
    marked = set()
    for folder in ("bot", "blocks", "handlers", "console"):
        for _filename, _lineno, message, _comments, _context in extract_from_dir(
            ROOT / folder, keywords={"_": None, "N_": None, "ngettext": (1, 2)}
        ):
            marked.add(message)
    in_template = {source.id for source in template()}
    assert marked == in_template, (
        "run `make messages` (pybabel extract) and translate the new strings: "
        f"missing {sorted(map(str, marked - in_template))[:5]}, stale {sorted(map(str, in_template - marked))[:5]}"
    )


def test_slovenian_has_four_plural_forms_and_each_is_right():
    with speaking("sl"):
        assert [ngettext("{count} idea", "{count} ideas", n) for n in (1, 2, 3, 4, 5, 101, 102, 103, 105)] == [
            "1 ideja",
            "2 ideji",
            "3 ideje",
            "4 ideje",
            "5 idej",
            "101 ideja",
            "102 ideji",
            "103 ideje",
            "105 idej",
        ]
        assert base.days(2) == "2 dneva" and base.days(5) == "5 dni"


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_one_and_two_are_right_in_every_language(language):
    with speaking(language):
        one, two = (ngettext("{count} day", "{count} days", n) for n in (1, 2))
    assert one != two and one.startswith("1") and two.startswith("2")


def test_unknown_languages_and_slack_locales_are_read_sensibly():
    assert [i18n.normalise(code) for code in ("pt-PT", "pt_BR", "FR", "nl-NL", "sl", "ja-JP", "", None)] == [
        "pt",
        "pt",
        "fr",
        "nl",
        "sl",
        None,
        None,
        None,
    ]
    with speaking("xx"):
        assert _("Share an idea") == "Share an idea"


def long_idea(status: str = "submitted") -> Idea:
    return Idea(
        id=12,
        workspace_id="T1",
        author_id="U0ALICE001",
        title="T" * 150,
        problem="p" * 2000,
        proposal="q" * 2000,
        department="d" * 100,
        status=status,
        channel_id="C0IDEAS001",
        message_ts="1.2",
        permalink="https://example.slack.com/archives/C1/p1",
        reviewers="U0REVIEW01,U0REVIEW02",
        decided_by="U0REVIEW01",
        outcome="implemented",
        lessons_learned="l" * 2000,
        awaiting_since=NOW,
        created_at=NOW,
        updated_at=NOW,
    )


def full_digest(idea: Idea, challenge: Challenge) -> Digest:
    decision = Decision(
        idea_id=12, actor_id="U1", action="decline", status_after="declined", comment="c" * 300, created_at=NOW
    )
    return Digest(
        start=NOW,
        end=NOW,
        new_ideas=[idea] * 8,
        new_challenges=[challenge] * 2,
        decisions=[(decision, idea)] * 7,
        waiting=[(idea, 5)] * 7,
        completed=[idea] * 6,
        joins=3,
        most_supported=[(idea, 7)] * 6,
        contributors=[f"U{n:08d}" for n in range(25)],
        anonymous_contributors=2,
    )


def found(kind: str = "project") -> Found:
    return Found(
        kind=kind,
        id=3,
        external_id="x-3",
        title="A" * 300,
        score=88,
        verdict="duplicate",
        status="implemented",
        organisation="O" * 200,
        url="https://example.org/x",
        reason="both mention: parking, permit",
        lessons_learned="L" * 500,
        contact="c" * 200,
    )


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_every_view_and_message_fits_slacks_limits_in_every_language(language):
    """slack_sdk checks each limit (modal title 24, buttons 75, options 75, header 150, ...) as it builds."""
    idea = long_idea()
    challenge = Challenge(
        id=4,
        workspace_id="T1",
        author_id="U1",
        title="C" * 150,
        problem="p",
        desired_outcome="o",
        deadline=date(2026, 12, 24),
        created_at=NOW,
        updated_at=NOW,
    )
    similar = [found("project"), found("idea"), found("challenge")]
    with speaking(language):
        views = [
            modals.idea_modal(IdeaDraft("t", "p", "q"), challenge, similar),
            modals.idea_modal(None, None, []),
            modals.challenge_modal(ChallengeDraft("t", "p", "o"), None),
            modals.received_view("idea", "T" * 150, "C0IDEAS001"),
            modals.received_view("challenge", "T" * 150, "C0IDEAS001"),
            modals.joined_view(found()),
            modals.edit_modal(idea),
            *[modals.decision_modal(idea, action, similar) for action in modals.FORM_TITLES],
            home.home_view(
                Home(
                    mine=[idea] * 12,
                    waiting_for_me=[idea] * 12,
                    challenges=[challenge] * 12,
                    last_feedback={12: "f" * 300},
                    next_nudges={12: NOW},
                    figures=Figures(3, 4, 5, 2),
                ),
                NOW,
                ZoneInfo("America/Argentina/ComodRivadavia"),  # the longest time zone name there is
            ),
        ]
        for view in views:
            view.to_dict()  # raises SlackObjectFormationError when a translated string is too long
        built = [
            *[posts.idea_post(long_idea(status), challenge, similar, supporters=1234) for status in STATUS_LABELS],
            posts.challenge_post(challenge, similar, [idea] * 20),
            dms.confirmation("idea", "T" * 150, "https://x", 12),
            dms.confirmation("challenge", "T" * 150, "https://x"),
            dms.confirmation("idea", "T" * 150, None, 12, "C0IDEAS001"),
            dms.confirmation("challenge", "T" * 150, None, None, "C0IDEAS001"),
            replies.help_message(),
            replies.search_results("q" * 100, similar),
            dms.join_notice("U1", found("idea")),
            dms.nudge_dm(idea, 3, 12),
            dms.escalation_message(idea, 12, ["U1", "U2"]),
            *[
                posts.decision_reply(
                    Decision(
                        idea_id=12, actor_id="U1", action=a, status_after="approved", comment="why", created_at=NOW
                    ),
                    idea,
                )
                for a in posts.THREAD_REPLIES
            ],
            digest.digest_message(Digest(start=NOW, end=NOW)),
            digest.digest_message(full_digest(idea, challenge)),
        ]
        for message in built:
            message.as_kwargs()


# Strings in these modules that are not words for people: Slack's protocol, the product's name, markers.
NOT_FOR_PEOPLE = {
    "Innovation Bot",
    "both mention: ",
    "similar wording",
    "similar meaning",
    "similar meaning; both mention: ",
}
FOR_PEOPLE = [
    *[f"blocks/{path.name}" for path in (ROOT / "blocks").glob("*.py")],
    "bot/reviews.py",
    "bot/submissions.py",
    "bot/challenges.py",
    "bot/nudges.py",
    "bot/reviewers.py",
    *[f"handlers/{path.name}" for path in (ROOT / "handlers").glob("*.py")],
]


@pytest.mark.parametrize("path", FOR_PEOPLE)
def test_no_english_sentence_is_left_outside_the_catalogs(path):
    """Every literal that reads like words (two words or more) is marked for translation, a docstring,
    a log line, or known not to be for people."""
    source = (ROOT / path).read_text()
    tree = ast.parse(source)
    exempt: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):  # docstrings
            exempt.add(id(node.value))
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", "")
            if name in {"_", "N_", "ngettext", "debug", "info", "warning", "error", "exception"}:
                exempt.update(id(inner) for inner in ast.walk(node) if inner is not node)
    left = [
        f"{path}:{node.lineno}: {node.value!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in exempt
        and node.value not in NOT_FOR_PEOPLE
        and re.search(r"[A-Za-z]{3,} [A-Za-z]{2,}", node.value)
    ]
    assert not left, left


def test_every_status_and_outcome_the_rules_use_has_a_translated_name():
    from bot import challenges, reviews

    used = {move.status_after for move in reviews.MOVES.values() if move.status_after}
    used |= {"submitted", *reviews.OUTCOMES, *challenges.MOVES}
    assert used <= set(STATUS_LABELS), used - set(STATUS_LABELS)
