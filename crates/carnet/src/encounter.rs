//! Encounters (*rencontres*): one contact with one person or an anonymous group.
//!
//! At a market the officer often knows no names: "3 personnes sensibilisées" is an encounter
//! with a head count and a quartier and no person. An encounter may belong to a permanence
//! (a visitor), carry a phase (*sensibilisation*, *détection*, *amorçage*) and a follow-up date.

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::record::{Entry, Record, optional_date};
use crate::schema::{self, EntitySpec};
use crate::store::Store;

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
        if today
            .checked_add_days(Days::new(1))
            .is_some_and(|max| self.date > max)
        {
            return Err(Error::DateTooFarAhead {
                field: "date",
                value: crate::french::short_date(self.date),
            });
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

/// Records an encounter, creating its person first when the officer typed a new one in the
/// quick capture: both or neither are saved.
pub fn record(
    w: &mut crate::store::Writer<'_>,
    encounter: &Encounter,
    new_person: Option<&crate::person::Person>,
) -> Result<Uuid> {
    let mut encounter = encounter.clone();
    if let Some(person) = new_person {
        encounter.person_id = Some(w.create(person)?);
        encounter.head_count = None;
    }
    w.create(&encounter)
}

/// Live encounters of a permanence (its visitors), in recording order.
pub fn of_permanence(store: &Store, permanence: Uuid) -> Result<Vec<Entry<Encounter>>> {
    store.select::<Encounter>(
        "AND permanence_id = ?1 ORDER BY rowid",
        [permanence.to_string()],
    )
}
