// The page's fixed parts, found once: the three entry forms, the field rules the server
// wrote into the page, and a query helper. Nothing here changes after the page loads.

/** The first element the selector matches. */
export const $ = (selector) => document.querySelector(selector);

/** Labels, limits and defaults of every field (the server's field tables, as JSON in the page). */
export const rules = JSON.parse(document.getElementById('field-rules').textContent);

/** The entry forms by name: the form element of each. */
export const forms = { encounter: $('#encounter-form'), visit: $('#visit-form'), item: $('#item-form') };
