// The page's fixed parts, found once: the entry forms, the field rules in the page, a query helper.

export const $ = (selector) => document.querySelector(selector);

export const rules = JSON.parse(document.getElementById('field-rules').textContent);

export const forms = { encounter: $('#encounter-form'), visit: $('#visit-form'), item: $('#item-form') };
