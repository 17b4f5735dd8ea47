"""Field-aware fake values for a JSON schema, reproducible from a seed.

Titles look like titles, URLs like URLs, model fields like model names. The same
seed always gives the same value, in any process: randomness comes only from the
`random.Random` and the Faker instance seeded by the caller (never the wall clock).
"""

from __future__ import annotations

import random
import re
import string
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from faker import Faker

from ..contract.openapi import merged_object

MODELS = (
    "google/gemini-2.5-flash-001",
    "google/gemini-2.5-pro",
    "anthropic/claude-sonnet-4",
    "openai/gpt-4.1-mini",
    "openai/gpt-4o",
    "meta-llama/llama-3.3-70b-instruct",
)
MAX_VALUES = 50_000  # values in one job's made-up body
LOCALES = ("fr", "de", "es", "it", "pt", "nl", "ja", "pl")
TIERS = ("free", "starter", "pro", "team", "enterprise")
TLDS = ("com", "io", "net", "org", "dev", "ai")
MIME_TYPES = (
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "text/html",
    "text/markdown",
)
OPERATIONS = ("replace", "insert", "delete")
ALPHABETS = {
    "alphanumeric": string.ascii_letters + string.digits,
    "lowercase-alphanumeric": string.ascii_lowercase + string.digits,
    "hex": "0123456789abcdef",
}

# Absolute anchors: relative ones ("-30d") would change with the wall clock.
_EPOCH_START = datetime(2025, 1, 1, tzinfo=UTC)
_EPOCH_END = datetime(2026, 1, 1, tzinfo=UTC)

_faker = Faker("en_US")  # constructing Faker costs ~1 ms: one instance, re-seeded per job


def seeded_faker(seed: int) -> Faker:
    _faker.seed_instance(seed)
    return _faker


def random_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def random_token(rng: random.Random, length: int, alphabet: str = "alphanumeric") -> str:
    chars = ALPHABETS.get(alphabet, alphabet)
    return "".join(rng.choices(chars, k=length))  # one call, not one per character


class Generator:
    """Makes one value per schema node; `name` is the property name it will sit under."""

    def __init__(self, rng: random.Random, faker: Faker):
        self.rng = rng
        self.fake = faker
        self.made = 0  # values made: past MAX_VALUES, None (a body stays bounded whatever the schema)

    def value(self, schema: Mapping[str, Any], name: str = "", required: bool = True) -> Any:
        self.made += 1
        if self.made > MAX_VALUES:
            return None
        schema = merged_object(schema)
        if "$ref" in schema:  # where a recursive schema was cut (`openapi.deref`): recurse no further
            return None if schema.get("nullable") or not required else {}
        if schema.get("nullable") and not required and self.rng.random() < 0.15:
            return None
        if "enum" in schema:
            return self.rng.choice(schema["enum"])
        for key in ("oneOf", "anyOf"):
            if key in schema:
                return self.value(self.rng.choice(schema[key]), name, required)
        kind = schema.get("type") or ("object" if "properties" in schema else "string")
        if kind == "object":
            return self.object(schema)
        if kind == "array":
            return self.array(schema, name)
        if kind == "boolean":
            default = schema.get("default")
            if isinstance(default, bool):
                return default if self.rng.random() < 0.8 else not default
            return self.rng.random() < 0.5
        if kind == "integer":
            return self.integer(schema, name)
        if kind == "number":
            low = float(schema.get("minimum", 0))
            high = float(schema.get("maximum", low + 1000))
            return round(self.rng.uniform(low, high), 2)
        return self.string(schema, name)

    def object(self, schema: Mapping[str, Any]) -> dict[str, Any]:
        required = set(schema.get("required", []))
        result = {
            prop: self.value(sub, prop, prop in required)
            for prop, sub in schema.get("properties", {}).items()
            if prop in required or "$ref" not in sub  # an optional recursive property is left out
        }
        _make_usage_consistent(result)
        return result

    def array(self, schema: Mapping[str, Any], name: str) -> list[Any]:
        items = merged_object(schema.get("items", {}))
        if "$ref" in items:  # items of a recursive schema: the list ends here
            return []
        low = int(schema.get("minItems", 1))
        high = max(low, min(int(schema.get("maxItems", 3)), 3))
        count = self.rng.randint(low, high)
        if "enum" in items:
            return self.rng.sample(list(items["enum"]), min(count, len(items["enum"])))
        if name == "locales":
            return self.rng.sample(LOCALES, count)
        singular = name[:-1] if name.endswith("s") else name
        return [self.value(items, singular) for _ in range(count)]

    def integer(self, schema: Mapping[str, Any], name: str) -> int:
        if name in ("width", "height"):
            return self.rng.choice((512, 768, 1024, 1536))
        if name == "file_size":
            return self.rng.randint(8_000, 4_000_000)
        low = int(schema.get("minimum", 0))
        high = int(schema.get("maximum", max(low, 0) + (50 if name.endswith("translated") else 1000)))
        return self.rng.randint(low, high)

    def string(self, schema: Mapping[str, Any], name: str) -> str:  # noqa: C901 - a lookup table, by field name
        fmt = schema.get("format", "")
        low = name.lower()
        fake, rng = self.fake, self.rng
        if fmt == "uuid":
            return random_uuid(rng)
        if fmt == "date-time":
            return fake.date_time_between_dates(_EPOCH_START, _EPOCH_END).strftime("%Y-%m-%dT%H:%M:%SZ")
        if fmt == "date":
            return fake.date_between_dates(_EPOCH_START.date(), _EPOCH_END.date()).isoformat()
        if fmt == "email" or low.endswith("email"):
            return f"{fake.word()}.{fake.word()}@{_domain(fake, rng)}"
        if low.endswith("model"):
            return rng.choice(MODELS)
        if fmt in ("uri", "url") or low.endswith(("url", "uri", "href")):
            if "image" in low or low == "url":
                return f"https://cdn.{_domain(fake, rng)}/images/{random_token(rng, 16, 'hex')}.png"
            return f"https://{_domain(fake, rng)}/{fake.uri_path()}"
        if low == "key":
            return f"images/{random_token(rng, 16, 'hex')}.png"
        if low.endswith("_id") or low == "id":
            stem = low[:-3] if low.endswith("_id") else "id"
            return f"{stem.split('_')[-1]}_{random_token(rng, 14)}"
        if low in ("title", "name") or low.endswith("title"):
            return str(fake.sentence(nb_words=rng.randint(3, 7), variable_nb_words=False)).rstrip(".").title()
        if low == "slug":
            return "-".join(re.findall(r"[a-z0-9]+", str(fake.sentence(nb_words=4)).lower()))
        if low.endswith("filename") or low == "file_name":
            return str(fake.file_name(extension=rng.choice(("docx", "pdf", "md", "html"))))
        if low == "content_type" or low.endswith("mime_type"):
            return rng.choice(MIME_TYPES)
        if low.endswith("html"):
            return f"<p>{fake.paragraph(nb_sentences=2)}</p>"
        if low == "operation":
            return rng.choice(OPERATIONS)
        if low.endswith("tier"):
            return rng.choice(TIERS)
        if low in ("locale", "language"):
            return rng.choice(LOCALES)
        if low in ("response", "text", "changes_summary", "ai_explanation", "summary", "description"):
            return str(fake.paragraph(nb_sentences=rng.randint(1, 3)))
        if low in ("message", "detail", "error", "error_message"):
            return str(fake.sentence())
        if "example" in schema and isinstance(schema["example"], str):
            return schema["example"]
        word = str(fake.word())
        min_len = int(schema.get("minLength", 0))
        return word if len(word) >= min_len else word + random_token(rng, min_len - len(word))


def match_counts(value: Any, total: int) -> None:
    """A list of numbered items (each with an `index`) in a job's result holds as many items as
    the job's count of them (`scenes_total` scenes), numbered 1..n: coherent with the count."""
    if total <= 0 or not isinstance(value, dict):
        return
    for key, items in value.items():
        if isinstance(items, list) and items and all(isinstance(i, dict) and "index" in i for i in items):
            value[key] = [{**items[n % len(items)], "index": n + 1} for n in range(total)]
        elif isinstance(items, dict):
            match_counts(items, total)


def _domain(fake: Faker, rng: random.Random) -> str:
    # not fake.domain_name(): drawing a weighted surname costs ~125 µs, a word ~15 µs
    return f"{fake.word()}{rng.choice(('', '-app', '-labs', 'hq'))}.{rng.choice(TLDS)}"


def _make_usage_consistent(obj: dict[str, Any]) -> None:
    """monthly_used + monthly_remaining == monthly_limit, as a real usage block would say."""
    keys = ("monthly_used", "monthly_limit", "monthly_remaining")
    if all(isinstance(obj.get(k), int) for k in keys):
        limit = max(obj["monthly_limit"], 1)
        used = obj["monthly_used"] % (limit + 1)
        obj.update(monthly_limit=limit, monthly_used=used, monthly_remaining=limit - used)
