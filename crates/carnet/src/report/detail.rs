//! The detail sheets of the yearly file: one row per encounter, permanence, meeting, referral,
//! business created and person of the year.
//!
//! Why pseudonymised by default: the file leaves the officer's laptop for funders, so people
//! appear as a stable pseudonym ("P-3F9A2C1B", the same in every sheet and every year) and
//! never with a phone number, an e-mail, an address, a note or a SIRET. Names are added only
//! on request (`--with-names`, for the office's own use); contact details never are. Persons
//! who refused statistical use (`consent_stats` = non) are left out of the "Personnes" sheet.
//! Sheets are plain data ([`Sheet`]): the spreadsheet writer decides nothing.

use chrono::NaiveDate;
use sha2::{Digest, Sha256};

use crate::error::Result;
use crate::schema;
use crate::store::Store;

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    Date(NaiveDate),
    Empty,
}

/// A detail sheet: its name, its columns (title and width in characters) and its rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    pub name: &'static str,
    pub columns: Vec<(&'static str, f64)>,
    pub rows: Vec<Vec<Cell>>,
}

/// The stable pseudonym of a person.
pub fn pseudonym(person_id: &str) -> String {
    let hash = Sha256::digest(format!("carnet-pseudonyme:{person_id}").as_bytes());
    format!(
        "P-{}",
        hash[..4]
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect::<String>()
    )
}

fn text(value: Option<String>) -> Cell {
    value.map_or(Cell::Empty, Cell::Text)
}

fn label(values: &[(&'static str, &'static str)], code: Option<String>) -> Cell {
    code.map_or(Cell::Empty, |c| Cell::Text(schema::enum_label(values, &c)))
}

fn date(value: Option<String>) -> Cell {
    value
        .and_then(|v| crate::validate::date("date", &v).ok())
        .map_or(Cell::Empty, Cell::Date)
}

fn yes_no(value: Option<i64>) -> Cell {
    match value {
        Some(1) => Cell::Text("oui".into()),
        Some(_) => Cell::Text("non".into()),
        None => Cell::Empty,
    }
}

/// The person column(s): the pseudonym, then the name when asked for.
fn person_cells(id: Option<String>, name: Option<String>, with_names: bool) -> Vec<Cell> {
    let mut cells = vec![
        id.as_deref()
            .map_or(Cell::Empty, |i| Cell::Text(pseudonym(i))),
    ];
    if with_names {
        cells.push(text(name));
    }
    cells
}

fn person_columns(with_names: bool) -> Vec<(&'static str, f64)> {
    let mut columns = vec![("Personne (pseudonyme)", 22.0)];
    if with_names {
        columns.push(("Nom", 28.0));
    }
    columns
}

/// Every detail sheet of `year`.
pub fn sheets(store: &Store, year: i32, with_names: bool) -> Result<Vec<Sheet>> {
    let conn = store.conn();
    let from = format!("{year:04}-01-01");
    let to = format!("{year:04}-12-31");
    let name_sql = "p.first_name || ' ' || p.last_name";
    let mut out = Vec::new();

    // Rencontres.
    let mut columns = vec![("Date", 12.0), ("Nature", 30.0), ("Phase", 16.0)];
    columns.extend(person_columns(with_names));
    columns.extend([
        ("Nombre de personnes", 12.0),
        ("Quartier", 24.0),
        ("En permanence", 12.0),
    ]);
    let mut stmt = conn.prepare(&format!(
        "SELECT e.date, e.kind, e.phase, p.id, {name_sql},
                CASE WHEN e.person_id IS NULL THEN coalesce(e.head_count, 1) ELSE 1 END,
                q.name, e.permanence_id IS NOT NULL
           FROM encounter e
           LEFT JOIN person p
             ON p.id = coalesce((SELECT root FROM person_root WHERE id = e.person_id), e.person_id)
           LEFT JOIN quartier q ON q.id = e.quartier_id
          WHERE e.deleted = 0 AND e.date BETWEEN ?1 AND ?2
          ORDER BY e.date, e.id"
    ))?;
    let rows = stmt
        .query_map([&from, &to], |r| {
            let mut row = vec![
                date(r.get(0)?),
                label(schema::ENCOUNTER_KIND, r.get(1)?),
                label(schema::PHASE, r.get(2)?),
            ];
            row.extend(person_cells(r.get(3)?, r.get(4)?, with_names));
            row.push(Cell::Int(r.get(5)?));
            row.push(text(r.get(6)?));
            row.push(yes_no(Some(r.get(7)?)));
            Ok(row)
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    out.push(Sheet {
        name: "Rencontres",
        columns,
        rows,
    });

    // Permanences.
    let mut stmt = conn.prepare(
        "SELECT pe.date, q.name, pl.name, pe.start_time, pe.end_time, pe.status,
                (SELECT count(*) FROM encounter e WHERE e.permanence_id = pe.id AND e.deleted = 0)
           FROM permanence pe
           LEFT JOIN quartier q ON q.id = pe.quartier_id
           LEFT JOIN place pl ON pl.id = pe.place_id
          WHERE pe.deleted = 0 AND pe.date BETWEEN ?1 AND ?2
          ORDER BY pe.date, pe.start_time, pe.id",
    )?;
    let rows = stmt
        .query_map([&from, &to], |r| {
            Ok(vec![
                date(r.get(0)?),
                text(r.get(1)?),
                text(r.get(2)?),
                text(r.get(3)?),
                text(r.get(4)?),
                label(schema::PERMANENCE_STATUS, r.get(5)?),
                Cell::Int(r.get(6)?),
            ])
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    out.push(Sheet {
        name: "Permanences",
        columns: vec![
            ("Date", 12.0),
            ("Quartier", 24.0),
            ("Lieu", 28.0),
            ("Début", 8.0),
            ("Fin", 8.0),
            ("Statut", 10.0),
            ("Visites enregistrées", 12.0),
        ],
        rows,
    });

    // Réunions collectives.
    let mut stmt = conn.prepare(
        "SELECT m.date, m.title, m.kind, pa.name, q.name, m.attendee_count,
                (SELECT count(*) FROM attendance a WHERE a.meeting_id = m.id AND a.deleted = 0)
           FROM meeting m
           LEFT JOIN partner pa ON pa.id = m.partner_id
           LEFT JOIN quartier q ON q.id = m.quartier_id
          WHERE m.deleted = 0 AND m.date BETWEEN ?1 AND ?2
          ORDER BY m.date, m.id",
    )?;
    let rows = stmt
        .query_map([&from, &to], |r| {
            Ok(vec![
                date(r.get(0)?),
                text(r.get(1)?),
                label(schema::MEETING_KIND, r.get(2)?),
                text(r.get(3)?),
                text(r.get(4)?),
                r.get::<_, Option<i64>>(5)?.map_or(Cell::Empty, Cell::Int),
                Cell::Int(r.get(6)?),
            ])
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    out.push(Sheet {
        name: "Réunions collectives",
        columns: vec![
            ("Date", 12.0),
            ("Titre", 36.0),
            ("Type", 20.0),
            ("Partenaire", 20.0),
            ("Quartier", 24.0),
            ("Participants", 12.0),
            ("Personnes suivies", 12.0),
        ],
        rows,
    });

    // Orientations.
    let mut columns = vec![("Date", 12.0)];
    columns.extend(person_columns(with_names));
    columns.extend([
        ("Partenaire", 22.0),
        ("Besoin", 28.0),
        ("Statut", 14.0),
        ("Date du statut", 12.0),
    ]);
    let mut stmt = conn.prepare(&format!(
        "SELECT r.date, p.id, {name_sql}, pa.name, r.need, r.status, r.status_date
           FROM referral r
           LEFT JOIN person p
             ON p.id = coalesce((SELECT root FROM person_root WHERE id = r.person_id), r.person_id)
           LEFT JOIN partner pa ON pa.id = r.partner_id
          WHERE r.deleted = 0 AND r.date BETWEEN ?1 AND ?2
          ORDER BY r.date, r.id"
    ))?;
    let rows = stmt
        .query_map([&from, &to], |r| {
            let mut row = vec![date(r.get(0)?)];
            row.extend(person_cells(r.get(1)?, r.get(2)?, with_names));
            row.push(text(r.get(3)?));
            row.push(label(schema::NEED, r.get(4)?));
            row.push(label(schema::REFERRAL_STATUS, r.get(5)?));
            row.push(date(r.get(6)?));
            Ok(row)
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    out.push(Sheet {
        name: "Orientations",
        columns,
        rows,
    });

    // Créations.
    let mut columns = vec![("Date", 12.0)];
    columns.extend(person_columns(with_names));
    columns.extend([("Forme juridique", 22.0), ("Secteur", 24.0)]);
    if with_names {
        columns.push(("SIRET", 18.0));
    }
    let mut stmt = conn.prepare(&format!(
        "SELECT o.date, p.id, {name_sql}, o.legal_form, o.sector, o.siret
           FROM outcome o JOIN person p
             ON p.id = coalesce((SELECT root FROM person_root WHERE id = o.person_id), o.person_id)
            AND p.deleted = 0
          WHERE o.deleted = 0 AND o.kind = 'business_created' AND o.date BETWEEN ?1 AND ?2
          ORDER BY o.date, o.id"
    ))?;
    let rows = stmt
        .query_map([&from, &to], |r| {
            let mut row = vec![date(r.get(0)?)];
            row.extend(person_cells(r.get(1)?, r.get(2)?, with_names));
            row.push(label(schema::LEGAL_FORM, r.get(3)?));
            row.push(label(schema::SECTOR, r.get(4)?));
            if with_names {
                row.push(text(r.get(5)?));
            }
            Ok(row)
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    out.push(Sheet {
        name: "Créations",
        columns,
        rows,
    });

    // Personnes accueillies.
    let mut columns = person_columns(with_names);
    columns.extend([
        ("Genre", 12.0),
        ("Âge au premier contact de l’année", 14.0),
        ("Quartier", 24.0),
        ("Habite en QPV", 10.0),
        ("Situation", 26.0),
        ("Inscrit·e à France Travail", 12.0),
        ("RSA", 8.0),
        ("Niveau de formation", 26.0),
        ("Secteur du projet", 22.0),
        ("Premier contact de l’année", 14.0),
        ("Premier contact", 14.0),
    ]);
    let received = super::received(crate::person_merge::any(conn)?);
    let mut stmt = conn.prepare(&format!(
        "{received}
         SELECT p.id, {name_sql}, p.gender, p.birth_date, q.name, p.lives_in_qpv, p.situation,
                p.france_travail, p.rsa, p.education, p.project_sector, y.first_in_year,
                y.first_ever
           FROM received y
           JOIN person p ON p.id = y.person_id AND p.deleted = 0
           LEFT JOIN quartier q ON q.id = p.quartier_id
          WHERE p.consent_stats IS NOT 0
          ORDER BY y.first_in_year, p.id"
    ))?;
    let rows = stmt
        .query_map([&from, &to], |r| {
            let mut row = person_cells(r.get(0)?, r.get(1)?, with_names);
            row.push(label(schema::GENDER, r.get(2)?));
            let first_in_year: String = r.get(11)?;
            let age = r
                .get::<_, Option<String>>(3)?
                .and_then(|b| crate::validate::date("birth_date", &b).ok())
                .zip(crate::validate::date("date", &first_in_year).ok())
                .map(|(birth, day)| super::age_on(birth, day));
            row.push(age.map_or(Cell::Empty, |a| Cell::Int(i64::from(a))));
            row.push(text(r.get(4)?));
            row.push(yes_no(r.get(5)?));
            row.push(label(schema::SITUATION, r.get(6)?));
            row.push(yes_no(r.get(7)?));
            row.push(yes_no(r.get(8)?));
            row.push(label(schema::EDUCATION, r.get(9)?));
            row.push(label(schema::SECTOR, r.get(10)?));
            row.push(date(Some(first_in_year)));
            row.push(date(r.get(12)?));
            Ok(row)
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    out.push(Sheet {
        name: "Personnes",
        columns,
        rows,
    });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudonyms_are_stable_and_distinct() {
        let a = pseudonym("019b4211-7900-7041-b65d-5a6146c83e3b");
        assert_eq!(a, pseudonym("019b4211-7900-7041-b65d-5a6146c83e3b"));
        assert_ne!(a, pseudonym("019b4211-7900-7041-b65d-5a6146c83e3c"));
        assert!(a.starts_with("P-") && a.len() == 10, "{a}");
    }
}
