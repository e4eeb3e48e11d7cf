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
