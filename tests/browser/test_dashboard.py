"""The dashboard and credentialed CORS in a real browser: Debian's Chromium driven by
Playwright. Each test serves jobmock on a free loopback port; lifecycles move only when
the page (or the test) advances a namespace's manual clock."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

from jobmock import BackgroundServer, ControlPolicy, ProxyOptions, ServeOptions, create_proxy
from support import TOKENS, create, need_chromium

WAIT = 30_000  # ms Playwright waits for what a test expects (it never waits for time to pass)


@pytest.fixture
def jobmock() -> Iterator[str]:
    app = create(seed=2)
    with BackgroundServer(app) as server:
        yield server.url


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    opened = context.new_page()
    opened.set_default_timeout(WAIT)
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert not errors, errors  # no script error on the page


def open_dashboard(page: Page, url: str, namespace: str = "") -> None:
    page.goto(url + "/")
    expect(page.locator("#live")).to_have_text("live")
    if namespace:
        page.get_by_label("Namespace").fill(namespace)
        page.get_by_role("button", name="Use").click()
        expect(page.locator("#live")).to_have_text("live")


def row(page: Page, job_id: str) -> Any:
    return page.locator(f'#jobs tr[data-job="{job_id}"]')


def test_the_dashboard_shows_the_apis_and_the_documents_example_jobs(page: Page, jobmock: str) -> None:
    open_dashboard(page, jobmock)
    assert page.url == jobmock + "/_jobmock/ui/"  # `/` leads there
    expect(page.locator("#apis li").filter(has_text="neuraldraft").first).to_be_visible()
    link = page.locator("#apis a", has_text="openapi.json").first
    assert httpx.get(jobmock + str(link.get_attribute("href"))).json()["openapi"].startswith("3.0")
    expect(row(page, "job_2Ngd9KqLmRpW")).to_contain_text("processing")
    expect(row(page, "job_2Ngd9KqLmRpW")).to_contain_text("3/5 · translate")
    expect(row(page, "job_abc123def456")).to_contain_text("documented-example")


def test_a_job_created_with_a_scenario_rises_and_ends_as_the_page_moves_the_clock(page: Page, jobmock: str) -> None:
    open_dashboard(page, jobmock, namespace="ui-clock")
    page.get_by_label("Mode").select_option("manual")
    page.get_by_role("button", name="Switch").click()
    expect(page.locator("#clock-now")).to_contain_text("manual")
    page.get_by_label("API", exact=True).select_option("neuraldraft")
    page.get_by_label("Scenario").select_option("completed")
    page.get_by_role("button", name="Create").click()
    expect(page.locator("#create-result")).to_contain_text("Created")
    job_id = page.locator("#create-result").inner_text().split()[1]
    job = row(page, job_id)
    expect(job).to_contain_text("pending")
    expect(job).to_contain_text("completed")  # the scenario's name, in its column
    seen = []
    bar = job.locator("progress")
    for _second in range(14):  # the scenario: 2 s pending, 10 s processing, then completed
        page.get_by_role("button", name="Advance").click()
        seen.append(float(bar.get_attribute("value") or 0) if bar.count() else 0.0)
        if job.locator(".status").inner_text() == "completed":
            break
        expect(page.locator("#clock-now")).not_to_have_text("")
    expect(job.locator(".status")).to_have_text("completed")
    expect(job.locator("progress")).to_have_attribute("value", "100")
    assert seen == sorted(seen)  # the bar only rose
    job.get_by_role("button", name=job_id, exact=True).click()  # its timeline
    timeline = page.locator("#job-detail .timeline li")
    expect(timeline).to_have_count(3)
    expect(timeline.nth(0)).to_contain_text("pending")
    expect(timeline.nth(2)).to_contain_text("completed")
    expect(page.locator("#job-detail pre")).to_contain_text('"status": "completed"')


def test_the_progress_bar_rises_over_the_event_stream(page: Page, jobmock: str) -> None:
    open_dashboard(page, jobmock, namespace="ui-sse")
    control = httpx.Client(base_url=jobmock, headers={"X-Jobmock-Namespace": "ui-sse"})
    control.put("/_jobmock/clock", json={"mode": "manual"})
    made = control.post("/_jobmock/jobs", json={"api": "longform", "outcome": "completed", "duration": 10}).json()
    bar = row(page, made["id"]).locator("progress")
    expect(row(page, made["id"])).to_contain_text("queued")
    values = []
    for _step in range(12):  # the test moves the clock; only the stream can tell the page
        control.post("/_jobmock/clock/advance", json={"seconds": 1})
        shown = control.get(f"/_jobmock/jobs/{made['id']}").json()["progress"]
        expect(bar).to_have_attribute("value", str(shown).removesuffix(".0"))
        values.append(shown)
    assert values == sorted(values) and values[-1] == 100
    expect(row(page, made["id"]).locator(".status")).to_have_text("completed")


def test_a_keyboard_users_focus_stays_on_its_control_while_the_table_updates(page: Page, jobmock: str) -> None:
    """The table is drawn again on every change the stream tells: the focused button must
    stay focused (it was lost with the old row, and Enter then did nothing)."""
    open_dashboard(page, jobmock, namespace="ui-focus")
    control = httpx.Client(base_url=jobmock, headers={"X-Jobmock-Namespace": "ui-focus"})
    control.put("/_jobmock/clock", json={"mode": "manual"})
    made = control.post("/_jobmock/jobs", json={"api": "longform", "outcome": "completed", "duration": 10}).json()
    button = page.get_by_role("button", name=made["id"], exact=True)
    button.focus()
    for _step in range(3):  # each move redraws the table
        control.post("/_jobmock/clock/advance", json={"seconds": 2})
        shown = control.get(f"/_jobmock/jobs/{made['id']}").json()["progress"]
        expect(row(page, made["id"]).locator("progress")).to_have_attribute("value", str(shown).removesuffix(".0"))
        assert page.evaluate("document.activeElement.textContent") == made["id"]
    page.keyboard.press("Enter")
    expect(page.locator("#job-detail h3")).to_contain_text(made["id"])


def test_a_mode_chosen_but_not_yet_switched_survives_the_clocks_refresh(page: Page, jobmock: str) -> None:
    """The clock panel refreshes every few seconds; it undid the user's choice in the Mode
    list, so Switch then sent the old mode (under load, the page's own test failed so)."""
    open_dashboard(page, jobmock, namespace="ui-mode")
    shown = page.locator("#clock-now")
    expect(shown).to_contain_text("real")
    page.get_by_label("Mode").select_option("polls")
    before = shown.inner_text()
    expect(shown).not_to_have_text(before, timeout=15_000)  # a refresh came
    assert page.get_by_label("Mode").input_value() == "polls"
    page.get_by_role("button", name="Switch").click()
    expect(shown).to_contain_text("polls")


NAMELESS = """() => [...document.querySelectorAll("input, select, button, progress")].filter((el) => {
  const labelled = el.labels && el.labels.length > 0;
  return !labelled && !el.getAttribute("aria-label") && !el.textContent.trim();
}).map((el) => el.outerHTML)"""


def test_every_control_has_a_name_and_a_job_is_made_with_the_keyboard_alone(page: Page, jobmock: str) -> None:
    open_dashboard(page, jobmock)
    expect(row(page, "job_2Ngd9KqLmRpW")).to_be_visible()
    assert page.evaluate(NAMELESS) == []
    page.get_by_label("API", exact=True).focus()
    page.keyboard.press("Tab")  # type
    page.keyboard.press("Tab")  # scenario
    page.keyboard.press("ArrowDown")  # its first scenario
    for _field in range(2):  # duration, Create (outcome is disabled once a scenario is chosen)
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Create"
    page.keyboard.press("Enter")
    expect(page.locator("#create-result")).to_contain_text("Created")
    made = page.locator("#create-result").inner_text().split()[1]
    page.get_by_role("button", name=made, exact=True).focus()
    page.keyboard.press("Enter")  # follow it
    expect(page.locator("#job-detail h3")).to_contain_text(made)


def test_the_clock_is_set_frozen_and_resumed_from_the_page(page: Page, jobmock: str) -> None:
    open_dashboard(page, jobmock, namespace="ui-time")
    control = httpx.Client(base_url=jobmock, headers={"X-Jobmock-Namespace": "ui-time"})
    page.get_by_label("Set to").fill("2026-04-19T10:14:02Z")
    page.get_by_role("button", name="Set", exact=True).click()
    expect(page.locator("#clock-now")).to_contain_text("2026-04-19T10:14:0")
    page.get_by_role("button", name="Freeze").click()
    expect(page.locator("#clock-now")).to_contain_text("frozen")
    assert control.get("/_jobmock/clock").json()["frozen"] is True
    page.get_by_role("button", name="Resume").click()
    expect(page.locator("#clock-now")).not_to_contain_text("frozen")
    assert control.get("/_jobmock/clock").json()["frozen"] is False
    page.get_by_label("Set to").fill("not a time")
    page.get_by_role("button", name="Set", exact=True).click()
    clock = page.locator("section", has=page.locator("#clock-h"))
    expect(clock.locator("#clock-error")).to_contain_text("400")  # the refusal, next to the form that caused it
    expect(page.locator("#error")).to_have_text("")
    page.get_by_label("Advance (s)").fill("5")
    page.get_by_role("button", name="Advance").click()
    expect(clock.locator("#clock-error")).to_have_text("")  # gone once the clock answers again


def test_cancel_and_delete_from_the_page(page: Page, jobmock: str) -> None:
    open_dashboard(page, jobmock, namespace="ui-cancel")
    control = httpx.Client(base_url=jobmock, headers={"X-Jobmock-Namespace": "ui-cancel"})
    control.put("/_jobmock/clock", json={"mode": "manual"})
    made = control.post("/_jobmock/jobs", json={"api": "superdocs", "outcome": "completed"}).json()
    job = row(page, made["id"])
    job.get_by_role("button", name=f"Cancel {made['id']}").click()
    expect(job.locator(".status")).to_have_text("cancelled")
    assert control.get(f"/_jobmock/jobs/{made['id']}").json()["status"] == "cancelled"
    job.get_by_role("button", name=f"Delete {made['id']}").click()
    expect(job).to_have_count(0)
    assert control.get(f"/_jobmock/jobs/{made['id']}").status_code == 404


def test_the_journal_and_polling_report_refresh_live(page: Page, jobmock: str) -> None:
    open_dashboard(page, jobmock, namespace="ui-journal")
    headers = {"Authorization": f"Bearer {TOKENS['nextdocs']}", "X-Jobmock-Namespace": "ui-journal"}
    for _poll in range(3):
        httpx.get(jobmock + "/nextdocs/v1/jobs/job_abc123def456", headers=headers)
    expect(page.locator("#journal tbody tr").first).to_contain_text("GET /nextdocs/v1/jobs/job_abc123def456")
    expect(page.locator("#report")).to_contain_text("3 polls")
    page.get_by_role("button", name="Clear the journal").click()
    expect(page.locator("#journal tbody tr")).to_have_count(0)


def test_the_page_asks_for_the_control_token_and_works_with_it(browser: Browser) -> None:
    app = create(specs=["nextdocs"], policy=ControlPolicy.of("127.0.0.1", token="s3cret"))
    with BackgroundServer(app) as server:
        context = browser.new_context()
        page = context.new_page()
        page.set_default_timeout(WAIT)
        page.goto(server.url + "/")
        expect(page.locator("#token-box")).to_be_visible()
        expect(page.locator("#jobs tbody tr")).to_have_count(0)
        # locked: the prompt alone, saying so; no empty lists and no red "GET /apis: 401"
        expect(page.locator("#live")).to_have_text("locked: give the control token")
        expect(page.locator("#locked")).to_contain_text("Locked: give the control token")
        expect(page.locator("main")).to_be_hidden()
        expect(page.locator("#error")).to_have_text("")
        page.get_by_label("Token", exact=True).fill("wrong")
        page.get_by_role("button", name="Unlock").click()
        expect(page.locator("#token-error")).to_contain_text("refused")
        expect(page.locator("main")).to_be_hidden()
        page.get_by_label("Token", exact=True).fill("s3cret")
        page.get_by_role("button", name="Unlock").click()
        expect(row(page, "job_abc123def456")).to_be_visible()
        expect(page.locator("#token-box")).to_be_hidden()
        expect(page.locator("#live")).to_have_text("live")
        page.goto(server.url + "/_jobmock/ui/#token=s3cret", wait_until="load")  # a link with the token
        expect(row(page, "job_abc123def456")).to_be_visible()
        assert "s3cret" not in page.url  # it leaves the address bar
        context.close()


def test_a_job_awaiting_approval_is_approved_or_rejected_from_the_page(page: Page, jobmock: str) -> None:
    open_dashboard(page, jobmock, namespace="ui-approval")
    control = httpx.Client(base_url=jobmock, headers={"X-Jobmock-Namespace": "ui-approval"})
    control.put("/_jobmock/clock", json={"mode": "manual"})
    made = [
        control.post("/_jobmock/jobs", json={"api": "superdocs", "scenario": "awaiting-approval"}).json()
        for _ in range(2)
    ]
    plain = control.post("/_jobmock/jobs", json={"api": "superdocs", "outcome": "completed"}).json()
    for job in made:
        expect(row(page, job["id"]).get_by_role("button", name=f"Approve {job['id']}")).to_have_count(0)  # pending
    control.post("/_jobmock/clock/advance", json={"seconds": 30})
    first, second = (row(page, job["id"]) for job in made)
    expect(first.locator(".status")).to_have_text("awaiting_approval")
    expect(row(page, plain["id"]).get_by_role("button", name=f"Approve {plain['id']}")).to_have_count(0)
    first.get_by_role("button", name=f"Approve {made[0]['id']}").click()
    expect(first.locator(".status")).to_have_text("in_progress")
    expect(first.get_by_role("button", name=f"Approve {made[0]['id']}")).to_have_count(0)
    second.get_by_role("button", name=f"Reject {made[1]['id']}").click()
    expect(second.locator(".status")).to_have_text("cancelled")
    control.post("/_jobmock/clock/advance", json={"seconds": 600})
    expect(first.locator(".status")).to_have_text("completed")
    assert control.get(f"/_jobmock/jobs/{made[1]['id']}").json()["status"] == "cancelled"


def test_a_refused_action_is_shown_beside_the_jobs(page: Page, jobmock: str) -> None:
    open_dashboard(page, jobmock, namespace="ui-refused")
    control = httpx.Client(base_url=jobmock, headers={"X-Jobmock-Namespace": "ui-refused"})
    control.put("/_jobmock/clock", json={"mode": "manual"})
    made = control.post("/_jobmock/jobs", json={"api": "superdocs", "scenario": "awaiting-approval"}).json()
    control.post("/_jobmock/clock/advance", json={"seconds": 30})
    job = row(page, made["id"])
    expect(job.locator(".status")).to_have_text("awaiting_approval")
    control.post(f"/_jobmock/jobs/{made['id']}/reject")  # decided elsewhere, before the page heard of it
    page.evaluate("id => document.querySelector(`[aria-label='Approve ${id}']`)?.click()", made["id"])
    jobs = page.locator("section", has=page.locator("#jobs-h"))
    expect(jobs.locator("#jobs-error")).to_contain_text("409")
    expect(page.locator("#error")).to_have_text("")


def test_a_failed_jobs_bar_is_red_and_a_running_ones_is_not(page: Page, jobmock: str) -> None:
    open_dashboard(page, jobmock, namespace="ui-bars")
    control = httpx.Client(base_url=jobmock, headers={"X-Jobmock-Namespace": "ui-bars"})
    control.put("/_jobmock/clock", json={"mode": "manual"})
    failing = control.post("/_jobmock/jobs", json={"api": "neuraldraft", "scenario": "failed-at-60"}).json()
    running = control.post(
        "/_jobmock/jobs", json={"api": "neuraldraft", "outcome": "completed", "duration": 1000}
    ).json()
    control.post("/_jobmock/clock/advance", json={"seconds": 30})
    bar = row(page, failing["id"]).locator("progress")
    expect(row(page, failing["id"]).locator(".status")).to_have_text("failed")
    expect(bar).to_have_class("bar-failed")
    expect(bar).to_have_css("accent-color", "rgb(220, 38, 38)")
    expect(row(page, running["id"]).locator("progress")).not_to_have_css("accent-color", "rgb(220, 38, 38)")


def test_the_created_line_links_to_the_job_and_follows_it(page: Page, jobmock: str) -> None:
    open_dashboard(page, jobmock, namespace="ui-created")
    control = httpx.Client(base_url=jobmock, headers={"X-Jobmock-Namespace": "ui-created"})
    control.put("/_jobmock/clock", json={"mode": "manual"})
    page.get_by_label("API", exact=True).select_option("neuraldraft")
    outcome = page.get_by_label("Outcome")
    expect(outcome.locator("option").first).to_have_text("default (completed)")  # not "random"
    page.get_by_label("Duration (s)").fill("10")
    page.get_by_role("button", name="Create").click()
    result = page.locator("#create-result")
    expect(result).to_contain_text("pending")
    job_id = result.inner_text().split()[1]
    control.post("/_jobmock/clock/advance", json={"seconds": 60})
    expect(result).to_contain_text("now completed")  # not stale
    result.get_by_role("button", name=f"Follow {job_id}").click()
    expect(page.locator("#job-detail h3")).to_contain_text(job_id)
    timeline = page.locator("#job-detail .timeline li")
    expect(timeline).to_have_count(3)
    texts = timeline.all_inner_texts()
    assert not any(re.search(r"\d\d:\d\d:\d\d\.\d", text) for text in texts), texts  # no fractions of a second
    assert re.search(r"pending from \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC · \d", texts[0]), texts  # time spent in it
    assert re.search(r" · \d", texts[1]) and " · " not in texts[2], texts  # a terminal state has no end
    control.delete(f"/_jobmock/jobs/{job_id}")
    expect(result).to_contain_text("deleted")


def test_at_420_pixels_the_jobs_table_scrolls_inside_its_box(browser: Browser, jobmock: str) -> None:
    context = browser.new_context(viewport={"width": 420, "height": 900})
    page = context.new_page()
    page.set_default_timeout(WAIT)
    open_dashboard(page, jobmock)
    expect(row(page, "job_2Ngd9KqLmRpW")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 420  # the page itself is not cut off
    box = page.locator("#jobs").locator("xpath=..")
    assert box.evaluate("el => getComputedStyle(el).overflowX") == "auto"
    assert box.evaluate("el => el.scrollWidth > el.clientWidth")  # the table is wider: it scrolls
    delete = row(page, "job_2Ngd9KqLmRpW").get_by_role("button", name="Delete job_2Ngd9KqLmRpW")
    delete.scroll_into_view_if_needed()
    assert delete.is_visible()
    right = delete.evaluate("el => el.getBoundingClientRect().right")
    assert right <= 420, right  # the last column can be reached
    context.close()


FRONTEND = """<!doctype html><title>app</title><script>
window.seen = [];
async function poll(url) {
  for (;;) {
    try {
      const answer = await fetch(url, {credentials: "include", headers: {Authorization: "Bearer ndsk_live_app"}});
      window.seen.push((await answer.json()).status || answer.status);
    } catch (error) {
      window.seen.push(String(error));  // jobmock stopped at the test's end
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
</script>"""


def test_a_frontend_on_another_port_picks_a_scenario_by_cookie(page: Page, jobmock: str) -> None:
    """A page on another loopback origin polls with credentials: the scenario cookie travels,
    and the answer is readable (the origin reflected with credentials, not `*`)."""
    frontend = Starlette(routes=[Route("/", lambda _request: HTMLResponse(FRONTEND))])
    with BackgroundServer(frontend) as app_server:
        space = {"X-Jobmock-Namespace": "ui-cors"}
        httpx.put(jobmock + "/_jobmock/clock", json={"mode": "manual"}, headers=space)
        page.goto(app_server.url + "/")
        page.evaluate("document.cookie = 'jobmock-scenario=failed-at-60; path=/'")
        page.evaluate("document.cookie = 'jobmock-namespace=ui-cors; path=/'")
        page.evaluate("url => { poll(url); }", jobmock + "/neuraldraft/v1/jobs/job_FromTheApp12")  # not awaited
        page.wait_for_function("window.seen.includes('pending')")
        httpx.post(jobmock + "/_jobmock/clock/advance", json={"seconds": 30}, headers=space)
        page.wait_for_function("window.seen.includes('failed')")
        record = httpx.get(jobmock + "/_jobmock/jobs/job_FromTheApp12", headers=space)
        assert record.json()["scenario"] == "failed-at-60"
        answer = httpx.get(
            jobmock + "/neuraldraft/v1/jobs/job_FromTheApp12",
            headers={"Origin": app_server.url, "Authorization": "Bearer ndsk_live_app", **space},
        )
        assert answer.headers["access-control-allow-origin"] == app_server.url
        assert answer.headers["access-control-allow-credentials"] == "true" and "Origin" in answer.headers["vary"]


def test_under_the_proxy_the_page_lists_violations_as_they_come_and_who_answered_each_request(page: Page) -> None:
    """The proxy's dashboard: its jobmock's own, with a violations panel fed by its stream and
    the journal saying whether the upstream or the mock answered. `serve`'s shows neither."""

    async def teapot(request: Any) -> Any:
        return HTMLResponse('{"error": {"code": "teapot", "message": "short"}}', 418, media_type="application/json")

    upstream = Starlette(routes=[Route("/v1/jobs/{id}", teapot)])
    auth = {"Authorization": f"Bearer {TOKENS['neuraldraft']}"}
    with BackgroundServer(upstream) as served:
        proxy = create_proxy(ProxyOptions("neuraldraft", served.url + "/v1", port=0, mock_options=ServeOptions(seed=2)))
        with BackgroundServer(proxy, relay=True) as server:
            open_dashboard(page, server.url)
            expect(page.locator("#violations-box")).to_be_visible()
            expect(page.locator("#violations-summary")).to_have_text("None found yet.")
            httpx.get(server.url + "/v1/jobs/job_Teapot00001", headers=auth)
            first = page.locator("#violations tbody tr").first
            expect(first).to_contain_text("status_code_conformance")
            expect(first).to_contain_text("GET /v1/jobs/job_Teapot00001")
            expect(first).to_contain_text("HTTP 418")
            expect(page.locator("#violations-summary")).to_contain_text("1 found")
            expect(page.locator("#journal tbody tr").first).to_contain_text("upstream")
            expect(page.get_by_role("columnheader", name="Answered by")).to_be_visible()


def test_serves_page_has_no_violations_panel(page: Page, jobmock: str) -> None:
    open_dashboard(page, jobmock)
    expect(page.locator("#violations-box")).to_be_hidden()
    expect(page.get_by_role("columnheader", name="Answered by")).to_be_hidden()


def test_the_readmes_picture_is_made_by_its_script(tmp_path: Path) -> None:
    """`scripts/screenshot.py` (the README's command) makes the picture from a real run."""
    out = tmp_path / "dashboard.png"
    script = Path(__file__).resolve().parents[2] / "scripts" / "screenshot.py"
    done = subprocess.run(
        [sys.executable, str(script), "--chromium", need_chromium(), "--out", str(out)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 50_000
