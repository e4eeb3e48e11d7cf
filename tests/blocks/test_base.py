"""The one way every message links: user text escaped and cut, only safe addresses linked."""

from __future__ import annotations

import pytest

from blocks.base import link, posted_link

HOSTILE = [
    "javascript:alert(1)",
    "https://evil.example|<!channel>",
    "https://evil.example/>|<!here>",
    "https://evil.example/ <@U0BOSS0001>",
    "ftp://files.example/x",
    "data:text/html,<script>",
    "",
]


@pytest.mark.parametrize("url", HOSTILE)
def test_an_unsafe_address_is_never_linked_and_the_label_is_still_shown(url):
    shown = link("Parking permits", url)
    assert shown == "*Parking permits*"


def test_a_safe_address_is_linked_and_a_pipe_in_the_label_cannot_end_it():
    shown = link("Permits | <!channel> & co", "https://registry.example/p/12")
    assert shown == "*<https://registry.example/p/12|Permits ¦ &lt;!channel&gt; &amp; co>*"
    assert shown.count("|") == 1


def test_a_long_label_is_cut_before_it_is_escaped_and_no_entity_is_split():
    shown = link("&" * 400, "https://x.example", bold=False, limit=150)
    label = shown.removeprefix("<https://x.example|").removesuffix(">")
    assert label.endswith("…") and "&amp" not in label.replace("&amp;", "")


def test_a_submission_not_posted_yet_says_so_and_a_posted_one_links_to_its_post():
    assert posted_link("Bins", None) == "*Bins* (not posted yet)"
    assert posted_link("Bins", "https://slack.example/archives/C1/p1") == "<https://slack.example/archives/C1/p1|Bins>"
