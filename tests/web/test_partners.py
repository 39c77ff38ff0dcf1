"""Keeping the network current, in headless Chromium: a partner proposes, a coordinator approves, rejects, meets a conflict.

The partner (Caritas) edits their offers in "Meine Angebote": an invalid edit
shows the service's error at the field, valid ones become proposals. The
coordinator sees them in "Freigaben" with before and after, approves one,
rejects one with a reason, and cannot approve one whose entry changed
meanwhile (a conflict). The partner then sees what became of each, and
"Aktualität" lists unconfirmed entries and downloads them as CSV.
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.request

from playwright.async_api import Page

from kimnet.schema.access import Role
from kimnet.service.auth import create_token
from kimnet.service.config import Settings
from tests.web.conftest import SECRET, screenshot, token

# Two offers of the Caritas that hold today (the Durchstarten ones ended in 2022).
OFFER = "svc:integrationsagentur-cv"
OTHER = "svc:ambulant-betreutes-wohnen-cv"


def _partner_token() -> str:
    settings = Settings.from_env({"KIMNET_JWT_SECRET": SECRET})
    return create_token(settings, Role.PARTNER, "e2e-caritas", dt.timedelta(hours=1), orgs=["org:caritas-coesfeld"])


async def _sign_in(page: Page, url: str, view: str, bearer: str) -> None:
    await page.goto(f"{url}/#{view}")
    await page.fill("#token-input", bearer)
    await page.click("#token-form button[type=submit]")
    await page.wait_for_selector("#token-state:has-text('Token gesetzt')")


def _graphql(url: str, bearer: str, query: str, variables: dict[str, object]) -> dict[str, object]:
    request = urllib.request.Request(
        url + "/graphql",
        data=json.dumps({"query": query, "variables": variables}).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {bearer}"},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return dict(json.loads(answer.read()))


async def _expect_message(page: Page, kind: str, text: str) -> None:
    """Wait for the message box to say ``text``; fail with what it says instead."""
    box = page.locator("#message")
    try:
        await page.wait_for_selector(f"#message.{kind}:has-text('{text}')", timeout=10_000)
    except Exception:
        raise AssertionError(f"expected a message with {text!r}, the page says {await box.inner_text()!r}") from None


async def _propose(page: Page, key: str, field: str, value: str) -> None:
    await page.click(f"button[data-edit='{key}']")
    await page.fill(f"#offer-{field}", value)
    await page.click("#offer-form button[type=submit]")
    await page.wait_for_selector("#message.info:has-text('eingereicht')")


async def test_partner_proposes_coordinator_approves_rejects_and_meets_a_conflict(page: Page, explorer_url: str) -> None:
    partner = _partner_token()
    await _sign_in(page, explorer_url, "angebote", partner)
    await page.wait_for_selector(f"button[data-edit='{OFFER}']")
    offers = await page.inner_text("#offers-table")
    assert "Integrationsagentur" in offers
    assert "importiert, nie bestätigt" in offers

    # An invalid edit: the service's message at the field, nothing proposed.
    await page.click(f"button[data-edit='{OFFER}']")
    await page.fill("#offer-minAge", "40")
    await page.fill("#offer-maxAge", "20")
    await page.click("#offer-form button[type=submit]")
    await page.wait_for_selector("#offer-form .field-error:not(:empty)")
    errors = await page.locator("#offer-form .field-error").all_inner_texts()
    assert any(text for text in errors), errors
    await page.click("#offer-form button:has-text('Abbrechen')")

    # Three proposals: one to approve, one to reject, one that will conflict.
    await _propose(page, OFFER, "description", "Integrationsagentur, jetzt auch mit Sprechstunde in Olfen.")
    await _propose(page, OTHER, "targetGroup", "alle jungen Erwachsenen")
    await _propose(page, OTHER, "description", "Coaching, neu beschrieben.")
    mine = await page.inner_text("#proposals-table")
    assert mine.count("wartet auf Freigabe") == 3

    # Confirm an entry unchanged.
    await page.click(f"button[data-verify='{OFFER}']")
    await page.wait_for_selector("#message.info:has-text('unverändert bestätigt')")
    assert "vom Träger bestätigt" in await page.inner_text("#offers-table")
    await screenshot(page, "explorer-my-offers")

    # Meanwhile a coordinator changes the coaching offer directly: its description proposal now conflicts,
    # and so does the target-group one (both rest on the version they were made from).
    coordinator = token(Role.COORDINATOR)
    current = _graphql(explorer_url, coordinator, f'{{ node(id: "{OTHER}") {{ ... on Service {{ version }} }} }}', {})
    version = current["data"]["node"]["version"]  # type: ignore[index]
    changed = _graphql(
        explorer_url,
        coordinator,
        "mutation($id: ID!, $v: Int!) { updateService(id: $id, version: $v, input: {fte: 0.8}) { errors { message } } }",
        {"id": OTHER, "v": version},
    )
    assert changed["data"]["updateService"]["errors"] == []  # type: ignore[index]

    await page.evaluate("sessionStorage.clear()")
    await _sign_in(page, explorer_url, "freigaben", coordinator)
    await page.wait_for_selector("#approval-queue .proposal")
    queue = page.locator("#approval-queue .proposal")
    assert await queue.count() == 3
    first = queue.nth(0)
    assert "org:caritas-coesfeld" in await first.inner_text()
    assert (
        "jetzt auch mit Sprechstunde in Olfen" in await first.locator("table.changes").inner_text()
    )  # before and after per field
    stale = page.locator("#approval-queue .proposal.stale")
    assert await stale.count() == 2
    assert "veraltet" in await stale.nth(0).inner_text()
    await screenshot(page, "explorer-approvals")

    # The conflict: approving a stale proposal is refused and changes nothing.
    await stale.nth(1).locator("button.approve").click()
    await page.wait_for_selector("#message.error:has-text('Konflikt')")
    # Reject one with a reason, approve the fresh one.
    await page.locator("#approval-queue .proposal.stale").nth(0).locator("input.reason").fill("Zielgruppe bitte genauer fassen.")
    await page.locator("#approval-queue .proposal.stale").nth(0).locator("button.reject").click()
    await _expect_message(page, "info", "Abgelehnt")
    await page.locator("#approval-queue .proposal:not(.stale)").locator("button.approve").click()
    await _expect_message(page, "info", "Freigegeben")
    assert await page.locator("#approval-queue .proposal").count() == 1  # the conflicting one is left

    # The approved change is in the network at once.
    approved = _graphql(explorer_url, coordinator, f'{{ node(id: "{OFFER}") {{ ... on Service {{ description }} }} }}', {})
    assert approved["data"]["node"]["description"] == "Integrationsagentur, jetzt auch mit Sprechstunde in Olfen."  # type: ignore[index]

    # The partner sees what became of each proposal.
    await page.evaluate("sessionStorage.clear()")
    await _sign_in(page, explorer_url, "angebote", partner)
    await page.wait_for_selector("#proposals-table")
    mine = await page.inner_text("#proposals-table")
    assert "freigegeben" in mine
    assert "abgelehnt" in mine
    assert "Zielgruppe bitte genauer fassen." in mine
    assert "(veraltet)" in mine


async def test_freshness_lists_unconfirmed_entries_and_downloads_them_as_csv(page: Page, explorer_url: str) -> None:
    await _sign_in(page, explorer_url, "aktualitaet", token(Role.VIEWER))
    await page.fill("#stale-organisation", "org:drk-kv-coesfeld")
    await page.click("#stale-form button[type=submit]")
    await page.wait_for_selector("#stale-table")
    listed = await page.inner_text("#stale-table")
    assert "org:drk-kv-coesfeld" in listed
    assert "importiert, nie bestätigt" in listed
    async with page.expect_download() as waiting:
        await page.click("#stale-csv")
    download = await waiting.value
    path = await download.path()
    text = path.read_text(encoding="utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0].startswith('"Organisation";"Eintrag";"Schlüssel"')
    assert len(lines) == await page.locator("#stale-table tbody tr").count() + 1
    assert all("org:drk-kv-coesfeld" in line for line in lines[1:])
    await screenshot(page, "explorer-freshness")
