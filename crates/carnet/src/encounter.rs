//! Encounters (*rencontres*): one contact with one person or an anonymous group.
//!
//! At a market the officer often knows no names: "3 personnes sensibilisées" is an encounter
//! with a head count and a quartier and no person. An encounter may belong to a permanence
//! (a visitor), carry a phase (*sensibilisation*, *détection*, *amorçage*) and a follow-up date.

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use rusqlite::OptionalExtension;

use crate::error::{Error, Result};
use crate::permanence::Permanence;
use crate::person::Person;
use crate::record::{Entry, Record, optional_date};
use crate::schema::{self, EntitySpec};
use crate::store::{Store, Writer};
use crate::undo::Undo;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Encounter {
    pub date: NaiveDate,
    pub kind: String,
    pub phase: Option<String>,
    pub person_id: Option<Uuid>,
    pub head_count: Option<i64>,
    pub quartier_id: Option<Uuid>,
    pub permanence_id: Option<Uuid>,
    pub note: Option<String>,
    #[serde(with = "optional_date", default)]
    pub follow_up: Option<NaiveDate>,
    pub follow_up_done: Option<bool>,
}

impl Encounter {
    /// An encounter of `kind` on `date` with nothing else filled in.
    pub fn new(date: NaiveDate, kind: &str) -> Self {
        Encounter {
            date,
            kind: kind.to_string(),
            phase: None,
            person_id: None,
            head_count: None,
            quartier_id: None,
            permanence_id: None,
            note: None,
            follow_up: None,
            follow_up_done: None,
        }
    }

    /// How many people this encounter counts: its head count, or one known person.
    pub fn people(&self) -> i64 {
        self.head_count.unwrap_or(1)
    }
}

impl Record for Encounter {
    const SPEC: &'static EntitySpec = &schema::ENCOUNTER;

    fn check(&self, today: NaiveDate) -> Result<()> {
        if let Some(tomorrow) = today.checked_add_days(Days::new(1)) {
            crate::validate::not_after("date", self.date, tomorrow)?;
        }
        if self.person_id.is_none() && self.head_count.is_none() {
            return Err(Error::Inconsistent {
                field: "head_count",
                message: "Indiquez une personne, ou le nombre de personnes rencontrées pour un contact anonyme.",
            });
        }
        if self.person_id.is_some() && self.head_count.is_some_and(|n| n != 1) {
            return Err(Error::Inconsistent {
                field: "head_count",
                message: "Une rencontre avec une personne nommée compte une seule personne.",
            });
        }
        if self.follow_up.is_some_and(|f| f < self.date) {
            return Err(Error::Inconsistent {
                field: "follow_up",
                message: "La date de relance doit suivre la date de la rencontre.",
            });
        }
        Ok(())
    }
}

/// Live encounters dated within `[from, to]`, oldest first.
pub fn in_range(store: &Store, from: NaiveDate, to: NaiveDate) -> Result<Vec<Entry<Encounter>>> {
    store.select::<Encounter>(
        "AND date BETWEEN ?1 AND ?2 ORDER BY date, id",
        [from.to_string(), to.to_string()],
    )
}

/// What recording an encounter did, for the confirmation and its "Annuler".
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recorded {
    pub id: Uuid,
    /// The person met, when one was named or created.
    pub person_id: Option<Uuid>,
    /// The permanence a visit was counted in.
    pub permanence: Option<VisitPermanence>,
    pub undo: Undo,
}

/// The permanence a visit was attached to, and what that changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VisitPermanence {
    pub id: Uuid,
    /// No permanence was planned that day in that quartier: one was created, held.
    pub created: bool,
    /// The permanence was "Prévue": a visitor means it was held.
    pub marked_held: bool,
}

/// Records an encounter, creating its person first when the officer typed a new one in the
/// quick capture: both or neither are saved.
///
/// A permanence visit is always counted in a permanence, as the yearly file counts visitors
/// of held permanences only: recorded without one (from Aujourd'hui), it joins that day's
/// permanence in its quartier, or a held permanence created for it; a visitor makes a
/// "Prévue" permanence "Tenue".
pub fn record(
    w: &mut Writer<'_>,
    encounter: &Encounter,
    new_person: Option<&Person>,
) -> Result<Recorded> {
    let mut encounter = encounter.clone();
    let mut undo = Undo::default();
    if let Some(person) = new_person {
        let person_id = w.create(person)?;
        undo.push_created(&schema::PERSON, person_id);
        encounter.person_id = Some(person_id);
        encounter.head_count = None;
    }
    let permanence = count_in_permanence(w, &mut encounter, &mut undo)?;
    let id = w.create(&encounter)?;
    undo.push_created(&schema::ENCOUNTER, id);
    Ok(Recorded {
        id,
        person_id: encounter.person_id,
        permanence,
        undo,
    })
}

/// Corrects an encounter (any field), with the same rules as recording it.
pub fn correct(w: &mut Writer<'_>, id: Uuid, encounter: &Encounter) -> Result<Recorded> {
    let mut encounter = encounter.clone();
    let mut undo = Undo::default();
    let permanence = count_in_permanence(w, &mut encounter, &mut undo)?;
    undo.extend(crate::undo::update(w, id, &encounter)?);
    Ok(Recorded {
        id,
        person_id: encounter.person_id,
        permanence,
        undo,
    })
}

fn count_in_permanence(
    w: &mut Writer<'_>,
    encounter: &mut Encounter,
    undo: &mut Undo,
) -> Result<Option<VisitPermanence>> {
    if encounter.kind != "permanence_visit" {
        return Ok(None);
    }
    let mut created = false;
    let id = match encounter.permanence_id {
        Some(id) => id,
        None => {
            let Some(quartier) = encounter.quartier_id else {
                return Err(Error::Inconsistent {
                    field: "quartier_id",
                    message: "Indiquez le quartier de la permanence : la visite y sera comptée.",
                });
            };
            match permanence_of_day(w, quartier, encounter.date)? {
                Some(id) => id,
                None => {
                    created = true;
                    let id = w.create(&Permanence {
                        quartier_id: quartier,
                        place_id: None,
                        date: encounter.date,
                        start_time: None,
                        end_time: None,
                        status: "held".to_string(),
                        note: None,
                    })?;
                    undo.push_created(&schema::PERMANENCE, id);
                    id
                }
            }
        }
    };
    let mut permanence: Permanence = w.get(id)?;
    let marked_held = permanence.status == "planned";
    if marked_held {
        permanence.status = "held".to_string();
        undo.extend(crate::undo::update(w, id, &permanence)?);
    }
    encounter.permanence_id = Some(id);
    if encounter.quartier_id.is_none() {
        encounter.quartier_id = Some(permanence.quartier_id);
    }
    Ok(Some(VisitPermanence {
        id,
        created,
        marked_held,
    }))
}

/// That day's permanence in a quartier that was not cancelled: a held one first, then the
/// earliest.
fn permanence_of_day(w: &Writer<'_>, quartier: Uuid, date: NaiveDate) -> Result<Option<Uuid>> {
    let id: Option<String> = w
        .conn()
        .query_row(
            "SELECT id FROM permanence
              WHERE deleted = 0 AND quartier_id = ?1 AND date = ?2 AND status <> 'cancelled'
              ORDER BY status <> 'held', coalesce(start_time, ''), id LIMIT 1",
            [quartier.to_string(), date.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    id.as_deref().map(crate::validate::id).transpose()
}

/// One encounter as the day's list shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EncounterRow {
    pub id: Uuid,
    #[serde(flatten)]
    pub data: Encounter,
    /// "Prénom Nom" of the person met, if any.
    pub person_name: Option<String>,
}

/// Live encounters dated `day`, the latest recorded first (what the officer just typed is on
/// top, ready to be corrected).
pub fn of_day(store: &Store, day: NaiveDate) -> Result<Vec<EncounterRow>> {
    let entries =
        store.select::<Encounter>("AND date = ?1 ORDER BY rowid DESC", [day.to_string()])?;
    let mut out = Vec::with_capacity(entries.len());
    for entry in entries {
        let person_name = match entry.data.person_id {
            Some(person) => store
                .get::<Person>(crate::person_merge::root_of(store.conn(), person)?)
                .ok()
                .map(|p| p.full_name()),
            None => None,
        };
        out.push(EncounterRow {
            id: entry.id,
            data: entry.data,
            person_name,
        });
    }
    Ok(out)
}

/// Live encounters of a permanence (its visitors), in recording order.
pub fn of_permanence(store: &Store, permanence: Uuid) -> Result<Vec<Entry<Encounter>>> {
    store.select::<Encounter>(
        "AND permanence_id = ?1 ORDER BY rowid",
        [permanence.to_string()],
    )
}

/// What the quick capture starts with on this device: the nature and quartier of the last
/// capture, kept in the notebook's device-local settings (never synced), so they survive a
/// restart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaptureDefaults {
    pub kind: String,
    pub quartier_id: Option<Uuid>,
}

/// The quick capture's defaults: "Marché" and no quartier until a first capture; a quartier
/// deleted since is forgotten.
pub fn capture_defaults(store: &Store) -> Result<CaptureDefaults> {
    let kind = store
        .local_setting("capture_kind")?
        .filter(|k| schema::ENCOUNTER_KIND.iter().any(|(code, _)| code == k))
        .unwrap_or_else(|| "market".to_string());
    let quartier_id = match store.local_setting("capture_quartier")? {
        Some(text) => crate::validate::id(&text)
            .ok()
            .filter(|id| store.get::<crate::territory::Quartier>(*id).is_ok()),
        None => None,
    };
    Ok(CaptureDefaults { kind, quartier_id })
}

/// Remembers the last capture's nature and quartier for the next one.
pub fn remember_capture(store: &mut Store, defaults: &CaptureDefaults) -> Result<()> {
    if !schema::ENCOUNTER_KIND
        .iter()
        .any(|(code, _)| *code == defaults.kind)
    {
        return Err(Error::UnknownValue { field: "kind" });
    }
    store.set_local_setting("capture_kind", &defaults.kind)?;
    let quartier = defaults
        .quartier_id
        .map(|q| q.to_string())
        .unwrap_or_default();
    store.set_local_setting("capture_quartier", &quartier)
}
