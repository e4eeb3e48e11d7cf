"""The matcher on its own: normalisation, languages, scores, verdicts and reasons (no database)."""

import pytest

from bot.matching.language import guess_language, terms, words
from bot.matching.matcher import DUPLICATE, Document, Matcher, Thresholds

REGISTRY = [
    Document(
        "crossing",
        "Smart pedestrian crossing",
        "Traffic lights stay green longer for elderly pedestrians "
        "who walk slowly, detected by a camera at the crossing.",
    ),
    Document(
        "phones",
        "Cameras detect drivers holding a mobile phone",
        "Roadside cameras automatically recognise "
        "drivers using a phone while driving; an officer reviews each photo before a fine is sent.",
    ),
    Document(
        "parking-bot",
        "Parking chatbot",
        "A virtual assistant answers residents' questions about parking permits and paid zones, day and night.",
    ),
    Document("tax-bot", "Tax chatbot", "A virtual assistant answers citizens' questions about income tax returns."),
    Document(
        "waste",
        "Sensors in waste containers",
        "Fill-level sensors tell the city when to empty containers, so trucks drive shorter routes.",
    ),
]


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    built = Matcher()
    built.build(REGISTRY)
    return built


def test_words_fold_case_accents_and_apostrophes():
    assert words("Inteligência ARTIFICIAL, camera's & Straße!") == ["inteligencia", "artificial", "cameras", "strasse"]


def test_terms_drop_function_words_and_stem():
    assert terms("The drivers are holding phones", "en") == ["driver", "hold", "phone"]
    assert terms("Les conducteurs et les téléphones", "fr") == ["conducteur", "telephon"]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("the problem of long queues at the desk", "en"),
        ("o problema das filas de espera no balcão", "pt"),
        ("het probleem van de wachtrij bij het loket", "nl"),
        ("le problème des files d'attente au guichet", "fr"),
        ("težava je v tem, da so vrste na upravni enoti dolge", "sl"),
    ],
)
def test_language_is_guessed_from_function_words(text, language):
    assert guess_language(words(text)) == language


def test_an_exact_duplicate_is_a_duplicate_and_ranks_first(matcher: Matcher):
    best = matcher.query("Parking chatbot", REGISTRY[2].description)[0]
    assert best.key == "parking-bot"
    assert best.verdict == DUPLICATE and best.score >= 90


def test_same_words_for_a_different_service_is_not_a_duplicate(matcher: Matcher):
    found = matcher.query(
        "Chatbot for library opening hours", "A virtual assistant that tells people when the public library is open."
    )
    assert all(match.verdict != DUPLICATE for match in found)


def test_an_unrelated_idea_finds_nothing_worth_a_look(matcher: Matcher):
    assert all(match.verdict is None for match in matcher.query("Free swimming lessons for refugees"))


def test_a_paraphrase_in_another_language_is_found(matcher: Matcher):
    dutch = matcher.query("Camera's die bestuurders met een telefoon in de hand herkennen")
    portuguese = matcher.query("Semáforo de peões fica verde mais tempo para idosos na passadeira")
    assert dutch[0].key == "phones"
    assert portuguese[0].key == "crossing"


def test_a_typo_still_matches(matcher: Matcher):
    assert matcher.query("pedestrain crosing lights")[0].key == "crossing"


def test_a_word_written_as_one_compound_still_ranks_its_document_first():
    """ "fileproperties" is no word of the index; its spelling is close to "file properties" (without the
    spelling stage the print dialog ranked first: it shares "dialog" and "cancel" word for word)."""
    reports = Matcher()
    reports.build(
        [
            Document(
                "properties",
                "Cancel does not close the properties dialog of a file",
                "When I press cancel in the file properties window the export goes on anyway.",
            ),
            Document(
                "print",
                "Print dialog ignores cancel",
                "Pressing cancel in the print dialog still prints the document on the default printer.",
            ),
            Document("bicycle", "Bicycle lanes on main streets", "Painted lanes for bicycles in the city centre."),
        ]
    )
    found = reports.query("fileproperties dialog cancel", "cancel in fileproperties still exports")
    assert [match.key for match in found] == ["properties", "print"]


def test_the_reason_names_the_shared_words(matcher: Matcher):
    best = matcher.query("Sensors that measure how full waste containers are")[0]
    assert best.key == "waste"
    assert best.reason.startswith("both mention: ")
    assert "sensors" in best.reason and "containers" in best.reason


def test_a_translated_word_is_the_persons_own_word_and_says_what_it_matched(matcher: Matcher):
    best = matcher.query("Chatbot para licenças de estacionamento")[0]
    assert best.key == "parking-bot"
    assert "estacionamento (≈ parking)" in best.reason


def test_the_reason_shows_only_words_the_person_wrote_as_they_wrote_them():
    # "slots (≈ booking)" named a word the person never wrote, and "licencas" lost its accent
    found = Matcher()
    found.build(
        [
            Document("waste", "Online booking slots for bulky waste", "Residents pick a collection slot online."),
            Document("licences", "Licences for street terraces", "Cafés apply for terrace licences online."),
        ]
    )
    waste = found.query("Online booking for bulky waste pickup")[0]
    assert waste.key == "waste" and "slot" not in waste.reason and "booking" in waste.reason
    terraces = found.query("Licenças para esplanadas")[0]
    assert terraces.key == "licences" and "licenças" in terraces.reason and "licencas" not in terraces.reason


def test_scores_are_0_to_100_and_sorted(matcher: Matcher):
    found = matcher.query("virtual assistant for questions", limit=5)
    scores = [match.score for match in found]
    assert scores == sorted(scores, reverse=True)
    assert all(0 <= score <= 100 for score in scores)


def test_thresholds_decide_the_verdicts():
    strict = Matcher(Thresholds(duplicate=101, related=101))
    strict.build(REGISTRY)
    assert all(match.verdict is None for match in strict.query("Parking chatbot"))


def test_documents_added_after_the_build_are_found_and_removed_ones_are_not():
    index = Matcher()
    index.build(REGISTRY)
    index.upsert(Document("idea:1", "Book a bulky waste pickup online", "Residents choose a date for the truck."))
    assert index.query("bulky waste pickup")[0].key == "idea:1"
    index.upsert(Document("idea:1", "Solar benches in parks", "Charge your phone on a bench."))
    assert index.query("bulky waste pickup")[0].key != "idea:1"
    index.remove("idea:1")
    assert all(match.key != "idea:1" for match in index.query("solar benches in parks"))


def test_an_empty_index_or_query_finds_nothing():
    assert Matcher().query("anything") == []
    built = Matcher()
    built.build(REGISTRY)
    assert built.query("the and of") == []
