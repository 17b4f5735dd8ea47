"""What made-up values look like to the frontend that shows them (issue 20, item 4; issue 23).

A field's name guides its value: a title reads like a title, a slug like a slug, an `_at` field
is a date-time, a width is an image size. Numbers, arrays and maps take sizes a screen can show:
within the schema's bounds and small when the schema leaves them open. Every value here is also
held to the real validator (`fits`), as the data maker promises.

Each row names a field as vendors name it, and says what a user would check on the value."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from jobmock.contract.dialects import Dialect
from jobmock.contract.schema_fit import READ, Direction, judge
from jobmock.sim import fakedata, fakestrings
from jobmock.sim.fakedata import Generator

SEEDS = range(24)
EPOCH_2025 = (int(fakestrings.EPOCH_START.timestamp()), int(fakestrings.EPOCH_END.timestamp()))


def values(
    schema: Any, name: str = "", dialect: Dialect = "3.1", direction: Direction = READ, seeds: range = SEEDS
) -> list[Any]:
    """One value per seed for `schema` under the property `name`, each checked by the validator."""
    found = []
    check = judge(dialect, direction)
    for seed in seeds:
        gen = Generator(random.Random(seed), fakedata.seeded_faker(seed), dialect=dialect, direction=direction)
        value = gen.value(schema, name)
        assert check.fits(schema, value), f"seed {seed}: {value!r} does not fit {schema}"
        found.append(value)
    return found


def is_datetime(text: str) -> bool:
    return re.fullmatch(r"2025-\d\d-\d\dT\d\d:\d\d:\d\dZ", text) is not None


def is_date(text: str) -> bool:
    return re.fullmatch(r"2025-\d\d-\d\d", text) is not None


def words(text: str) -> list[str]:
    return text.split()


# --- strings, by field name -----------------------------------------------------------------------

STRING_NAMES: list[tuple[str, Callable[[str], bool]]] = [
    ("title", lambda v: 3 <= len(words(v)) <= 7 and v == v.title() and not v.endswith(".")),
    ("name", lambda v: 3 <= len(words(v)) <= 7 and v == v.title()),
    ("document_title", lambda v: v == v.title() and len(words(v)) >= 3),
    ("slug", lambda v: re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", v) is not None),
    ("filename", lambda v: re.fullmatch(r"\w+\.(docx|pdf|md|html)", v) is not None),
    ("file_name", lambda v: v.rsplit(".", 1)[-1] in ("docx", "pdf", "md", "html")),
    ("content_type", lambda v: v in fakedata.MIME_TYPES),
    ("output_mime_type", lambda v: v in fakedata.MIME_TYPES),
    ("body_html", lambda v: v.startswith("<p>") and v.endswith("</p>") and len(v) > 10),
    ("operation", lambda v: v in fakedata.OPERATIONS),
    ("plan_tier", lambda v: v in fakedata.TIERS),
    ("locale", lambda v: v in fakedata.LOCALES),
    ("language", lambda v: v in fakedata.LOCALES),
    ("summary", lambda v: v.endswith(".") and len(words(v)) >= 3),
    ("description", lambda v: v.endswith(".") and len(words(v)) >= 3),
    ("message", lambda v: v.endswith(".") and len(words(v)) >= 2 and "\n" not in v),
    ("error_message", lambda v: v.endswith(".") and len(words(v)) >= 2),
    ("prompt", lambda v: v.endswith(".") and 3 <= len(words(v)) <= 20),
    ("notes", lambda v: v.endswith(".") and len(words(v)) >= 3),
    ("source_language", lambda v: v in fakedata.LANGUAGES),
    ("language_code", lambda v: v in fakedata.LANGUAGES),
    ("lang", lambda v: v in fakedata.LANGUAGES),
    ("lang_code", lambda v: v in fakedata.LANGUAGES),
    ("ui_locale", lambda v: v in fakedata.LANGUAGES),
    ("country", lambda v: v in fakedata.COUNTRIES),
    ("country_code", lambda v: v in fakedata.COUNTRIES),
    ("billing_country", lambda v: v in fakedata.COUNTRIES),
    ("currency", lambda v: v in fakedata.CURRENCIES),
    ("invoice_currency", lambda v: v in fakedata.CURRENCIES),
    ("timezone", lambda v: v in fakedata.TIMEZONES),
    ("time_zone", lambda v: v in fakedata.TIMEZONES),
    ("tz", lambda v: v in fakedata.TIMEZONES),
    ("created_at", is_datetime),
    ("updated", is_datetime),
    ("timestamp", is_datetime),
    ("due_date", is_date),
    ("date", is_date),
    ("phone", lambda v: re.fullmatch(r"\+1555\d{7}", v) is not None),
    ("phone_number", lambda v: re.fullmatch(r"\+1555\d{7}", v) is not None),
    ("first_name", lambda v: v.isalpha() and v[0].isupper()),
    ("last_name", lambda v: v.replace("-", "").replace("'", "").isalpha() and v[0].isupper()),
    ("username", lambda v: re.fullmatch(r"[a-z]+\d{1,2}", v) is not None),
    ("full_name", lambda v: len(words(v)) >= 2 and all(w[0].isupper() for w in words(v))),
    ("display_name", lambda v: len(words(v)) >= 2),
    ("company", lambda v: len(v) > 3),
    ("organization", lambda v: len(v) > 3 and not v.islower()),
    ("organization_name", lambda v: len(v) > 3),
    ("city", lambda v: v[0].isupper()),
    ("version", lambda v: re.fullmatch(r"[1-3]\.\d\.\d{1,2}", v) is not None),
    ("hostname", lambda v: re.fullmatch(r"[a-z]+(-app|-labs|hq)?\.(com|io|net|org|dev|ai)", v) is not None),
    ("domain", lambda v: "." in v and " " not in v),
    ("billing_email", lambda v: re.fullmatch(r"[a-z]+\.[a-z]+@[a-z]+(-app|-labs|hq)?\.[a-z]+", v) is not None),
    ("model", lambda v: v in fakedata.MODELS),
    ("embedding_model", lambda v: v in fakedata.MODELS),
    ("webhook_url", lambda v: re.fullmatch(r"https://[a-z.-]+/[\w/.-]*", v) is not None and "cdn." not in v),
    ("self_href", lambda v: v.startswith("https://")),
    ("download_uri", lambda v: v.startswith("https://")),
    ("url", lambda v: re.fullmatch(r"https://cdn\.[a-z.-]+/images/[0-9a-f]{16}\.png", v) is not None),
    ("image_url", lambda v: v.startswith("https://cdn.") and v.endswith(".png")),
    ("key", lambda v: re.fullmatch(r"images/[0-9a-f]{16}\.png", v) is not None),
    ("id", lambda v: re.fullmatch(r"id_[A-Za-z0-9]{14}", v) is not None),
    ("project_id", lambda v: re.fullmatch(r"project_[A-Za-z0-9]{14}", v) is not None),
    ("source_file_id", lambda v: re.fullmatch(r"id_[A-Za-z0-9]{14}", v) is None and v.startswith("id_") is False),
]


@pytest.mark.parametrize(("name", "looks_right"), STRING_NAMES, ids=[n for n, _ in STRING_NAMES])
def test_a_string_field_gets_a_value_that_looks_like_its_name(name: str, looks_right: Callable[[str], bool]) -> None:
    made = values({"type": "string"}, name)
    wrong = [v for v in made if not looks_right(v)]
    assert not wrong, f"{name}: {wrong[:3]}"
    assert len(set(made)) > 1 or name in ("operation",), f"{name}: always {made[0]!r}"


def test_an_id_names_what_it_identifies_by_the_last_word_before_id() -> None:
    assert all(re.fullmatch(r"file_[A-Za-z0-9]{14}", v) for v in values({"type": "string"}, "source_file_id"))
    assert all(v.startswith("ID_") is False and v.startswith("id_") for v in values({"type": "string"}, "ID"))


def test_names_are_read_case_blind() -> None:
    assert all(v in fakedata.COUNTRIES for v in values({"type": "string"}, "Country"))
    assert all(is_datetime(v) for v in values({"type": "string"}, "Created_At"))


def test_a_string_with_no_telling_name_is_a_word() -> None:
    made = values({"type": "string"}, "colour")
    assert all(re.fullmatch(r"[a-z]+", v) for v in made) and len(set(made)) > 5


@pytest.mark.parametrize(
    ("fmt", "looks_right"),
    [
        ("uuid", lambda v: re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", v)),
        ("date-time", is_datetime),
        ("date", is_date),
        ("email", lambda v: "@" in v),
        ("uri", lambda v: v.startswith("https://")),
        ("url", lambda v: v.startswith("https://")),
    ],
)
def test_a_format_wins_over_the_field_name(fmt: str, looks_right: Callable[[str], Any]) -> None:
    """`title: {format: uuid}` is a uuid, not a title: the format is the schema's word."""
    assert all(looks_right(v) for v in values({"type": "string", "format": fmt}, "title"))


def test_a_name_guess_is_dropped_where_the_format_forbids_it() -> None:
    """A `created_at` string of format date is a date, though `_at` says date-time."""
    assert all(is_date(v) for v in values({"type": "string", "format": "date"}, "created_at"))


# --- numbers ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["created", "updated", "expires", "timestamp", "start_time", "end_time", "paid_at"])
@pytest.mark.parametrize("kind", ["integer", "number"])
def test_a_time_number_is_a_unix_time_in_2025(name: str, kind: str) -> None:
    assert all(EPOCH_2025[0] <= v < EPOCH_2025[1] and v == int(v) for v in values({"type": kind}, name))


def test_a_unixtime_format_is_a_unix_time_whatever_the_name() -> None:
    assert all(EPOCH_2025[0] <= v < EPOCH_2025[1] for v in values({"type": "integer", "format": "unixtime"}, "x"))
    assert all(EPOCH_2025[0] <= v < EPOCH_2025[1] for v in values({"type": "number", "format": "unixtime"}, "x"))


def test_a_unix_time_that_the_bounds_refuse_gives_way_to_them() -> None:
    assert all(0 <= v <= 10 for v in values({"type": "integer", "maximum": 10}, "created_at"))
    assert all(0 <= v <= 10 for v in values({"type": "number", "maximum": 10}, "created_at"))


def test_image_sizes_and_file_sizes_look_real() -> None:
    assert set(values({"type": "integer"}, "width")) <= {512, 768, 1024, 1536}
    assert set(values({"type": "integer"}, "height")) <= {512, 768, 1024, 1536}
    sizes = values({"type": "integer"}, "file_size")
    assert all(8_000 <= v <= 4_000_000 for v in sizes) and len(set(sizes)) > 10


def test_an_open_integer_is_a_small_non_negative_one_and_varies() -> None:
    made = values({"type": "integer"}, "count")
    assert all(0 <= v <= 1000 for v in made) and len(set(made)) > 10
    assert all(0 <= v <= 50 for v in values({"type": "integer"}, "words_translated"))


def test_an_integer_with_one_bound_stays_near_it() -> None:
    assert all(5 <= v <= 1005 for v in values({"type": "integer", "minimum": 5}, "n"))
    assert all(-1010 <= v <= -10 for v in values({"type": "integer", "maximum": -10}, "n"))
    assert all(0 <= v <= 7 for v in values({"type": "integer", "maximum": 7}, "n"))
    assert all(-20 <= v <= 980 for v in values({"type": "integer", "minimum": -20}, "n"))


def test_integer_bounds_hold_exactly_and_every_value_inside_comes_up() -> None:
    assert set(values({"type": "integer", "minimum": 1, "maximum": 3}, "n", seeds=range(60))) == {1, 2, 3}
    spread = values({"type": "integer", "exclusiveMinimum": 1, "exclusiveMaximum": 4}, "n", seeds=range(60))
    assert set(spread) == {2, 3}
    assert set(values({"type": "integer", "minimum": 2, "maximum": 2}, "n")) == {2}


def test_an_integer_with_no_room_between_its_bounds_is_its_lower_bound() -> None:
    """A vendor's slip (minimum above maximum): the lower bound, no crash."""
    gen = Generator(random.Random(1), fakedata.seeded_faker(1))
    assert gen.value({"type": "integer", "minimum": 9, "maximum": 3}) == 9


@pytest.mark.parametrize(("fmt", "limit"), [("int32", 2**31), ("int64", 2**63)])
def test_integer_formats_keep_to_their_range_near_its_edge(fmt: str, limit: int) -> None:
    high = values({"type": "integer", "format": fmt, "minimum": limit - 10}, "n")
    assert all(limit - 10 <= v <= limit - 1 for v in high)
    low = values({"type": "integer", "format": fmt, "maximum": -limit + 5}, "n")
    assert all(-limit <= v <= -limit + 5 for v in low)


def test_int64_bounds_give_a_number_a_person_can_read() -> None:
    made = values({"type": "integer", "minimum": -(2**63), "maximum": 2**63 - 1}, "n")
    assert all(0 <= v <= 1000 for v in made)
    near_top = values({"type": "integer", "maximum": 2**62}, "n")
    assert all(0 <= v <= 1000 for v in near_top)
    assert all(v <= -(2**40) + 1000 for v in values({"type": "integer", "maximum": -(2**40)}, "n"))


def test_an_integer_multiple_of_a_step_inside_bounds() -> None:
    made = values({"type": "integer", "minimum": 10, "maximum": 40, "multipleOf": 10}, "n", seeds=range(40))
    assert set(made) == {10, 20, 30, 40}


def test_a_number_has_two_decimals_at_most_and_keeps_its_bounds() -> None:
    made = values({"type": "number", "minimum": 0.5, "maximum": 1.5}, "score")
    assert all(0.5 <= v <= 1.5 and round(v, 2) == v for v in made) and len(set(made)) > 10
    open_made = values({"type": "number"}, "score")
    assert all(0 <= v <= 1000 for v in open_made)
    assert all(-1010 <= v <= -10 for v in values({"type": "number", "maximum": -10}, "score"))
    assert all(v > 0 for v in values({"type": "number", "exclusiveMinimum": 0, "maximum": 0.01}, "score"))


def test_a_number_with_no_room_but_its_exclusive_bounds_is_their_middle() -> None:
    gen = Generator(random.Random(1), fakedata.seeded_faker(1), dialect="3.1")
    assert gen.value({"type": "number", "exclusiveMinimum": 1, "exclusiveMaximum": 1.001}) == pytest.approx(1.0005)


def test_a_number_of_wide_bounds_is_readable() -> None:
    assert all(0 <= v <= 1000 for v in values({"type": "number", "minimum": -1e12, "maximum": 1e12}, "x"))


def test_a_number_multiple_of_a_step_is_a_whole_number_when_it_can_be() -> None:
    made = values({"type": "number", "minimum": 0, "maximum": 10, "multipleOf": 2.5}, "x", seeds=range(40))
    assert set(made) <= {0, 2.5, 5, 7.5, 10} and {0, 5, 10} & set(made) and {2.5, 7.5} & set(made)
    assert all(isinstance(v, int) for v in made if v in (0, 5, 10))
    high = values({"type": "number", "minimum": 100, "maximum": 110, "multipleOf": 2.5}, "x", seeds=range(40))
    assert set(high) <= {100, 102.5, 105, 107.5, 110} and len(set(high)) >= 3
    above = values({"type": "number", "exclusiveMinimum": 100, "multipleOf": 0.5}, "x")
    assert all(v > 100 for v in above)
    open_multiples = values({"type": "number", "multipleOf": 1}, "x")
    assert all(0 <= v <= 1000 for v in open_multiples) and len(set(open_multiples)) > 5


# --- booleans -------------------------------------------------------------------------------------


def test_a_boolean_is_mostly_its_default_and_sometimes_not() -> None:
    made = values({"type": "boolean", "default": True}, "enabled", seeds=range(100))
    assert 60 <= made.count(True) <= 95
    plain = values({"type": "boolean"}, "enabled", seeds=range(100))
    assert 30 <= plain.count(True) <= 70


# --- arrays -----------------------------------------------------------------------------------------


def test_an_open_array_has_one_to_three_items() -> None:
    lengths = {len(v) for v in values({"type": "array", "items": {"type": "string"}}, "tags", seeds=range(40))}
    assert lengths == {1, 2, 3}


@pytest.mark.parametrize(
    ("schema", "allowed"),
    [
        ({"minItems": 2}, {2, 3}),
        ({"minItems": 5}, {5}),
        ({"maxItems": 1}, {1}),
        ({"maxItems": 2}, {1, 2}),
        ({"minItems": 0, "maxItems": 2}, {0, 1, 2}),
        ({"minItems": 0}, {0, 1, 2, 3}),
        ({"maxItems": 0}, {0}),
    ],
)
def test_array_lengths_stay_within_the_schema_and_small(schema: dict[str, Any], allowed: set[int]) -> None:
    made = values({"type": "array", "items": {"type": "integer"}, **schema}, "numbers", seeds=range(60))
    assert {len(v) for v in made} == allowed


def test_items_of_an_array_take_the_singular_of_its_name() -> None:
    assert all(all(c in fakedata.COUNTRIES for c in v) for v in values({"items": {"type": "string"}}, "countries"))
    assert all(all(c in fakedata.CURRENCIES for c in v) for v in values({"items": {"type": "string"}}, "currencies"))
    assert all(all("@" in e for e in v) for v in values({"items": {"type": "string"}}, "emails"))
    assert all(all(is_datetime(s) for s in v) for v in values({"type": "array", "items": {}}, "timestamp"))


def test_an_array_of_enum_values_draws_from_the_enum() -> None:
    made = values({"type": "array", "items": {"enum": ["a", "b"]}, "minItems": 3, "maxItems": 3}, "x")
    assert all(len(v) == 3 and set(v) <= {"a", "b"} for v in made)
    unique = values({"type": "array", "items": {"enum": ["a", "b"]}, "uniqueItems": True, "minItems": 2}, "x")
    assert all(sorted(v) == ["a", "b"] for v in unique)
    assert values({"type": "array", "items": {"enum": []}, "minItems": 0}, "x") == [[]] * len(SEEDS)


def test_a_locales_list_is_of_distinct_locales() -> None:
    made = values({"type": "array", "items": {"type": "string"}, "minItems": 3, "maxItems": 3}, "locales")
    assert all(len(set(v)) == 3 and set(v) <= set(fakedata.LOCALES) for v in made)


def test_unique_items_are_distinct_even_when_few_values_exist() -> None:
    made = values({"type": "array", "items": {"type": "boolean"}, "uniqueItems": True, "maxItems": 3}, "x")
    assert all(len(set(v)) == len(v) for v in made)


def test_an_array_of_a_recursive_item_ends_empty_unless_it_may_not() -> None:
    gen = Generator(random.Random(1), fakedata.seeded_faker(1))
    assert gen.value({"type": "array", "items": {"$ref": "#/components/schemas/Node"}}) == []


# --- objects and maps ----------------------------------------------------------------------------


def test_a_map_has_one_or_two_entries_of_its_value_schema() -> None:
    made = values({"type": "object", "additionalProperties": {"type": "integer"}}, "counts", seeds=range(40))
    assert {len(v) for v in made} == {1, 2}
    assert all(all(isinstance(x, int) for x in v.values()) for v in made)


def test_min_properties_are_made_from_declared_properties_first_then_new_names() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "string"}}, "minProperties": 3}
    for value in values(schema, "x"):
        assert "a" in value and len(value) >= 3


def test_max_properties_drops_optional_properties_never_required_ones() -> None:
    schema = {
        "type": "object",
        "required": ["a"],
        "properties": {k: {"type": "string"} for k in "abcdef"},
        "maxProperties": 2,
    }
    assert all("a" in v and len(v) <= 2 for v in values(schema, "x"))


def test_keys_of_a_map_follow_property_names() -> None:
    schema = {"type": "object", "additionalProperties": {"type": "string"}, "propertyNames": {"pattern": "^k[0-9]$"}}
    assert all(all(re.fullmatch(r"k[0-9]", k) for k in v) and v for v in values(schema, "x"))


def test_a_required_name_without_a_property_is_made_from_additional_properties() -> None:
    schema = {"type": "object", "required": ["extra"], "additionalProperties": {"type": "integer"}}
    assert all(isinstance(v["extra"], int) for v in values(schema, "x"))


def test_usage_counters_add_up() -> None:
    schema = {
        "type": "object",
        "required": ["monthly_used", "monthly_limit", "monthly_remaining"],
        "properties": {k: {"type": "integer"} for k in ("monthly_used", "monthly_limit", "monthly_remaining")},
    }
    for usage in values(schema, "usage"):
        assert usage["monthly_used"] + usage["monthly_remaining"] == usage["monthly_limit"] >= 1
        assert 0 <= usage["monthly_used"] <= usage["monthly_limit"]


def test_optional_properties_are_mostly_present() -> None:
    schema = {"type": "object", "properties": {k: {"type": "string"} for k in "abcd"}}
    made = values(schema, "x")
    assert all(set(v) == set("abcd") for v in made)


def test_an_optional_nullable_property_is_null_sometimes_but_mostly_set() -> None:
    schema = {"type": "object", "properties": {"note": {"type": ["string", "null"]}}}
    nulls = sum(v["note"] is None for v in values(schema, "x", seeds=range(200)))
    assert 10 <= nulls <= 60


def test_a_required_nullable_property_is_never_null() -> None:
    schema = {"type": "object", "required": ["note"], "properties": {"note": {"type": ["string", "null"]}}}
    assert all(v["note"] is not None for v in values(schema, "x", seeds=range(60)))


def test_a_scalar_of_several_types_takes_each_of_them() -> None:
    made = values({"type": ["string", "integer"]}, "x", seeds=range(40))
    assert {type(v) for v in made} == {str, int}
    assert values({"type": ["null"]}, "x") == [None] * len(SEEDS)


@pytest.mark.parametrize(
    ("schema", "kind"),
    [
        ({"properties": {"a": {"type": "string"}}}, dict),
        ({"minProperties": 1}, dict),
        ({"additionalProperties": {"type": "string"}}, dict),
        ({"items": {"type": "string"}}, list),
        ({"minItems": 1}, list),
        ({"minimum": 3}, (int, float)),
        ({"multipleOf": 2}, (int, float)),
        ({"minLength": 3}, str),
        ({"minimum": 2, "maxLength": 3}, str),
        ({}, str),
    ],
)
def test_a_schema_without_a_type_gets_the_kind_its_keywords_describe(schema: dict[str, Any], kind: Any) -> None:
    assert all(isinstance(v, kind) and not isinstance(v, bool) for v in values(schema, "x"))


def test_a_time_value_is_a_real_instant() -> None:
    for v in values({"type": "string", "format": "date-time"}, "x"):
        assert datetime.fromisoformat(v.replace("Z", "+00:00")).year == 2025


def test_a_30_exclusive_minimum_flag_holds_in_a_narrow_range() -> None:
    made = values({"type": "number", "minimum": 0.5, "exclusiveMinimum": True, "maximum": 0.6}, "x", dialect="3.0")
    assert all(0.5 < v <= 0.6 for v in made)


def test_a_wide_range_far_from_zero_gives_a_number_inside_it() -> None:
    for kind in ("number", "integer"):
        made = values({"type": kind, "minimum": -(10**12), "maximum": -(5 * 10**11)}, "x")
        assert all(-(10**12) <= v <= -(5 * 10**11) for v in made)
        assert len(set(made)) > 5


def test_a_multiple_of_zero_a_vendors_slip_gives_a_number_not_a_crash() -> None:
    """No value fits `multipleOf: 0` (the validator refuses every one): a plain number, no error."""
    for kind in ("number", "integer"):
        gen = Generator(random.Random(1), fakedata.seeded_faker(1))
        assert 0 <= gen.value({"type": kind, "multipleOf": 0}, "x") <= 1000


def test_an_exclusive_minimum_equal_to_the_minimum_is_strict_in_31() -> None:
    assert set(values({"type": "integer", "minimum": 3, "exclusiveMinimum": 3, "maximum": 4}, "n")) == {4}
    assert set(values({"type": "integer", "maximum": 3, "exclusiveMaximum": 3, "minimum": 2}, "n")) == {2}


def test_a_guessed_size_that_is_no_multiple_of_the_step_gives_way() -> None:
    made = values({"type": "integer", "multipleOf": 0.75, "minimum": 0, "maximum": 2000}, "width")
    assert all(v % 3 == 0 for v in made) and len(set(made)) > 5
    values({"type": "integer", "multipleOf": 0.1, "minimum": 0, "maximum": 50}, "n")  # as the validator divides


def test_an_enum_of_mixed_values_gives_only_those_of_the_schemas_type() -> None:
    assert set(values({"type": "string", "enum": ["a", 1, None, "b"]}, "x", seeds=range(40))) == {"a", "b"}
    assert set(values({"type": "integer", "enum": ["a", 1, 2.0, 3]}, "x", seeds=range(40))) <= {1, 2.0, 3}
