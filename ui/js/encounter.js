// Recording an encounter from a form that can create its person inline, and the sentence
// that says what was recorded. The person's name fields are `new_first_name` /
// `new_last_name` in those forms, so the engine's errors on `first_name` / `last_name` are
// pointed at them.
import { api, label } from './ipc.js';
import { t } from './strings.js';
import { formatNumeric } from './format.js';

const INLINE = { first_name: 'new_first_name', last_name: 'new_last_name' };

export async function recordEncounter(encounter, newPerson) {
  try {
    return await api.recordEncounter(encounter, newPerson);
  } catch (err) {
    if (newPerson && INLINE[err?.field]) err.field = INLINE[err.field];
    throw err;
  }
}

/**
 * "Rencontre enregistrée : Marché, 3 personnes, Champvallon, 25/11/2026. Comptée dans la
 * permanence de Champvallon (créée)." — what the officer needs to see she typed it right.
 */
export function recordedMessage(v, encounter, recorded, { personName, quartierName, corrected = false }) {
  const parts = [label(v.encounter_kind, encounter.kind)];
  if (personName) parts.push(personName);
  else if (encounter.head_count) parts.push(t.encounter.people(encounter.head_count));
  if (quartierName) parts.push(quartierName);
  parts.push(formatNumeric(encounter.date));
  let text = `${corrected ? t.encounter.corrected : t.encounter.recorded} : ${parts.join(', ')}.`;
  if (encounter.follow_up) text += ` ${t.encounter.followUpOn(formatNumeric(encounter.follow_up))}`;
  const p = recorded?.permanence;
  if (p) text += ` ${p.created ? t.encounter.permanenceCreated : p.marked_held ? t.encounter.permanenceHeld : t.encounter.permanenceCounted}`;
  return text;
}
