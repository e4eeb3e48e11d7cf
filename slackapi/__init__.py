"""Slack Web API adapters: the outbox delivery, the notifier, people look-ups, the background worker."""
