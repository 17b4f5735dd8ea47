"""Make docs/dashboard.png, the README's picture of the dashboard, from a real run: a
jobmock with jobs at every stage under a manual clock, shown by Debian's chromium.

    .venv/bin/python scripts/screenshot.py [--chromium /usr/bin/chromium] [--out docs/dashboard.png]
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import httpx
from playwright.sync_api import expect, sync_playwright

from jobmock import BackgroundServer, create

JOBS = [  # (api, what to ask for): several stages once the clock has moved 6 s
    ("neuraldraft", {"scenario": "completed"}),
    ("neuraldraft", {"scenario": "failed-at-60"}),
    ("superdocs", {"scenario": "awaiting-approval"}),
    ("stories", {"outcome": "completed", "duration": 12}),
    ("longform", {"outcome": "completed", "duration": 20}),
    ("nextdocs", {"outcome": "failed", "duration": 3}),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "docs" / "dashboard.png")
    args = parser.parse_args()
    app = create(seed=4, clock="manual")
    with BackgroundServer(app) as server, httpx.Client(base_url=server.url) as control:
        made = [control.post("/_jobmock/jobs", json={"api": api, **ask}).json()["id"] for api, ask in JOBS]
        control.post("/_jobmock/clock/advance", json={"seconds": 6})
        for _poll in range(4):
            control.get("/neuraldraft/v1/jobs/job_2Ngd9KqLmRpW", headers={"Authorization": "Bearer ndsk_live_demo"})
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(server.url + "/")
            expect(page.locator(f'#jobs tr[data-job="{made[0]}"]')).to_be_visible()
            page.get_by_role("button", name=made[0], exact=True).click()
            expect(page.locator("#job-detail .timeline li")).to_have_count(2)
            expect(page.locator("#report")).to_contain_text("polls")
            args.out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(args.out), full_page=True)
            browser.close()
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
