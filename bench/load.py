"""Load: concurrent Slack users against the bot's real HTTP endpoint, on SQLite and PostgreSQL.

The bot runs as its own process (`python main.py`, as in production) against the fake Slack; this
process plays 50 people at once: `/idea`, "Check for similar work" in the form, Submit, `/ideas search`
and "Support" on someone else's idea. Every request is signed as Slack signs it. Afterwards every
submission must be in the database and posted exactly once.

    python -m bench.load [--users 50] [--ideas 200] [--slack-failing 0.2]
    python -m bench.load --think 0 --slack-limits [--channels 5] [--processes 2]

With `--slack-limits`, the fake Slack enforces Slack's rate limits (about one message per second per channel
after a short burst, the Web API tiers per minute; 429 with Retry-After), and the run reports how long each
author waited for their confirmation DM, each channel's posting rate and the 429s received. With
`--channels N`, the people belong to N workspaces, each with its own ideas channel and its own install
(OAuth: its own token, whose calls Slack counts apart).

With `--slack-failing SHARE`, that share of the bot's chat.postMessage, chat.update and
chat.getPermalink calls fail at random while the burst runs: stored and then the connection dropped (the
outcome unknown to the bot), a 500, or a 429 with Retry-After. Every message must still arrive exactly once.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from sqlalchemy import create_engine, text

from bench.data import REGISTRY, need
from blocks.ids import CHECK_SIMILAR, SUPPORT_BUTTON
from fakeslack.sender import SlackSender, install_app
from fakeslack.server import FakeSlack, Limits

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
SECRET = "0123456789abcdef0123456789abcdef"
IDEAS_CHANNEL = "C0IDEAS001"
TEAMS = [f"T0LOAD{n:04d}" for n in range(20)]  # with --channels N: N workspaces, each with its ideas channel
OUTBOX_METHODS = ("chat.postMessage", "chat.update", "chat.getPermalink")
DEADLINE = 3.0  # Slack gives up on an ack after three seconds
TOPICS = [
    ("Online booking for the registry office", "People queue for hours", "Let them book a slot online"),
    ("Chatbot for parking permits", "The phone line is always busy", "A virtual assistant answers the usual questions"),
    ("Shared car pool between departments", "Each department keeps its own cars", "One pool booked online"),
    ("Paperless invoices", "Suppliers send paper invoices that we type in", "Accept e-invoices only"),
    ("Open data on school meals", "Parents ask what is served", "Publish menus and allergens as open data"),
]


@dataclass
class Results:
    """Ack latencies by request kind, and anything that went wrong."""

    seconds: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    failures: Counter = field(default_factory=Counter)
    submitted: dict[str, tuple[str, float]] = field(default_factory=dict)  # title -> (author, when acked)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, status: int, seconds: float, ok: bool = True) -> None:
        with self.lock:
            self.seconds[kind].append(seconds)
            if status != 200 or not ok:
                self.failures[f"{kind} answered {status}"] += 1


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def seed_channels(database_url: str, channels: int) -> None:
    """With several channels: each workspace of `TEAMS` posts its ideas to its own channel (set as an
    administrator would in the App Home's Settings)."""
    from storage import queries
    from storage.db import Database

    database = Database.connect(database_url)
    with database.session() as session:
        for n, team in enumerate(TEAMS[:channels]):
            row = queries.workspace_row(session, team)
            row.settings = json.dumps({"ideas_channel": f"C0IDEAS{n + 1:03d}"})
    database.dispose()


# With several channels the bot is installed with OAuth in each workspace, as each administration would:
# every workspace has its own token, and Slack counts each token's calls apart (the fake does too)
OAUTH = {
    "SLACK_CLIENT_ID": "1234567890.0987654321",
    "SLACK_CLIENT_SECRET": "load-client-secret",
    "SLACK_SCOPES": "commands,chat:write,users:read",
    "TOKEN_ENCRYPTION_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",  # a Fernet key, for this run only
}


def install_workspaces(fake: FakeSlack, port: int, channels: int) -> None:
    """Install the app in each of the first `channels` workspaces through the bot's OAuth pages."""
    for n, team in enumerate(TEAMS[:channels]):
        answer = install_app(f"http://127.0.0.1:{port}", fake, f"code-{n}", f"xoxb-load-{n}-secret", team)
        if answer.status != 200:
            raise RuntimeError(f"installing in {team} answered {answer.status}: {answer.body[:200]}")


def start_bot(
    fake: FakeSlack, database_url: str, port: int, log_file: Path, channels: int = 0, oauth: bool = False
) -> subprocess.Popen:
    env = {
        **os.environ,
        **(OAUTH if oauth else {"SLACK_BOT_TOKEN": fake.token}),
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.api_url,
        "DATABASE_URL": database_url,
        "PORT": str(port),
        "IDEAS_CHANNEL": IDEAS_CHANNEL,
        "REVIEWERS": "U0REVIEW01",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("SLACK_APP_TOKEN", None)
    importing = [sys.executable, "main.py", "import-projects", str(need(REGISTRY))]
    subprocess.run(importing, cwd=ROOT, env=env, check=True, capture_output=True)
    if channels > 1:
        seed_channels(database_url, channels)
    command = [sys.executable, "main.py"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log_file.open("w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as answer:
                if answer.status == 200:
                    return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"the bot did not start; see {log_file}")


def person(
    number: int, ideas: int, fake: FakeSlack, url: str, results: Results, think: float, team: str = TEAMS[0]
) -> None:
    """One user: submits `ideas` ideas, checks for similar work, searches, and supports others' ideas.

    Between steps the person pauses for `think` seconds on average (0: fires the next request at once)."""
    user = f"U0LOAD{number:04d}"
    send = SlackSender(url, SECRET, fake.response_url(), team_id=team)
    send._trigger = number * 1000  # trigger ids unique across people
    rng = random.Random(number)

    def pause() -> None:
        if think:
            time.sleep(rng.expovariate(1 / think))

    for round_number in range(ideas):
        title, problem, proposal = rng.choice(TOPICS)
        title = f"{title} #{number}.{round_number}"
        reply = send.command("/idea", title, user=user)
        results.record("/idea", reply.status, reply.seconds)
        trigger = send.last_trigger
        view = fake.wait_for(lambda trigger=trigger: fake.view_opened_for(trigger), timeout=30, interval=0.05)
        values = {"problem": problem, "proposal": proposal}
        pause()
        reply = send.view_action(view, CHECK_SIMILAR, "check", values, user=user)
        results.record("button", reply.status, reply.seconds)
        pause()
        reply = send.view_submission(view, values, user=user)
        with results.lock:
            results.submitted[title] = (user, time.monotonic())
        answer = reply.json() or {}
        results.record("submit", reply.status, reply.seconds, ok=answer.get("response_action") == "update")
        pause()
        reply = send.command("/ideas", f"search {rng.choice(TOPICS)[0]}", user=user)
        results.record("/ideas search", reply.status, reply.seconds)
        posted = [p for p in fake.posts() if p.get("metadata") and p["channel"].startswith("C0IDEAS")]
        if posted:
            other = rng.choice(posted)
            idea_id = str(other["metadata"]["event_payload"]["id"])
            message = {"type": "message", "ts": other["ts"], "text": "", "blocks": []}
            pause()
            reply = send.block_action(SUPPORT_BUTTON, idea_id, user=user, message=message)
            results.record("button", reply.status, reply.seconds)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run_one(
    label: str,
    database_url: str,
    users: int,
    ideas: int,
    think: float = 0.0,
    processes: int = 1,
    slack_failing: float = 0.0,
    limits: bool = False,
    channels: int = 1,
) -> str:
    """One run; with `processes` > 1, that many bots share the database and people are spread over them
    (as a load balancer would)."""
    fake = FakeSlack().start()
    for method in OUTBOX_METHODS if slack_failing else ():
        fake.flaky(method, slack_failing)
    if limits:
        fake.limit(Limits())
    ports = [free_port() for _ in range(processes)]
    log_files = [Path(tempfile.mkdtemp()) / "bot.log" for _ in ports]
    bots = [
        start_bot(fake, database_url, port, log_file, channels if n == 0 else 0, oauth=channels > 1)
        for n, (port, log_file) in enumerate(zip(ports, log_files, strict=True))
    ]
    if channels > 1:
        install_workspaces(fake, ports[0], channels)
    profile = os.environ.get("LOAD_PROFILE")  # a file name: sample the (first) bot with py-spy into it
    spy = (
        subprocess.Popen(
            ["py-spy", "record", "--format", "raw", "--nonblocking", "-o", profile, "--pid", str(bots[0].pid)]
        )
        if profile
        else None
    )
    results = Results()
    driver_cpu = time.process_time()
    per_person = [ideas // users + (1 if n < ideas % users else 0) for n in range(users)]
    try:
        started = time.perf_counter()
        urls = [f"http://127.0.0.1:{port}/slack/events" for port in ports]
        threads = [
            threading.Thread(
                target=person,
                args=(n, per_person[n], fake, urls[n % len(urls)], results, think, TEAMS[n % channels]),
            )
            for n in range(users)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        burst_over = time.monotonic()
        wait_posted(fake, ideas, timeout=600)
        settled = wait_settled(database_url, timeout=600)
        emptied = time.monotonic() - burst_over
        bot_cpu = sum(cpu_seconds(bot.pid) for bot in bots)
    finally:
        if spy is not None:
            spy.send_signal(signal.SIGINT)
            spy.wait(30)
        for bot in bots:
            bot.terminate()
            bot.wait(30)
        fake.stop()
    stored, posted_twice, unposted = audit(database_url, fake)
    said_twice, failed_calls = said_more_than_once(fake), len(fake.calls(ok_only=False)) - len(fake.calls())
    log = "".join(log_file.read_text(errors="replace") for log_file in log_files)
    locked = log.count("database is locked")
    every = [s for kind in results.seconds.values() for s in kind]
    late = sum(s > DEADLINE for s in every)
    lines = [
        f"### {label}{f' ({processes} bot processes)' if processes > 1 else ''}"
        f"{f', {channels} ideas channels' if channels > 1 else ''}"
        f"{', Slack limits enforced' if limits else ''}, "
        f"{'a burst: no pause between requests' if not think else f'{think:g} s pause between steps'}: "
        f"{users} users, {ideas} ideas, {len(every)} requests in {elapsed:.1f} s"
        f" ({len(every) / elapsed:.0f} acks/s)",
        "",
        "| request | count | p50 ms | p95 ms | p99 ms | max ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for kind, seconds in [*sorted(results.seconds.items()), ("all", every)]:
        lines.append(
            f"| {kind} | {len(seconds)} | {statistics.median(seconds) * 1000:.0f} | "
            f"{percentile(seconds, 0.95) * 1000:.0f} | {percentile(seconds, 0.99) * 1000:.0f} | "
            f"{max(seconds) * 1000:.0f} |"
        )
    lines += [
        "",
        f"- over Slack's 3 s deadline: {late}; non-200 or refused answers: {sum(results.failures.values())}"
        + (f" ({dict(results.failures)})" if results.failures else ""),
        f"- CPU used over the run: bot process{'es' if processes > 1 else ''} {bot_cpu:.1f} s, "
        "this driver (and the fake Slack) "
        f"{time.process_time() - driver_cpu:.1f} s",
        f"- ideas stored: {stored} of {ideas}; posted twice: {posted_twice}; never posted: {unposted}",
        f"- every message (posts, confirmations, thread replies) sent more than once: {said_twice}; "
        f"outbox settled {settled}",
        *(
            [f"- Slack failing: {slack_failing:.0%} of {', '.join(OUTBOX_METHODS)}; failed calls: {failed_calls}"]
            if slack_failing
            else []
        ),
        f"- 'database is locked' in the bot's log: {locked}",
        *delivery_lines(fake, results, emptied),
        "",
    ]
    return "\n".join(lines)


def delivery_lines(fake: FakeSlack, results: Results, emptied: float) -> list[str]:
    """How long each author waited for their confirmation DM after their submit was acked, how fast each
    channel was posted to (against the one a second Slack allows), the 429s, and when the outbox was empty."""
    first_dm: dict[str, float] = {}
    for call in fake.calls("chat.postMessage"):
        for title, (author, _when) in results.submitted.items():
            if call.args.get("channel") == author and title in str(call.args.get("text")) and title not in first_dm:
                first_dm[title] = call.at
    delays = [first_dm[title] - when for title, (_author, when) in results.submitted.items() if title in first_dm]
    missing = len(results.submitted) - len(delays)
    lines = []
    if delays:
        lines.append(
            f"- confirmation DM after the submit's ack: p50 {statistics.median(delays):.2f} s, "
            f"p95 {percentile(delays, 0.95):.2f} s, max {max(delays):.2f} s"
            + (f"; never received: {missing}" if missing else "")
        )
    by_channel: dict[str, list[float]] = defaultdict(list)
    for post in fake.posts():
        if post["channel"].startswith("C0IDEAS") and "thread_ts" not in post and post.get("metadata"):
            by_channel[post["channel"]].append(float(post["ts"]))
    for channel, moments in sorted(by_channel.items()):
        moments.sort()
        span = moments[-1] - moments[0]
        rate = (len(moments) - 1) / span if span > 0 else float("inf")
        lines.append(f"- {channel}: {len(moments)} posts over {span:.1f} s, {rate:.2f} posts/s")
    refused = Counter(
        f"{method} to a DM" if channel.startswith("U") else f"{method} to a channel" if channel else method
        for method, channel in fake.ratelimited
    )
    lines.append(f"- 429s received: {sum(refused.values())}" + (f" ({dict(refused)})" if refused else ""))
    lines.append(f"- outbox empty {emptied:.1f} s after the last request")
    return lines


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_posted(fake: FakeSlack, ideas: int, timeout: float = 120) -> None:
    def posted() -> int:
        return len([p for p in fake.posts() if p["channel"].startswith("C0IDEAS") and p.get("metadata")])

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and posted() < ideas:
        time.sleep(0.2)


def wait_settled(database_url: str, timeout: float = 180) -> str:
    """Wait until the outbox owes nothing; says how long it took, or what is still owed."""
    from storage.db import normalise_url

    engine = create_engine(normalise_url(database_url))
    started = time.monotonic()
    try:
        while True:
            with engine.connect() as connection:
                owed = connection.execute(text("SELECT count(*) FROM outbox WHERE status = 'pending'")).scalar_one()
            if owed == 0:
                return f"{time.monotonic() - started:.1f} s after the posts"
            if time.monotonic() - started > timeout:
                return f"NOT within {timeout:.0f} s: {owed} still owed"
            time.sleep(0.5)
    finally:
        engine.dispose()


def said_more_than_once(fake: FakeSlack) -> int:
    """Messages that reached Slack more than once, by the outbox marker each one carries."""
    markers = Counter(
        (p["channel"], json.dumps(p["metadata"]["event_payload"], sort_keys=True))
        for p in fake.posts()
        if p.get("metadata")
    )
    return sum(count > 1 for count in markers.values())


def audit(database_url: str, fake: FakeSlack) -> tuple[int, int, int]:
    """Ideas in the database, ideas posted more than once, ideas never posted."""
    from storage.db import normalise_url

    engine = create_engine(normalise_url(database_url))
    with engine.connect() as connection:
        ids = [row[0] for row in connection.execute(text("SELECT id FROM idea"))]
    engine.dispose()
    posts = Counter(
        p["metadata"]["event_payload"]["id"]
        for p in fake.posts()
        if p["channel"].startswith("C0IDEAS")
        and p.get("metadata")
        and p["metadata"]["event_payload"].get("kind") == "idea"
    )
    return len(ids), sum(count > 1 for count in posts.values()), sum(posts[i] == 0 for i in ids)


def run(
    users: int = 50,
    ideas: int = 200,
    thinks: tuple[float, ...] = (0.0, 1.0),
    processes: int = 1,
    slack_failing: float = 0.0,
    limits: bool = False,
    channels: int = 1,
    postgres: bool = True,
) -> str:
    """Each database, first as a burst (no pauses), then with people pausing between steps."""
    sections = ["## Load: signed Slack requests against the bot's HTTP endpoint", ""]
    for think in thinks:
        if processes == 1:  # several processes need PostgreSQL
            with tempfile.TemporaryDirectory() as folder:
                url = f"sqlite:///{folder}/load.db"
                sections.append(run_one("SQLite", url, users, ideas, think, processes, slack_failing, limits, channels))
        if not postgres:
            continue
        schema = f"load_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
            connection.execute(f"CREATE SCHEMA {schema}")
        try:
            url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
            sections.append(run_one("PostgreSQL", url, users, ideas, think, processes, slack_failing, limits, channels))
        finally:
            with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
                connection.execute(f"DROP SCHEMA {schema} CASCADE")
    return "\n".join(sections)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--ideas", type=int, default=200)
    parser.add_argument(
        "--think", type=float, action="append", help="mean pause between a person's steps, s (repeatable)"
    )
    parser.add_argument("--processes", type=int, default=1, help="bot processes sharing the database")
    parser.add_argument("--slack-failing", type=float, default=0.0, help="share of Slack calls that fail (0-1)")
    parser.add_argument("--slack-limits", action="store_true", help="the fake Slack enforces Slack's rate limits")
    parser.add_argument("--channels", type=int, default=1, help="ideas channels (one workspace each), 1-20")
    parser.add_argument("--sqlite-only", action="store_true", help="skip the PostgreSQL runs")
    arguments = parser.parse_args()
    thinks = tuple(arguments.think or (0.0, 1.0))
    report = run(
        arguments.users,
        arguments.ideas,
        thinks,
        arguments.processes,
        arguments.slack_failing,
        arguments.slack_limits,
        arguments.channels,
        not arguments.sqlite_only,
    )
    print(report)


if __name__ == "__main__":
    main()
