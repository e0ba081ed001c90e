// The server's field rules, checked in the browser before saving (the server checks again).
// Field tables come from the server (sync.schema, embedded in the page as #field-rules);
// the cross-field rules below mirror sync/rules.py.

import { labelOf as listLabel } from './screens.js';

const BOTH = 'Give both latitude and longitude, or neither.';

function label(rules, type, name) {
  return rules.fields[type][name].label;
}

/** Check one value against its field's type and limits; returns a message or null. */
function checkValue(spec, value, reference, now, skewMs) {
  switch (spec.kind) {
    case 'text': {
      if (typeof value !== 'string') return `${spec.label} must be text.`;
      const text = value.trim();
      if (text.length > spec.max) return `${spec.label} must be at most ${spec.max} characters (now ${text.length}).`;
      if (spec.min && text.length < spec.min) return `${spec.label} must be at least ${spec.min} characters.`;
      return null;
    }
    case 'choice':
      return (reference.lists[spec.list] || []).some((item) => item.value === value) ? null : `Choose a value for ${spec.label}.`;
    case 'choices':
      return Array.isArray(value) && value.length > 0 ? null : `Choose at least one of the ${spec.list} list.`;
    case 'bool':
      return typeof value === 'boolean' ? null : `${spec.label}: choose yes or no.`;
    case 'int':
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return `${spec.label} must be a number.`;
      if (spec.kind === 'int' && !Number.isInteger(value)) return `${spec.label} must be a whole number.`;
      if ((spec.low !== undefined && value < spec.low) || (spec.high !== undefined && value > spec.high)) {
        return spec.high === undefined ? `${spec.label} must be at least ${spec.low}.` : `${spec.label} must be between ${spec.low} and ${spec.high}.`;
      }
      return null;
    }
    case 'datetime': {
      const moment = Date.parse(value);
      if (!/[Zz]|[+-]\d\d:?\d\d$/.test(value) || Number.isNaN(moment)) return `${spec.label} must be a date and time.`;
      if (moment > now + skewMs) return `${spec.label} cannot be more than an hour in the future.`;
      return null;
    }
    case 'date':
      return /^\d{4}-\d\d-\d\d$/.test(value) ? null : `${spec.label} must be a date.`;
    default:
      return null;
  }
}

/** Errors {field: message} for an entry's data, as the server would give them. */
export function validate(type, data, rules, reference, now = Date.now()) {
  const errors = {};
  const fields = rules.fields[type];
  const given = (name) => data[name] !== undefined && data[name] !== null && data[name] !== '';
  const require = (name, message) => { if (!given(name)) errors[name] = message || `${label(rules, type, name)} is required.`; };
  for (const [name, value] of Object.entries(data)) {
    if (!fields[name]) { errors[name] = 'Unknown field.'; continue; }
    if (!given(name)) continue;
    const problem = checkValue(fields[name], value, reference, now, rules.clock_skew_minutes * 60 * 1000);
    if (problem) errors[name] = problem;
  }
  const coordinates = () => {
    if (given('latitude') && !given('longitude')) errors.longitude = errors.longitude || BOTH;
    if (given('longitude') && !given('latitude')) errors.latitude = errors.latitude || BOTH;
    return given('latitude') || given('longitude');
  };
  if (type === 'encounter') {
    ['kind', 'occurred_at', 'bwv_used'].forEach((name) => require(name));
    if (!coordinates()) require('location_text', 'Give a location description when there are no coordinates.');
    const kind = data.kind;
    const owned = new Set(rules.by_kind[kind] || []);
    const kindLabel = listLabel(reference, 'encounter_kinds', kind);
    for (const name of Object.keys(fields)) {
      if (!rules.common.includes(name) && !owned.has(name) && given(name) && kind) errors[name] = `Not used for ${kindLabel}.`;
    }
    if (kind === 'stop_search') {
      rules.stop_search_required.forEach((name) => require(name));
      if (data.bwv_used === false) require('bwv_reason_not_used', 'Give the reason body-worn video was not used.');
      if (rules.vehicle_search_types.includes(data.search_type)) require('vehicle_registration', 'Vehicle registration is required for a vehicle search.');
    } else if (kind === 'asb') {
      require('asb_category');
      require('asb_action');
      const needed = rules.asb_action_fields[data.asb_action] || [];
      const actionLabel = listLabel(reference, 'asb_actions', data.asb_action);
      for (const names of Object.values(rules.asb_action_fields)) {
        for (const name of names) {
          if (needed.includes(name)) require(name, `${label(rules, type, name)} is required for ${actionLabel}.`);
          else if (given(name) && data.asb_action) errors[name] = `Not used for ${actionLabel}.`;
        }
      }
    } else if (kind === 'begging' || kind === 'welfare_check') {
      require('support_offered');
      require('referral_made');
      if (data.referral_made === true) require('referral_org', 'Give the organisation referred to.');
    }
  } else if (type === 'postbox_visit') {
    ['postbox_id', 'visited_at', 'box_condition', 'item_count'].forEach((name) => require(name));
  } else if (type === 'postbox_item') {
    require('visit_id');
    require('summary');
    if (!given('topics') || !data.topics.length) errors.topics = 'Choose at least one of the topics list.';
    coordinates();
    if (data.anonymity === 'contact_requested') require('contact_details', 'Give contact details when the resident asks to be contacted.');
    else if (given('contact_details')) errors.contact_details = 'Contact details are kept only when the resident asks to be contacted.';
  }
  return errors;
}
