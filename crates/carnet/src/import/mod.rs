//! Import of the officer's existing spreadsheet (`.xlsx`, `.ods`, `.csv`): every row becomes a
//! person and, where the columns exist, a first-contact encounter, referrals with their
//! partner and date, and an outcome.
//!
//! Why: every officer who starts with Carnet already has years of people in a sheet; retyping
//! them is days of work and a source of mistakes. What is guaranteed:
//! - A row is validated like a form before anything is written; a row with any problem is
//!   not imported at all, and each problem is reported with its line, its column's title and
//!   a French sentence quoting the value ([`Rejection`]).
//! - The dry run ([`plan`]) writes nothing and says exactly what [`import`] would write.
//! - [`import`] is one transaction: nothing is half-written if it fails or is cancelled.
//! - Importing the same sheet again creates nothing: each record's id is derived from what it
//!   is (the person from her names, birth date and phone; an encounter, a referral or an
//!   outcome from its person, kind and date), and an id already in the notebook — or erased
//!   from it — is never written again. A person on several rows (one row per referral) is
//!   one person.
//! - Rows that look like a person already typed into the notebook are named
//!   ([`Summary::look_like_existing`]); they are imported, and the Doublons list proposes the
//!   pair.

pub mod columns;
pub mod table;
pub mod values;

use std::collections::HashSet;
use std::path::Path;

use chrono::NaiveDate;
use rusqlite::Connection;
use serde::Serialize;
use uuid::Uuid;

pub use columns::Column;
use columns::Header;
use table::{Cell, Sheet};
use values::Reading;

use crate::encounter::Encounter;
use crate::error::{Error, Result};
use crate::outcome::Outcome;
use crate::person::Person;
use crate::referral::{Referral, ReferralEvent};
use crate::schema::{self, EntitySpec};
use crate::store::Store;

/// One problem of one row.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Rejection {
    /// The line in the spreadsheet (1 is its first line).
    pub row: usize,
    /// The column's title as written in the sheet.
    pub column: String,
    pub message: String,
}

/// What an import wrote, or what a dry run would write.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    /// Rows read under the header (empty rows are not counted).
    pub rows: usize,
    pub persons: usize,
    pub encounters: usize,
    pub referrals: usize,
    pub outcomes: usize,
    pub rejected: Vec<Rejection>,
    /// Rows whose records were all in the notebook already (an earlier import).
    pub already_present: usize,
    /// Rows whose new person looks very much like one already in the notebook: (line, the
    /// existing record).
    pub look_like_existing: Vec<(usize, Uuid)>,
}

/// The first rows of a sheet and how its columns are understood, for the officer to confirm
/// or change before importing.
#[derive(Debug, Clone, Serialize)]
pub struct Preview {
    /// The sheet read (a workbook's first sheet with a column of names).
    pub sheet: Option<String>,
    /// The header's line in the sheet.
    pub header_line: usize,
    pub titles: Vec<String>,
    pub columns: Vec<Column>,
    /// The first rows under the header: (line, cells as text).
    pub sample: Vec<(usize, Vec<String>)>,
    /// Rows under the header.
    pub rows: usize,
}

/// How many rows [`preview`] shows.
pub const PREVIEW_ROWS: usize = 8;

/// A sheet and its header.
struct Loaded {
    sheet: Sheet,
    header: Header,
}

impl Loaded {
    fn data_rows(&self) -> &[(usize, Vec<Cell>)] {
        &self.sheet.rows[self.header.row_index + 1..]
    }
}

fn unreadable(reason: &str) -> Error {
    Error::UnreadableSpreadsheet {
        reason: reason.to_string(),
    }
}

/// Reads the file and finds the sheet with a column of names, and its header.
fn load(path: &Path) -> Result<Loaded> {
    let sheets = table::read(path)?;
    if sheets.iter().all(|s| s.rows.is_empty()) {
        return Err(unreadable("il est vide"));
    }
    let (sheet, header) = sheets
        .into_iter()
        .find_map(|sheet| columns::find_header(&sheet).map(|header| (sheet, header)))
        .ok_or_else(|| {
            unreadable(
                "aucune colonne de noms n'a été trouvée ; la première ligne doit donner le titre \
                 de chaque colonne, dont « Nom » (ou « Nom et prénom »)",
            )
        })?;
    let loaded = Loaded { sheet, header };
    if loaded.data_rows().is_empty() {
        return Err(unreadable("il n'a aucune ligne sous ses titres"));
    }
    Ok(loaded)
}

/// The file's first rows and its columns as Carnet understands them.
pub fn preview(path: &Path) -> Result<Preview> {
    let loaded = load(path)?;
    let sample = loaded
        .data_rows()
        .iter()
        .take(PREVIEW_ROWS)
        .map(|(line, cells)| (*line, cells.iter().map(Cell::text).collect()))
        .collect();
    Ok(Preview {
        sheet: loaded.sheet.name.clone(),
        header_line: loaded.sheet.rows[loaded.header.row_index].0,
        titles: loaded.header.titles.clone(),
        columns: loaded.header.columns.clone(),
        sample,
        rows: loaded.data_rows().len(),
    })
}

/// What the notebook already holds that rows are matched against.
struct Context {
    today: NaiveDate,
    /// Quartiers by [`values::name_key`].
    quartiers: Vec<(String, Uuid)>,
    /// Partners: (name's key, id, kind).
    partners: Vec<(String, Uuid, String)>,
}

impl Context {
    fn of(store: &Store) -> Result<Context> {
        let quartiers = crate::territory::quartiers(store)?
            .into_iter()
            .map(|q| (values::name_key(&q.data.name), q.id))
            .collect();
        let partners = crate::partner::partners(store)?
            .into_iter()
            .map(|p| (values::name_key(&p.data.name), p.id, p.data.kind))
            .collect();
        Ok(Context {
            today: store.today(),
            quartiers,
            partners,
        })
    }

    fn quartier(&self, text: &str) -> Option<Uuid> {
        let key = values::name_key(text);
        let compact = |k: &str| k.replace(' ', "");
        self.quartiers
            .iter()
            .find(|(name, _)| *name == key || compact(name) == compact(&key))
            .map(|(_, id)| *id)
    }

    /// The partner a text names: its name as words of the text ("BGE Franche-Comté"), or a
    /// former or long name ("Pôle emploi", "Chambre des métiers").
    fn partner(&self, text: &str) -> Option<(Uuid, &str)> {
        let key = values::name_key(text);
        let aliases = [
            ("pole emploi", "france travail"),
            ("chambre commerce", "cci"),
            ("chambre metiers", "cma"),
            ("chambre metiers artisanat", "cma"),
            ("boutique gestion", "bge"),
            ("initiative", "initiative france"),
        ];
        let key = aliases
            .iter()
            .find(|(alias, _)| key.starts_with(alias))
            .map_or(key.clone(), |(_, name)| (*name).to_string());
        let padded = format!(" {key} ");
        self.partners
            .iter()
            .find(|(name, _, _)| !name.is_empty() && padded.contains(&format!(" {name} ")))
            .map(|(_, id, kind)| (*id, kind.as_str()))
    }
}

/// The need a referral to a partner of `kind` answers.
fn need_of(kind: &str) -> &'static str {
    match kind {
        "microcredit" | "financing" => "financing",
        "support" | "cooperative" => "support",
        "employment" | "youth" => "employment",
        "chamber" => "legal_status",
        _ => "other",
    }
}

/// One row ready to be written.
#[derive(Debug, Clone)]
struct Planned {
    line: usize,
    /// Whether the person is new (not in the notebook, nor on an earlier row).
    new_person: bool,
    person_id: Uuid,
    person: Person,
    encounter: Option<(Uuid, Encounter)>,
    referrals: Vec<(Uuid, Referral, Uuid, ReferralEvent)>,
    outcome: Option<(Uuid, Outcome)>,
}

fn import_id(parts: &[&str]) -> Uuid {
    let mut all = vec!["import"];
    all.extend_from_slice(parts);
    crate::content_id::of(&all)
}

/// The column a record's field comes from, for a validation message.
fn column_of_field(field: Option<&str>) -> Option<Column> {
    Some(match field? {
        "first_name" => Column::FirstName,
        "last_name" => Column::LastName,
        "birth_date" => Column::BirthDate,
        "phone" => Column::Phone,
        "email" => Column::Email,
        "address" => Column::Address,
        "postcode" => Column::Postcode,
        "city" => Column::City,
        "project_title" => Column::Project,
        "note" => Column::Note,
        _ => return None,
    })
}

/// Reads one row into the records it becomes, or every problem it has.
fn plan_row(
    context: &Context,
    header: &Header,
    line: usize,
    cells: &[Cell],
) -> std::result::Result<Planned, Vec<Rejection>> {
    let mut problems = Vec::new();
    let title_of = |column: Column| -> String {
        let position = header.columns.iter().position(|c| *c == column);
        let position = position.or_else(|| match column {
            // A name's problem is the full name column's when there is one.
            Column::FirstName | Column::LastName => {
                header.columns.iter().position(|c| *c == Column::FullName)
            }
            _ => None,
        });
        position
            .and_then(|k| header.titles.get(k))
            .cloned()
            .unwrap_or_else(|| column.label().to_string())
    };
    let mut person = Person::default();
    let mut notes: Vec<String> = Vec::new();
    let mut first_contact = None;
    let mut contact_kind = None;
    let mut partners_text: Option<(String, String)> = None;
    let mut referral_date = None;
    let mut outcome_kind = None;
    let mut outcome_date = None;
    let mut lives_in_qpv = None;
    let empty = Cell::Empty;
    for (k, column) in header.columns.iter().enumerate() {
        let cell = cells.get(k).unwrap_or(&empty);
        if cell.is_empty() {
            continue;
        }
        let title = header.titles.get(k).cloned().unwrap_or_default();
        let text = cell.text();
        let mut problem = |message: String| {
            problems.push(Rejection {
                row: line,
                column: title.clone(),
                message,
            });
        };
        let note = |notes: &mut Vec<String>| notes.push(format!("{title} : {text}"));
        match column {
            Column::LastName => person.last_name = text.clone(),
            Column::FirstName => person.first_name = text.clone(),
            Column::FullName => {
                let (first, last) = values::split_full_name(&text);
                if person.first_name.is_empty() {
                    person.first_name = first;
                }
                person.last_name = last;
            }
            Column::BirthDate => match values::date(cell, context.today) {
                Ok(d) => person.birth_date = d,
                Err(m) => problem(m),
            },
            Column::Phone => match values::phone(cell) {
                Ok(p) => person.phone = p,
                Err(m) => problem(m),
            },
            Column::Email => match values::email(cell) {
                Ok(e) => person.email = e,
                Err(m) => problem(m),
            },
            Column::Address => person.address = Some(text.clone()),
            Column::Postcode => {
                let digits = text.len() < 5 && text.bytes().all(|b| b.is_ascii_digit());
                person.postcode = Some(if digits {
                    format!("{text:0>5}")
                } else {
                    text.clone()
                });
            }
            Column::City => person.city = Some(text.clone()),
            Column::Quartier => match context.quartier(&text) {
                Some(id) => person.quartier_id = Some(id),
                None => note(&mut notes),
            },
            Column::Qpv => match values::yes_no(cell) {
                Reading::Value(b) => lives_in_qpv = Some(b),
                Reading::Empty => {}
                Reading::Note(t) => match context.quartier(&t) {
                    Some(id) => {
                        person.quartier_id.get_or_insert(id);
                        lives_in_qpv = Some(true);
                    }
                    None => note(&mut notes),
                },
            },
            Column::Gender => match values::gender(cell) {
                Reading::Value(g) => person.gender = Some(g.into()),
                Reading::Empty => {}
                Reading::Note(_) => note(&mut notes),
            },
            Column::Situation => {
                match values::situation(cell) {
                    Reading::Value(s) => person.situation = Some(s.into()),
                    Reading::Empty => {}
                    Reading::Note(_) => note(&mut notes),
                }
                let (rsa, france_travail) = values::benefits(cell);
                if rsa {
                    person.rsa = Some(true);
                }
                if france_travail {
                    person.france_travail = Some(true);
                }
            }
            Column::Project => person.project_title = Some(text.clone()),
            Column::FirstContact => match values::date(cell, context.today) {
                Ok(d) => first_contact = d,
                Err(m) => problem(m),
            },
            Column::ContactKind => match values::contact_kind(cell) {
                Reading::Value(kind) => contact_kind = Some(kind),
                Reading::Empty => {}
                Reading::Note(_) => note(&mut notes),
            },
            Column::Partner => partners_text = Some((title.clone(), text.clone())),
            Column::ReferralDate => match values::date(cell, context.today) {
                Ok(d) => referral_date = d,
                Err(m) => problem(m),
            },
            Column::Outcome => match values::outcome(cell) {
                Reading::Value(kind) => outcome_kind = Some(kind),
                Reading::Empty => {}
                Reading::Note(_) => note(&mut notes),
            },
            Column::OutcomeDate => match values::date(cell, context.today) {
                Ok(d) => outcome_date = d,
                Err(m) => problem(m),
            },
            Column::Note => note(&mut notes),
            Column::Ignore => {}
        }
    }
    if person.quartier_id.is_some() && lives_in_qpv.is_none() {
        lives_in_qpv = Some(true);
    }
    person.lives_in_qpv = lives_in_qpv;
    if !notes.is_empty() {
        person.note = Some(notes.join("\n"));
    }
    if let Err(e) = crate::record::to_values(&person, context.today) {
        let column = column_of_field(e.field()).map_or_else(
            || title_of(Column::LastName),
            |c| {
                if c == Column::Note {
                    "Notes".to_string()
                } else {
                    title_of(c)
                }
            },
        );
        problems.push(Rejection {
            row: line,
            column,
            message: e.to_string(),
        });
    }
    let key_phone = person.phone.clone().unwrap_or_default();
    let key_birth = person.birth_date.map(|d| d.to_string()).unwrap_or_default();
    let person_id = import_id(&[
        "person",
        &crate::search_key::fold(person.last_name.trim()),
        &crate::search_key::fold(person.first_name.trim()),
        &key_birth,
        &key_phone,
    ]);
    let id_text = person_id.to_string();

    let encounter = first_contact.map(|date| {
        let kind = contact_kind.unwrap_or("interview");
        let mut e = Encounter::new(date, kind);
        e.person_id = Some(person_id);
        e.quartier_id = person.quartier_id;
        (import_id(&["encounter", &id_text, &date.to_string()]), e)
    });
    if let Some((_, e)) = &encounter
        && let Err(err) = crate::record::to_values(e, context.today)
    {
        problems.push(Rejection {
            row: line,
            column: title_of(Column::FirstContact),
            message: err.to_string(),
        });
    }

    let mut referrals: Vec<(Uuid, Referral, Uuid, ReferralEvent)> = Vec::new();
    if let Some((title, text)) = partners_text {
        let parts: Vec<&str> = text
            .split(['+', ',', '/', ';', '\n'])
            .flat_map(|p| p.split(" et "))
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect();
        let none = |p: &str| {
            matches!(
                values::name_key(p).as_str(),
                "" | "aucune" | "aucun" | "non" | "neant" | "sans"
            )
        };
        for part in parts.into_iter().filter(|p| !none(p)) {
            let Some((partner_id, kind)) = context.partner(part) else {
                problems.push(Rejection {
                    row: line,
                    column: title.clone(),
                    message: format!(
                        "{} n'est pas un partenaire du carnet : ajoutez-le dans Partenaires, ou \
                         corrigez son nom",
                        values::quoted(part)
                    ),
                });
                continue;
            };
            let Some(date) = referral_date.or(first_contact) else {
                problems.push(Rejection {
                    row: line,
                    column: title.clone(),
                    message: "orientation sans date : remplissez « Date orientation » (ou « Date \
                              1er contact »)"
                        .into(),
                });
                continue;
            };
            let referral_id = import_id(&[
                "referral",
                &id_text,
                &partner_id.to_string(),
                &date.to_string(),
            ]);
            let referral = Referral {
                person_id,
                partner_id,
                date,
                need: need_of(kind).into(),
                detail: None,
                status: "sent".into(),
                status_date: Some(date),
                follow_up: None,
            };
            if let Err(err) = crate::record::to_values(&referral, context.today) {
                problems.push(Rejection {
                    row: line,
                    column: title_of(Column::ReferralDate),
                    message: err.to_string(),
                });
                continue;
            }
            let event = ReferralEvent {
                referral_id,
                status: "sent".into(),
                date,
                note: None,
            };
            let event_id = import_id(&["referral_event", &referral_id.to_string()]);
            if !referrals.iter().any(|(id, ..)| *id == referral_id) {
                referrals.push((referral_id, referral, event_id, event));
            }
        }
    }

    let mut outcome = None;
    if let Some(kind) = outcome_kind {
        let date = outcome_date.or(referral_date).or(first_contact);
        match date {
            None => problems.push(Rejection {
                row: line,
                column: title_of(Column::Outcome),
                message: "sortie sans date : remplissez « Date de sortie »".into(),
            }),
            Some(date) => {
                let o = Outcome {
                    person_id,
                    kind: kind.into(),
                    date,
                    legal_form: None,
                    siret: None,
                    sector: None,
                    note: None,
                };
                match crate::record::to_values(&o, context.today) {
                    Ok(_) => {
                        outcome = Some((
                            import_id(&["outcome", &id_text, kind, &date.to_string()]),
                            o,
                        ));
                    }
                    Err(err) => problems.push(Rejection {
                        row: line,
                        column: title_of(Column::OutcomeDate),
                        message: err.to_string(),
                    }),
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(Planned {
            line,
            new_person: false,
            person_id,
            person,
            encounter,
            referrals,
            outcome,
        })
    } else {
        Err(problems)
    }
}

/// Whether a row of `spec` with this id exists (live or deleted).
fn exists(conn: &Connection, spec: &EntitySpec, id: Uuid) -> Result<bool> {
    Ok(conn
        .prepare_cached(&format!("SELECT 1 FROM {} WHERE id = ?1", spec.name))?
        .exists([id.to_string()])?)
}

/// Which of a row's records are new: not in the notebook, not erased from it, not written by
/// an earlier row of this import.
struct Novelty {
    erased: HashSet<Uuid>,
    planned: HashSet<Uuid>,
}

impl Novelty {
    fn is_new(&mut self, conn: &Connection, spec: &EntitySpec, id: Uuid) -> Result<bool> {
        if self.erased.contains(&id) || self.planned.contains(&id) || exists(conn, spec, id)? {
            return Ok(false);
        }
        self.planned.insert(id);
        Ok(true)
    }
}

/// Reads every row of the sheet, with the columns as the header says or as the officer
/// changed them (`mapping`, one meaning per column of the header).
fn plan_all(
    store: &Store,
    loaded: &Loaded,
    mapping: Option<&[Column]>,
    progress: &mut dyn FnMut(usize, usize) -> bool,
    total: usize,
) -> Result<(Vec<Planned>, Summary)> {
    let mut header = loaded.header.clone();
    if let Some(mapping) = mapping {
        if mapping.len() != header.columns.len() {
            return Err(Error::Inconsistent {
                field: "mapping",
                message: "Le choix des colonnes ne correspond pas au tableau : rouvrez-le.",
            });
        }
        header.columns = mapping.to_vec();
    }
    if !header
        .columns
        .iter()
        .any(|c| matches!(c, Column::LastName | Column::FullName))
    {
        return Err(unreadable(
            "aucune colonne n'est choisie comme « Nom » ou « Nom et prénom »",
        ));
    }
    let context = Context::of(store)?;
    let mut summary = Summary::default();
    let mut planned = Vec::new();
    let rows = loaded.data_rows();
    summary.rows = rows.len();
    for (k, (line, cells)) in rows.iter().enumerate() {
        if k % 100 == 0 && !progress(k, total) {
            return Err(Error::Cancelled);
        }
        match plan_row(&context, &header, *line, cells) {
            Ok(row) => planned.push(row),
            Err(problems) => summary.rejected.extend(problems),
        }
    }
    Ok((planned, summary))
}

/// Counts what `rows` would add, and names the rows whose new person looks like one already
/// in the notebook. Keeps only the new records in `rows`.
fn count_new(store: &Store, rows: &mut [Planned], summary: &mut Summary) -> Result<()> {
    let conn = store.conn();
    let mut novelty = Novelty {
        erased: crate::erasure::erased_ids(store)?,
        planned: HashSet::new(),
    };
    for row in rows.iter_mut() {
        if novelty.erased.contains(&row.person_id) {
            // Erased from the notebook: nothing of her comes back.
            row.encounter = None;
            row.referrals.clear();
            row.outcome = None;
            summary.already_present += 1;
            continue;
        }
        let mut added = 0;
        row.new_person = novelty.is_new(conn, &schema::PERSON, row.person_id)?;
        if row.new_person {
            summary.persons += 1;
            added += 1;
            let likely = crate::duplicates::candidates(store, &row.person, None, 1)?;
            if let Some(c) = likely
                .first()
                .filter(|c| c.level == crate::person_match::Level::VeryLikely)
            {
                summary.look_like_existing.push((row.line, c.id));
            }
        }
        if let Some((id, _)) = &row.encounter {
            if novelty.is_new(conn, &schema::ENCOUNTER, *id)? {
                summary.encounters += 1;
                added += 1;
            } else {
                row.encounter = None;
            }
        }
        let mut kept = Vec::new();
        for referral in row.referrals.drain(..) {
            if novelty.is_new(conn, &schema::REFERRAL, referral.0)? {
                summary.referrals += 1;
                added += 1;
                kept.push(referral);
            }
        }
        row.referrals = kept;
        if let Some((id, _)) = &row.outcome {
            if novelty.is_new(conn, &schema::OUTCOME, *id)? {
                summary.outcomes += 1;
                added += 1;
            } else {
                row.outcome = None;
            }
        }
        if added == 0 {
            summary.already_present += 1;
        }
    }
    Ok(())
}

/// The dry run: what [`import`] would write, and every problem, without writing anything.
pub fn plan(
    store: &Store,
    path: &Path,
    mapping: Option<&[Column]>,
    progress: &mut dyn FnMut(usize, usize) -> bool,
) -> Result<Summary> {
    let loaded = load(path)?;
    let total = loaded.data_rows().len();
    let (mut rows, mut summary) = plan_all(store, &loaded, mapping, progress, total)?;
    count_new(store, &mut rows, &mut summary)?;
    progress(total, total);
    Ok(summary)
}

/// Imports the valid rows in one transaction and reports the others. `progress(done, total)`
/// is called as rows are read then written; returning `false` cancels, and nothing is
/// written.
pub fn import(
    store: &mut Store,
    path: &Path,
    mapping: Option<&[Column]>,
    progress: &mut dyn FnMut(usize, usize) -> bool,
) -> Result<Summary> {
    let loaded = load(path)?;
    let rows_count = loaded.data_rows().len();
    let total = rows_count * 2;
    let (mut rows, mut summary) = plan_all(store, &loaded, mapping, progress, total)?;
    count_new(store, &mut rows, &mut summary)?;
    store.write(|w| {
        for (k, row) in rows.iter().enumerate() {
            if k % 100 == 0 && !progress(rows_count + k * rows_count / rows.len().max(1), total) {
                return Err(Error::Cancelled);
            }
            if row.new_person {
                w.create_with_id(row.person_id, &row.person)?;
            }
            if let Some((id, encounter)) = &row.encounter {
                w.create_with_id(*id, encounter)?;
            }
            for (id, referral, event_id, event) in &row.referrals {
                w.create_with_id(*id, referral)?;
                w.create_with_id(*event_id, event)?;
            }
            if let Some((id, outcome)) = &row.outcome {
                w.create_with_id(*id, outcome)?;
            }
        }
        Ok(())
    })?;
    progress(total, total);
    Ok(summary)
}

/// The rejected rows as a CSV the officer opens in her spreadsheet (`;`, UTF-8 with BOM, as
/// French Excel reads it): line, column, problem.
pub fn rejections_csv(rejected: &[Rejection]) -> String {
    let quote = |text: &str| format!("\"{}\"", text.replace('"', "\"\""));
    let mut out = String::from("\u{feff}Ligne;Colonne;Problème\r\n");
    for r in rejected {
        out.push_str(&format!(
            "{};{};{}\r\n",
            r.row,
            quote(&r.column),
            quote(&r.message)
        ));
    }
    out
}

/// Writes [`rejections_csv`] to `path` (replaced whole, or left as it was).
pub fn write_rejections(path: &Path, rejected: &[Rejection]) -> Result<()> {
    crate::atomic_file::write(path, rejections_csv(rejected).as_bytes())
}
