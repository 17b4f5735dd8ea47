"""Strings of a format or a pattern (sim/fakestrings.py), as the data maker and a user see them.

A vendor's `pattern: ^JS[0-9a-fA-F]{32}$` must give strings a client's own validation accepts,
short enough to show, and the same ones for the same seed; an id-like example must give other
ids of its form; formats must be what their names promise, dated in 2025 whatever the day."""

from __future__ import annotations

import base64
import ipaddress
import random
import re
import string
import uuid
from datetime import date, datetime

import pytest

from jobmock.sim import fakedata, fakestrings

SEEDS = range(30)


def fake_and_rng(seed: int) -> tuple[object, random.Random]:
    return fakedata.seeded_faker(seed), random.Random(seed)


def for_format(fmt: str, seed: int) -> str:
    fake, rng = fake_and_rng(seed)
    made = fakestrings.for_format(fake, rng, fmt)  # type: ignore[arg-type]
    assert made is not None
    return made


# --- formats ----------------------------------------------------------------------------------


def in_2025(stamp: str) -> bool:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).year == 2025


FORMAT_LOOKS = {
    "date-time": lambda v: re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", v) and in_2025(v),
    "date": lambda v: date.fromisoformat(v).year == 2025,
    "time": lambda v: re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d:[0-5]\dZ", v),
    "email": lambda v: re.fullmatch(r"[a-z]+\.[a-z]+@[a-z]+(-app|-labs|hq)?\.(com|io|net|org|dev|ai)", v),
    "idn-email": lambda v: "@" in v,
    "uri": lambda v: re.fullmatch(r"https://[a-z]+(-app|-labs|hq)?\.[a-z]+/\S+", v),
    "url": lambda v: v.startswith("https://"),
    "iri": lambda v: v.startswith("https://"),
    "uri-reference": lambda v: v.startswith("/") and " " not in v and len(v) > 1,
    "iri-reference": lambda v: v.startswith("/") and len(v) > 1,
    "uri-template": lambda v: re.fullmatch(r"https://[a-z.-]+/[a-z]+/\{id\}", v),
    "uuid": lambda v: uuid.UUID(v).version == 4,
    "ipv4": lambda v: ipaddress.IPv4Address(v) and not v.startswith("0.") and int(v.split(".")[0]) <= 223,
    "ipv6": lambda v: ipaddress.IPv6Address(v) and v.count(":") == 7,
    "hostname": lambda v: re.fullmatch(r"[a-z]+(-app|-labs|hq)?\.(com|io|net|org|dev|ai)", v),
    "idn-hostname": lambda v: "." in v,
    "byte": lambda v: 6 <= len(base64.b64decode(v, validate=True)) <= 24,
    "binary": lambda v: re.fullmatch(r"[A-Za-z0-9]{24}", v),
    "password": lambda v: re.fullmatch(r"[A-Za-z0-9]{16}", v),
    "duration": lambda v: re.fullmatch(r"PT([1-9]|[1-5]\d)[SM]|P([1-9]|[12]\d|30)D", v),
    "regex": lambda v: re.compile(v).pattern == v,
    "json-pointer": lambda v: re.fullmatch(r"/[a-z]+/\d", v),
    "relative-json-pointer": lambda v: re.fullmatch(r"[0-3]/[a-z]+", v),
    "int32": lambda v: 1 <= int(v) <= 100_000,
    "int64": lambda v: 1 <= int(v) <= 10_000_000,
    "integer": lambda v: 1 <= int(v) <= 100_000,
    "unixtime": lambda v: fakestrings.EPOCH_START.timestamp() <= int(v) < fakestrings.EPOCH_END.timestamp(),
    "float": lambda v: re.fullmatch(r"\d{1,3}\.\d\d", v) and 0 <= float(v) <= 100,
    "double": lambda v: re.fullmatch(r"\d{1,3}\.\d\d", v),
    "color": lambda v: re.fullmatch(r"#[0-9a-f]{6}", v),
}


def test_every_known_format_is_described() -> None:
    assert set(FORMAT_LOOKS) == set(fakestrings.FORMATS)


@pytest.mark.parametrize("fmt", sorted(FORMAT_LOOKS))
def test_a_format_gives_strings_that_look_like_it_and_vary(fmt: str) -> None:
    made = [for_format(fmt, seed) for seed in SEEDS]
    wrong = [v for v in made if not FORMAT_LOOKS[fmt](v)]
    assert not wrong, wrong[:3]
    assert len(set(made)) > (1 if fmt == "regex" else 5) or fmt == "regex"


def test_an_unknown_format_gives_nothing() -> None:
    fake, rng = fake_and_rng(1)
    assert fakestrings.for_format(fake, rng, "x-vendor-thing") is None  # type: ignore[arg-type]


def test_dates_are_spread_over_2025_not_the_wall_clock() -> None:
    months = {for_format("date-time", seed)[:7] for seed in range(80)}
    assert len(months) >= 6 and all(m.startswith("2025-") for m in months)
    epochs = [fakestrings.epoch_seconds(random.Random(seed)) for seed in range(80)]
    assert min(epochs) >= fakestrings.EPOCH_START.timestamp() and max(epochs) < fakestrings.EPOCH_END.timestamp()
    assert max(epochs) - min(epochs) > 180 * 86400


def test_tokens_and_uuids_come_from_the_seed() -> None:
    assert fakestrings.random_token(random.Random(4), 12) == fakestrings.random_token(random.Random(4), 12)
    assert fakestrings.random_uuid(random.Random(4)) != fakestrings.random_uuid(random.Random(5))
    hexes = fakestrings.random_token(random.Random(4), 200, "hex")
    assert set(hexes) <= set("0123456789abcdef") and len(set(hexes)) > 10
    lower = fakestrings.random_token(random.Random(4), 200, "lowercase-alphanumeric")
    assert set(lower) <= set(string.ascii_lowercase + string.digits) and any(c.isdigit() for c in lower)
    mixed = fakestrings.random_token(random.Random(4), 200)
    assert any(c.isupper() for c in mixed) and any(c.islower() for c in mixed) and any(c.isdigit() for c in mixed)
    assert set(fakestrings.random_token(random.Random(4), 30, "xy")) == {"x", "y"}


# --- patterns ----------------------------------------------------------------------------------------


def drawn(pattern: str, min_length: int = 0, max_length: int | None = None, seeds: range = SEEDS) -> list[str]:
    found = []
    for seed in seeds:
        text = fakestrings.from_pattern(random.Random(seed), re.compile(pattern), min_length, max_length)
        assert text is not None, f"seed {seed}: nothing for {pattern}"
        assert re.search(pattern, text), text
        assert min_length <= len(text) and (max_length is None or len(text) <= max_length), text
        found.append(text)
    return found


def test_open_repeats_stay_short_but_vary() -> None:
    lengths = {len(t) for t in drawn(r"^[a-z]+$")}
    assert max(lengths) <= fakestrings.REPEAT_LIMIT and len(lengths) > 3
    assert max(len(t) for t in drawn(r"^a*$")) <= fakestrings.REPEAT_LIMIT
    assert {len(t) for t in drawn(r"^x{2,}$")} <= set(range(2, fakestrings.REPEAT_LIMIT + 1))


def test_a_repeat_the_pattern_asks_for_is_kept_whole() -> None:
    assert all(len(t) == 34 for t in drawn(r"^JS[0-9a-fA-F]{32}$"))
    assert all(len(t) == 12 for t in drawn(r"^[0-9]{12,}$"))


def test_a_max_length_shortens_open_repeats() -> None:
    assert all(len(t) <= 3 for t in drawn(r"^[a-z]+$", max_length=3))
    assert all(len(t) == 1 for t in drawn(r"^[a-z]+$", max_length=1))


def test_a_min_length_is_met_by_drawing_again() -> None:
    assert all(len(t) >= 6 for t in drawn(r"^[a-z]{1,8}$", min_length=6))
    assert all(len(t) == 3 for t in drawn(r"^[a-z]{3}$", min_length=3, max_length=3))


def test_a_pattern_of_the_empty_string_gives_it() -> None:
    assert fakestrings.from_pattern(random.Random(1), re.compile("^$")) == ""


def test_a_repeated_group_is_drawn_whole_each_time() -> None:
    assert all(re.fullmatch(r"(ab){2,3}", t) for t in drawn(r"^(ab){2,3}$"))
    assert all(re.fullmatch(r"(x[0-9]){1,8}", t) for t in drawn(r"^(x[0-9])+$"))
    assert all(t in ("abab", "ababab") for t in drawn(r"^(?:ab){2,3}$"))


def test_lengths_no_draw_can_meet_give_nothing() -> None:
    assert fakestrings.from_pattern(random.Random(1), re.compile(r"^[a-z]{3}$"), 5) is None


def test_any_character_and_negated_classes_draw_printable_safe_characters() -> None:
    for text in drawn(r"^.{6}$") + drawn(r"^[^,\s]{6}$") + drawn(r"^[^a]{6}$"):
        assert all(c.isprintable() and not c.isspace() for c in text)
    assert not any("a" in t for t in drawn(r"^[^a]{6}$"))
    assert not any("," in t for t in drawn(r"^[^,\s]{6}$"))
    assert not any("x" in t for t in drawn(r"^[^x]{6}$"))


def test_a_class_that_excludes_every_safe_character_still_gets_one() -> None:
    safe = re.escape(string.ascii_letters + string.digits + "-_.~")
    texts = drawn(f"^[^{safe}]$")
    assert all(not c.isalnum() for t in texts for c in t)


def test_word_and_non_word_classes_hold() -> None:
    assert all(not t[0].isalnum() and t[0] != "_" and not t[0].isspace() for t in drawn(r"^\W\w+$"))


def test_a_pattern_xeger_cannot_draw_gives_nothing() -> None:
    assert fakestrings.from_pattern(random.Random(1), re.compile(r"(a)(?(1)b|c)")) is None  # a conditional
    assert fakestrings.from_pattern(random.Random(1), re.compile(r"(?=x)y")) is None  # no string fits


def test_a_pattern_draws_the_same_string_for_the_same_seed_and_others_for_others() -> None:
    pattern = re.compile(r"^[A-Za-z0-9_-]{8}\.[a-z]{2,4}$")
    first = [fakestrings.from_pattern(random.Random(s), pattern) for s in SEEDS]
    again = [fakestrings.from_pattern(random.Random(s), pattern) for s in SEEDS]
    assert first == again and len(set(first)) == len(SEEDS)


def test_lookalikes_are_the_common_forms_a_pattern_may_describe() -> None:
    fake, rng = fake_and_rng(3)
    stamp, bare, millis, day, year, version = fakestrings.lookalikes(fake, rng)  # type: ignore[arg-type]
    assert stamp.endswith("Z") and bare == stamp[:-1] and millis == bare + ".000"
    assert day == stamp[:10] and year == "2025" and re.fullmatch(r"1\.\d\.\d{1,2}", version)


# --- id-like examples ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "token"),
    [
        ("12345", True),
        ("file-abc123", True),
        ("JS0123456789abcdef", True),
        ("a1b2c3d4", True),
        ("abc12345", True),
        ("mp3", False),
        ("gpt-4o", False),
        ("abc123", False),
        ("123", False),
        ("abcdefghijk", False),
        ("12345678", True),
        ("1234", True),
        ("abcdefg1", True),
        ("abcdefgh", False),
        ("two words 1234", False),
        ("2025-01-01", False),
        ("v1.2.3", False),
        ("1.20", False),
        ("12:30", False),
        ("", False),
        ("x" * 60 + "1234", True),
        ("x" * 61 + "1234", False),
    ],
)
def test_an_id_like_string_is_told_from_words_codes_dates_and_versions(text: str, token: bool) -> None:
    assert fakestrings.is_token(text) is token


def test_a_shaped_string_keeps_the_examples_form_and_prefix() -> None:
    for seed in SEEDS:
        made = fakestrings.shaped(random.Random(seed), "file-abC123.x")
        assert re.fullmatch(r"file-[a-z]{2}[A-Z]\d{3}\.[a-z]", made), made
    assert len({fakestrings.shaped(random.Random(s), "asst_Ab9") for s in SEEDS}) > 20
    assert all(fakestrings.shaped(random.Random(s), "12-34").count("-") == 1 for s in SEEDS)
    assert all(fakestrings.shaped(random.Random(s), "é1").startswith("é") for s in SEEDS)
    no_prefix = [fakestrings.shaped(random.Random(s), "12ab") for s in SEEDS]
    assert all(re.fullmatch(r"\d\d[a-z]{2}", v) for v in no_prefix) and len({v[2:] for v in no_prefix}) > 1
    assert len({v[0] for v in no_prefix}) > 1  # no prefix: the first character is drawn too
    assert all(fakestrings.shaped(random.Random(s), "ASST_ab1").startswith("ASST_") for s in SEEDS)


def test_fit_length_pads_with_letters_and_digits_and_cuts() -> None:
    rng = random.Random(2)
    padded = fakestrings.fit_length(rng, "ab", 10, None)
    assert padded.startswith("ab") and len(padded) == 10 and padded.isalnum()
    assert fakestrings.fit_length(rng, "abcdef", 0, 3) == "abc"
    assert fakestrings.fit_length(rng, "abcdef", 2, 6) == "abcdef"
    assert fakestrings.fit_length(rng, "abc", 3, 3) == "abc"


def test_addresses_and_times_stay_valid_over_thousands_of_draws() -> None:
    """Each octet and each clock field is drawn within its range: a rare 256 or :60 would be
    a body a client's own validation refuses once in a few hundred polls."""
    rng = random.Random(11)
    fake = fakedata.seeded_faker(11)
    for _ in range(3000):
        address = fakestrings.FORMATS["ipv4"](fake, rng)
        assert all(0 <= int(octet) <= 255 for octet in address.split(".")) and ipaddress.IPv4Address(address)
        hours, minutes, seconds = fakestrings.FORMATS["time"](fake, rng).rstrip("Z").split(":")
        assert int(hours) <= 23 and int(minutes) <= 59 and int(seconds) <= 59
