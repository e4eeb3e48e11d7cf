"""The bot's own words in the reader's language: gettext catalogs (`bot/locales/*/LC_MESSAGES/messages.po`), read
directly with Babel, and the language of the current reader held in a context variable.

Builders call `_("Submit")` or `ngettext("{count} idea", "{count} ideas", n, count=n)`; whoever knows
the reader (a handler, the outbox) wraps the work in `with speaking(language):`. Text people wrote is
never translated. Add a language: copy `bot/locales/messages.pot` to `bot/locales/xx/LC_MESSAGES/messages.po`,
translate every entry, and add `xx` to `LANGUAGES`.
"""

from __future__ import annotations

import contextvars
import gettext
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from babel.dates import get_day_names
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
LANGUAGES = ("en", "pt", "fr", "nl", "sl", "de", "es")
LANGUAGE_NAMES = {
    "en": "English",
    "pt": "Português",
    "fr": "Français",
    "nl": "Nederlands",
    "sl": "Slovenščina",
    "de": "Deutsch",
    "es": "Español",
}
DEFAULT = "en"

_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("language", default=None)


@dataclass(frozen=True)
class Catalog:
    """One language's translations: msgid -> text, or msgid -> plural forms."""

    singular: dict[str, str]
    plural: dict[str, tuple[str, ...]]
    plural_index: Callable[[int], int]


def normalise(code: str | None) -> str | None:
    """A supported language from a Slack locale or a typed code ("pt-PT", "fr_BE", "NL"), else None."""
    if not code:
        return None
    base = code.strip().replace("_", "-").split("-")[0].lower()
    return base if base in LANGUAGES else None


@cache
def catalog(language: str) -> Catalog:
    """The catalog of `language` (English is the msgids themselves)."""
    path = LOCALES_DIR / language / "LC_MESSAGES" / "messages.po"
    if language == "en" or not path.exists():
        return Catalog({}, {}, lambda n: 0 if n == 1 else 1)
    with path.open("rb") as file:
        po = read_po(file, locale=language)
    singular: dict[str, str] = {}
    plural: dict[str, tuple[str, ...]] = {}
    for message in po:
        if not message.id or not message.string or message.fuzzy:
            continue
        if isinstance(message.id, tuple):
            forms = tuple(message.string)
            if all(forms):
                plural[message.id[0]] = forms
        else:
            singular[message.id] = message.string
    return Catalog(singular, plural, gettext.c2py(po.plural_expr))


def language() -> str:
    """The language of whoever the bot is talking to right now."""
    return _current.get() or DEFAULT


@contextmanager
def speaking(code: str | None) -> Iterator[str]:
    """Talk in `code` (a supported language, else the default) inside the block."""
    chosen = normalise(code) or DEFAULT
    token = _current.set(chosen)
    try:
        yield chosen
    finally:
        _current.reset(token)


def use(code: str | None) -> str:
    """Talk in `code` from now on in this context (one request's, say); returns the language chosen."""
    chosen = normalise(code) or DEFAULT
    _current.set(chosen)
    return chosen


def set_default(code: str) -> None:
    """The language used when nobody's language is known (DEFAULT_LANGUAGE)."""
    global DEFAULT
    DEFAULT = normalise(code) or "en"


def _(message: str, **values: object) -> str:
    """`message` in the current language, with `{placeholders}` filled from `values`."""
    text = catalog(language()).singular.get(message, message)
    return text.format(**values) if values else text


def ngettext(singular: str, plural: str, count: int, **values: object) -> str:
    """The form of a counted message that fits `count` in the current language ({count} is filled)."""
    found = catalog(language())
    forms = found.plural.get(singular)
    if forms is None:
        text = singular if count == 1 else plural
    else:
        text = forms[min(found.plural_index(count), len(forms) - 1)]
    return text.format(count=format_number(count), **values)


def N_(message: str) -> str:
    """Mark a string for translation where it is defined; translate it with `_()` where it is shown."""
    return message


def format_date(day: date) -> str:
    """A date as people of the current language write it: "3 December 2026", "3 de dezembro de 2026"."""
    return babel_format_date(day, format="long", locale=_locale())


def format_datetime(moment: datetime, tz: ZoneInfo) -> str:
    """A day and time in the reader's time zone, which it names: "Thu 3 Dec, 14:00 (Europe/Brussels)", in the
    current language (the zone's name is the same in every language, and unambiguous)."""
    shown = babel_format_datetime(moment, format="EEE d MMM, HH:mm", tzinfo=tz, locale=_locale())
    return f"{shown} ({tz.key})"


def day_name(weekday: int) -> str:
    """A weekday's name in the current language (Monday is 0)."""
    return str(get_day_names("wide", locale=_locale())[weekday]).capitalize()


def format_number(value: int | float) -> str:
    return format_decimal(value, locale=_locale())


def _locale() -> Locale:
    return Locale.parse("en_GB" if language() == "en" else language())  # "3 December 2026", as the bot always wrote
