"""Settings: every required variable is checked, and errors name the variable, never its value."""

import pytest

from bot.config import ConfigError, load_settings, normalise_database_url

GOOD = {
    "SLACK_BOT_TOKEN": "xoxb-123-456-abc",
    "SLACK_SIGNING_SECRET": "0123456789abcdef0123456789abcdef",
    "IDEAS_CHANNEL": "C0IDEAS001",
}


def settings_with(**changes: str | None):
    env = {**GOOD, **changes}
    return load_settings({key: value for key, value in env.items() if value is not None})


def test_minimal_http_configuration_uses_defaults():
    settings = settings_with()
    assert settings.port == 3000
    assert settings.challenges_channel == "C0IDEAS001"
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.database_url == "sqlite:///innovation-bot.db"
    assert not settings.socket_mode


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"SLACK_BOT_TOKEN": None}, "SLACK_BOT_TOKEN is not set"),
        ({"SLACK_BOT_TOKEN": "xoxp-user-token"}, "SLACK_BOT_TOKEN must start with xoxb-"),
        ({"SLACK_SIGNING_SECRET": None}, "SLACK_SIGNING_SECRET is not set"),
        ({"SLACK_SIGNING_SECRET": "not hex!"}, "SLACK_SIGNING_SECRET must be"),
        ({"SLACK_APP_TOKEN": "xoxb-wrong"}, "SLACK_APP_TOKEN must start with xapp-"),
        ({"IDEAS_CHANNEL": None}, "IDEAS_CHANNEL is not set"),
        ({"IDEAS_CHANNEL": "#ideas"}, "IDEAS_CHANNEL must hold a channel ID"),
        ({"CHALLENGES_CHANNEL": "challenges"}, "CHALLENGES_CHANNEL must hold a channel ID"),
        ({"PORT": "eighty"}, "PORT must be a number"),
        ({"PORT": "70000"}, "PORT must be a number"),
        ({"INNOVATION_TEAM": "U0123,alice"}, "INNOVATION_TEAM must hold user IDs"),
        ({"REVIEWERS": "@bob"}, "REVIEWERS must hold user IDs"),
        ({"DIGEST_CHANNELS": "C0123,general"}, "DIGEST_CHANNELS must hold channel IDs"),
        ({"DATABASE_URL": "mysql://root:hunter2@db/bot"}, "DATABASE_URL uses an unsupported scheme"),
        ({"DATABASE_URL": "just-a-file.db"}, "DATABASE_URL must look like"),
        ({"SLACK_API_URL": "slack.com/api"}, "SLACK_API_URL must be an http(s) URL"),
        ({"MATCH_DUPLICATE_SCORE": "high"}, "MATCH_DUPLICATE_SCORE must be a whole number"),
        ({"MATCH_RELATED_SCORE": "90", "MATCH_DUPLICATE_SCORE": "80"}, "MATCH_RELATED_SCORE must not be above"),
    ],
)
def test_bad_settings_name_the_variable(changes, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        settings_with(**changes)


def test_errors_never_contain_secret_values():
    secret_token = "xoxp-very-secret-value"
    with pytest.raises(ConfigError) as caught:
        settings_with(SLACK_BOT_TOKEN=secret_token)
    assert secret_token not in str(caught.value)
    with pytest.raises(ConfigError) as caught:
        settings_with(DATABASE_URL="mysql://root:hunter2@db/bot")
    assert "hunter2" not in str(caught.value)


def test_secrets_are_not_in_the_settings_repr():
    text = repr(settings_with(DATABASE_URL="postgresql://bot:hunter2@db:5432/bot"))
    assert "xoxb-123" not in text and "0123456789abcdef" not in text and "hunter2" not in text


def test_socket_mode_needs_no_signing_secret():
    settings = settings_with(SLACK_SIGNING_SECRET=None, SLACK_APP_TOKEN="xapp-1-abc")
    assert settings.socket_mode


def test_lists_are_split_trimmed_and_deduplicated():
    settings = settings_with(INNOVATION_TEAM=" U0AAA, U0BBB ,U0AAA,", DIGEST_CHANNELS="C0D1")
    assert settings.innovation_team == ("U0AAA", "U0BBB")
    assert settings.digest_channels == ("C0D1",)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u:p@h:5432/db", "postgresql+psycopg://u:p@h:5432/db"),
        ("postgres://u:p@h/db", "postgresql+psycopg://u:p@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///bot.db", "sqlite:///bot.db"),
    ],
)
def test_database_urls_are_routed_to_psycopg(given, expected):
    assert normalise_database_url(given) == expected


def test_every_problem_is_reported_at_once_one_line_each():
    with pytest.raises(ConfigError) as raised:
        load_settings({"SLACK_BOT_TOKEN": "xoxp-wrong", "SLACK_SIGNING_SECRET": "abc", "NUDGE_AFTER": "banana"})
    lines = str(raised.value).splitlines()
    assert len(lines) == 4, lines
    assert lines[0].startswith("SLACK_BOT_TOKEN must start with xoxb-")
    assert "SLACK_SIGNING_SECRET has 3 characters; Slack's signing secrets have 32" in lines[1]
    assert lines[2].startswith("IDEAS_CHANNEL is not set")
    assert lines[3].startswith("NUDGE_AFTER")


KEY = "kX3mI6Zp0cYkq1m0r6J8b6cT4x5Yw2nVb9s1d2f3g4h="  # a well-formed Fernet key (32 bytes, url-safe base64)
OAUTH = {
    "SLACK_BOT_TOKEN": None,
    "IDEAS_CHANNEL": None,
    "SLACK_CLIENT_ID": "1234567890.0987654321",
    "SLACK_CLIENT_SECRET": "abcdef0123456789",
    "TOKEN_ENCRYPTION_KEY": KEY,
}


def test_oauth_needs_no_bot_token_nor_ideas_channel_and_defaults_to_the_manifest_scopes():
    from pathlib import Path

    import yaml

    settings = settings_with(**OAUTH)
    assert settings.oauth and settings.bot_token == "" and settings.uninstall_retention_days == 30
    manifest = yaml.safe_load((Path(__file__).resolve().parents[2] / "manifest.yml").read_text())
    assert set(settings.scopes) == set(manifest["oauth_config"]["scopes"]["bot"])
    for secret in ("abcdef0123456789", KEY):
        assert secret in settings.secrets() and secret not in repr(settings)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"SLACK_CLIENT_SECRET": None}, "SLACK_CLIENT_SECRET is not set"),
        ({"TOKEN_ENCRYPTION_KEY": None}, "TOKEN_ENCRYPTION_KEY is not set"),
        ({"TOKEN_ENCRYPTION_KEY": "too-short"}, "TOKEN_ENCRYPTION_KEY must hold Fernet keys"),
        ({"SLACK_CLIENT_ID": "my-app"}, "SLACK_CLIENT_ID must look like"),
        ({"SLACK_SCOPES": "chat:write, Commands!"}, "SLACK_SCOPES must be comma-separated"),
        ({"SLACK_APP_TOKEN": "xapp-1-A-2"}, "SLACK_APP_TOKEN and SLACK_CLIENT_ID are both set"),
        ({"UNINSTALL_RETENTION": "forever"}, "UNINSTALL_RETENTION must be a number of days"),
    ],
)
def test_oauth_settings_are_checked_and_named(changes, message):
    with pytest.raises(ConfigError) as raised:
        settings_with(**{**OAUTH, **changes})
    assert message in str(raised.value)
    assert "abcdef0123456789" not in str(raised.value)


def test_a_client_secret_without_a_client_id_is_refused():
    with pytest.raises(ConfigError, match="SLACK_CLIENT_SECRET is set but SLACK_CLIENT_ID is not"):
        settings_with(SLACK_CLIENT_SECRET="abc")


class _Recording(dict):
    """An environment that remembers every variable the settings asked for."""

    def __init__(self, values: dict[str, str]):
        super().__init__(values)
        self.asked: set[str] = set()

    def get(self, key, *default):
        self.asked.add(key)
        return super().get(key, *default)

    def __getitem__(self, key):
        self.asked.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self.asked.add(key)
        return super().__contains__(key)


def test_every_variable_the_bot_reads_is_explained_in_env_example_and_the_readme():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    example = {
        line.split("=", 1)[0]
        for line in (root / ".env.example").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    }
    readme = (root / "README.md").read_text()
    asked: set[str] = set()
    for changes in ({}, OAUTH):
        recording = _Recording({k: v for k, v in {**GOOD, **changes}.items() if v is not None})
        load_settings(recording)
        asked |= recording.asked
    assert {"SLACK_CLIENT_ID", "TOKEN_ENCRYPTION_KEY", "IDEAS_CHANNEL"} <= asked  # the recording works
    assert sorted(asked - example) == []
    assert sorted(name for name in asked if f"`{name}`" not in readme) == []
