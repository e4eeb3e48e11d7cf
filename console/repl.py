"""`python main.py console`: the real bot, its real handlers, and a small Slack workspace in the terminal.

Everything typed here becomes the payload Slack would send (slash commands, block_actions,
view_submission, events), signed and posted to the bot's own HTTP endpoint; the bot's Web API calls go
to an in-process fake Slack. The scheduler reads a clock that `wait` moves.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.clock import RunningClock
from bot.config import Settings
from bot.i18n import _, speaking
from console.render import NAMES, Button, blocks_text, mrkdwn
from fakeslack.sender import SlackSender
from fakeslack.server import FakeSlack

log = logging.getLogger(__name__)
SAMPLE = Path(__file__).with_name("sample_registry.csv")
PEOPLE = {"me": ("U0YOU00001", "you"), "manager": ("U0MANAGER1", "manager"), "team": ("U0TEAM0001", "innovation-team")}
CHANNELS = {"ideas": "C0IDEAS001", "challenges": "C0CHALL001", "digest": "C0DIGEST01"}
# what the app's manifest declares, as Slack's client knows
COMMANDS = ("/idea", "/challenge", "/challenge-rule", "/ideas")
MAX_WAIT = timedelta(days=90)  # the scheduler runs every half hour of a wait: 90 days take about 10 s here
WAIT_STEP = timedelta(minutes=30)
HELP = """Commands:
  /idea [title]   /challenge [title]   /challenge-rule [the rule to set aside for a test]
  /ideas [help|mine|search words|language xx|reviewers]
  click N         press button N
  as me|manager|team   switch person (you, a reviewer, the innovation team)
  home            your App Home
  channel NAME    recent messages in #ideas, #challenges or #digest
  thread N        open message N's thread (from the last channel listing) and reply
  wait 3d         move the clock (30m, 4h, 3d; at most 90d) and run what the scheduler would have done
  help, quit      (Ctrl-C stops a wait or cancels a form; Ctrl-D at the prompt quits)

The clock runs as in real life between commands; `wait` moves it on. In commands, @you, @manager and
@innovation-team are mentions, as Slack's client sends them."""


class FormCancelled(Exception):
    """The person left a form (Ctrl-C or Ctrl-D), as closing a modal in Slack: nothing is submitted."""


class Console:
    """One local session: a fake workspace, the bot, and whoever is typing."""

    def __init__(
        self,
        database_url: str,
        schedule: dict[str, Any],
        start: datetime | None = None,
        out: Callable[[str], None] = print,
        ask: Callable[[str], str] = input,
    ) -> None:
        from runtime.app import BotRuntime

        self.out, self.ask = out, ask
        self.slack = FakeSlack().start()
        self.clock = RunningClock(start)
        secret = secrets.token_hex(16)
        settings = Settings(
            bot_token=self.slack.token,
            signing_secret=secret,
            slack_api_url=self.slack.api_url,
            database_url=database_url,
            ideas_channel=CHANNELS["ideas"],
            challenges_channel=CHANNELS["challenges"],
            reviewers=(PEOPLE["manager"][0],),
            innovation_team=(PEOPLE["team"][0],),
            digest_channels=(CHANNELS["digest"],),
            **schedule,
        )
        self.runtime = BotRuntime(settings, clock=self.clock, poll_seconds=0.1)
        self.runtime.start()
        # The console moves the clock by hours at a time; background threads would see leases expire
        # mid-send. Here the console's own thread delivers and runs the scheduler, one thing at a time.
        self.runtime.worker.stop()
        self.runtime.scheduler.stop()
        self.server = self.runtime.serve_http(host="127.0.0.1", port=0, threads=4)
        self.server.start_in_thread()
        url = f"http://127.0.0.1:{self.server.port}/slack/events"
        self.send = SlackSender(url, secret, self.slack.response_url())
        self.user = PEOPLE["me"][0]
        self.buttons: list[Button] = []
        self.listing: list[dict[str, Any]] = []
        self._seen_posts = 0
        self._seen_dms: dict[str, int] = {}
        self._seen_responses = 0
        self._seen_views = 0
        for user, name in PEOPLE.values():
            NAMES[user] = name
        for name, channel in CHANNELS.items():
            NAMES[channel] = name

    def load_sample(self) -> str:
        from bot.registry import import_projects

        with self.runtime.db.session() as session:
            report = import_projects(session, SAMPLE, now=self.clock.now(), source="sample registry")
        self.runtime.matches.load()
        return report.summary()

    def close(self) -> None:
        self.server.close()
        self.runtime.stop()
        self.slack.stop()

    # --- the loop -------------------------------------------------------------------------------

    def run(self) -> None:
        self.out("You are @you. Type `help` for commands. (#ideas is reviewed by @manager.)")
        earlier = self.restore_posts()
        if earlier:
            self.out(earlier)
        while True:
            try:
                line = self.ask(f"{NAMES[self.user]}> ").strip()
            except EOFError:
                break
            except KeyboardInterrupt:  # as in a shell: Ctrl-C drops the line, Ctrl-D or `quit` leaves
                self.out("")
                continue
            if line in ("quit", "exit"):
                break
            try:
                self.handle(line)
            except FormCancelled:
                self.out("(form cancelled: nothing was submitted)")
            except KeyboardInterrupt:
                self.out("(stopped)")
            except Exception as error:  # a console must survive whatever is typed
                log.debug("console command failed", exc_info=True)
                self.out(f"(could not do that: {error})")

    def handle(self, line: str) -> None:
        word, _sep, rest = line.partition(" ")
        if not line:
            return
        if line.startswith("/"):
            if word not in COMMANDS:  # Slack's client refuses a command no app declares, before any app sees it
                self.out(f"No such command: {word}. Type help.")
                return
            reply = self.send.command(word, self._mentions(rest), user=self.user, channel=CHANNELS["ideas"])
            if reply.body:
                self._show_ack(reply.body)
            self._after_action()
        elif word == "click" and rest.strip().isdigit():
            self._click(int(rest))
        elif word == "as" and rest in PEOPLE:
            self.user = PEOPLE[rest][0]
            self.out(f"You are now @{PEOPLE[rest][1]}.")
            self._show_new()  # their direct messages since they last looked
        elif word == "home":
            self._home()
        elif word == "channel" and rest in CHANNELS:
            self._channel(CHANNELS[rest])
        elif word == "thread" and rest.strip().isdigit():
            self._thread(int(rest))
        elif word == "wait":
            self._wait(rest.strip())
        elif word == "help":
            self.out(HELP)
        else:
            self.out("I don't know that. Type `help`.")

    def _mentions(self, text: str) -> str:
        """`@manager` as the mention Slack's client sends for it (`<@U0MANAGER1|manager>`)."""
        by_name = {name: user for user, name in PEOPLE.values()}
        return re.sub(
            r"(?<![<\w])@([\w.-]+)",
            lambda m: f"<@{by_name[m[1]]}|{m[1]}>" if m[1] in by_name else m[0],
            text,
        )

    def restore_posts(self) -> str:
        """Show again the channel posts of earlier runs (the local Slack keeps nothing between runs), from the
        database, at the same message ts so that their buttons work; their thread replies are not kept."""
        restored = self.runtime.delivery.current_posts()
        for channel, ts, message in restored:
            posted = {"type": "message", "ts": ts, "channel": channel, "bot_id": "B0INNOVATE", **message.as_kwargs()}
            self.slack.state.messages.setdefault(channel, []).append(posted)
        self._seen_posts = len(self.slack.posts())
        if not restored:
            return ""
        return f"({len(restored)} post(s) from earlier runs restored in #ideas and #challenges; their threads are not.)"

    # --- what happens after each thing the user does --------------------------------------------

    def _after_action(self) -> None:
        self._settle()
        opened = self.slack.calls("views.open")
        if len(opened) > self._seen_views:
            self._seen_views = len(opened)
            view_id = opened[-1].result["view"]["id"]
            self._settle()
            self._form(self.slack.state.views[view_id])
            self._settle()
        self._show_new()

    def _settle(self) -> None:
        """Wait until the bot is quiet: listeners finished and the outbox delivered."""
        quiet_since, count = time.monotonic(), -1
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            self.runtime.delivery.deliver_due()
            now_count = len(self.slack.calls(ok_only=False))
            if now_count != count:
                count, quiet_since = now_count, time.monotonic()
            elif time.monotonic() - quiet_since > 0.3:
                return
            time.sleep(0.05)

    def _show_ack(self, body: str) -> None:
        import json

        try:
            data = json.loads(body)
        except ValueError:
            self.out(mrkdwn(body))
            return
        self.buttons = []
        self.out(blocks_text(data.get("blocks", []), self.buttons, "", None) or mrkdwn(data.get("text", "")))

    def _show_new(self) -> None:
        self.buttons = []
        responses = self.slack.responses()
        for response in responses[self._seen_responses :]:
            self.out("(only you can see this)")
            self.out(blocks_text(response.get("blocks", []), self.buttons, "", None) or mrkdwn(response["text"]))
        self._seen_responses = len(responses)
        posts = self.slack.posts()
        for index, post in enumerate(posts):
            channel = post["channel"]
            is_dm = channel.startswith("U")
            if (is_dm and (channel != self.user or index < self._seen_dms.get(self.user, 0))) or (
                not is_dm and index < self._seen_posts
            ):
                continue
            where = "DM from Innovation Bot" if is_dm else f"#{NAMES.get(channel, channel)}"
            if post.get("thread_ts"):
                where += " (thread reply)"
            self.out(f"\n--- {where} ---")
            message = post if is_dm else self.slack.message(channel, post["ts"])
            self.out(blocks_text(message.get("blocks", []), self.buttons, channel, message) or mrkdwn(post["text"]))
        self._seen_posts = len(posts)
        self._seen_dms[self.user] = len(posts)

    # --- forms -----------------------------------------------------------------------------------

    def _form(self, view: dict[str, Any]) -> None:
        """A modal, field by field; raises `FormCancelled` when the person leaves it."""
        self.out(f"\n=== {view['title']['text']} ===")
        with speaking(self.runtime.languages.of_person(self.user)):  # the console's words in the form's language
            self._fill(view)

    def _fill(self, view: dict[str, Any]) -> None:
        values: dict[str, Any] = {}
        for block in view["blocks"]:
            if block["type"] != "input":
                continue
            values[block["block_id"]] = self._field(block)
        view = self.slack.state.views[view["id"]]  # matches may have arrived meanwhile
        joinable = []
        for block in view["blocks"]:
            accessory = block.get("accessory") or {}
            if accessory.get("action_id") == "join_similar":
                joinable.append(accessory["value"])
                self.out(f"  ({len(joinable)}) {mrkdwn(block['text']['text'])}")
        if joinable:
            choice = self._ask(
                _("Similar work exists. Join one instead? Its number, or Enter to submit yours: ")
            ).strip()
            if choice.isdigit() and 0 < int(choice) <= len(joinable):
                self.send.view_action(view, "join_similar", joinable[int(choice) - 1], values, user=self.user)
                self._settle()
                self.out(blocks_text(self.slack.last_view()["blocks"], [], "", None))
                return
        while True:
            reply = self.send.view_submission(view, values, user=self.user)
            body = reply.json() if reply.body else {}
            if body.get("response_action") == "errors":  # every field's problem first, as the modal shows them
                wrong = [
                    (b, body["errors"][b["block_id"]]) for b in view["blocks"] if b.get("block_id") in body["errors"]
                ]
                for block, error in wrong:
                    self.out(f"  ! {block['label']['text']}: {error}")
                if not wrong:  # an error on no field the person can change: say it and leave the form
                    self.out("\n".join(f"  ! {error}" for error in body["errors"].values()))
                    return
                for block, _error in wrong:
                    values[block["block_id"]] = self._field(block)
                continue
            if body.get("response_action") == "update":
                self.out(blocks_text(body["view"]["blocks"], [], "", None))
            return

    def _ask(self, prompt: str) -> str:
        """One answer in a form; leaving it (Ctrl-C, Ctrl-D) cancels the form, as closing a modal does."""
        try:
            return self.ask(prompt)
        except (EOFError, KeyboardInterrupt):
            self.out("")
            raise FormCancelled from None

    def _field(self, block: dict[str, Any]) -> Any:
        """One input, checked as Slack's client checks it before anything is sent: required, length."""
        element, label = block["element"], block["label"]["text"]
        hint = f" ({block['hint']['text']})" if block.get("hint") else ""
        optional = " " + _("(optional)") if block.get("optional") else ""
        kind = element["type"]
        if kind == "checkboxes":
            option = element["options"][0]["text"]["text"]
            return self._ask(f"{option}? [y/N] ").strip().lower().startswith("y")
        if kind == "static_select":
            for n, option in enumerate(element["options"], start=1):
                self.out(f"  {n}. {option['text']['text']}")
            options = element["options"]
            while True:
                choice = self._ask(f"{label}{optional}: " + _("number") + "> ").strip()
                if choice.isdigit() and 0 < int(choice) <= len(options):
                    return options[int(choice) - 1]["value"]
                if not choice and block.get("optional"):
                    return None
                self.out("  ! " + _("Choose one of the numbers above."))
        if kind == "datepicker":
            initial = element.get("initial_date") or ""
            shown = f" [{initial}]" if initial else ""
            return self._ask(f"{label}{optional} (YYYY-MM-DD){shown}> ").strip() or initial or None
        if kind == "multi_users_select":  # Slack's people picker: here, @names
            by_name = {name: user for user, name in PEOPLE.values()}
            names = " ".join(f"@{name}" for name in by_name)
            while True:
                typed = self._ask(f"{label}{optional}{hint} ({names})> ").replace(",", " ").split()
                picked = [by_name.get(word.lstrip("@")) for word in typed]
                if all(picked) and (picked or block.get("optional")):
                    return picked
                self.out("  ! " + _("Pick people by name: {names}", names=names))
        default = element.get("initial_value") or ""
        most = element.get("max_length")
        limit = ", " + _("up to {limit} characters", limit=most) if most else ""
        shown = f" [{default}]" if default else ""
        while True:
            answer = self._ask(f"{label}{optional}{hint}{limit}{shown}> ")
            answer = answer if answer.strip() else default
            if not answer.strip() and not block.get("optional"):
                self.out("  ! " + _("Please fill in this field."))
            elif most and len(answer) > most:
                self.out(
                    "  ! "
                    + _("Please use at most {limit} characters (this is {length}).", limit=most, length=len(answer))
                )
            else:
                return answer

    # --- the other commands -----------------------------------------------------------------------

    def _click(self, number: int) -> None:
        if not 0 < number <= len(self.buttons):
            self.out("There is no such button on screen.")
            return
        button = self.buttons[number - 1]
        message = button.message or {"type": "message", "ts": "0", "text": "", "blocks": []}
        self.send.block_action(button.action_id, button.value, user=self.user, channel=button.channel, message=message)
        self._after_action()

    def _home(self) -> None:
        published = len(self.slack.calls("views.publish"))
        self._event(
            {
                "type": "app_home_opened",
                "user": self.user,
                "channel": "D0HOME",
                "tab": "home",
                "event_ts": "1",
            }
        )
        self.slack.wait_for(lambda: len(self.slack.calls("views.publish")) > published)
        self.buttons = []
        self.out(blocks_text(self.slack.calls("views.publish")[-1].args["view"]["blocks"], self.buttons, "", None))

    def _channel(self, channel: str) -> None:
        messages = [m for m in self.slack.state.messages.get(channel, []) if not m.get("thread_ts")][-10:]
        self.listing, self.buttons = messages, []
        if not messages:
            self.out(f"(no messages in #{NAMES[channel]} yet)")
        for n, message in enumerate(messages, start=1):
            replies = [m for m in self.slack.state.messages.get(channel, []) if m.get("thread_ts") == message["ts"]]
            self.out(f"\n--- message {n} · {len(replies)} repl{'y' if len(replies) == 1 else 'ies'} ---")
            self.out(blocks_text(message.get("blocks", []), self.buttons, channel, message) or mrkdwn(message["text"]))

    def _thread(self, number: int) -> None:
        if not self.listing:
            self.out("Open a channel with messages first (`channel ideas`), then `thread N`.")
            return
        if not 0 < number <= len(self.listing):
            self.out(f"There is no message {number} in that listing: choose 1 to {len(self.listing)}.")
            return
        parent = self.listing[number - 1]
        channel = parent["channel"]
        for reply in [m for m in self.slack.state.messages.get(channel, []) if m.get("thread_ts") == parent["ts"]]:
            author = NAMES.get(reply.get("user", ""), "Innovation Bot")
            said = blocks_text(reply["blocks"], [], "", None) if reply.get("blocks") else mrkdwn(reply.get("text", ""))
            self.out(f"  {author}: {said}")
        try:
            text = self.ask("reply (Enter to skip)> ").strip()
        except (EOFError, KeyboardInterrupt):
            text = ""
        if not text:
            return
        ts = f"{time.time():.6f}"
        self.slack.state.messages.setdefault(channel, []).append(
            {
                "type": "message",
                "user": self.user,
                "text": text,
                "ts": ts,
                "thread_ts": parent["ts"],
                "channel": channel,
            }
        )
        self._event(
            {
                "type": "message",
                "channel": channel,
                "user": self.user,
                "text": text,
                "ts": ts,
                "thread_ts": parent["ts"],
                "channel_type": "channel",
            }
        )
        self._after_action()

    def _event(self, inner: dict[str, Any]) -> None:
        """Deliver an Events API event to the bot, as Slack does."""
        envelope = {
            "type": "event_callback",
            "team_id": "T0FAKE0001",
            "api_app_id": "A0INNOVATE",
            "event_id": f"Ev{secrets.token_hex(5).upper()}",
            "event_time": int(time.time()),
            "event": inner,
        }
        self.send.post_raw_json(envelope)

    def _wait(self, text: str) -> None:
        match = re.fullmatch(r"(\d+)([mhd])", text)
        if match is None:
            self.out("Say how long: wait 30m, wait 4h, wait 3d.")
            return
        amount, unit = int(match.group(1)), match.group(2)
        total = timedelta(**{{"m": "minutes", "h": "hours", "d": "days"}[unit]: min(amount, 10**6)})
        if total > MAX_WAIT:
            self.out(f"That is more than {MAX_WAIT.days} days: wait {MAX_WAIT.days}d at most, then again if you like.")
            return
        if total > timedelta(days=7):
            self.out("(waiting; Ctrl-C stops here)")
        moved = timedelta(0)
        try:
            while moved < total:  # every half hour, as the scheduler's tick would run
                delta = min(WAIT_STEP, total - moved)
                self.clock.advance(delta)
                moved += delta
                self.runtime.scheduler.run_once()
                self.runtime.delivery.deliver_due()
        except KeyboardInterrupt:
            self.out(f"(stopped after {_span(moved)})")
        self._settle()
        self.out(f"(it is now {self.clock.now():%a %d %b %H:%M} UTC)")
        self._show_new()


def _span(moved: timedelta) -> str:
    days, hours = moved.days, moved.seconds // 3600
    return f"{days}d {hours}h" if days else f"{hours}h {moved.seconds % 3600 // 60}m"
