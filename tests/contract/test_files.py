"""Reading a start-up file: JSON's data model from YAML as vendors' tools write it, the line of
every value, and the refusals, each with its file, line and place."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jobmock.contract.files import MAX_DEPTH, MAX_NODES, StartupFiles, read
from jobmock.exceptions import SpecError


def read_text(tmp_path: Path, text: str, name: str = "doc.yaml") -> tuple[object, Path]:
    path = tmp_path / name
    path.write_text(text)
    return read(path, bounded=lambda where: False).data, path  # bounded as an OpenAPI document is


def test_plain_values_are_read_as_yaml_1_2_writes_them(tmp_path: Path) -> None:
    text = (
        "small: 1e-08\n"  # a number in YAML 1.2 (a string in 1.1)
        "answer: yes\n"  # a string in 1.2 (a boolean in 1.1)
        "flag: True\n"
        "hex: 0x1F\n"
        "big: 9223372036854775807\n"
        "nothing: ~\n"
        "empty:\n"
        "quoted: '12'\n"
        "tagged: !!str 12\n"
        "folded: >\n  two\n  lines\n"
    )
    data, _ = read_text(tmp_path, text)
    assert data == {
        "small": 1e-08,
        "answer": "yes",
        "flag": True,
        "hex": 31,
        "big": 9223372036854775807,
        "nothing": None,
        "empty": None,
        "quoted": "12",
        "tagged": "12",
        "folded": "two lines\n",
    }


def test_dates_stay_as_written_and_keys_are_json_strings(tmp_path: Path) -> None:
    data, _ = read_text(tmp_path, "when: 2025-02-04T10:43:55.405Z\nday: 2024-01-02\n400: bad\ntrue: yes\n1.5: x\n")
    assert data == {"when": "2025-02-04T10:43:55.405Z", "day": "2024-01-02", "400": "bad", "true": "yes", "1.5": "x"}


def test_json_documents_are_read_too(tmp_path: Path) -> None:
    data, _ = read_text(tmp_path, '{"openapi": "3.1.0", "n": [1, 2.5, null, true], "s": "a\\u00e9"}', "doc.json")
    assert data == {"openapi": "3.1.0", "n": [1, 2.5, None, True], "s": "aé"}


def test_every_value_knows_its_line(tmp_path: Path) -> None:
    text = "openapi: 3.1.0\npaths:\n  /jobs:\n    get:\n      tags:\n        - a\n        - b\n      responses: {}\n"
    path = tmp_path / "doc.yaml"
    path.write_text(text)
    spec = read(path)
    assert spec.line_of([]) == 1
    assert spec.line_of(["paths", "/jobs", "get"]) == 5  # a block mapping starts at its first key
    assert spec.line_of(["paths", "/jobs", "get", "tags", 1]) == 7
    assert spec.line_of(["paths", "/jobs", "get", "responses"]) == 8
    assert spec.line_of(["paths", "/jobs", "post", "responses"]) == 4  # the deepest place there is
    assert spec.line_of(["paths", "/jobs", "get", "tags", 9]) == 6
    assert spec.error(["paths", "/jobs", "get", "tags", 0], "no").line == 6


def test_an_empty_file_is_no_data(tmp_path: Path) -> None:
    path = tmp_path / "doc.yaml"
    path.write_text("# nothing\n")
    spec = read(path)
    assert spec.data is None and spec.line_of(["a"]) is None


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("a: 1\nb: &x {c: 1}\nd:\n  - *x\n", ":4: d/0: YAML aliases (*name) are not accepted"),
        ("a: 1\nb:\n  <<: {c: 1}\n", ":3: b: YAML merge keys (<<) are not accepted"),
        ("a: 1\n---\nb: 2\n", ":2: (document): invalid YAML: more than one document in the file"),
        ("a: !!set {x, y}\n", ":1: a: invalid YAML: the tag 'tag:yaml.org,2002:set' is not accepted"),
        ("a: !custom 1\n", ":1: a: invalid YAML: the tag '!custom' is not one jobmock reads"),
        ("a:\n  ? [x, y]\n  : 1\n", ":2: a: a key must be a plain value, not a mapping or a list"),
        ("a:\n  1: x\n  '1': y\n", ":3: a/1: duplicate key '1' (first on line 2)"),
        ("a: [1, 2\n", ":2: (document): invalid YAML: "),
        ("a: .nan\n", ":1: a: .nan is not a usable number (not finite)"),
        ("a: [0, " + "9" * 400 + "]\n", ":1: a/1: 999"),
        ("a: 1e16\n", ":1: a: 1e16 is not a usable number (finite, at most 1e+15)"),
        ("a: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n",
         ":1: a" + "/0" * (MAX_DEPTH - 1) + f": nested deeper than {MAX_DEPTH} levels"),
    ],
    ids=["alias", "merge", "two documents", "set", "unknown tag", "list key", "duplicate", "syntax", "nan",
         "400 digits", "1e16", "deep"],
)  # fmt: skip
def test_what_is_refused_is_refused_at_its_line_and_place(tmp_path: Path, text: str, place: str) -> None:
    path = tmp_path / "doc.yaml"
    path.write_text(text)
    with pytest.raises(SpecError) as caught:
        read(path)
    assert f"{path}{place}" in str(caught.value)


def test_more_values_than_the_cap_are_refused_where_the_cap_is_passed(tmp_path: Path) -> None:
    path = tmp_path / "doc.json"
    path.write_text("[\n" + "0,\n" * MAX_NODES + "0]\n")  # the list and its items: two values too many
    with pytest.raises(SpecError) as caught:
        read(path, StartupFiles(max_bytes=1 << 20))
    assert f"{path}:{MAX_NODES + 1}: {MAX_NODES - 1}: more than {MAX_NODES} values in one file" in str(caught.value)


def test_numbers_past_the_bound_are_read_where_the_reader_allows(tmp_path: Path) -> None:
    path = tmp_path / "doc.yaml"
    path.write_text("schema:\n  maximum: 9223372036854775807\nx-jobmock:\n  n: 9223372036854775807\n")
    with pytest.raises(SpecError, match=r":4: x-jobmock/n: 9223372036854775807 is not a usable number"):
        read(path, bounded=lambda where: bool(where) and where[0] == "x-jobmock")
    path.write_text("schema:\n  maximum: 9223372036854775807\n")
    assert read(path, bounded=lambda where: where[0] == "x-jobmock").data == {
        "schema": {"maximum": 9223372036854775807}
    }


def test_a_json_document_with_characters_past_the_basic_plane_escaped_is_read(tmp_path: Path) -> None:
    """`json.dumps` writes 😀 as two escapes, which YAML parsers refuse one by one."""
    written = {"description": "smile 😀, a literal \\ud83d", "enum": ["\\\\ud83d\\ude00"], "n": 1}
    data, _ = read_text(tmp_path, "{\n" + json.dumps(written)[1:], "doc.json")
    assert data == written
