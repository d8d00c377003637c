//! Permanences: the officer's office hours at a place in a quartier.
//!
//! A permanence is planned, then held or cancelled; each visitor is recorded as an encounter
//! linked to it (kind `permanence_visit`), so the yearly file can count permanences held and
//! their visitors.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::record::{Entry, Record};
use crate::schema::{self, EntitySpec};
use crate::store::Store;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Permanence {
    pub quartier_id: Uuid,
    pub place_id: Option<Uuid>,
    pub date: NaiveDate,
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    pub status: String,
    pub note: Option<String>,
}

impl Record for Permanence {
    const SPEC: &'static EntitySpec = &schema::PERMANENCE;

    fn check(&self, _today: NaiveDate) -> Result<()> {
        if let (Some(start), Some(end)) = (&self.start_time, &self.end_time) {
            let start = crate::validate::time("start_time", start)?;
            let end = crate::validate::time("end_time", end)?;
            if end <= start {
                return Err(Error::EndBeforeStart { field: "end_time" });
            }
        }
        Ok(())
    }
}

/// Live permanences dated within `[from, to]`, in date and time order.
pub fn in_range(store: &Store, from: NaiveDate, to: NaiveDate) -> Result<Vec<Entry<Permanence>>> {
    store.select::<Permanence>(
        "AND date BETWEEN ?1 AND ?2 ORDER BY date, start_time, id",
        [from.to_string(), to.to_string()],
    )
}
