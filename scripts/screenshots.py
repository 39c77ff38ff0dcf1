"""Take the README's screenshots of the explorer and draw the coverage heatmap (run through scripts/screenshots).

Serves the Kreis Coesfeld seed on a free loopback port in production mode (with
a throwaway token key), drives Debian's headless Chromium through the three
views as a coordinator would, and saves docs/img/explorer-*.png; then runs
``kimnet report coverage`` for docs/img/coverage-heatmap.png.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.async_api import Page, async_playwright

from kimnet.schema.access import Role
from kimnet.service.auth import create_token
from kimnet.service.config import Settings

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "img"
CHROMIUM = os.environ.get("KIMNET_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--lang=de-DE"]  # fmt: skip
SECRET = secrets.token_urlsafe(32)


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _serve(data: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _port()
    env = {**os.environ, "KIMNET_ENV": "production", "KIMNET_JWT_SECRET": SECRET, "KIMNET_LOG_LEVEL": "warning"}
    server = subprocess.Popen(
        [sys.executable, "-m", "kimnet.service.cli", "serve", "--port", str(port), "--data-dir", str(data)], env=env
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/readyz", timeout=1):
                return server, url
        except OSError:
            time.sleep(0.3)
    server.terminate()
    raise SystemExit("screenshots: kimnet serve did not come up")


async def _sign_in(page: Page, url: str, view: str, role: Role) -> None:
    await page.goto(f"{url}/#{view}")
    settings = Settings.from_env({"KIMNET_JWT_SECRET": SECRET})
    await page.fill("#token-input", create_token(settings, role, "screenshots", dt.timedelta(minutes=10)))
    await page.click("#token-form button[type=submit]")


async def _shoot(url: str) -> None:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch_persistent_context(
            tempfile.mkdtemp(prefix="kimnet-chromium-"), executable_path=CHROMIUM, headless=True, args=FLAGS,
            viewport={"width": 1400, "height": 980}, locale="de-DE",
            # Date fields take their format from the process's locale, not from --lang: 01.07.2021, not 07/01/2021.
            env={**os.environ, "LANG": "de_DE.UTF-8", "LANGUAGE": "de", "LC_ALL": "de_DE.UTF-8"},
        )  # fmt: skip
        page = await browser.new_page()

        await _sign_in(page, url, "netzwerk", Role.VIEWER)
        await page.fill("#search-q", "Caritas")
        await page.fill("#search-asof", "2021-07-01")
        await page.click("#search-form button[type=submit]")
        await page.locator("#search-results button", has_text="Caritasverband für den Kreis Coesfeld").first.click()
        await page.wait_for_selector("#node-table tr[data-key='org:ki-coesfeld']")
        # Three more neighbourhoods, as a coordinator follows ties: the laid-out network, not one star.
        for key in ("org:ki-coesfeld", "org:jobcenter-kreis-coesfeld", "org:geba"):
            row = page.locator(f"#node-table tr[data-key='{key}'] button", has_text="einblenden")
            if await row.count():
                await row.click()
                await page.wait_for_selector(f"#node-table tr[data-key='{key}'] td:has-text('eingeblendet')")
        await page.evaluate("() => window.scrollTo(0, 0)")  # the buttons clicked lie far down the table
        await page.wait_for_timeout(300)
        await page.screenshot(path=str(OUT / "explorer-network.png"))

        await _sign_in(page, url, "versorgung", Role.VIEWER)
        await page.fill("#coverage-asof", "2022-06-01")
        await page.fill("#coverage-compare", "2023-01-01")
        await page.fill("#coverage-age", "22")
        await page.select_option("#coverage-status", "DULDUNG")
        await page.click("#coverage-form button[type=submit]")
        await page.wait_for_selector("#coverage-matrix")
        await page.screenshot(path=str(OUT / "explorer-coverage.png"))

        await _sign_in(page, url, "fallberatung", Role.CASEWORKER)
        await page.wait_for_selector("#case-municipality option[value='mun:olfen']", state="attached")
        await page.select_option("#case-municipality", "mun:olfen")
        await page.fill("#case-age", "22")
        await page.select_option("#case-status", "DULDUNG")
        await page.check("#case-needs input[value='need:ausbildung']")
        await page.fill("#case-languages", "ar")
        await page.fill("#case-asof", "2021-07-01")
        await page.click("#referral-form button[type=submit]")
        await page.wait_for_selector("#conference")
        await page.screenshot(path=str(OUT / "explorer-referral.png"), full_page=True)
        await browser.close()


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kimnet-screenshots-") as folder:
        data = Path(folder) / "store"
        server, url = _serve(data)
        try:
            asyncio.run(_shoot(url))
        finally:
            server.terminate()
            server.wait(timeout=20)
        report = [sys.executable, "-m", "kimnet.service.cli", "report", "coverage", "--as-of", "2022-06-01",
                  "--compare", "2023-01-01", "--age", "22", "--residence-status", "duldung",
                  "--out", str(OUT / "coverage-heatmap.png"), "--data-dir", str(data)]  # fmt: skip
        subprocess.run(report, check=True, stdout=subprocess.DEVNULL)
    for path in sorted(OUT.glob("*.png")):
        print(f"screenshots: {path.relative_to(ROOT)} ({path.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
