"""A shift on the officer app, in real headless Chromium at 390 px, against the real server.

Issue 11's 'flows that break today': officers do things twice, in any order,
and with the keyboard. Each test walks a sequence an officer walks: a second
postbox after the first round, a stop and search while another kind's draft
waits, the next entry after a save, back home from any screen, a refused save.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.officer import (
    fill_stop_search, load_draft, local_entries, open_form, reload_app, save, sign_in_app, wait_for_draft,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
WIDTH, HEIGHT = 390, 844


@pytest.fixture
def phone(browser):
    """A 390 px phone that has a location fix (within 12 m)."""
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, permissions=["geolocation"],
                                  geolocation={"latitude": 51.7290, "longitude": -1.2343, "accuracy": 12})
    page = context.new_page()
    yield page
    context.close()


def go_home(page: Page) -> None:
    """The way an officer goes home: the Home link in the bar (there is no back button)."""
    page.get_by_role("link", name="Home").click()
    expect(page.locator("#screen-home")).to_be_visible()


def visit_postbox(page: Page, postbox: str, cards: list[tuple[str, str]]) -> None:
    page.get_by_role("link", name="Postbox round").click()
    visit = page.get_by_test_id("visit-form")
    expect(visit).to_be_visible()
    visit.locator('[data-field="postbox_id"]').get_by_text(re.compile(postbox)).click()
    visit.locator('[name="item_count"]').fill(str(len(cards)))
    save(page, "visit-form")
    card = page.get_by_test_id("item-form")
    for topic, summary in cards:
        card.locator('[data-field="topics"]').get_by_text(topic, exact=True).click()
        card.locator('[name="summary"]').fill(summary)
        save(page, "item-form")
    expect(page.locator("#round-summary")).to_contain_text(
        f"{postbox}: {len(cards)} {'card' if len(cards) == 1 else 'cards'} saved")


def in_viewport(page: Page, selector: str) -> bool:
    return page.evaluate("""(selector) => {
        const box = document.querySelector(selector).getBoundingClientRect();
        return box.height > 0 && box.top >= 0 && box.bottom <= window.innerHeight;
    }""", selector)


def relative_luminance(rgb: tuple[int, int, int]) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG contrast of two CSS rgb() colours."""
    la, lb = (relative_luminance(tuple(int(v) for v in re.findall(r"\d+", c)[:3])) for c in (a, b))
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def test_finish_round_ends_it_and_a_second_postbox_is_visited(phone, app_server):
    page = phone
    sign_in_app(page, app_server)
    visit_postbox(page, "Rose Hill Stores", [("Drugs", "Dealing by the bus shelter after 10pm.")])
    page.get_by_role("link", name="Finish round").click()
    expect(page.locator("#screen-home")).to_be_visible()
    # The next round begins with a visit, not with the last postbox's card form.
    visit_postbox(page, "Iffley Road Pharmacy", [("Parking", "Cars on the pavement outside the school."),
                                                 ("Praise", "Thanks for the visit to the youth club.")])
    page.get_by_role("link", name="Finish round").click()
    expect(page.locator("#screen-home")).to_be_visible()
    reload_app(page)  # the round stays finished after a restart
    expect(page.locator("#screen-home")).to_be_visible()
    page.get_by_role("link", name="Postbox round").click()
    expect(page.get_by_test_id("visit-form")).to_be_visible()
    expect(page.get_by_test_id("item-form")).to_be_hidden()
    entries = local_entries(page)
    visits = {e["data"]["postbox_id"]: e["id"] for e in entries if e["type"] == "postbox_visit"}
    assert len(visits) == 2
    cards = sorted((e["data"]["summary"][:5], e["data"]["visit_id"]) for e in entries if e["type"] == "postbox_item")
    first, second = (visits[key] for key in sorted(visits))
    assert cards == [("Cars ", second), ("Deali", first), ("Thank", second)]


def test_finish_round_with_a_card_half_typed_asks_first(phone, app_server):
    """A card typed but not saved is not dropped silently, nor carried into the next postbox's round."""
    page = phone
    sign_in_app(page, app_server)
    visit_postbox(page, "Rose Hill Stores", [("Drugs", "Dealing by the bus shelter after 10pm.")])
    card = page.get_by_test_id("item-form")
    card.locator('[name="summary"]').fill("Half a card")
    page.get_by_role("link", name="Finish round").click()
    confirm = page.locator("#finish-confirm")
    expect(confirm).to_be_visible()
    expect(confirm).to_contain_text("not saved")
    confirm.get_by_role("button", name="Keep typing").click()
    expect(card.locator('[name="summary"]')).to_have_value("Half a card")
    page.get_by_role("link", name="Finish round").click()
    confirm.get_by_role("button", name=re.compile("Discard the card")).click()
    expect(page.locator("#screen-home")).to_be_visible()
    assert load_draft(page, "item") is None
    page.get_by_role("link", name="Postbox round").click()
    expect(page.get_by_test_id("visit-form")).to_be_visible()


def test_each_home_button_opens_its_own_kind_and_offers_the_other_draft(phone, app_server):
    page = phone
    sign_in_app(page, app_server)
    open_form(page, "Other encounter")
    form = page.get_by_test_id("encounter-form")
    form.locator('[data-field="kind"]').get_by_text("Antisocial behaviour").click()
    form.locator('[name="location_text"]').fill("Playground, Nowell Road")
    wait_for_draft(page, "location_text", "Playground, Nowell Road")
    open_form(page, "Stop and search")
    expect(form.locator('[name="kind"][value="stop_search"]')).to_be_checked()
    expect(form.locator('[name="location_text"]')).to_have_value("")
    offer = page.get_by_role("button", name="Continue the antisocial behaviour draft")
    expect(offer).to_be_visible()
    # The stop and search goes ahead; the antisocial behaviour draft is kept meanwhile.
    form.locator('[name="location_text"]').fill("Outside the Co-op")
    wait_for_draft(page, "location_text", "Outside the Co-op")
    offer.click()
    expect(form.locator('[name="kind"][value="asb"]')).to_be_checked()
    expect(form.locator('[name="location_text"]')).to_have_value("Playground, Nowell Road")
    # ... and now the stop and search is the one offered.
    back = page.get_by_role("button", name="Continue the stop and search draft")
    expect(back).to_be_visible()
    back.click()
    expect(form.locator('[name="kind"][value="stop_search"]')).to_be_checked()
    expect(form.locator('[name="location_text"]')).to_have_value("Outside the Co-op")
    # Pressing the same button twice opens the same draft, not a third form.
    go_home(page)
    page.get_by_role("link", name="Stop and search").click()
    expect(form.locator('[name="location_text"]')).to_have_value("Outside the Co-op")
    # 'Other encounter' opens the other kinds' draft.
    go_home(page)
    page.get_by_role("link", name="Other encounter").click()
    expect(form.locator('[name="kind"][value="asb"]')).to_be_checked()
    expect(form.locator('[name="location_text"]')).to_have_value("Playground, Nowell Road")
    # The offered stop and search draft is discarded, after a confirmation.
    offers = page.locator("#draft-offers")
    offers.get_by_role("button", name="Discard the stop and search draft").click()
    offers.get_by_role("button", name="Keep it").click()
    expect(page.get_by_role("button", name="Continue the stop and search draft")).to_be_visible()
    offers.get_by_role("button", name="Discard the stop and search draft").click()
    offers.get_by_role("button", name="Yes, discard it").click()
    expect(page.get_by_role("button", name="Continue the stop and search draft")).to_have_count(0)
    # The open draft can be discarded too: the form starts afresh and no draft is left.
    form.get_by_role("button", name="Discard this entry").click()
    form.get_by_role("button", name="Yes, discard it").click()
    expect(form.locator('[name="location_text"]')).to_have_value("")
    page.wait_for_timeout(500)
    assert load_draft(page) is None
    go_home(page)
    page.get_by_role("link", name="Stop and search").click()
    expect(form.locator('[name="location_text"]')).to_have_value("")
    expect(page.locator("#draft-offers")).to_be_hidden()


def test_a_saved_draft_of_another_kind_stays_offered(phone, app_server):
    """A stop and search saved while an ASB draft waits: the ASB draft is still there afterwards."""
    page = phone
    sign_in_app(page, app_server)
    open_form(page, "Other encounter")
    form = page.get_by_test_id("encounter-form")
    form.locator('[data-field="kind"]').get_by_text("Antisocial behaviour").click()
    form.locator('[name="location_text"]').fill("Playground, Nowell Road")
    wait_for_draft(page, "location_text", "Playground, Nowell Road")
    fill_stop_search(page)
    save(page)
    assert [e["data"]["kind"] for e in local_entries(page)] == ["stop_search"]
    reload_app(page)
    page.get_by_role("button", name="Continue the antisocial behaviour draft").click()
    expect(form.locator('[name="location_text"]')).to_have_value("Playground, Nowell Road")


def test_location_and_errors_do_not_outlive_their_form(phone, app_server):
    page = phone
    sign_in_app(page, app_server)
    fill_stop_search(page)
    form = page.get_by_test_id("encounter-form")
    form.get_by_role("button", name="Use my location").click()
    status = form.locator(".locate-status")
    expect(status).to_have_text("Location found (within 12 m).")
    save(page)
    expect(status).to_have_text("")  # the next entry has no location yet
    # A refused save, then another kind: its form shows none of the first form's errors.
    form.locator('[name="grounds"]').fill("short")
    form.get_by_role("button", name="Save").click()
    expect(form.locator('[data-field="grounds"] .error')).not_to_be_empty()
    go_home(page)
    page.get_by_role("link", name="Other encounter").click()
    expect(form).to_be_visible()
    assert [t for t in form.locator(".error").all_inner_texts() if t.strip()] == []
    expect(form.locator("[aria-invalid]")).to_have_count(0)
    expect(form.locator(".error-summary")).to_be_hidden()
    # Changing the kind on a refused form drops the errors of the kind left behind.
    go_home(page)
    page.get_by_role("link", name="Stop and search").click()
    form.get_by_role("button", name="Save").click()
    expect(form.locator('[data-field="grounds"] .error')).not_to_be_empty()
    form.locator('[data-field="kind"]').get_by_text("Welfare check").click()
    assert [t for t in form.locator(".error").all_inner_texts() if t.strip()] == []


def test_saved_is_seen_and_the_next_entry_starts_at_its_top(phone, app_server):
    page = phone
    sign_in_app(page, app_server)
    fill_stop_search(page)
    save(page)
    # A stop and search first shows its receipt, which says it was saved, with the focus on it (#15).
    expect(page.get_by_test_id("receipt-saved")).to_be_visible()  # shown once its module has loaded
    assert in_viewport(page, "#receipt .receipt-saved")
    assert page.evaluate("document.activeElement.id") == "receipt-title"
    page.get_by_test_id("receipt").get_by_role("button", name="Done").click()
    assert in_viewport(page, "#encounter-form .saved")
    assert page.evaluate("window.scrollY") == 0
    assert page.evaluate("document.activeElement.name") == "kind"
    # The postbox round: each next card starts at its top with its first field focused.
    go_home(page)
    page.get_by_role("link", name="Postbox round").click()
    visit = page.get_by_test_id("visit-form")
    visit.locator('[data-field="postbox_id"]').get_by_text(re.compile("Rose Hill Stores")).click()
    visit.locator('[name="item_count"]').fill("2")
    save(page, "visit-form")
    assert page.evaluate("window.scrollY") == 0
    assert page.evaluate("document.activeElement.name") == "topics"
    card = page.get_by_test_id("item-form")
    for summary in ("Dealing by the bus shelter after 10pm.", "Cars on the pavement outside the school."):
        page.keyboard.press("Space")  # the first topic, by keyboard: the focus is where the card starts
        card.locator('[name="summary"]').fill(summary)
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")  # down at the save button
        assert page.evaluate("window.scrollY") > 500
        save(page, "item-form")
        assert in_viewport(page, "#item-form .saved")
        assert in_viewport(page, "#round-summary")
        assert page.evaluate("window.scrollY") == 0
        assert page.evaluate("document.activeElement.name") == "topics"
    items = [e for e in local_entries(page) if e["type"] == "postbox_item"]
    assert len(items) == 2 and all(e["data"]["topics"] == ["anti-social-behaviour"] for e in items)


@pytest.mark.parametrize("screen", ["encounter", "round", "outbox"])
def test_home_from_every_screen_by_keyboard(phone, app_server, screen):
    page = phone
    sign_in_app(page, app_server)
    page.goto(page.url.split("#")[0] + f"#{screen}")
    expect(page.locator(f"#screen-{screen}")).to_be_visible()
    home = page.get_by_role("link", name="Home")
    expect(home).to_be_visible()
    box = home.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44
    assert page.evaluate("document.activeElement.tagName") == "H1"  # a screen opens with the focus on its heading
    for _ in range(4):  # back from the heading: the bar comes just before it
        page.keyboard.press("Shift+Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Home":
            break
    else:
        raise AssertionError("the Home link is not among the first stops of the keyboard")
    page.keyboard.press("Enter")
    expect(page.locator("#screen-home")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH


def test_a_refused_save_has_an_error_summary_with_links(phone, app_server):
    page = phone
    sign_in_app(page, app_server)
    open_form(page, "Stop and search")
    form = page.get_by_test_id("encounter-form")
    form.locator('[name="grounds"]').fill("short")
    form.get_by_role("button", name="Save").click()
    summary = form.locator(".error-summary")
    expect(summary).to_be_visible()
    assert summary.get_attribute("role") == "alert"
    assert in_viewport(page, "#encounter-form .error-summary")
    messages = [t for t in form.locator(".field > .error").all_inner_texts() if t.strip()]
    links = summary.get_by_role("link")
    expect(links).to_have_count(len(messages))
    expect(summary).to_contain_text(f"{len(messages)} problems")
    summary.get_by_role("link", name="Grounds must be at least 20 characters.").click()
    assert page.evaluate("document.activeElement.name") == "grounds"
    assert page.url.endswith("#encounter")  # the link does not leave the form
    # A chip group's error is tied to its fieldset (its description) and is in the summary.
    go_home(page)
    page.get_by_role("link", name="Postbox round").click()
    page.get_by_test_id("visit-form").locator('[data-field="postbox_id"]').get_by_text(
        re.compile("Rose Hill Stores")).click()
    page.get_by_test_id("visit-form").locator('[name="item_count"]').fill("1")
    save(page, "visit-form")
    card = page.get_by_test_id("item-form")
    card.locator('[name="summary"]').fill("No topic chosen for this card.")
    card.get_by_role("button", name=re.compile("^Save")).click()
    topics_error = card.locator('[data-field="topics"] .error')
    expect(topics_error).not_to_be_empty()
    described = page.evaluate("""() => {
        const set = document.querySelector('#item-form [data-field="topics"] fieldset');
        return set.getAttribute('aria-describedby').split(' ').map((id) => document.getElementById(id).textContent).join(' ');
    }""")
    assert topics_error.inner_text() in described
    # ... as Chromium's accessibility tree has it: the group's description is the message.
    cdp = page.context.new_cdp_session(page)
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    fieldset = cdp.send("DOM.querySelector", {"nodeId": root, "selector": '#item-form [data-field="topics"] fieldset'})
    [node] = cdp.send("Accessibility.getPartialAXTree", {"nodeId": fieldset["nodeId"], "fetchRelatives": False})["nodes"][:1]
    assert node["role"]["value"] == "group"
    assert node["description"]["value"] == topics_error.inner_text()
    card.locator(".error-summary").get_by_role("link").first.click()
    assert page.evaluate("document.activeElement.name") == "topics"
    # Fixed and saved: the summary goes.
    page.keyboard.press("Space")
    save(page, "item-form")
    expect(card.locator(".error-summary")).to_be_hidden()


def test_the_focus_ring_has_3_to_1_contrast(phone, app_server):
    page = phone
    sign_in_app(page, app_server)
    open_form(page, "Stop and search")
    # The screen moves the focus to its heading once shown: wait for that, or it can take the focus back from us.
    expect(page.locator("#screen-encounter h1")).to_be_focused()
    form = page.get_by_test_id("encounter-form")
    form.locator('[name="location_text"]').focus()
    page.keyboard.press("Tab")  # a keyboard move: :focus-visible applies
    style = page.evaluate("""() => {
        const s = getComputedStyle(document.activeElement);
        return [s.outlineStyle, s.outlineColor, parseFloat(s.outlineWidth), getComputedStyle(document.body).backgroundColor];
    }""")
    outline_style, colour, width, background = style
    assert outline_style != "none" and width >= 2
    assert contrast(colour, background) >= 3, (colour, background)
    # A chip (the input is hidden; its label shows the ring).
    form.locator('[data-field="search_type"] input').first.focus()
    page.keyboard.press("ArrowRight")
    expect(form.locator('[data-field="search_type"] input').nth(1)).to_be_focused()
    chip = page.evaluate("""() => {
        const s = getComputedStyle(document.activeElement.nextElementSibling);
        return [s.outlineStyle, s.outlineColor];
    }""")
    assert chip[0] != "none" and contrast(chip[1], background) >= 3, chip


def test_drafts_continued_and_discarded_by_keyboard(phone, app_server):
    """The offer and the confirmation work with the keyboard alone; 'Keep it' is where the focus lands."""
    page = phone
    sign_in_app(page, app_server)
    open_form(page, "Stop and search")
    form = page.get_by_test_id("encounter-form")
    form.locator('[name="location_text"]').fill("Outside the Co-op")
    wait_for_draft(page, "location_text", "Outside the Co-op")
    open_form(page, "Other encounter")
    offer = page.get_by_role("button", name="Continue the stop and search draft")
    offer.focus()
    page.keyboard.press("Enter")
    expect(form.locator('[name="location_text"]')).to_have_value("Outside the Co-op")
    page.wait_for_function("() => document.activeElement.name === 'kind'", timeout=5000)  # the draft starts at its top
    discard = form.get_by_role("button", name="Discard this entry")
    discard.focus()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.textContent") == "Keep it"  # the safe answer first
    page.keyboard.press("Enter")
    expect(form.locator('[name="location_text"]')).to_have_value("Outside the Co-op")
    assert page.evaluate("document.activeElement.textContent") == "Discard this entry"
    page.keyboard.press("Enter")
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.textContent") == "Yes, discard it"
    page.keyboard.press("Enter")
    expect(form.locator('[name="location_text"]')).to_have_value("")
    page.wait_for_function("() => document.activeElement.name === 'kind'", timeout=5000)
    page.wait_for_timeout(500)
    assert load_draft(page) is None
