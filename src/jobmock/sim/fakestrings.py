"""Strings for a schema's `format` and `pattern`, reproducible from a seed.

A vendor's string schema often says what its strings look like: a `format` (date-time,
email, uri, uuid, ipv4, byte, ...) or a `pattern` (`^JS[0-9a-fA-F]{32}$`). The data maker
(`fakedata.py`) asks here for a string of that form when no field-name guess fits. Patterns
are turned into strings by rstr's xeger, with repeats (`*`, `+`, `{1,1000}`) held to a few
characters so a string stays short, and with every choice drawn from the caller's
`random.Random` in a fixed order (rstr's own alphabets built from sets are not: their order
changes with the process's hash seed), so that a seed always gives the same string.

Dates stay between fixed anchors (2025), never relative to the wall clock.
"""

from __future__ import annotations

import base64
import random
import re
import string
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from faker import Faker
from rstr.xeger import Xeger

ALPHABETS = {
    "alphanumeric": string.ascii_letters + string.digits,
    "lowercase-alphanumeric": string.ascii_lowercase + string.digits,
    "hex": "0123456789abcdef",
}
TLDS = ("com", "io", "net", "org", "dev", "ai")
REPEAT_LIMIT = 8  # most repeats a `*`, `+` or `{n,}` of a pattern makes (more only when the pattern asks)
PATTERN_TRIES = 12  # strings drawn from a pattern before giving up on fitting its lengths

# Absolute anchors: relative ones ("-30d") would change with the wall clock.
EPOCH_START = datetime(2025, 1, 1, tzinfo=UTC)
EPOCH_END = datetime(2026, 1, 1, tzinfo=UTC)

_DATED = re.compile(r"\d{4}-\d{2}|v?\d+(\.\d+)+$|\d{1,2}:\d{2}")  # a date, a version, a time: kept as written
_SAFE = string.ascii_letters + string.digits + "-_.~"  # what `.` and `[^...]` draw from: no control characters
_NONWORD = "".join(c for c in string.printable if not (c.isalnum() or c == "_") and c not in "\t\n\r\x0b\x0c")


def random_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def random_token(rng: random.Random, length: int, alphabet: str = "alphanumeric") -> str:
    chars = ALPHABETS.get(alphabet, alphabet)
    return "".join(rng.choices(chars, k=length))  # one call, not one per character


def domain(fake: Faker, rng: random.Random) -> str:
    # not fake.domain_name(): drawing a weighted surname costs ~125 µs, a word ~15 µs
    return f"{fake.word()}{rng.choice(('', '-app', '-labs', 'hq'))}.{rng.choice(TLDS)}"


def date_time(fake: Faker) -> str:
    return str(fake.date_time_between_dates(EPOCH_START, EPOCH_END).strftime("%Y-%m-%dT%H:%M:%SZ"))


def date(fake: Faker) -> str:
    return str(fake.date_between_dates(EPOCH_START.date(), EPOCH_END.date()).isoformat())


def epoch_seconds(rng: random.Random) -> int:
    """A plausible unix time (in 2025), for an integer `created_at`."""
    return rng.randint(int(EPOCH_START.timestamp()), int(EPOCH_END.timestamp()) - 1)


def _time(fake: Faker, rng: random.Random) -> str:
    return f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}Z"


def _email(fake: Faker, rng: random.Random) -> str:
    return f"{fake.word()}.{fake.word()}@{domain(fake, rng)}"


def _uri(fake: Faker, rng: random.Random) -> str:
    return f"https://{domain(fake, rng)}/{fake.uri_path()}"


def _ipv6(fake: Faker, rng: random.Random) -> str:
    return ":".join(f"{rng.getrandbits(16):x}" for _ in range(8))


def _ipv4(fake: Faker, rng: random.Random) -> str:
    return f"{rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def _byte(fake: Faker, rng: random.Random) -> str:
    return base64.b64encode(rng.randbytes(rng.randint(6, 24))).decode()


def _duration(fake: Faker, rng: random.Random) -> str:
    return rng.choice((f"PT{rng.randint(1, 59)}S", f"PT{rng.randint(1, 59)}M", f"P{rng.randint(1, 30)}D"))


FORMATS: dict[str, Callable[[Faker, random.Random], str]] = {
    "date-time": lambda fake, rng: date_time(fake),
    "date": lambda fake, rng: date(fake),
    "time": _time,
    "email": _email,
    "idn-email": _email,
    "uri": _uri,
    "url": _uri,
    "iri": _uri,
    "uri-reference": lambda fake, rng: "/" + str(fake.uri_path()),
    "iri-reference": lambda fake, rng: "/" + str(fake.uri_path()),
    "uri-template": lambda fake, rng: f"https://{domain(fake, rng)}/{fake.word()}/{{id}}",
    "uuid": lambda fake, rng: random_uuid(rng),
    "ipv4": _ipv4,
    "ipv6": _ipv6,
    "hostname": domain,
    "idn-hostname": domain,
    "byte": _byte,
    "binary": lambda fake, rng: random_token(rng, 24),
    "password": lambda fake, rng: random_token(rng, 16),
    "duration": _duration,
    "regex": lambda fake, rng: "^[a-z0-9_-]+$",
    "json-pointer": lambda fake, rng: f"/{fake.word()}/{rng.randint(0, 9)}",
    "relative-json-pointer": lambda fake, rng: f"{rng.randint(0, 3)}/{fake.word()}",
    "int32": lambda fake, rng: str(rng.randint(1, 100_000)),
    "int64": lambda fake, rng: str(rng.randint(1, 10_000_000)),
    "integer": lambda fake, rng: str(rng.randint(1, 100_000)),
    "unixtime": lambda fake, rng: str(epoch_seconds(rng)),
    "float": lambda fake, rng: f"{rng.uniform(0, 100):.2f}",
    "double": lambda fake, rng: f"{rng.uniform(0, 100):.2f}",
    "color": lambda fake, rng: "#" + random_token(rng, 6, "hex"),
}


def for_format(fake: Faker, rng: random.Random, fmt: str) -> str | None:
    """A string of the named format; None for a format not known here."""
    make = FORMATS.get(fmt)
    return make(fake, rng) if make is not None else None


def lookalikes(fake: Faker, rng: random.Random) -> list[str]:
    """Strings of common forms a vendor's pattern may describe (a date-time without its `Z`,
    a date, a version): tried before xeger, whose strings fit but read as noise."""
    stamp = date_time(fake)
    return [
        stamp,
        stamp[:-1],
        stamp[:-1] + ".000",
        stamp[:10],
        stamp[:4],
        f"1.{rng.randint(0, 9)}.{rng.randint(0, 20)}",
    ]


class _Xeger(Xeger):
    """rstr's xeger with bounded repeats and a fixed order for every choice."""

    def __init__(self, rng: random.Random, limit: int):
        super().__init__(rng, nonword=_NONWORD, unambiguous="".join(sorted(set(_SAFE) - set("0O1lI-_.~"))))
        self._limit = limit
        cases = dict(self._cases)
        cases["any"] = lambda x: rng.choice(_SAFE)
        cases["not_literal"] = lambda x: rng.choice(_SAFE.replace(chr(x), ""))
        self._cases = cases

    def _handle_repeat(self, start_range: int, end_range: int, value: str) -> str:
        end = min(end_range, max(start_range, self._limit))
        times = self._random.randint(start_range, end)
        return "".join("".join(self._handle_state(i) for i in value) for _ in range(times))

    def _handle_in(self, value: Any) -> Any:
        candidates = [c for part in value for c in self._handle_state(part)]
        if candidates and candidates[0] is False:  # a negated class: any safe character not in it
            excluded = set(candidates[1:])
            candidates = [c for c in _SAFE if c not in excluded] or [c for c in string.printable if c not in excluded]
        return self._random.choice(candidates)


def from_pattern(
    rng: random.Random, pattern: re.Pattern[str], min_length: int = 0, max_length: int | None = None
) -> str | None:
    """A string `pattern` finds (`re.search`, as JSON Schema's `pattern`) of a length within
    the bounds; None when none was drawn in PATTERN_TRIES tries (or xeger cannot read it)."""
    limit = REPEAT_LIMIT if max_length is None else max(1, min(REPEAT_LIMIT, max_length))
    xeger = _Xeger(rng, limit)
    for _ in range(PATTERN_TRIES):
        try:
            text = xeger.xeger(pattern.pattern)
        except Exception:  # a construct xeger cannot draw from (a lookbehind, a group it never saw)
            return None
        if min_length <= len(text) and (max_length is None or len(text) <= max_length) and pattern.search(text):
            return text
    return None


def is_token(text: str) -> bool:
    """An id-like string (`12345`, `file-abc123`), not words, a code (`mp3`, `gpt-4o`), a date
    or a version: no spaces, at most 64 characters, and four digits or more, or eight
    characters or more mixing digits and letters."""
    if not 0 < len(text) <= 64 or any(c.isspace() for c in text) or _DATED.match(text):
        return False
    digits = sum(c.isdigit() for c in text)
    return digits >= 4 or (len(text) >= 8 and digits > 0 and any(c.isalpha() for c in text))


def shaped(rng: random.Random, example: str) -> str:
    """Another string of the example's form: each digit, lower- and upper-case letter drawn
    again as one of its kind, the rest kept (`file-abc123` -> `file-qzt804`). A prefix of
    letters before a separator (`file-`, `asst_`) is kept as it is."""
    head = re.match(r"[A-Za-z]+[-_:.]", example)
    kept = head.end() if head else 0
    drawn = []
    for char in example[kept:]:
        if char.isdigit() and char.isascii():
            drawn.append(rng.choice(string.digits))
        elif char.islower() and char.isascii():
            drawn.append(rng.choice(string.ascii_lowercase))
        elif char.isupper() and char.isascii():
            drawn.append(rng.choice(string.ascii_uppercase))
        else:
            drawn.append(char)
    return example[:kept] + "".join(drawn)


def fit_length(rng: random.Random, text: str, min_length: int, max_length: int | None) -> str:
    """`text` padded with letters and digits to `min_length` and cut to `max_length`."""
    if len(text) < min_length:
        text += random_token(rng, min_length - len(text))
    if max_length is not None and len(text) > max_length:
        text = text[:max_length]
    return text
