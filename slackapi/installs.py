"""Installs in several workspaces: tokens kept encrypted in the bot's database, and the right client for each.

Slack's OAuth flow, the installation store and the state store are slack_sdk's and bolt's own; this module
seals the tokens they store (Fernet, `TOKEN_ENCRYPTION_KEY`) and finds the token a workspace is served with:
its own install, or its Enterprise Grid organisation's org-wide install.
"""

from __future__ import annotations

import copy
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_bolt.oauth.oauth_flow import OAuthFlow
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from slack_sdk.oauth.token_rotation import TokenRotator
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

_FERNET_PREFIX = "gAAAAA"  # every Fernet token starts so (version byte 0x80); no Slack token does (xox…)
_TOKEN_FIELDS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token", "incoming_webhook_url")
ROTATE_BEFORE_MINUTES = 120  # refresh a rotating token this long before it expires (bolt's default)
STATE_SECONDS = 600
OnInstall = Callable[
    [str | None, str | None, str | None], None
]  # (team or None if org-wide, enterprise, name)  # an "Add to Slack" link works for ten minutes


def token_cipher(keys: str) -> MultiFernet:
    """The cipher for `TOKEN_ENCRYPTION_KEY`: comma-separated Fernet keys, the first encrypts, any decrypts
    (so a key can be rotated: put the new one first, keep the old one until `main.py workspaces reseal` ran)."""
    return MultiFernet([Fernet(key.strip().encode()) for key in keys.split(",") if key.strip()])


class SealedInstallationStore(SQLAlchemyInstallationStore):
    """slack_sdk's SQLAlchemy installation store, with every token encrypted before it is written and
    decrypted after it is read. Tables come from the bot's migrations, not `create_tables()`."""

    def __init__(
        self, client_id: str, engine: Engine, cipher: MultiFernet, on_install: OnInstall | None = None
    ) -> None:
        super().__init__(client_id=client_id, engine=engine, logger=log)
        self.cipher = cipher
        self.on_install = on_install

    def save(self, installation: Installation) -> None:
        super().save(self._sealed(installation))  # its `save_bot` call sees sealed values and keeps them
        if self.on_install is not None:
            team = None if installation.is_enterprise_install else installation.team_id
            self.on_install(team, installation.enterprise_id, installation.team_name)

    def save_bot(self, bot: Bot) -> None:
        super().save_bot(self._sealed(bot))

    def find_bot(self, *, enterprise_id, team_id, is_enterprise_install=False) -> Bot | None:
        bot = super().find_bot(
            enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=is_enterprise_install
        )
        return self._opened(bot)

    def find_installation(
        self, *, enterprise_id, team_id, user_id=None, is_enterprise_install=False
    ) -> Installation | None:
        found = super().find_installation(
            enterprise_id=enterprise_id, team_id=team_id, user_id=user_id, is_enterprise_install=is_enterprise_install
        )
        return self._opened(found)

    def reseal(self) -> int:
        """Encrypt every stored token again with the first key (after a new key was put first in
        `TOKEN_ENCRYPTION_KEY`), so the old key can then be removed. Returns how many rows changed.
        Raises `InvalidToken` when a token opens with none of the keys."""
        changed = 0
        with self.engine.begin() as connection:
            for table in (self.installations, self.bots):
                columns = [name for name in _TOKEN_FIELDS if name in table.c]
                for row in connection.execute(sqlalchemy.select(table.c.id, *(table.c[n] for n in columns))):
                    values = row._mapping
                    fresh = {
                        name: self.cipher.rotate(values[name].encode()).decode()
                        for name in columns
                        if values[name] and values[name].startswith(_FERNET_PREFIX)
                    }
                    if fresh:
                        connection.execute(table.update().where(table.c.id == row.id).values(**fresh))
                        changed += 1
        return changed

    def _sealed(self, item):
        # a copy: the caller goes on using its object (bolt authorizes with a refreshed bot right after saving it)
        item = copy.copy(item)
        for name in _TOKEN_FIELDS:
            value = getattr(item, name, None)
            if value and not value.startswith(_FERNET_PREFIX):
                setattr(item, name, self.cipher.encrypt(value.encode()).decode())
        return item

    def _opened(self, item):
        if item is None:
            return None
        for name in _TOKEN_FIELDS:
            value = getattr(item, name, None)
            if value and value.startswith(_FERNET_PREFIX):
                try:
                    setattr(item, name, self.cipher.decrypt(value.encode()).decode())
                except InvalidToken:  # a key was removed from TOKEN_ENCRYPTION_KEY: the install must be redone
                    log.error("a stored token cannot be decrypted with TOKEN_ENCRYPTION_KEY; reinstall the app")
                    setattr(item, name, None)
        return item


@dataclass(frozen=True)
class OAuthParts:
    """What bolt needs for OAuth mode: the flow (install page and redirect) and the authorizer."""

    flow: OAuthFlow
    authorize: InstallationStoreAuthorize
    store: SealedInstallationStore


def oauth_parts(
    client: WebClient,
    engine: Engine,
    *,
    client_id: str,
    client_secret: str,
    scopes: tuple[str, ...],
    cipher: MultiFernet,
    redirect_uri: str | None = None,
    on_install: OnInstall | None = None,
) -> OAuthParts:
    store = SealedInstallationStore(client_id, engine, cipher, on_install)
    settings = OAuthSettings(
        client_id=client_id,
        client_secret=client_secret,
        scopes=list(scopes),
        redirect_uri=redirect_uri,
        installation_store=store,
        installation_store_bot_only=True,
        state_store=SQLAlchemyOAuthStateStore(expiration_seconds=STATE_SECONDS, engine=engine, logger=log),
        state_expiration_seconds=STATE_SECONDS,
        token_rotation_expiration_minutes=ROTATE_BEFORE_MINUTES,
        logger=log,
    )
    # auth.test is asked once per token and remembered (bolt's cache): without it, every ack waited on it
    authorize = InstallationStoreAuthorize(
        installation_store=store,
        client_id=client_id,
        client_secret=client_secret,
        bot_only=True,
        cache_enabled=True,
        client=client,
        logger=log,
    )
    authorize.token_rotation_expiration_minutes = ROTATE_BEFORE_MINUTES
    return OAuthParts(OAuthFlow(client=client, settings=settings, logger=log), authorize, store)


class Clients:
    """The Web API client for a workspace: with one bot token (single-workspace mode), always that one;
    with OAuth, the workspace's own install or its organisation's org-wide one, refreshed when it rotates.
    None when the app is not installed there (uninstalled, or its token revoked)."""

    def __init__(
        self,
        make: Callable[[str | None], WebClient],
        *,
        single: WebClient | None = None,
        store: SealedInstallationStore | None = None,
        enterprise_of: Callable[[str], str | None] = lambda _team: None,
        rotator: TokenRotator | None = None,
    ) -> None:
        self._make = make
        self.single = single
        self.store = store
        self.enterprise_of = enterprise_of
        self.rotator = rotator
        self._by_token: dict[str, WebClient] = {}
        self._lock = threading.Lock()

    @property
    def several(self) -> bool:
        return self.store is not None

    def for_workspace(self, workspace_id: str | None) -> WebClient | None:
        if self.store is None or workspace_id is None:
            return self.single
        bot = self.bot(workspace_id)
        if bot is None or not bot.bot_token:
            return None
        with self._lock:
            if len(self._by_token) > 1_000:
                self._by_token.clear()
            client = self._by_token.get(bot.bot_token)
            if client is None:
                client = self._by_token[bot.bot_token] = self._make(bot.bot_token)
        return client

    def bot(self, workspace_id: str) -> Bot | None:
        """The install serving `workspace_id`: its own, else its organisation's org-wide one."""
        assert self.store is not None
        enterprise_id = self.enterprise_of(workspace_id)
        bot = self.store.find_bot(enterprise_id=enterprise_id, team_id=workspace_id)
        if bot is None and enterprise_id is not None:
            bot = self.store.find_bot(enterprise_id=enterprise_id, team_id=None, is_enterprise_install=True)
        if bot is not None and self.rotator is not None and bot.bot_refresh_token:
            refreshed = self.rotator.perform_bot_token_rotation(
                bot=bot, minutes_before_expiration=ROTATE_BEFORE_MINUTES
            )
            if refreshed is not None:
                self.store.save_bot(refreshed)
                bot = self.store.find_bot(
                    enterprise_id=refreshed.enterprise_id,
                    team_id=refreshed.team_id,
                    is_enterprise_install=refreshed.is_enterprise_install,
                )
        return bot
