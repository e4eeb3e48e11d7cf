"""Slack listeners: the only package that knows Slack's payload shapes."""

from __future__ import annotations

from slack_bolt import App

from handlers import (
    actions,
    commands,
    errors,
    events,
    experiments,
    installs,
    language,
    privacy,
    reviews,
    settings,
    shortcuts,
    views,
    waivers,
)
from handlers.services import Services


def register(app: App, services: Services) -> None:
    """Wire every listener to the app."""
    modules = (
        installs,
        language,
        commands,
        views,
        actions,
        reviews,
        experiments,
        waivers,
        privacy,
        settings,
        shortcuts,
        events,
    )
    for module in (*modules, errors):
        module.register(app, services)
