"""Slack listeners: the only package that knows Slack's payload shapes."""

from __future__ import annotations

from slack_bolt import App

from handlers import actions, commands, errors, events, installs, language, privacy, reviews, settings, shortcuts, views
from handlers.services import Services


def register(app: App, services: Services) -> None:
    """Wire every listener to the app."""
    for module in (installs, language, commands, views, actions, reviews, privacy, settings, shortcuts, events, errors):
        module.register(app, services)
