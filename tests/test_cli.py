"""The administrator's commands: import-projects and similar (table, JSON, batch)."""

import json
from pathlib import Path

from tests.test_main import run_main

SAMPLE = Path(__file__).resolve().parents[1] / "examples" / "registry-sample.csv"  # shipped: a fresh clone has it


def with_registry(tmp_path: Path, database_url: str) -> dict[str, str]:
    env = {"DATABASE_URL": database_url}
    result = run_main(env, tmp_path, "import-projects", str(SAMPLE))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "30 added, 0 updated, 0 unchanged, 0 rejected"
    return env


def test_import_reports_bad_rows_by_line_and_a_summary(tmp_path, database_url):
    path = tmp_path / "p.csv"
    path.write_text("id,title\nP1,Parking chatbot\n,missing id\n")
    result = run_main({"DATABASE_URL": database_url}, tmp_path, "import-projects", str(path))
    assert result.returncode == 0
    assert "line 3: no id" in result.stderr
    assert result.stdout.strip() == "1 added, 0 updated, 0 unchanged, 1 rejected"
    strict = run_main({"DATABASE_URL": database_url}, tmp_path, "import-projects", str(path), "--strict")
    assert strict.returncode == 2 and "nothing imported (--strict)" in strict.stderr


def test_import_rejects_a_bad_map_option(tmp_path, database_url):
    path = tmp_path / "p.csv"
    path.write_text("ref,heading\nP1,x\n")
    result = run_main({"DATABASE_URL": database_url}, tmp_path, "import-projects", str(path), "--map", "ref")
    assert result.returncode == 2 and "--map takes COLUMN=FIELD" in result.stderr
    mapped = run_main(
        {"DATABASE_URL": database_url},
        tmp_path,
        "import-projects",
        str(path),
        "--map",
        "ref=external_id",
        "--map",
        "heading=title",
    )
    assert mapped.returncode == 0 and mapped.stdout.startswith("1 added")


def test_similar_prints_json_best_first(tmp_path, database_url):
    env = with_registry(tmp_path, database_url)
    query = "Chatbot that answers residents' questions about parking permits"
    result = run_main(env, tmp_path, "similar", query, "--json", "--limit", "3")
    matches = json.loads(result.stdout)
    assert len(matches) == 3
    assert matches[0]["title"] == "Parking chatbot" and matches[0]["verdict"] == "duplicate"
    assert set(matches[0]) >= {"external_id", "title", "score", "verdict", "reason", "status", "url"}
    assert [m["score"] for m in matches] == sorted((m["score"] for m in matches), reverse=True)
    table = run_main(env, tmp_path, "similar", query, "--limit", "1")
    assert "Parking chatbot" in table.stdout and "duplicate" in table.stdout


def test_similar_batch_writes_one_json_line_per_input(tmp_path, database_url):
    env = with_registry(tmp_path, database_url)
    batch = tmp_path / "ideas.jsonl"
    batch.write_text(
        json.dumps({"id": "a", "title": "Chatbot about parking permits"})
        + "\n"
        + json.dumps({"id": "b", "title": "Slimme camera's tegen appen achter het stuur", "description": ""})
        + "\nnot json\n"
    )
    result = run_main(env, tmp_path, "similar", "--batch", str(batch), "--json", "--limit", "2")
    assert result.returncode == 0
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["id"] for line in lines] == ["a", "b", 3]  # one per input line, lined up with it
    assert all(len(line["matches"]) == 2 for line in lines[:2])
    assert set(lines[0]["matches"][0]) >= {"external_id", "title", "score", "verdict", "reason"}
    assert {m["external_id"] for m in lines[1]["matches"]} & {"20003", "20004"}  # found from Dutch
    assert "needs a JSON object" in lines[2]["error"] and "matches" not in lines[2]
    assert "line 3: needs a JSON object" in result.stderr


def test_similar_batch_names_each_line_and_fails_when_no_line_is_usable(tmp_path, database_url):
    env = with_registry(tmp_path, database_url)
    plain = tmp_path / "backlog.txt"
    plain.write_text("Chatbot about parking permits\nBins that report when full\n")
    result = run_main(env, tmp_path, "similar", "--batch", str(plain), "--json")
    assert result.returncode == 1 and "no line of" in result.stderr
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == [1, 2]
    untitled = tmp_path / "untitled.jsonl"
    untitled.write_text(json.dumps({"title": "Chatbot about parking permits"}) + "\n")
    table = run_main(env, tmp_path, "similar", "--batch", str(untitled))  # without --json: the table
    assert table.returncode == 0 and "1: Chatbot about parking permits" in table.stdout
    assert "Parking chatbot" in table.stdout and "duplicate" in table.stdout


def test_similar_needs_text_or_batch(tmp_path, database_url):
    result = run_main({"DATABASE_URL": database_url}, tmp_path, "similar")
    assert result.returncode == 2 and "give either TEXT or --batch" in result.stderr


def test_reviewers_are_set_listed_and_removed(tmp_path, database_url):
    env = {"DATABASE_URL": database_url}
    result = run_main(env, tmp_path, "reviewers", "set", "Urban mobility", "U0AAA1,U0BBB2")
    assert result.returncode == 0 and result.stdout.strip() == "Urban mobility: U0AAA1, U0BBB2"
    assert run_main(env, tmp_path, "reviewers", "list").stdout.strip() == "Urban mobility: U0AAA1, U0BBB2"
    bad = run_main(env, tmp_path, "reviewers", "set", "Urban mobility", "alice")
    assert bad.returncode == 2 and "not a user ID: alice" in bad.stderr
    assert run_main(env, tmp_path, "reviewers", "remove", "URBAN  Mobility").returncode == 0  # case and spaces
    assert "no teams mapped yet" in run_main(env, tmp_path, "reviewers", "list").stdout


def test_export_writes_csv_and_json(tmp_path, database_url):
    env = {"DATABASE_URL": database_url}
    result = run_main(env, tmp_path, "export", str(tmp_path / "out.json"), "--format", "json")
    assert result.returncode == 0 and json.loads((tmp_path / "out.json").read_text()) == []
    wrong = run_main(env, tmp_path, "export", str(tmp_path / "out.xml"), "--format", "xml")
    assert wrong.returncode == 2 and "csv or json" in wrong.stderr


def test_privacy_export_and_erase_from_the_terminal(tmp_path, db, database_url):
    from datetime import UTC, datetime

    from bot.submissions import Author, IdeaDraft, submit_idea

    with db.session() as session:
        submit_idea(
            session, IdeaDraft("Benches that charge phones", "p", "q"), Author("U0SUBJECT1", "T1"), datetime.now(UTC)
        )
    env = {"DATABASE_URL": database_url}
    exported = run_main(env, tmp_path, "privacy", "export", "U0SUBJECT1")
    assert exported.returncode == 0
    assert json.loads(exported.stdout)["ideas_written"][0]["title"] == "Benches that charge phones"
    unasked = run_main(env, tmp_path, "privacy", "erase", "U0SUBJECT1")  # not a terminal: no silent erasure
    assert unasked.returncode == 2 and "--yes" in unasked.stderr
    erased = run_main(env, tmp_path, "privacy", "erase", "U0SUBJECT1", "--yes")
    assert erased.returncode == 0 and "ideas written: 1" in erased.stdout and "ERASED-" in erased.stdout
    again = run_main(env, tmp_path, "privacy", "erase", "U0SUBJECT1", "--yes")
    assert "nothing to erase" in again.stdout
    wrong = run_main(env, tmp_path, "privacy", "export", "alice")
    assert wrong.returncode == 2 and "is not a Slack user ID" in wrong.stderr


def test_outbox_lists_retries_and_drops_what_is_owed_to_slack(tmp_path, db, database_url):
    from datetime import UTC, datetime, timedelta

    from storage import queries

    with db.session() as session:
        queries.owe(session, "post_idea", 1, datetime.now(UTC))
        queries.owe(session, "confirm_idea", 2, datetime.now(UTC))
    with db.session() as session:
        first, second = (entry.id for entry in queries.outbox_messages(session))
        queries.mark_retry(session, first, datetime.now(UTC), "unavailable: SlackUnavailable: 503")
    env = {"DATABASE_URL": database_url}
    listed = run_main(env, tmp_path, "outbox", "list")
    assert f"{first}\tpost_idea 1\tpending" in listed.stdout and "unavailable: SlackUnavailable: 503" in listed.stdout
    assert "2 owed, 0 given up" in listed.stdout
    assert run_main(env, tmp_path, "outbox", "drop", str(second)).returncode == 0
    assert "given up: dropped by an administrator" in run_main(env, tmp_path, "outbox", "list").stdout
    assert run_main(env, tmp_path, "outbox", "retry", str(second)).returncode == 0
    assert "2 owed, 0 given up" in run_main(env, tmp_path, "outbox", "list").stdout

    with db.session() as session:  # held back by Slack's pace in the ideas channel, then by a 429
        queries.mark_paced(session, first, datetime.now(UTC) + timedelta(seconds=30), "post:T1:C0IDEAS001")
        queries.mark_paced(session, second, datetime.now(UTC) + timedelta(seconds=9), "Retry-After from C0IDEAS001")
    listed = run_main(env, tmp_path, "outbox", "list").stdout
    assert "paced, waiting for its turn in C0IDEAS001 (Slack's rate limit)" in listed
    assert "Slack asked to wait (429 Retry-After from C0IDEAS001)" in listed
    missing = run_main(env, tmp_path, "outbox", "drop", "99999")
    assert missing.returncode == 2 and "no owed outbox entry 99999" in missing.stderr


def test_workspaces_list_and_erase(tmp_path, database_url):
    from datetime import UTC, datetime, timedelta

    from storage import queries
    from storage.db import Database

    db = Database.connect(database_url)
    db.migrate()
    now = datetime(2026, 12, 1, tzinfo=UTC)
    with db.session() as session:
        kept = queries.workspace_row(session, "T0KEPT0001", "E0ORG00001")
        kept.name, kept.installed_at = "Ministry", now
        gone = queries.workspace_row(session, "T0GONE0001")
        gone.uninstalled_at, gone.erase_after = now, now + timedelta(days=30)
    db.dispose()
    env = {"DATABASE_URL": database_url}

    listed = run_main(env, tmp_path, "workspaces", "list")
    assert listed.returncode == 0, listed.stderr
    assert "T0KEPT0001\tMinistry (organisation E0ORG00001)\t0 idea(s)\tinstalled" in listed.stdout
    assert "T0GONE0001\t-\t0 idea(s)\tuninstalled 2026-12-01, data erased on 2026-12-31" in listed.stdout

    refused = run_main(env, tmp_path, "workspaces", "erase", "T0KEPT0001")
    assert refused.returncode == 2 and "still has the app installed" in refused.stderr
    unknown = run_main(env, tmp_path, "workspaces", "erase", "T0NOBODY01", "--yes")
    assert unknown.returncode == 2 and "no workspace T0NOBODY01" in unknown.stderr
    erased = run_main(env, tmp_path, "workspaces", "erase", "T0GONE0001", "--yes")
    assert erased.returncode == 0 and "T0GONE0001 erased" in erased.stdout
    after = run_main(env, tmp_path, "workspaces", "list")
    assert "T0GONE0001" not in after.stdout and "T0KEPT0001" in after.stdout


def test_new_key_prints_a_key_the_bot_accepts(tmp_path):
    from cryptography.fernet import Fernet

    result = run_main({}, tmp_path, "new-key")
    assert result.returncode == 0
    Fernet(result.stdout.strip().encode())  # raises if it is not a Fernet key


def test_workspaces_reseal_moves_every_token_to_the_new_key(tmp_path, database_url):
    from cryptography.fernet import Fernet
    from slack_sdk.oauth.installation_store.models.installation import Installation

    from slackapi.installs import SealedInstallationStore, token_cipher
    from storage.db import Database

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    client_id = "1234567890.0987654321"
    db = Database.connect(database_url)
    db.migrate()
    SealedInstallationStore(client_id, db.engine, token_cipher(old)).save(
        Installation(app_id="A0INNOVATE", team_id="T0TEAMA001", bot_token="xoxb-a-secret", bot_id="B1", user_id="U1")
    )
    env = {
        "DATABASE_URL": database_url,
        "SLACK_CLIENT_ID": client_id,
        "SLACK_CLIENT_SECRET": "client-secret-value",
        "SLACK_SIGNING_SECRET": "0123456789abcdef0123456789abcdef",
    }

    missing = run_main({**env, "TOKEN_ENCRYPTION_KEY": new}, tmp_path, "workspaces", "reseal")
    assert missing.returncode == 2 and "put the old key back" in missing.stderr
    resealed = run_main({**env, "TOKEN_ENCRYPTION_KEY": f"{new},{old}"}, tmp_path, "workspaces", "reseal")
    assert resealed.returncode == 0, resealed.stderr
    assert "2 install(s) encrypted with the first key" in resealed.stdout  # the install and its bot

    only_new = SealedInstallationStore(client_id, db.engine, token_cipher(new))
    bot = only_new.find_bot(enterprise_id=None, team_id="T0TEAMA001")
    db.dispose()
    assert bot is not None and bot.bot_token == "xoxb-a-secret"
