"""Spelling profiles: character 4-grams within words, compared by cosine."""

import pytest

from bot.matching.spelling import similarities


def test_the_same_text_is_fully_alike_and_unrelated_text_not_at_all():
    alike = similarities(
        "file properties dialog", ["file properties dialog", "bicycle lanes", "dialog file properties"]
    )
    assert alike[0] == pytest.approx(1.0)
    assert alike[1] == 0.0
    assert alike[2] == pytest.approx(1.0)  # word order does not matter


def test_word_parts_count_compounds_and_cognates():
    compound = similarities("fileproperties", ["file properties", "page numbering"])
    assert compound[0] > 0.3 and compound[1] == 0.0
    cognate = similarities("inteligencia artificial", ["artificial intelligence", "parking permits"])
    assert cognate[0] > 0.5 and cognate[1] == 0.0


def test_grams_do_not_cross_words_or_texts():
    # "ab cd" has no gram "b cd"; the second text does not borrow the first one's end
    assert similarities("bcdx", ["ab cd x", "abc", "dx"]).tolist() == [0.0, 0.0, 0.0]


def test_results_follow_the_order_of_the_texts():
    texts = ["waste sensors", "parking chatbot", "sensors waste", ""]
    alike = similarities("waste sensors", texts)
    assert len(alike) == 4
    assert alike[0] == pytest.approx(1.0) and alike[2] == pytest.approx(1.0)
    assert alike[1] < 0.2 and alike[3] == 0.0


def test_empty_inputs():
    assert similarities("", ["anything"]).tolist() == [0.0]
    assert similarities("anything", []).tolist() == []
