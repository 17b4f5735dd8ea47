"""The stateless mocker's choices, as a client sees them: which documented response, which
media type, which example (issue 20, item 2). HTTP-free: `sim.mocker` is pure."""

from __future__ import annotations

from typing import Any

from jobmock.sim.mocker import Prefer, media_for, mock, prefer_of, request_seed, response_for

OK = {"description": "ok"}


def never(value: Any, schema: Any) -> bool:
    return False


def always(value: Any, schema: Any) -> bool:
    return True


def test_the_lowest_success_status_is_answered() -> None:
    assert response_for({"404": OK, "202": OK, "200": OK})[0] == 200  # type: ignore[index]
    assert response_for({"default": OK, "201": OK})[0] == 201  # type: ignore[index]
    assert response_for({"2XX": OK, "400": OK})[0] == 200  # type: ignore[index]
    assert response_for({"default": OK})[0] == 200  # type: ignore[index]
    assert response_for({"307": OK, "400": OK})[0] == 307  # type: ignore[index]
    assert response_for({}) is None


def test_an_informational_status_is_never_the_answer() -> None:
    assert response_for({"101": OK, "400": OK})[0] == 400  # type: ignore[index]


def test_a_status_asked_for_is_answered_when_documented_exactly_by_range_or_default() -> None:
    assert response_for({"200": OK, "404": OK}, "404")[0] == 404  # type: ignore[index]
    assert response_for({"200": OK, "4XX": OK}, "429")[0] == 429  # type: ignore[index]
    assert response_for({"200": OK, "default": OK}, "503")[0] == 503  # type: ignore[index]
    assert response_for({"200": OK}, "503")[0] == 200  # type: ignore[index]  # not documented: the success


def test_the_media_type_follows_accept_with_quality_and_prefers_json_otherwise() -> None:
    content = {"text/csv": {}, "application/json": {}, "image/png": {}}
    assert media_for(content, None) == "application/json"
    assert media_for(content, "text/*") == "text/csv"
    assert media_for(content, "image/png;q=0.5, text/csv;q=0.9") == "text/csv"
    assert media_for(content, "application/xml") == "application/json"  # nothing fits: the usual one
    assert media_for({"audio/mpeg": {}}, None) == "audio/mpeg"
    assert media_for({}, "application/json") is None


def test_prefer_reads_code_example_and_dynamic() -> None:
    assert prefer_of('code=404, example="big one"') == Prefer("404", "big one", False)
    assert prefer_of("return=minimal; dynamic=true") == Prefer(None, None, True)
    assert prefer_of(None) == Prefer()


def test_the_example_that_fits_comes_first_and_one_that_does_not_is_passed_over() -> None:
    entry = {"schema": {"type": "object"}, "examples": {"a": {"value": {"n": 1}}, "b": {"value": {"n": 2}}}}
    operation = {"responses": {"200": {**OK, "content": {"application/json": entry}}}}
    assert mock(operation, 1, always).body == {"n": 1}
    assert mock(operation, 1, always, prefer=Prefer(example="b")).body == {"n": 2}
    generated = mock(operation, 1, never)
    assert generated.body not in ({"n": 1}, {"n": 2})
    assert isinstance(generated.body, dict)


def test_the_same_request_gets_the_same_answer_and_another_request_another() -> None:
    operation = {"responses": {"200": {**OK, "content": {"application/json": {"schema": {"type": "string"}}}}}}
    seed = request_seed("api", "get", "/x", {"page": 1})
    assert mock(operation, seed, never).body == mock(operation, seed, never).body
    bodies = {mock(operation, request_seed("api", "get", "/x", {"page": n}), never).body for n in range(10)}
    assert len(bodies) > 1


def test_binary_media_gets_bytes_and_event_streams_an_event() -> None:
    audio = {
        "responses": {"200": {**OK, "content": {"audio/mpeg": {"schema": {"type": "string", "format": "binary"}}}}}
    }
    answer = mock(audio, 7, never)
    assert answer.media == "audio/mpeg"
    assert isinstance(answer.body_bytes(), bytes) and answer.body_bytes()
    stream = {"responses": {"200": {**OK, "content": {"text/event-stream": {"schema": {"type": "object"}}}}}}
    assert mock(stream, 7, never).body_bytes().startswith(b"data: {")


def test_no_content_means_no_body() -> None:
    answer = mock({"responses": {"204": OK}}, 1, never)
    assert (answer.status, answer.media, answer.body_bytes()) == (204, None, b"")


def test_documented_framing_headers_are_left_to_the_server() -> None:
    """OpenAI documents `Transfer-Encoding: chunked` on its speech: a value made up for it
    (or for Content-Length, Connection) would break the answer's framing."""
    framed = {"schema": {"type": "string"}, "description": "chunked"}
    speech = {
        "responses": {
            "200": {
                **OK,
                "headers": {"Transfer-Encoding": framed, "Connection": framed, "X-Request-Id": framed},
                "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    }
    assert [name for name, _ in mock(speech, 3, never).headers] == ["X-Request-Id"]
