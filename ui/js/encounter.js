// Recording an encounter from a form that can create its person inline: the person's name
// fields are `new_first_name` / `new_last_name` there, so the engine's errors on
// `first_name` / `last_name` are pointed at them.
import { api } from './ipc.js';

const INLINE = { first_name: 'new_first_name', last_name: 'new_last_name' };

export async function recordEncounter(encounter, newPerson) {
  try {
    return await api.recordEncounter(encounter, newPerson);
  } catch (err) {
    if (newPerson && INLINE[err?.field]) err.field = INLINE[err.field];
    throw err;
  }
}
