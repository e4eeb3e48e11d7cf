"""Property tests of everything that reads what a person or Slack sent: arbitrary Unicode, control
characters, 10,000-character fields, RTL text, emoji, mrkdwn, HTML and SQL-looking strings never crash
a parser, never ping anyone, and are never cut silently."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blocks.ids import VALUE
from blocks.posts import idea_post
from bot.refusals import InvalidSubmission
from bot.submissions import TEXT_MAX, Author, IdeaDraft, submit_idea
from bot.text import clean
from handlers import payloads
from runtime.web import parse_body, payload_problem
from storage.db import Database
from storage.models import TITLE_MAX, Idea

NASTY = [
    "<!channel>",
    "<!here|here>",
    "<@U0BOSS0001>",
    "<https://evil.example|click me>",
    "*bold* _it_ ~x~ `code` ```block```",
    "<script>alert(1)</script>",
    "'; DROP TABLE idea; --",
    "Robert'); DELETE FROM outbox_message; --",
    "\u202eRTL override\u202c",
    "مرحبا بالعالم",
    "עברית",
    "👩‍👩‍👧‍👦🇵🇹🏳️‍🌈",
    "\x00\x07\x1b[31m",
    "&amp; &lt; &gt;",
    "\r\n\t",
]
hostile_text = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from(NASTY), max_size=8).map(" ".join),
    st.builds(lambda s, n: s * n, st.sampled_from([*NASTY, "x"]), st.integers(min_value=500, max_value=2000)),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)


def modal(values: dict[str, object], metadata: str = "") -> dict:
    state = {block: {VALUE: {"type": "plain_text_input", "value": value}} for block, value in values.items()}
    return {
        "id": "V1",
        "type": "modal",
        "callback_id": "idea_modal",
        "private_metadata": metadata,
        "state": {"values": state},
    }


@given(json_values)
def test_form_readers_accept_any_json_shape(view):
    for reader in (payloads.idea_draft, payloads.decision_values, payloads.metadata, payloads.shown_matches):
        reader(view if isinstance(view, dict) else {"state": view})
    draft, errors = payloads.challenge_draft(view if isinstance(view, dict) else {})
    assert isinstance(errors, dict) and isinstance(draft.title, str)


@given(json_values, json_values)
def test_any_state_and_metadata_read_as_empty_or_typed_values(state, metadata):
    view = {"state": {"values": state}, "private_metadata": json.dumps(metadata)}
    draft = payloads.idea_draft(view)
    assert all(isinstance(v, str) for v in (draft.title, draft.problem, draft.proposal, draft.department))
    assert draft.challenge_id is None or (isinstance(draft.challenge_id, int) and metadata["challenge_id"])


@given(hostile_text, hostile_text)
def test_typed_text_reaches_the_draft_exactly(title, proposal):
    draft = payloads.idea_draft(modal({"title": title, "proposal": proposal}))
    assert (draft.title, draft.proposal) == (title, proposal)


@given(st.text(max_size=2000), st.sampled_from(["application/json", "application/x-www-form-urlencoded", ""]))
def test_any_body_is_parsed_or_refused_never_crashes(text, content_type):
    body = parse_body(text, content_type)
    problem = payload_problem(body)
    assert problem is None or isinstance(problem, str)


@given(json_values)
def test_any_interactive_payload_is_judged_without_crashing(payload):
    body = parse_body(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")
    problem = payload_problem(body)
    assert problem is None or isinstance(problem, str)
    if not isinstance(payload, dict):
        assert problem is not None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=hostile_text, problem=hostile_text, proposal=st.one_of(hostile_text, st.just("p" * 10_000)))
def test_hostile_ideas_are_stored_whole_or_refused_clearly_and_their_post_never_pings(
    db: Database, title, problem, proposal
):
    draft = IdeaDraft(title=title, problem=problem, proposal=proposal)
    try:
        with db.session() as session:
            idea = submit_idea(session, draft, Author("U0ALICE001", "T0FAKE0001"), datetime.now(UTC))
            session.flush()
            idea_id = idea.id
    except InvalidSubmission as refused:
        assert refused.errors and all(isinstance(m, str) and m for m in refused.errors.values())
        too_long = len(clean(title)) > TITLE_MAX or max(len(clean(problem)), len(clean(proposal))) > TEXT_MAX
        empty = not clean(title) or not clean(problem) or not clean(proposal)
        assert too_long or empty, refused.errors
        return
    with db.session() as session:
        stored = session.get(Idea, idea_id)
    assert (stored.title, stored.problem, stored.proposal) == tuple(clean(text) for text in (title, problem, proposal))
    post = idea_post(stored, None).as_kwargs()  # slack_sdk checks every block's limits as it is built
    formatted = " ".join([post["text"], *mrkdwn_texts(post["blocks"])])  # plain_text never pings
    for ping in ("<!channel>", "<!here", "<@U0BOSS0001>", "<https://evil"):
        assert ping not in formatted


def mrkdwn_texts(node: object) -> list[str]:
    """Every mrkdwn text object's text in a block structure: the only text Slack parses for mentions."""
    if isinstance(node, list):
        return [text for item in node for text in mrkdwn_texts(item)]
    if not isinstance(node, dict):
        return []
    own = [node["text"]] if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str) else []
    return own + [text for value in node.values() for text in mrkdwn_texts(value)]
