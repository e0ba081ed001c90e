"""A stop and search in half a minute (issue 11, 'Time to record'), in real headless Chromium at 390 px.

Each test walks what an officer does on the street: the location is asked for as
the form opens, the last power and object come back on the next search, phrases
start the grounds without replacing what was typed, 'no further action' answers
'outcome linked' with No, and the optional fields are folded with Save in reach.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.officer import fill_stop_search, local_entries, open_form, reload_app, save, sign_in_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]
WIDTH, HEIGHT = 390, 844
PACE_S1 = "Police and Criminal Evidence Act 1984 (section 1)"
DRUGS = "Misuse of Drugs Act 1971 (section 23)"


@pytest.fixture
def phone(browser):
    """A 390 px phone that has a location fix (within 12 m)."""
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, permissions=["geolocation"],
                                  geolocation={"latitude": 51.7290, "longitude": -1.2343, "accuracy": 12})
    page = context.new_page()
    yield page
    context.close()


def in_viewport(page: Page, locator) -> bool:
    """The element is fully on screen and is what a tap at its centre would hit."""
    return locator.evaluate("""(el) => {
        const r = el.getBoundingClientRect();
        if (r.height === 0 || r.top < 0 || r.bottom > window.innerHeight) return false;
        const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        return hit === el || el.contains(hit);
    }""")


def test_the_location_is_asked_for_as_the_form_opens(phone, app_server):
    page = phone
    sign_in_app(page, app_server)
    fill_stop_search(page)  # opens the form and answers the rest, never touching the location button
    form = page.get_by_test_id("encounter-form")
    # No button pressed: the fix arrives with its accuracy.
    expect(form.locator(".locate-status")).to_have_text("Location found (within 12 m).")
    expect(form.locator('[name="latitude"]')).to_have_value("51.729000")
    expect(form.locator('[name="longitude"]')).to_have_value("-1.234300")
    # The boxes are behind 'Enter by hand'; the description stays in view.
    expect(form.locator('[name="latitude"]')).to_be_hidden()
    expect(form.locator('[name="location_text"]')).to_be_visible()
    form.get_by_text("Enter by hand").click()
    expect(form.locator('[name="latitude"]')).to_be_visible()
    form.locator('[name="latitude"]').fill("51.7301")
    save(page)
    [entry] = local_entries(page)
    assert entry["data"]["latitude"] == pytest.approx(51.7301)
    assert entry["data"]["location_accuracy_m"] == 12


def test_the_last_power_and_object_come_back_and_the_object_is_suggested(phone, app_server):
    page = phone
    sign_in_app(page, app_server)
    open_form(page, "Stop and search")
    form = page.get_by_test_id("encounter-form")
    legislation = form.locator('[name="legislation"]')
    obj = form.locator('[name="object_of_search"]')
    expect(obj).to_have_value("")
    # A power suggests its usual object when none is chosen.
    legislation.select_option(DRUGS)
    expect(obj).to_have_value("Controlled drugs")
    legislation.select_option(PACE_S1)
    expect(obj).to_have_value("Stolen goods")  # a suggestion follows the power
    # The officer's own choice is never replaced by a suggestion.
    obj.select_option("Offensive weapons")
    legislation.select_option(DRUGS)
    expect(obj).to_have_value("Offensive weapons")
    legislation.select_option(PACE_S1)
    form.locator('[name="location_text"]').fill("Rose Hill shops")
    form.locator('[name="grounds"]').fill("Seen to hide a knife-shaped object in his waistband.")
    form.locator('[name="self_defined_ethnicity"]').select_option("Other ethnic group - Not stated")
    form.locator('[data-field="outcome"]').get_by_text("Arrest").click()
    form.locator('[data-field="outcome_linked_to_object_of_search"]').get_by_text("Yes", exact=True).click()
    save(page)
    # The next search, and after the app is closed and opened again, starts with them (editable).
    for reopen in (False, True):
        if reopen:
            reload_app(page)
            expect(page.locator("#screen-home, #screen-encounter").locator("visible=true")).to_have_count(1)
        open_form(page, "Stop and search")
        expect(legislation).to_have_value(PACE_S1)
        expect(obj).to_have_value("Offensive weapons")
    # A new power on a remembered object: the remembered one was not chosen for this search.
    legislation.select_option(DRUGS)
    expect(obj).to_have_value("Controlled drugs")
    obj.select_option("Stolen goods")
    expect(obj).to_have_value("Stolen goods")


def test_phrases_start_the_grounds_without_replacing_the_officers_words(phone, app_server):
    page = phone
    sign_in_app(page, app_server)
    open_form(page, "Stop and search")
    form = page.get_by_test_id("encounter-form")
    grounds = form.locator('[name="grounds"]')
    phrases = form.get_by_role("group", name="Add a phrase to the grounds")
    # Tapped first: the phrase is the start, the cursor after it for the specifics.
    phrases.get_by_role("button", name="Smell of cannabis from").click()
    expect(grounds).to_have_value("Smell of cannabis from ")
    expect(grounds).to_be_focused()
    page.keyboard.type("his jacket.")
    expect(grounds).to_have_value("Smell of cannabis from his jacket.")
    # Another phrase at the end, then one where the cursor was: nothing typed is replaced.
    phrases.get_by_role("button", name="Seen to pass a small package to").click()
    page.keyboard.type("a cyclist.")
    expect(grounds).to_have_value("Smell of cannabis from his jacket. Seen to pass a small package to a cyclist.")
    grounds.evaluate("(box) => { box.focus(); box.setSelectionRange(0, 5); }")  # 'Smell' selected
    phrases.get_by_role("button", name="Matches the description given by").click()
    expect(grounds).to_have_value("Matches the description given by Smell of cannabis from his jacket. "
                                  "Seen to pass a small package to a cyclist.")
    # The draft keeps phrase and typing alike.
    page.wait_for_function("""async () => {
        const m = await import('/app/static/js/outbox.js');
        const d = await m.loadDraft('officer1', 'encounter');
        return !!d && (d.data.grounds || '').startsWith('Matches the description');
    }""")
    # A phrase alone is no grounds: the 20-character minimum stays.
    grounds.fill("")
    phrases.get_by_role("button", name="Heard to say").click()
    form.get_by_role("button", name="Save").click()
    expect(form.locator('[data-field="grounds"] .error')).not_to_be_empty()


def test_no_further_action_answers_outcome_linked_with_no_unless_answered(phone, app_server):
    page = phone
    sign_in_app(page, app_server)
    open_form(page, "Stop and search")
    form = page.get_by_test_id("encounter-form")
    linked = form.locator('[data-field="outcome_linked_to_object_of_search"]')
    outcome = form.locator('[data-field="outcome"]')
    outcome.get_by_text("No further action").click()
    expect(linked.locator('input[value="false"]')).to_be_checked()
    # Set by the app, it goes again with another outcome; the officer's own answer stays.
    outcome.get_by_text("Arrest").click()
    expect(linked.locator("input:checked")).to_have_count(0)
    linked.get_by_text("Yes", exact=True).click()
    outcome.get_by_text("No further action").click()
    expect(linked.locator('input[value="true"]')).to_be_checked()


def test_required_first_optional_folded_and_save_in_reach(phone, app_server):
    page = phone
    sign_in_app(page, app_server)
    open_form(page, "Stop and search")
    form = page.get_by_test_id("encounter-form")
    more = form.locator("details", has_text="More details (optional)")
    expect(more).to_have_count(1)
    assert more.evaluate("(d) => !d.open")
    for name in ("officer_defined_ethnicity", "gender", "age_range", "operation_name", "notes"):
        assert more.locator(f'[data-field="{name}"]').count() == 1, name
        expect(form.locator(f'[data-field="{name}"] input, [data-field="{name}"] textarea').first).to_be_hidden()
    # The law's answers all come before the folded part.
    before_fold = form.evaluate("""(f) => {
        const fold = f.querySelector('details.more');
        return ['legislation', 'object_of_search', 'grounds', 'self_defined_ethnicity', 'outcome',
                'outcome_linked_to_object_of_search'].every((n) =>
            f.querySelector(`[data-field="${n}"]`).compareDocumentPosition(fold) & Node.DOCUMENT_POSITION_FOLLOWING);
    }""")
    assert before_fold
    save_button = form.get_by_role("button", name="Save", exact=True)
    for where in (0, 600, 10_000):
        page.evaluate(f"window.scrollTo(0, {where})")
        assert in_viewport(page, save_button), f"Save out of reach scrolled to {where}"
    # Opened, the optional fields are there to fill; the entry saves with them.
    fill_stop_search(page)
    more.locator("summary").click()
    form.locator('[data-field="gender"]').get_by_text("Female", exact=True).click()
    save(page)
    [entry] = local_entries(page)
    assert entry["data"]["gender"] == "Female"
    assert re.match(r"^Smell|^Strong", entry["data"]["grounds"])
