//! The access export (GDPR art. 15): everything Carnet holds on one person, for her, in one ZIP.
//!
//! Why a ZIP of three kinds of file: the person must be able to read it without help (a French
//! PDF letter addressed to her, `courrier.pdf`), a DPO or another tool must be able to check it
//! whole (`donnees.json`: every value held on her, with each change's date and device, and the
//! values set aside by sync conflicts), and the letters that went to partners are hers to see
//! as they were sent (`lettres/…`, re-made byte for byte from what was filed).
//!
//! What is guaranteed:
//! - Nothing about another person: a collective meeting she attended shows the meeting (date,
//!   title, kind), never who else came; a referral shows the partner, never the officer's other
//!   cases.
//! - Records merged into hers ([`crate::person_merge`]) are part of her export.
//! - Deterministic: the same notebook and the same date give the same bytes (no clock read,
//!   rows in id order, fixed ZIP dates).
//! - The export itself is journaled ([`crate::audit::Action::AccessExport`]).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rusqlite::types::Value;
use serde_json::{Value as Json, json};
use uuid::Uuid;

use crate::changelog::{self, LoggedWrite};
use crate::error::{Error, Result};
use crate::letter::layout::LetterContent;
use crate::person::Person;
use crate::record::sql_to_json;
use crate::schema::{self, EntitySpec};
use crate::store::Store;
use crate::zip_archive::{self, ZipFile};

/// The rows of one entity that belong to her, by id.
fn rows_of(store: &Store, sql: &str, person: Uuid) -> Result<Vec<Uuid>> {
    let mut stmt = store.conn().prepare(sql)?;
    let ids = stmt.query_map([person.to_string()], |r| r.get::<_, String>(0))?;
    let mut out = ids
        .map(|id| crate::validate::id(&id?))
        .collect::<Result<Vec<_>>>()?;
    out.sort();
    Ok(out)
}

/// A row's current values and its history, as JSON.
fn row_json(store: &Store, spec: &'static EntitySpec, id: Uuid) -> Result<Json> {
    let history = changelog::of_row(store.conn(), id)?;
    let mut values = BTreeMap::new();
    if let Some(current) = crate::store::read_values(store.conn(), spec, id)? {
        for (field, value) in spec.fields.iter().zip(current) {
            values.insert(field.name, sql_to_json(field.kind, &value));
        }
    }
    let mut writes: Vec<&LoggedWrite> = history.iter().filter(|w| w.entity == spec).collect();
    writes.sort_by_key(|w| w.first);
    let mut changes = Vec::new();
    for write in writes {
        let mut fields = BTreeMap::new();
        for (name, value, _) in &write.fields {
            let json = match schema::field_of(spec, name) {
                Some(field) => sql_to_json(field.kind, value),
                None => Json::Null,
            };
            fields.insert(*name, json);
        }
        changes.push(json!({
            "date": stamp_time(write.first.wall_ms),
            "appareil": write.first.device.to_string(),
            "champs": fields,
        }));
    }
    Ok(json!({ "id": id.to_string(), "valeurs": values, "historique": changes }))
}

fn stamp_time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

/// Values set aside by sync conflicts on her rows.
fn conflicts_json(store: &Store, rows: &[Uuid]) -> Result<Vec<Json>> {
    let mut out = Vec::new();
    let mut stmt = store.conn().prepare(
        "SELECT entity, field, kept_stamp, kept_value, lost_stamp, lost_value, resolved
           FROM sync_conflict WHERE row_id = ?1 ORDER BY id",
    )?;
    for row in rows {
        let found = stmt.query_map([row.as_bytes().as_slice()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Value>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Value>(5)?,
                r.get::<_, i64>(6)?,
            ))
        })?;
        for conflict in found {
            let (entity, field, kept_stamp, kept, lost_stamp, lost, resolved) = conflict?;
            let kind = schema::entity(&entity)
                .and_then(|e| schema::field_of(e, &field))
                .map(|f| f.kind);
            let value = |v: &Value| kind.map_or(Json::Null, |k| sql_to_json(k, v));
            out.push(json!({
                "fiche": entity,
                "id": row.to_string(),
                "champ": field,
                "valeur_gardee": value(&kept),
                "ecrite": kept_stamp,
                "valeur_mise_de_cote": value(&lost),
                "mise_de_cote_ecrite": lost_stamp,
                "reglee": resolved != 0,
            }));
        }
    }
    Ok(out)
}

/// Her rows, entity by entity (every record merged into hers included).
struct Holdings {
    person: Uuid,
    group: Vec<Uuid>,
    rows: Vec<(&'static EntitySpec, Vec<Uuid>)>,
}

fn holdings(store: &Store, person: Uuid) -> Result<Holdings> {
    let root = crate::person_merge::root_of(store.conn(), person)?;
    store.get::<Person>(root)?;
    let group = crate::person_merge::group(store.conn(), root)?;
    let mut rows = Vec::new();
    for (spec, sql) in crate::person::LIVE_ROWS_OF {
        let mut ids = Vec::new();
        for member in &group {
            ids.extend(rows_of(store, sql, *member)?);
        }
        ids.sort();
        rows.push((spec, ids));
    }
    Ok(Holdings {
        person: root,
        group,
        rows,
    })
}

fn ids_of<'h>(h: &'h Holdings, spec: &EntitySpec) -> &'h [Uuid] {
    h.rows
        .iter()
        .find(|(s, _)| *s == spec)
        .map_or(&[], |(_, ids)| ids.as_slice())
}

/// The JSON of everything held on her.
fn data_json(store: &Store, h: &Holdings, date: NaiveDate) -> Result<Json> {
    let mut all_rows: Vec<Uuid> = h.group.clone();
    let mut sections = BTreeMap::new();
    let mut persons = Vec::new();
    for member in &h.group {
        persons.push(row_json(store, &schema::PERSON, *member)?);
    }
    sections.insert("fiche", persons.remove(0));
    sections.insert("fiches_fusionnees", Json::Array(persons));
    let names: [(&EntitySpec, &str); 8] = [
        (&schema::ENCOUNTER, "rencontres"),
        (&schema::ATTENDANCE, "participations_aux_reunions"),
        (&schema::REFERRAL, "orientations"),
        (&schema::REFERRAL_EVENT, "etapes_des_orientations"),
        (&schema::OUTCOME, "sorties"),
        (&schema::LETTER, "lettres"),
        (&schema::CONSENT, "consentements"),
        (
            &schema::RETENTION_EXTENSION,
            "prolongations_de_conservation",
        ),
    ];
    for (spec, name) in names {
        let mut list = Vec::new();
        for id in ids_of(h, spec) {
            let mut row = row_json(store, spec, *id)?;
            // A meeting she attended: the meeting itself, never who else came.
            if spec == &schema::ATTENDANCE
                && let Some(meeting) = row["valeurs"]["meeting_id"].as_str()
                && let Ok(meeting) = crate::validate::id(meeting)
                && let Ok(m) = store.get::<crate::meeting::Meeting>(meeting)
            {
                row["reunion"] = json!({
                    "date": m.date.to_string(),
                    "titre": m.title,
                    "type": schema::enum_label(schema::MEETING_KIND, &m.kind),
                });
            }
            list.push(row);
            all_rows.push(*id);
        }
        sections.insert(name, Json::Array(list));
    }
    let conflicts = conflicts_json(store, &all_rows)?;
    Ok(json!({
        "personne": h.person.to_string(),
        "date_de_l_export": date.to_string(),
        "duree_de_conservation_mois": crate::retention::period(store)?,
        "donnees": sections,
        "valeurs_mises_de_cote_par_la_synchronisation": conflicts,
    }))
}

/// A letter of hers as the archive holds it (read once: for `lettres/` and for the letter to
/// her, which names who received her data).
struct SentLetter {
    file: String,
    pdf: Vec<u8>,
    date: NaiveDate,
    partner: String,
}

/// Everything held on `person` (or the record that holds her) as a ZIP, dated `date`.
pub fn export(store: &Store, person: Uuid, date: NaiveDate) -> Result<Vec<u8>> {
    let h = holdings(store, person)?;
    let data = data_json(store, &h, date)?;
    let data = serde_json::to_vec_pretty(&data).map_err(|_| Error::Internal {
        message: "Les données de cette personne n'ont pas pu être mises en forme.",
    })?;
    let mut letters: Vec<SentLetter> = Vec::new();
    for id in ids_of(&h, &schema::LETTER) {
        let letter: crate::letter::Letter = store.get(*id)?;
        let partner = serde_json::from_str::<LetterContent>(&letter.inputs)
            .ok()
            .and_then(|c| c.recipient.first().cloned())
            .unwrap_or_else(|| "partenaire".into());
        let safe: String = partner
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        letters.push(SentLetter {
            file: format!(
                "lettres/{}-{}-{}.pdf",
                letter.date,
                safe,
                &id.simple().to_string()[24..]
            ),
            pdf: crate::letter::remake(store, *id)?,
            date: letter.date,
            partner,
        });
    }
    let letter_pdf = letter_to_her(store, &h, date, &letters)?;
    let mut files = vec![
        ZipFile {
            name: "courrier.pdf",
            bytes: &letter_pdf,
        },
        ZipFile {
            name: "donnees.json",
            bytes: &data,
        },
    ];
    for letter in &letters {
        files.push(ZipFile {
            name: &letter.file,
            bytes: &letter.pdf,
        });
    }
    Ok(zip_archive::write(&files, date))
}

/// Writes [`export`] to `path` (whole or not at all) and journals it.
pub fn write(
    store: &Store,
    person: Uuid,
    date: NaiveDate,
    path: &std::path::Path,
) -> Result<usize> {
    let bytes = export(store, person, date)?;
    crate::atomic_file::write(path, &bytes)?;
    crate::audit::record(
        store,
        crate::audit::Action::AccessExport,
        Some(schema::PERSON.name),
        Some(crate::person_merge::root_of(store.conn(), person)?),
    )?;
    Ok(bytes.len())
}

/// The French letter addressed to her: what Carnet holds, where it comes from, who received
/// it, how long it is kept, and her rights.
fn letter_to_her(
    store: &Store,
    h: &Holdings,
    date: NaiveDate,
    letters: &[SentLetter],
) -> Result<Vec<u8>> {
    let officer = crate::letter::profile(store)?.data;
    let head = crate::letter::letterhead(&officer, date)?;
    let p: Person = store.get(h.person)?;
    let full_name = p.full_name();
    let short = |d: NaiveDate| crate::french::short_date(d);
    let mut body: Vec<String> = Vec::new();
    body.push(format!(
        "Vous avez demandé à connaître les données que nous conservons sur vous. Voici tout ce que notre carnet contient à votre sujet au {}. Le fichier « donnees.json » joint en donne le détail complet, avec l’historique de chaque modification ; les lettres envoyées à des partenaires sont jointes dans le dossier « lettres ».",
        crate::french::long_date(date)
    ));

    // Identity and contacts.
    let json = serde_json::to_value(&p).unwrap_or(Json::Null);
    let mut identity = vec!["Votre identité et vos coordonnées".to_string()];
    for field in schema::PERSON.fields {
        if field.name.starts_with("consent_") {
            continue;
        }
        if let Some(text) = crate::person_merge::shown(store, field, &json[field.name])? {
            identity.push(format!("{} : {text}", schema::field_label(field.name)));
        }
    }
    body.push(identity.join("\n"));

    // Encounters.
    let mut lines = vec!["Nos rencontres".to_string()];
    let mut encounters: Vec<crate::encounter::Encounter> = ids_of(h, &schema::ENCOUNTER)
        .iter()
        .map(|id| store.get(*id))
        .collect::<Result<_>>()?;
    encounters.sort_by_key(|e| e.date);
    for e in &encounters {
        let mut line = format!(
            "{} — {}",
            short(e.date),
            schema::enum_label(schema::ENCOUNTER_KIND, &e.kind)
        );
        if let Some(note) = e.note.as_deref().filter(|n| !n.trim().is_empty()) {
            line.push_str(&format!(" — note : {}", note.trim()));
        }
        lines.push(line);
    }
    if encounters.is_empty() {
        lines.push("Aucune rencontre enregistrée.".into());
    }
    body.push(lines.join("\n"));

    // Collective meetings: the meeting, not who else came.
    let mut lines = vec!["Réunions collectives auxquelles vous avez participé".to_string()];
    let mut meetings = Vec::new();
    for id in ids_of(h, &schema::ATTENDANCE) {
        let a: crate::meeting::Attendance = store.get(*id)?;
        if let Ok(m) = store.get::<crate::meeting::Meeting>(a.meeting_id) {
            meetings.push(m);
        }
    }
    meetings.sort_by_key(|m| m.date);
    for m in &meetings {
        lines.push(format!(
            "{} — {} ({})",
            short(m.date),
            m.title,
            schema::enum_label(schema::MEETING_KIND, &m.kind).to_lowercase()
        ));
    }
    if meetings.is_empty() {
        lines.push("Aucune.".into());
    }
    body.push(lines.join("\n"));

    // Referrals and their steps.
    let mut lines = vec!["Vos orientations vers nos partenaires".to_string()];
    let mut referrals: Vec<(Uuid, crate::referral::Referral)> = ids_of(h, &schema::REFERRAL)
        .iter()
        .map(|id| store.get(*id).map(|r| (*id, r)))
        .collect::<Result<_>>()?;
    referrals.sort_by_key(|(id, r)| (r.date, *id));
    for (id, r) in &referrals {
        let partner = store
            .get::<crate::partner::Partner>(r.partner_id)
            .map(|p| p.name)
            .unwrap_or_else(|_| "partenaire".into());
        lines.push(format!(
            "{} — {} ({})",
            short(r.date),
            partner,
            schema::enum_label(schema::NEED, &r.need).to_lowercase()
        ));
        for step in crate::referral::history(store, *id)? {
            lines.push(format!(
                "– étape du {} : {}",
                short(step.data.date),
                schema::enum_label(schema::REFERRAL_STATUS, &step.data.status)
            ));
        }
    }
    if referrals.is_empty() {
        lines.push("Aucune.".into());
    }
    body.push(lines.join("\n"));

    // Outcomes.
    let mut lines = vec!["Après l’accompagnement".to_string()];
    let mut outcomes: Vec<crate::outcome::Outcome> = ids_of(h, &schema::OUTCOME)
        .iter()
        .map(|id| store.get(*id))
        .collect::<Result<_>>()?;
    outcomes.sort_by_key(|o| o.date);
    for o in &outcomes {
        lines.push(format!(
            "{} — {}",
            short(o.date),
            schema::enum_label(schema::OUTCOME_KIND, &o.kind)
        ));
    }
    if outcomes.is_empty() {
        lines.push("Rien d’enregistré.".into());
    }
    body.push(lines.join("\n"));

    // Letters: who received her data.
    let mut lines = vec!["Les partenaires qui ont reçu vos coordonnées".to_string()];
    for letter in letters {
        lines.push(format!(
            "{} — lettre d’orientation à {}",
            short(letter.date),
            letter.partner
        ));
    }
    if letters.is_empty() {
        lines.push("Aucun : aucune lettre d’orientation n’a été envoyée.".into());
    }
    body.push(lines.join("\n"));

    // Consents and their history.
    let consents = crate::consent::history(store, h.person)?;
    let mut lines = vec!["Vos consentements".to_string()];
    for (_, label, given) in &consents.current {
        let answer = match given {
            Some(true) => "oui",
            Some(false) => "non",
            None => "non renseigné",
        };
        lines.push(format!("{label} : {answer}"));
    }
    if let Some(d) = consents.recorded_before_history {
        lines.push(format!("Réponses enregistrées le {}.", short(d)));
    }
    for e in &consents.events {
        lines.push(format!(
            "– le {} : {} — {}{}",
            short(e.date),
            e.kind_label,
            if e.given {
                "accord donné"
            } else {
                "accord retiré ou refusé"
            },
            e.how_label
                .as_deref()
                .map(|h| format!(" ({})", h.to_lowercase()))
                .unwrap_or_default()
        ));
    }
    body.push(lines.join("\n"));

    let months = crate::retention::period(store)?;
    body.push(format!(
        "D’où viennent ces données\nElles ont été notées par l’équipe {} lors de nos échanges avec vous (rencontres, permanences, réunions, orientations), à partir de ce que vous nous avez dit.",
        head.structure
    ));
    body.push(format!(
        "Combien de temps nous les gardons\nVos données sont gardées {months} mois après votre dernier contact avec nous, puis effacées ou rendues anonymes."
    ));
    let contact = [
        Some(officer.name.clone()),
        officer.phone.clone().map(|p| format!("tél. {p}")),
        officer.email.clone(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(", ");
    body.push(format!(
        "Vos droits\nVous pouvez demander à tout moment que vos données soient corrigées (droit de rectification) ou effacées (droit à l’effacement), et vous opposer à leur utilisation (droit d’opposition). Pour cela, adressez-vous à {} : {contact}.\nSi vous estimez que vos droits ne sont pas respectés, vous pouvez adresser une réclamation à la CNIL : www.cnil.fr, ou 3 place de Fontenoy, TSA 80715, 75334 Paris Cedex 07.",
        head.structure
    ));

    let mut recipient = vec![full_name.clone()];
    if let Some(a) = p.address.clone().filter(|a| !a.trim().is_empty()) {
        recipient.push(a);
    }
    let town = [p.postcode.clone(), p.city.clone()]
        .into_iter()
        .flatten()
        .filter(|s| !s.trim().is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if !town.is_empty() {
        recipient.push(town);
    }
    let content = LetterContent {
        title: format!("Vos données – {full_name}"),
        structure: head.structure.clone(),
        sender: head.sender.clone(),
        logo_sha256: Some(head.logo.sha256.clone()),
        recipient,
        place_date: head.place_date.clone(),
        subject: "Les données que nous conservons sur vous (article 15 du RGPD)".into(),
        person: Vec::new(),
        body: body.join("\n\n"),
        signature: head.signature.clone(),
        footer: head.footer.clone(),
    };
    Ok(crate::letter::render_content(&content, &head.logo, date))
}
