"""Installed with OAuth in several workspaces, on both databases: an install through Slack's redirect keeps
an encrypted token that then answers that workspace; two workspaces keep their own settings and channels;
an org-wide install serves every workspace of its organisation; an uninstall stops sending at once and
the workspace's data goes when its retention ends."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text
from sqlmodel import select

from bot.workspaces import WorkspaceSettings
from fakeslack.sender import SlackSender, browse, install_app
from fakeslack.server import FakeSlack
from storage import queries
from storage.models import Idea, OutboxMessage
from tests.conftest import IDEAS, RunningBot, start_bot
from tests.e2e.helpers import wait_until_confirmed

KEY = Fernet.generate_key().decode()
TEAM_A, TEAM_B, ORG = "T0TEAMA001", "T0TEAMB001", "E0GOVERN01"
TOKEN_A, TOKEN_B, TOKEN_ORG = "xoxb-a-111-secret", "xoxb-b-222-secret", "xoxb-org-333-secret"
OTHER_IDEAS = "C0BIDEAS01"


@pytest.fixture
def oauth_bot(fake_slack: FakeSlack, database_url: str) -> Iterator[RunningBot]:
    running = start_bot(
        fake_slack,
        database_url,
        bot_token="",
        client_id="1234567890.0987654321",
        client_secret="client-secret-value",
        scopes=("commands", "chat:write", "users:read"),
        token_encryption_key=KEY,
    )
    yield running
    running.stop()


def install(bot: RunningBot, code: str, token: str, team: str | None, **grant) -> tuple[int, str]:
    """Open "Add to Slack", let Slack grant `code`, and come back to the redirect as the browser would."""
    answer = install_app(bot.url, bot.slack, code, token, team, **grant)
    return answer.status, answer.body


def sender(bot: RunningBot, team: str, enterprise: str | None = None) -> SlackSender:
    return bot.send.from_workspace(team, enterprise, org_wide=enterprise is not None)


def submit(bot: RunningBot, send: SlackSender, title: str) -> None:
    opened = len(bot.slack.calls("views.open"))
    assert send.command("/idea", title).status == 200
    bot.slack.wait_for(lambda: len(bot.slack.calls("views.open")) > opened)
    fields = {"problem": "People queue for two hours", "proposal": "Let them book a slot online"}
    assert send.view_submission(bot.slack.last_view(), fields).status == 200


def test_an_install_keeps_an_encrypted_token_that_then_answers_its_workspace(oauth_bot: RunningBot):
    status, page = install(oauth_bot, "code-a", TOKEN_A, TEAM_A)
    assert status == 200, page

    with oauth_bot.runtime.db.session() as session:
        stored = session.execute(text("SELECT bot_token FROM slack_bots")).scalars().all()
    assert len(stored) == 1 and TOKEN_A not in stored[0] and stored[0].startswith("gAAAAA")

    submit(oauth_bot, sender(oauth_bot, TEAM_A), "Online booking")
    wait_until_confirmed(oauth_bot)
    [opened] = oauth_bot.slack.calls("views.open")
    [post] = [c for c in oauth_bot.slack.calls("chat.postMessage") if c.args["channel"] == IDEAS]
    assert opened.token == TOKEN_A and post.token == TOKEN_A


def test_a_workspace_that_never_installed_the_app_is_not_served(oauth_bot: RunningBot):
    install(oauth_bot, "code-a", TOKEN_A, TEAM_A)
    reply = sender(oauth_bot, "T0STRANGER").command("/idea", "Anything")
    assert reply.status == 200  # the person is told, through the command's response_url
    told = oauth_bot.slack.wait_for(oauth_bot.slack.responses)
    assert "reinstall this app" in json.dumps(told)
    assert not oauth_bot.slack.calls("views.open")


def test_a_redirect_with_a_forged_state_installs_nothing(oauth_bot: RunningBot):
    oauth_bot.slack.grant("code-x", TOKEN_A, TEAM_A)
    answer = browse(f"{oauth_bot.url}/slack/oauth_redirect?code=code-x&state=forged", "slack-app-oauth-state=forged")
    assert answer.status in (400, 401)
    with oauth_bot.runtime.db.session() as session:
        assert session.execute(text("SELECT count(*) FROM slack_bots")).scalar() == 0


def test_two_workspaces_keep_their_own_settings_and_channels(oauth_bot: RunningBot):
    install(oauth_bot, "code-a", TOKEN_A, TEAM_A)
    install(oauth_bot, "code-b", TOKEN_B, TEAM_B)
    runtime = oauth_bot.runtime
    with runtime.db.session() as session:
        chosen = WorkspaceSettings(ideas_channel=OTHER_IDEAS, challenges_channel=OTHER_IDEAS)
        runtime.workspaces.change(session, TEAM_B, "U0ADMINB01", chosen, runtime.clock.now())

    submit(oauth_bot, sender(oauth_bot, TEAM_A), "Booking in A")
    submit(oauth_bot, sender(oauth_bot, TEAM_B), "Booking in B")
    wait_until_confirmed(oauth_bot)

    posts = {c.args["channel"]: c for c in oauth_bot.slack.calls("chat.postMessage") if c.args["channel"][0] == "C"}
    assert "Booking in A" in json.dumps(posts[IDEAS].args) and posts[IDEAS].token == TOKEN_A
    assert "Booking in B" in json.dumps(posts[OTHER_IDEAS].args) and posts[OTHER_IDEAS].token == TOKEN_B
    with runtime.db.session() as session:
        assert runtime.workspaces.settings_of(session, TEAM_A).ideas_channel == IDEAS  # the environment's
        [change] = runtime.workspaces.changes(session, TEAM_B)[:1]
    assert change.user_id == "U0ADMINB01" and change.name == "ideas_channel"


def test_an_org_wide_install_answers_every_workspace_of_the_organisation(oauth_bot: RunningBot):
    status, _ = install(oauth_bot, "code-org", TOKEN_ORG, None, enterprise_id=ORG, org_wide=True)
    assert status == 200
    for team, title in ((TEAM_A, "From the ministry"), (TEAM_B, "From the agency")):
        submit(oauth_bot, sender(oauth_bot, team, ORG), title)
    wait_until_confirmed(oauth_bot)
    with oauth_bot.runtime.db.session() as session:
        ideas = session.exec(select(Idea)).all()
    assert {idea.workspace_id for idea in ideas} == {TEAM_A, TEAM_B}
    posts = [c for c in oauth_bot.slack.calls("chat.postMessage") if c.args["channel"] == IDEAS]
    assert len(posts) == 2 and {c.token for c in posts} == {TOKEN_ORG}


def test_an_uninstall_deletes_the_token_stops_sending_and_erases_the_data_after_the_retention(
    oauth_bot: RunningBot,
):
    install(oauth_bot, "code-a", TOKEN_A, TEAM_A)
    install(oauth_bot, "code-b", TOKEN_B, TEAM_B)
    submit(oauth_bot, sender(oauth_bot, TEAM_B), "Stays in B")
    wait_until_confirmed(oauth_bot)
    oauth_bot.slack.fail("chat.postMessage", times=100, status=500)  # what A owes is still owed when it leaves
    submit(oauth_bot, sender(oauth_bot, TEAM_A), "Left behind in A")

    oauth_bot.slack.revoke(TOKEN_A)
    reply = sender(oauth_bot, TEAM_A).event({"type": "app_uninstalled"})
    assert reply.status == 200
    runtime = oauth_bot.runtime

    def stopped() -> bool:
        with runtime.db.session() as session:
            owed = session.exec(select(OutboxMessage).where(OutboxMessage.workspace_id == TEAM_A)).all()
        return bool(owed) and all(entry.status == "failed" for entry in owed)

    oauth_bot.slack.wait_for(stopped)
    with runtime.db.session() as session:
        tokens = session.execute(text("SELECT team_id FROM slack_bots")).scalars().all()
        assert tokens == [TEAM_B]
        row = queries.get_workspace(session, TEAM_A)
        assert row is not None and row.erase_after == row.uninstalled_at + timedelta(days=30)
    assert all(call.token != TOKEN_A for call in oauth_bot.slack.calls("chat.postMessage"))

    with runtime.db.session() as session:  # a day before the retention ends: kept
        assert runtime.workspaces.erase_due(session, row.erase_after - timedelta(days=1)) == []
    with runtime.db.session() as session:
        assert runtime.workspaces.erase_due(session, row.erase_after) == [TEAM_A]
    with runtime.db.session() as session:
        left = {idea.workspace_id for idea in session.exec(select(Idea)).all()}
        assert left == {TEAM_B}
        assert queries.get_workspace(session, TEAM_A) is None
        assert not session.exec(select(OutboxMessage).where(OutboxMessage.workspace_id == TEAM_A)).all()


def _similar_in_form(bot: RunningBot, send: SlackSender, title: str, user: str) -> tuple[dict, list[dict]]:
    """Open the idea form with `title` as `user`; the form and the join buttons of its similar work."""
    updated = len(bot.slack.calls("views.update"))
    assert send.command("/idea", title, user=user).status == 200
    bot.slack.wait_for(lambda: len(bot.slack.calls("views.update")) > updated)  # the form, with similar work
    view = bot.slack.last_view()
    joins = [b for b in view["blocks"] if b.get("accessory", {}).get("action_id") == "join_similar"]
    return view, joins


def test_workspaces_that_share_find_each_others_ideas_without_authors_and_a_join_reaches_the_author(
    oauth_bot: RunningBot,
):
    install(oauth_bot, "code-a", TOKEN_A, TEAM_A, team_name="Ministry of Health")
    install(oauth_bot, "code-b", TOKEN_B, TEAM_B, team_name="Tax Agency")
    author_b, joiner_a = "U0TAXAUTH1", "U0HEALTH01"
    oauth_bot.slack.names[joiner_a] = "Ana Health"
    send_a, send_b = sender(oauth_bot, TEAM_A), sender(oauth_bot, TEAM_B)
    assert send_a.command("/ideas", "help", user=joiner_a).status == 200  # Slack has seen A's person in A

    opened = len(oauth_bot.slack.calls("views.open"))
    assert send_b.command("/idea", "Online booking of appointments at the tax office", user=author_b).status == 200
    oauth_bot.slack.wait_for(lambda: len(oauth_bot.slack.calls("views.open")) > opened)
    fields = {"problem": "People queue for two hours at the counter", "proposal": "Let them book a slot online"}
    assert send_b.view_submission(oauth_bot.slack.last_view(), fields, user=author_b).status == 200
    wait_until_confirmed(oauth_bot)

    runtime = oauth_bot.runtime
    title = "Online booking of appointments at the health office"
    _view, joins = _similar_in_form(oauth_bot, send_a, title, joiner_a)
    assert joins == []  # nobody shares yet: B's idea stays in B

    for team, admin in ((TEAM_A, "U0ADMINA01"), (TEAM_B, "U0ADMINB01")):
        with runtime.db.session() as session:
            chosen = runtime.workspaces.settings_of(session, team)
            chosen = WorkspaceSettings(**{**chosen.__dict__, "share_with_others": True})
            runtime.workspaces.change(session, team, admin, chosen, runtime.clock.now())
    view, joins = _similar_in_form(oauth_bot, send_a, title, joiner_a)
    [found] = [b for b in joins if "tax office" in b["text"]["text"]]
    assert "in the workspace Tax Agency" in found["text"]["text"]
    assert author_b not in json.dumps(view)  # never the other workspace's author

    sent = len(oauth_bot.slack.calls("chat.postMessage"))
    join = found["accessory"]["value"]
    send_a.view_action({**view, "id": view["id"]}, "join_similar", join, user=joiner_a)

    def notice():
        calls = oauth_bot.slack.calls("chat.postMessage")[sent:]
        return [c for c in calls if "wants to join" in json.dumps(c.args)]

    [told] = oauth_bot.slack.wait_for(notice)
    said = json.dumps(told.args)
    assert told.token == TOKEN_B  # through the author's own workspace's install
    assert "Ana Health from the workspace Ministry of Health" in said and joiner_a not in said


def test_a_rotating_token_about_to_expire_is_refreshed_and_the_old_one_is_never_used_again(oauth_bot: RunningBot):
    oauth_bot.slack.install_token_lifetime = 600  # 10 minutes: within the 2 hours before expiry when bolt refreshes
    status, page = install(oauth_bot, "code-r", TOKEN_A, TEAM_A, rotating=True)
    assert status == 200, page

    submit(oauth_bot, sender(oauth_bot, TEAM_A), "Online booking")
    wait_until_confirmed(oauth_bot)
    refreshes = [c for c in oauth_bot.slack.calls("oauth.v2.access") if c.args.get("grant_type") == "refresh_token"]
    assert refreshes, "the token was never refreshed"
    fresh = {call.result["access_token"] for call in refreshes}
    slack_calls = [c for c in oauth_bot.slack.calls() if c.method not in ("oauth.v2.access", "api.test")]
    assert [c for c in slack_calls if c.token == TOKEN_A and c.result.get("ok") is False] == []  # no refused call
    assert {c.token for c in slack_calls if c.method == "chat.postMessage"} <= fresh
    with oauth_bot.runtime.db.session() as session:
        stored = session.execute(text("SELECT bot_token, bot_refresh_token FROM slack_bots")).all()
    assert all(TOKEN_A not in token and "refresh" not in (refresh or "") for token, refresh in stored)  # encrypted
