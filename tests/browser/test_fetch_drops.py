"""A dropped connection as a frontend meets it: in Chromium (Debian's, driven by
Playwright), `fetch` of a poll the fault script drops rejects ("Failed to fetch"), so a
UI's network-error path runs; the polls around it resolve as usual."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser

from jobmock import BackgroundServer
from support import TOKENS, create

# every poll from the 2nd to the 20th is dropped: Chromium resends a request once on its own
# when a kept-alive connection goes before any answer, as it would on a real network
FIXTURE = """
api: neuraldraft
scenarios:
  unreachable:
    description: Answers once, then every poll's connection drops.
    phases:
      - {status: pending, duration: 100}
    faults:
      - {poll: [POLLS], drop: true}
""".replace("POLLS", ", ".join(str(n) for n in range(2, 21)))


def test_fetch_rejects_on_a_dropped_poll(browser: Browser, tmp_path: Path) -> None:
    fixture = tmp_path / "drops.yaml"
    fixture.write_text(FIXTURE)
    app = create(specs=["neuraldraft"], fixtures=[str(fixture)], clock="manual", seed=5)
    with BackgroundServer(app) as server:
        context = browser.new_context()
        page = context.new_page()
        page.goto(server.url + "/_jobmock/status")  # same origin as the polls: no CORS in the way
        outcomes = page.evaluate(
            """async ([token]) => {
                const made = await (await fetch("/_jobmock/jobs", {method: "POST",
                    headers: {"Content-Type": "application/json"},
                    body: JSON.stringify({api: "neuraldraft", scenario: "unreachable"})})).json();
                const seen = [];
                for (let i = 0; i < 2; i++) {
                    let answer;
                    try {  // fetch itself: the answer's head
                        answer = await fetch(made.poll_url, {headers: {Authorization: "Bearer " + token}});
                    } catch (error) {
                        seen.push("fetch rejected: " + error.name + ": " + error.message);
                        continue;
                    }
                    try {
                        seen.push(answer.status + " " + (await answer.json()).status);
                    } catch (error) {  // a drop that sent a head: fetch resolved, the body failed
                        seen.push(answer.status + " then " + error.name + ": " + error.message);
                    }
                }
                return seen;
            }""",
            [TOKENS["neuraldraft"]],
        )
        context.close()
    assert outcomes == ["200 pending", "fetch rejected: TypeError: Failed to fetch"]
