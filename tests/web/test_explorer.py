"""The coordinators' explorer in headless Chromium: each view driven as a coordinator would, checked on the page.

A coordinator finds an organisation and its network, sees the county's gaps on
one day and what changes by another, and finds the offers for a case, without
writing GraphQL. The service runs in production mode: every view works with a
token, and the referral needs the role caseworker.
"""

from __future__ import annotations

from playwright.async_api import Page

from kimnet.schema.access import Role
from tests.web.conftest import accessible, screenshot, sign_in

ORGANISATION_BLUE = "rgb(31, 119, 180)"


async def _count(page: Page) -> tuple[int, int]:
    text = await page.inner_text("#graph-count")
    nodes, _, rest = text.partition(" Knoten, ")
    return int(nodes), int(rest.split()[0])


async def test_search_shows_the_neighbourhood_which_filters_and_expands(page: Page, explorer_url: str) -> None:
    await sign_in(page, explorer_url, "netzwerk", Role.VIEWER)
    await accessible(page, "the network view before a search")
    await page.fill("#search-q", "Caritas")
    await page.fill("#search-asof", "2021-07-01")
    await page.click("#search-form button[type=submit]")
    organisations = page.locator("#search-results .group", has_text="Organisationen")
    await organisations.locator("button", has_text="Caritasverband für den Kreis Coesfeld").click()
    await page.wait_for_selector("#node-table tr[data-key='org:ki-coesfeld']")

    assert "Schlüssel org:caritas-coesfeld" in await page.inner_text("#node-details")
    assert await page.locator("#graph canvas").count() >= 1  # Cytoscape draws the graph
    nodes, links = await _count(page)
    assert nodes >= 15
    assert links >= nodes - 1
    table = await page.inner_text("#node-table")
    assert "Netzwerk Chancengerechtigkeit" in table  # a working group it sits in
    assert "Durchstarten: Coaching (Caritasverband)" in table  # an offer it provides
    swatch = page.locator("#node-table tr[data-key='org:ki-coesfeld'] .swatch")
    assert await swatch.evaluate("e => getComputedStyle(e).backgroundColor") == ORGANISATION_BLUE
    assert await page.locator("#kind-legend div").count() == 9  # one colour per kind

    await page.locator("#relationship-filter label", has_text="Mitglied in").locator("input").uncheck()
    filtered, _ = await _count(page)
    assert filtered < nodes
    assert "Netzwerk Chancengerechtigkeit" not in await page.inner_text("#node-table")

    await page.locator("#node-table tr[data-key='org:ki-coesfeld'] button", has_text="einblenden").click()
    await page.wait_for_selector("#node-table tr[data-key='cm:kim-cm-1']")  # the KI employs the case managers
    expanded, _ = await _count(page)
    assert expanded > filtered
    assert "Nachbarn eingeblendet" in await page.inner_text("#node-details")
    await accessible(page, "the network view with an expanded neighbourhood")
    await screenshot(page, "explorer-network")


async def test_search_covers_every_kind_with_counts_and_more(page: Page, explorer_url: str) -> None:
    await sign_in(page, explorer_url, "netzwerk", Role.VIEWER)
    await page.fill("#search-q", "Coesfeld")
    await page.fill("#search-asof", "2021-07-01")
    await page.click("#search-form button[type=submit]")
    organisations = page.locator("#search-results .group[data-kind='Organisation']")
    await organisations.wait_for()
    heading = await organisations.locator("h3").inner_text()
    total = int(heading.removeprefix("Organisationen (").removesuffix(")"))
    assert total > 8
    assert await organisations.locator("li").count() == 8
    more = organisations.locator("button.more")
    assert await more.inner_text() == f"mehr ({total - 8} weitere)"
    while await more.count():
        # Each click adds the next page in one step (its items, then the button for the rest or none):
        # once the list is longer than before, the button seen next is the new one.
        before = await organisations.locator("li").count()
        await more.dblclick()  # a second click while the page loads must not add it twice
        await page.wait_for_function(
            "n => document.querySelectorAll(\"#search-results .group[data-kind='Organisation'] li\").length > n",
            arg=before,
        )
    await page.wait_for_function(
        "n => document.querySelectorAll(\"#search-results .group[data-kind='Organisation'] li\").length === n", arg=total
    )
    keys = await organisations.locator("li button").evaluate_all("buttons => buttons.map(b => b.dataset.key)")
    assert len(set(keys)) == total
    names = await organisations.locator("li").all_inner_texts()
    assert "Kommunales Integrationszentrum Kreis Coesfeld" in names
    assert any(name.startswith("Jobcenter") for name in names)
    # Regions (the county) can be found too.
    assert await page.locator("#search-results .group[data-kind='Region'] li").count() >= 1
    await accessible(page, "search results for every kind")

    # At 1024 px nothing scrolls sideways, in any view, and the graph refits to its new box.
    await page.locator(
        "#search-results .group[data-kind='Organisation'] button", has_text="Kommunales Integrationszentrum"
    ).click()
    await page.wait_for_selector("#node-table tr[data-key='cm:kim-cm-1']")
    await page.set_viewport_size({"width": 1024, "height": 800})
    for view in ("netzwerk", "versorgung", "fallberatung"):
        await page.goto(f"{explorer_url}/#{view}")
        await page.wait_for_timeout(300)
        widths = await page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert widths[0] <= widths[1], f"{view} scrolls sideways at 1024 px: {widths}"
    await page.set_viewport_size({"width": 1400, "height": 1000})


async def test_the_coverage_matrix_highlights_gaps_and_what_changes_by_a_second_day(page: Page, explorer_url: str) -> None:
    await sign_in(page, explorer_url, "versorgung", Role.VIEWER)
    await accessible(page, "the coverage view before a question")
    await page.fill("#coverage-asof", "2022-06-01")
    await page.fill("#coverage-compare", "2023-01-01")
    await page.fill("#coverage-age", "22")
    await page.select_option("#coverage-status", "DULDUNG")
    await page.click("#coverage-form button[type=submit]")
    await page.wait_for_selector("#coverage-matrix")

    rows = page.locator("#coverage-matrix tbody tr")
    assert await rows.count() == 11
    assert await rows.first.locator("th").inner_text() == "Dülmen"  # the largest town first
    heads = await page.locator("#coverage-matrix thead th").all_inner_texts()
    # Naturalisation cannot arise under a Duldung: not a gap, "nicht zutreffend".
    duelmen = rows.first.locator("td").nth(heads.index("Einbürgerung") - 1)
    assert (await duelmen.inner_text(), await duelmen.get_attribute("class")) == ("n. z.", "not-applicable")
    # Early-childhood education concerns families with a small child: a possible gap only.
    early = rows.first.locator("td").nth(heads.index("Frühkindliche Bildung") - 1)
    assert await early.inner_text() == "Lücke?"
    assert "nur für Familien mit einem Kind im Alter von 1 bis 5 Jahren" in (await early.get_attribute("title") or "")
    note = await page.inner_text("#applicability-note")
    assert "Einbürgerung (nicht zutreffend bei Duldung)" in note
    assert "Interkulturelle Öffnung von Institutionen (Bedarf von Einrichtungen, nicht von einzelnen Menschen)" in note
    assert "Zahlen für die Zielgruppe liegen nicht vor" in await page.inner_text("#coverage-weight")
    # Cells covered only by offers (or areas) that the seed fills in without a source are marked "*".
    marked = page.locator("#coverage-matrix tbody td", has_text="*")
    assert await marked.count() > 0
    assert "(ergänzte Daten)" in (await marked.first.get_attribute("title") or "")
    olfen = page.locator("#coverage-matrix tr[data-key='mun:olfen'] td").nth(
        heads.index("Geschlechterverständnis und Gleichstellung") - 1
    )
    assert await olfen.inner_text() == "neu: Lücke"  # the test's Frauentreff Olfen ends on 31.12.2022
    assert "change-opened" in (await olfen.get_attribute("class") or "")
    summary = await page.inner_text("#coverage-summary")
    assert "Lücken am 01.06.2022" in summary
    assert "11 mögliche Lücken" in summary
    assert "Olfen\tGeschlechterverständnis und Gleichstellung\t13.010\tLücke" in await page.inner_text("#opened-list")
    assert "Dülmen\tAufenthalt\tin einer Region\tkreisweit" in await page.inner_text("#moved-list")
    ended = await page.inner_text("#ended-list")
    assert "Frauentreff Olfen (befristet)\t31.12.2022" in ended
    assert "Durchstarten: Coaching (Caritasverband)" in ended
    await accessible(page, "the coverage matrix of two days for a target group")
    await screenshot(page, "explorer-coverage")


async def test_the_referral_form_shows_offers_exclusions_responsibilities_and_a_conference(page: Page, explorer_url: str) -> None:
    await sign_in(page, explorer_url, "fallberatung", Role.CASEWORKER)
    await page.wait_for_selector("#case-municipality option[value='mun:olfen']", state="attached")
    await accessible(page, "the referral form")
    await page.select_option("#case-municipality", "mun:olfen")
    await page.fill("#case-age", "22")
    await page.select_option("#case-status", "DULDUNG")
    await page.check("#case-needs input[value='need:ausbildung']")
    await page.fill("#case-languages", "ar")
    await page.fill("#case-asof", "2021-07-01")
    await page.click("#referral-form button[type=submit]")
    await page.wait_for_selector("#conference")

    offers = page.locator("section.need[data-need='need:ausbildung'] ol.offers > li")
    assert await offers.count() >= 3
    first = await offers.first.inner_text()
    assert first.startswith("Durchstarten: Coaching (Caritasverband) – Caritasverband für den Kreis Coesfeld")
    assert "in einer Region" in first
    assert "Alter 22 passt (18–27 Jahre)" in first
    assert "Aufenthaltsstatus Duldung zugelassen" in first
    excluded = await page.inner_text("#excluded-table")
    assert "Durchstarten: Coaching (DRK)" in excluded
    # Which region a coaching post serves is a fill-in of the seed, and the explorer says so.
    assert (
        "Gebiet: nicht verfügbar in Olfen\nergänzte Daten" in excluded
        or "Gebiet: nicht verfügbar in Olfenergänzte Daten" in excluded
    )
    responsible = await page.inner_text("#responsibilities-table")
    assert (
        "SGB VIII – Sozialgesetzbuch Achtes Buch – Kinder- und Jugendhilfe\tJugendamt des Kreises Coesfeld (Kreisjugendamt)"
        in responsible
    )
    assert "Case-Managementstelle 5" in await page.inner_text("#case-managers-table")
    conference = await page.inner_text("#conference")
    assert "Ausgangspunkt (Träger des Case Managements): Kommunales Integrationszentrum Kreis Coesfeld" in conference
    assert "Caritasverband für den Kreis Coesfeld – deckt ab: Ausbildung" in conference
    await accessible(page, "a referral's answer")
    await screenshot(page, "explorer-referral")

    # The case stays in the form: nothing in the browser's storage but the token, nothing in the address.
    stored = await page.evaluate("() => [Object.keys(sessionStorage), Object.keys(localStorage), location.hash]")
    assert stored == [["kimnet.token"], [], "#fallberatung"]


async def test_a_referral_without_age_or_status_says_which_offers_fit_only_if_they_do(page: Page, explorer_url: str) -> None:
    await sign_in(page, explorer_url, "fallberatung", Role.CASEWORKER)
    await page.wait_for_selector("#case-municipality option[value='mun:olfen']", state="attached")
    await page.select_option("#case-municipality", "mun:olfen")
    await page.check("#case-needs input[value='need:ausbildung']")
    await page.fill("#case-asof", "2023-01-05")
    await page.click("#referral-form button[type=submit]")
    await page.wait_for_selector("#conference")
    assert (await page.inner_text("#referral-missing")).startswith("Alter und Aufenthaltsstatus nicht angegeben")
    excluded = await page.inner_text("#excluded-table")
    assert "Laufzeit: am 05.01.2023 nicht gültig (gültig vom " in excluded  # German dates
    assert "bis 31.12.2022)" in excluded
    conditional = page.locator("ol.offers > li", has_text="unter Vorbehalt")
    if await conditional.count():
        text = await conditional.first.inner_text()
        assert "nicht angegeben" in text
    await accessible(page, "a referral without age or status")


async def test_without_a_token_or_with_too_low_a_role_the_explorer_says_what_to_do(page: Page, explorer_url: str) -> None:
    await page.goto(f"{explorer_url}/#versorgung")
    await page.click("#coverage-form button[type=submit]")
    message = page.locator("#message")
    await message.wait_for()
    assert (await message.inner_text()).startswith("Anmeldung nötig: Bitte oben ein gültiges Zugangstoken eingeben")
    await accessible(page, "the coverage view without a token")

    await sign_in(page, explorer_url, "fallberatung", Role.VIEWER)
    await page.wait_for_selector("#case-municipality option[value='mun:olfen']", state="attached")
    await page.select_option("#case-municipality", "mun:olfen")
    await page.check("#case-needs input[value='need:sprache']")
    await page.click("#referral-form button[type=submit]")
    await message.wait_for()
    text = await message.inner_text()
    assert text == (
        "Keine Berechtigung: Ihr Zugangstoken erlaubt diese Abfrage nicht. Sie braucht die Rolle „Fallberatung“ (caseworker); "
        "Ihr Zugangstoken hat die Rolle „Lesen“ (viewer). Bitte bei der Administration ein Zugangstoken mit dieser Rolle anfordern."
    )
    await accessible(page, "a refused referral")
    await screenshot(page, "explorer-forbidden")
