"""User text: cleaned, escaped so it never pings, and split without losing a character."""

from hypothesis import given
from hypothesis import strategies as st

from bot.text import clean, escape_mrkdwn, shorten, split_for_blocks


def test_mentions_and_links_are_neutralised():
    escaped = escape_mrkdwn("<!channel> <!here> <@U123> <https://evil.example|click> & more")
    assert "<" not in escaped and ">" not in escaped
    assert escaped == ("&lt;!channel&gt; &lt;!here&gt; &lt;@U123&gt; &lt;https://evil.example|click&gt; &amp; more")


@given(st.text())
def test_escaped_text_has_no_control_sequences_and_round_trips(text):
    escaped = escape_mrkdwn(text)
    assert "<" not in escaped and ">" not in escaped
    assert escaped.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") == text


def test_clean_removes_control_characters_and_normalises_newlines():
    assert clean("  a\r\nb\x00c\x07\td\u202e  ") == "a\nbc\td\u202e"
    assert clean(None) == ""


@given(st.text(alphabet=st.sampled_from("ab <&>\n"), max_size=4000), st.integers(min_value=20, max_value=300))
def test_split_keeps_every_character_and_respects_the_limit(text, limit):
    escaped = escape_mrkdwn(text)
    pieces = split_for_blocks(escaped, limit)
    assert all(len(piece) <= limit for piece in pieces)
    assert "".join(pieces).replace(" ", "").replace("\n", "") == escaped.replace(" ", "").replace("\n", "")
    for piece in pieces:  # no entity cut in half
        assert piece.count("&") == piece.count("&amp;") + piece.count("&lt;") + piece.count("&gt;")


def test_shorten_cuts_at_a_word_and_marks_the_cut():
    assert shorten("short", 10) == "short"
    assert shorten("one two three four five", 12) == "one two…"
    assert len(shorten("x" * 500, 150)) == 150
