"""The two ways a rule says no, each with words for the person who asked."""

from __future__ import annotations


class InvalidSubmission(ValueError):
    """The input breaks a rule; `errors` maps each field to a message for the person."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = errors


class NotAllowed(Exception):
    """The person may not do this; the message says why, for them alone."""
