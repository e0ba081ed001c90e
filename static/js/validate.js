// The server's field rules, checked before saving (the server checks again).

import { labelOf as listLabel } from './screens.js';

// As the server's parsers (sync/fields.py): nothing before 2000; UUIDs 8-4-4-4-12, any case.
const EARLIEST = Date.UTC(2000, 0, 1);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// As on the server.
const blank = (value) => value === undefined || value === null || (typeof value === 'string' && value.trim() === '') ||
  (Array.isArray(value) && !value.length);

function checkValue(spec, value, reference, now, skewMs) {
  const { label } = spec;
  switch (spec.kind) {
    case 'text': {
      if (typeof value !== 'string') return `${label} must be text.`;
      const text = value.trim();
      if (text.length > spec.max) return `${label} must be at most ${spec.max} characters (now ${text.length}).`;
      if (spec.min && text.length < spec.min) return `${label} must be at least ${spec.min} characters.`;
      return null;
    }
    case 'choice':
      return (reference.lists[spec.list] || []).some((item) => item.value === value) ? null : `Choose a value for ${label}.`;
    case 'choices': {
      if (!Array.isArray(value) || !value.length) return `Choose at least one of the ${spec.list} list.`;
      const allowed = new Set((reference.lists[spec.list] || []).map((item) => item.value));
      if (!value.every((item) => allowed.has(item))) return `Choose only values of the ${spec.list} list.`;
      return new Set(value).size === value.length ? null : `${label} must not repeat a value.`;
    }
    case 'bool':
      return typeof value === 'boolean' ? null : `${label}: choose yes or no.`;
    case 'int':
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return `${label} must be a number.`;
      if (spec.kind === 'int' && !Number.isInteger(value)) return `${label} must be a whole number.`;
      if ((spec.low !== undefined && value < spec.low) || (spec.high !== undefined && value > spec.high)) {
        return spec.high === undefined ? `${label} must be at least ${spec.low}.` : `${label} must be between ${spec.low} and ${spec.high}.`;
      }
      return null;
    }
    case 'datetime': {
      const moment = Date.parse(value);
      if (!/[Zz]|[+-]\d\d:?\d\d$/.test(value) || Number.isNaN(moment)) return `${label} must be a date and time.`;
      if (moment > now + skewMs) return `${label} cannot be more than an hour in the future.`;
      return moment < EARLIEST ? `${label} must not be before 2000.` : null;
    }
    case 'date': {
      if (typeof value !== 'string' || !/^\d{4}-\d\d-\d\d$/.test(value)) return `${label} must be a date.`;
      const day = new Date(`${value}T00:00:00Z`);
      if (Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== value) return `${label} is not a valid date.`;
      return day.getTime() < EARLIEST ? `${label} must not be before 2000.` : null;
    }
    case 'ids': {
      const noun = label.toLowerCase().replace(/s+$/, '');
      if (!Array.isArray(value) || !value.every((id) => typeof id === 'string' && UUID.test(id))) return `${label} must be a list of ${noun} ids (UUIDs).`;
      if (spec.high !== undefined && value.length > spec.high) return `${label}: at most ${spec.high}.`;
      return new Set(value.map((id) => id.toLowerCase())).size === value.length ? null : `${label}: the same id twice.`;
    }
    case 'uuid':
      return typeof value === 'string' && UUID.test(value) ? null : `${label} must be a UUID.`;
    default:
      return null;
  }
}

// See sync/conditions.py.
function holds(rule, values, given) {
  for (const [name, allowed] of Object.entries(rule.when || {})) {
    if (values[name] === undefined || !allowed.includes(values[name])) return false;
  }
  for (const [name, refused] of Object.entries(rule.unless || {})) {
    if (values[name] === undefined || refused.includes(values[name])) return false;
  }
  return (rule.given || []).every(given) && !(rule.absent || []).some(given);
}

// {label}: the field's label; {name}: the label of that field's value.
function message(rule, field, fields, values, reference) {
  return rule.message.replace(/\{(\w+)\}/g, (_, name) => (name === 'label' ? fields[field].label
    : fields[name].list ? listLabel(reference, fields[name].list, values[name]) : JSON.stringify(values[name])));
}

export function validate(type, data, rules, reference, now = Date.now()) {
  const errors = {};
  const fields = rules.fields[type];
  const given = (name) => !blank(data[name]);
  for (const [name, value] of Object.entries(data)) {
    if (!fields[name]) { errors[name] = 'Unknown field.'; continue; }
    if (!given(name)) continue;
    const problem = checkValue(fields[name], value, reference, now, rules.clock_skew_minutes * 60 * 1000);
    if (problem) errors[name] = problem;
  }
  // The values rules hang on: a field given and valid, else its default; an invalid one has none.
  const defaults = rules.conditions.defaults[type] || {};
  const values = {};
  for (const name of Object.keys(fields)) {
    if (!given(name)) { if (name in defaults) values[name] = defaults[name]; } else if (!errors[name]) values[name] = data[name];
  }
  // Compacted by rule_table.py (docs/officer-app.md).
  for (const rule of rules.conditions.rules[type]) {
    if (!holds(rule, values, given)) continue;
    // A later rule's message replaces an earlier one's; a forbidden field's replaces its type error.
    for (const field of rule.fields || [rule.field]) {
      if (rule.need === 'forbidden' ? given(field) : !given(field)) errors[field] = message(rule, field, fields, values, reference);
    }
  }
  return errors;
}
