// Rencontres collectives: meetings of the year, their head count and known attendees.
import { t } from '../strings.js';
import { api, vocab, label, fieldLabel } from '../ipc.js';
import { h, show, form, announce, personPicker, table } from '../dom.js';
import { formatNumeric, formatDate, isoToday } from '../format.js';

export async function render([id]) {
  const year = isoToday().slice(0, 4);
  const [v, settings, partners, meetings] = await Promise.all([vocab(), api.settings(), api.listPartners(), api.listMeetings(`${year}-01-01`, `${year}-12-31`)]);
  if (id) return detail(id, meetings, v);
  const create = form({
    id: 'meeting-form',
    fields: [
      { name: 'title', label: fieldLabel('meeting', 'title'), required: true, width: 'wide' },
      { name: 'kind', label: fieldLabel('meeting', 'kind'), type: 'select', options: v.meeting_kind, empty: false, required: true },
      { name: 'date', label: fieldLabel('meeting', 'date'), type: 'date', value: isoToday(), required: true },
      { name: 'attendee_count', label: fieldLabel('meeting', 'attendee_count'), type: 'number', min: 0, max: 1000, inputmode: 'numeric' },
      { name: 'partner_id', label: fieldLabel('meeting', 'partner_id'), type: 'combobox', options: partners.map((p) => [p.id, p.name]) },
      { name: 'quartier_id', label: fieldLabel('meeting', 'quartier_id'), type: 'combobox', options: settings.quartiers.map((q) => [q.id, q.name]), recent: settings.recent_quartiers },
      { name: 'note', label: fieldLabel('meeting', 'note'), type: 'textarea', width: 'wide' },
    ],
    onSubmit: async (values, el) => {
      const newId = await api.createMeeting(values);
      el.markClean();
      announce(t.saved);
      location.hash = `#/collectives/${newId}`;
    },
  });
  show(
    h('h1', {}, `${t.meetings.title} ${year}`),
    meetings.length
      ? table([
        { label: fieldLabel('meeting', 'date'), cell: (m) => formatNumeric(m.date) },
        { label: fieldLabel('meeting', 'title'), cell: (m) => h('a', { href: `#/collectives/${m.id}` }, m.title) },
        { label: fieldLabel('meeting', 'kind'), cell: (m) => label(v.meeting_kind, m.kind) },
        { label: fieldLabel('meeting', 'attendee_count'), cell: (m) => String(m.attendee_count ?? 0) },
      ], meetings.slice().reverse())
      : h('p', { class: 'muted' }, t.meetings.none),
    h('details', { class: 'card', open: meetings.length === 0 }, h('summary', {}, t.meetings.add), create),
  );
}

async function detail(id, meetings, v) {
  const entry = meetings.find((m) => m.id === id);
  const attendees = await api.listAttendees(id);
  const picker = personPicker({ label: t.meetings.attach, hint: t.today.personHint, onPick: async (person) => {
    if (!person) return;
    const undo = await api.attachAttendee(id, person.id);
    announce(t.meetings.attached, { undo, onUndone: () => render([id]) });
    await render([id]);
  } });
  show(
    h('p', {}, h('a', { href: '#/collectives' }, `← ${t.meetings.title}`)),
    h('h1', {}, entry ? entry.title : t.meetings.title),
    entry ? h('p', {}, `${formatDate(entry.date)} · ${label(v.meeting_kind, entry.kind)} · ${entry.attendee_count ?? 0} participant(s)`) : null,
    h('section', { class: 'card' }, h('h2', {}, `${t.meetings.attendees} (${attendees.length})`),
      attendees.length
        ? h('ul', { class: 'plain', id: 'attendees' }, attendees.map((p) => h('li', { 'data-person': p.id }, h('div', { class: 'entry-line' },
          h('a', { href: `#/personnes/${p.id}` }, `${p.first_name} ${p.last_name}`),
          h('span', { class: 'row-actions' }, h('button', { type: 'button', class: 'small secondary', 'data-action': 'detach', onclick: async () => {
            try {
              const undo = await api.detachAttendee(id, p.id);
              announce(t.meetings.detached, { undo, onUndone: () => render([id]) });
              await render([id]);
            } catch (err) {
              announce(err?.message || t.errorUnexpected);
            }
          } }, t.meetings.detach))))))
        : h('p', { class: 'muted' }, t.meetings.noAttendee),
      picker),
  );
}
