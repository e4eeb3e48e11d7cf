"""The local console, driven as a person would through a pseudo-terminal: the real bot, no Slack."""

import os
import sys
from pathlib import Path

import pexpect

MAIN = Path(__file__).resolve().parents[2] / "main.py"


def console(tmp_path: Path, *args: str) -> pexpect.spawn:
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "TERM": "dumb"}
    child = pexpect.spawn(sys.executable, [str(MAIN), *args], cwd=str(tmp_path), env=env, encoding="utf-8", timeout=30)
    child.expect("you> ")
    return child


def submit_idea(child: pexpect.spawn, title: str, join: bool = False) -> None:
    child.sendline(f"/idea {title}")
    child.expect(r"Title, up to 150 characters \[")
    child.sendline("")  # keep the title typed after the command
    child.expect("The problem it solves")
    child.sendline("Residents phone us to book and wait on hold")
    child.expect("Your idea")
    child.sendline("A web page where they pick a date")
    child.expect("Team or department")
    child.sendline("")
    child.expect(r"Submit anonymously\? \[y/N\]")
    child.sendline("n")


def test_a_day_in_the_console(tmp_path):
    child = console(tmp_path, "console", "--sample", "--start", "2026-11-27T14:00")  # a Friday afternoon
    submit_idea(child, "Online booking for bulky waste pickup")
    child.expect("Online booking for bulky waste collection")  # the sample project it duplicates
    child.expect("duplicate")
    child.expect("Join one instead")
    child.sendline("")  # mine is different
    child.expect("is saved")
    child.expect("--- #ideas ---")
    child.expect("you> ")

    child.sendline("as manager")
    child.expect("manager> ")
    child.sendline("channel ideas")
    child.expect(r"\[(\d+)\] Approve")
    approve = child.match.group(1)
    child.expect("manager> ")
    child.sendline(f"click {approve}")
    child.expect(r"Comment \(optional\)")
    child.sendline("Go ahead, start in March")
    child.expect("approved this idea")
    child.expect("manager> ")

    child.sendline("as me")
    child.expect("Feedback on your idea")
    child.expect("Go ahead, start in March")
    child.expect("you> ")

    submit_idea(child, "Quiet rooms in the town hall")
    child.expect("is saved")
    child.expect("you> ")
    child.sendline("wait 6d")  # past Monday 09:00 (the digest) and three working days (the reminder)
    child.expect("--- #digest ---")
    child.expect("Innovation digest")
    child.expect("you> ")
    child.sendline("as manager")
    child.expect(r"has waited \d+ days for your feedback")
    child.expect(r"\[\d+\] Snooze 2 days")
    child.expect("manager> ")
    child.sendline("quit")
    child.expect(pexpect.EOF)


def test_without_a_token_in_a_terminal_the_console_starts(tmp_path):
    child = console(tmp_path)
    assert "starting the local console instead" in child.before
    child.sendline("help")
    child.expect("wait 3d")
    child.sendline("quit")
    child.expect(pexpect.EOF)


def test_what_a_newcomer_types_wrong_gets_a_plain_answer(tmp_path):
    child = console(tmp_path, "console", "--sample")
    child.sendline("/foo bar")
    child.expect(r"No such command: /foo\. Type help\.")
    child.sendline("thread 1")
    child.expect("Open a channel with messages first")
    submit_idea(child, "Quiet rooms in the town hall")
    child.expect("is saved")
    child.expect("you> ")
    child.sendline("channel ideas")
    child.expect("message 1")
    child.expect("you> ")
    child.sendline("thread 99")
    child.expect("There is no message 99 in that listing: choose 1 to 1")
    child.sendline("wait 100000d")
    child.expect("more than 90 days")
    child.expect("you> ")
    # the README's own example: @name becomes the mention Slack's client sends
    child.sendline("as team")
    child.sendline("/ideas reviewers set Parks @manager")
    child.expect(r"Parks: @manager")
    child.expect("innovation-team> ")
    child.sendline("quit")
    child.expect(pexpect.EOF)


def test_ctrl_c_stops_a_long_wait_and_leaving_a_form_cancels_it(tmp_path):
    child = console(tmp_path, "console")
    child.sendline("wait 90d")
    child.expect(r"Ctrl-C stops here")
    child.sendintr()
    child.expect(r"stopped after \d+")
    child.expect("you> ")
    child.sendline("/idea Bins that report when full")
    child.expect(r"Title, up to 150 characters")
    child.sendline("")
    child.expect("The problem it solves")
    child.sendeof()  # Ctrl-D
    child.expect(r"form cancelled: nothing was submitted")
    child.expect("you> ")
    child.sendline("/idea Bins that report when full")
    child.expect(r"Title, up to 150 characters")
    child.sendintr()  # Ctrl-C
    child.expect(r"form cancelled: nothing was submitted")
    child.expect("you> ")
    child.sendline("/ideas mine")
    child.expect("no ideas or challenges yet")
    child.sendline("quit")
    child.expect(pexpect.EOF)


def test_a_required_field_left_empty_is_asked_again_at_once_as_slack_would(tmp_path):
    child = console(tmp_path, "console")
    child.sendline("/idea")
    child.expect(r"Title, up to 150 characters> ")
    child.sendline("")
    child.expect("Please fill in this field")
    child.expect(r"Title, up to 150 characters> ")
    child.sendline("x" * 151)
    child.expect(r"at most 150 characters \(this is 151\)")
    child.sendintr()
    child.expect("form cancelled")
    child.sendline("quit")
    child.expect(pexpect.EOF)


def test_a_portuguese_form_in_the_console_is_portuguese_throughout(tmp_path):
    child = console(tmp_path, "console")
    child.sendline("/ideas language pt")
    child.expect("A partir de agora")  # the choice is kept (it once lost a race with the person's look-up)
    child.expect("you> ")
    child.sendline("/idea Marcação online")
    child.expect(r"Título, até 150 caracteres")
    child.sendline("")
    child.expect(r"O problema que resolve")
    child.sendline("Filas")
    child.expect(r"A sua ideia")
    child.sendline("Marcar online")
    child.expect(r"\(opcional\)")
    assert "optional" not in child.before and "up to" not in child.before
    child.sendintr()
    child.sendline("quit")
    child.expect(pexpect.EOF)


def test_after_a_restart_the_channel_shows_earlier_posts_and_records_get_their_own_times(tmp_path):
    child = console(tmp_path, "console")
    submit_idea(child, "Quiet rooms in the town hall")
    child.expect("is saved")
    child.expect("you> ")
    submit_idea(child, "Standing desks for the front office")
    child.expect("is saved")
    child.expect("you> ")
    child.sendline("quit")
    child.expect(pexpect.EOF)

    child = console(tmp_path, "console")
    assert "2 post(s) from earlier runs restored" in child.before
    child.sendline("channel ideas")
    child.expect("Quiet rooms in the town hall")
    child.expect(r"\[(\d+)\] Support")
    support = child.match.group(1)
    child.expect("Standing desks")
    child.expect("you> ")
    child.sendline(f"click {support}")  # a restored post's buttons work
    child.expect("Thanks for your support")
    child.sendline("quit")
    child.expect(pexpect.EOF)

    import sqlite3

    with sqlite3.connect(tmp_path / "innovation-bot.db") as connection:
        times = [row[0] for row in connection.execute("SELECT created_at FROM idea ORDER BY id")]
    assert len(set(times)) == 2  # the clock ran between the two commands


def clicked(child: pexpect.spawn, label: str, prompt: str) -> None:
    """Find the button `label` in what is on screen and press it."""
    child.expect(rf"\[(\d+)\] {label}")
    number = child.match.group(1)
    child.expect(prompt)
    child.sendline(f"click {number}")


def test_an_experiment_and_a_rule_waiver_walked_through_in_the_console(tmp_path):
    child = console(tmp_path, "console", "--start", "2027-01-04T09:00")  # a Monday morning
    submit_idea(child, "Queue tickets by SMS")
    child.expect("is saved")
    child.expect("you> ")
    child.sendline("as manager")
    child.expect("manager> ")
    child.sendline("channel ideas")
    clicked(child, "Approve", "manager> ")
    child.expect(r"Comment \(optional\)")
    child.sendline("")
    child.expect("manager> ")
    child.sendline("channel ideas")
    clicked(child, "Start experiment", "manager> ")
    for label, typed in (
        ("What do you expect", "If people book by SMS, queues shrink, because arrivals spread out"),
        ("How will you know", "Minutes waited at the counter"),
        ("Its value today", "45"),
        ("The value you aim for", "15"),
        ("Starts on", "2027-01-04"),
        ("Ends on", "2027-01-29"),
        ("The experiment's team", "@you"),
        ("What it costs", ""),
        ("stop early", ""),
        (r"Comment \(optional\)", ""),
    ):
        child.expect(label)
        child.sendline(typed)
    child.expect("manager> ")

    child.sendline("as me")
    child.expect("you> ")
    child.sendline("wait 14d")  # past the middle of the experiment: its team is asked how it goes
    child.expect("How is the experiment")
    clicked(child, "Check in", "you> ")
    child.expect(r"How is it going\?")
    child.sendline("2")  # at risk
    child.expect("The measure so far")
    child.sendline("30")
    child.expect("One thing you learned")
    child.sendline("Older people still phone first")
    child.expect("you> ")

    child.sendline("/challenge-rule Paper signature on every booking")
    child.expect(r"Which rule\?")
    child.sendline("")  # as typed after the command
    child.expect("How does it block the idea")
    child.sendline("An SMS booking cannot be signed on paper")
    child.expect("For how many days")
    child.sendline("20")
    child.expect("What protects people")
    child.sendline("The booking is confirmed from the person's own phone number")
    child.expect("Who runs the test")
    child.sendline("")
    child.expect("The idea or experiment it serves")
    child.sendline("1")
    child.expect("was sent to its 1 owner")
    child.expect("you> ")

    child.sendline("as team")  # the innovation team decides, as RULE_OWNERS is not set
    clicked(child, "Grant", "innovation-team> ")
    child.expect("Last day of the waiver")
    child.sendline("")  # the day suggested: twenty days on
    child.expect("Conditions")
    child.sendline("Keep the paper form for those who ask")
    child.expect("innovation-team> ")
    child.sendline("as me")
    child.expect("aside for your test until")
    child.expect("you> ")
    child.sendline("wait 20d")
    child.expect("Right to Challenge")  # Monday's digest lists the waiver granted
    child.expect("ends on")  # a week before its end
    child.expect("you> ")
    child.sendline("as team")
    clicked(child, "Make it permanent", "innovation-team> ")
    child.expect(r"Comment \(optional\)")
    child.sendline("")
    child.expect("innovation-team> ")
    child.sendline("as me")
    child.expect("your test changed the rule")
    child.expect("you> ")
    child.sendline("quit")
    child.expect(pexpect.EOF)
