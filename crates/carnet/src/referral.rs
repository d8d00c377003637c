//! Referrals (*orientations*): a person sent to a partner for a need, with a status history.
//!
//! The status moves along *à envoyer → envoyée → RDV pris → accompagnée* or ends *sans suite*.
//! Each move is its own [`ReferralEvent`] row (so two devices moving the same referral both
//! keep their step after sync) and also updates the referral's current `status` field.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::record::{Entry, Record, optional_date};
use crate::schema::{self, EntitySpec};
use crate::store::{Store, Writer};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Referral {
    pub person_id: Uuid,
    pub partner_id: Uuid,
    pub date: NaiveDate,
    pub need: String,
    pub detail: Option<String>,
    pub status: String,
    #[serde(with = "optional_date", default)]
    pub status_date: Option<NaiveDate>,
    #[serde(with = "optional_date", default)]
    pub follow_up: Option<NaiveDate>,
}

impl Record for Referral {
    const SPEC: &'static EntitySpec = &schema::REFERRAL;

    fn check(&self, _today: NaiveDate) -> Result<()> {
        if self.follow_up.is_some_and(|f| f < self.date) {
            return Err(Error::Inconsistent {
                field: "follow_up",
                message: "La date de relance doit suivre la date de l'orientation.",
            });
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReferralEvent {
    pub referral_id: Uuid,
    pub status: String,
    pub date: NaiveDate,
    pub note: Option<String>,
}

impl Record for ReferralEvent {
    const SPEC: &'static EntitySpec = &schema::REFERRAL_EVENT;
}

/// What the officer fills in to refer someone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewReferral {
    pub person_id: Uuid,
    pub partner_id: Uuid,
    pub date: NaiveDate,
    pub need: String,
    pub detail: Option<String>,
    #[serde(with = "optional_date", default)]
    pub follow_up: Option<NaiveDate>,
}

/// Creates a referral in status "à envoyer" with its first history step.
pub fn create(w: &mut Writer<'_>, new: &NewReferral) -> Result<Uuid> {
    let id = w.create(&Referral {
        person_id: new.person_id,
        partner_id: new.partner_id,
        date: new.date,
        need: new.need.clone(),
        detail: new.detail.clone(),
        status: "to_send".to_string(),
        status_date: Some(new.date),
        follow_up: new.follow_up,
    })?;
    w.create(&ReferralEvent {
        referral_id: id,
        status: "to_send".to_string(),
        date: new.date,
        note: None,
    })?;
    Ok(id)
}

/// Moves a referral to `status` on `date`, recording the step in its history.
pub fn move_to(
    w: &mut Writer<'_>,
    referral_id: Uuid,
    status: &str,
    date: NaiveDate,
    note: Option<&str>,
) -> Result<Uuid> {
    let mut referral: Referral = w.get(referral_id)?;
    if date < referral.date {
        return Err(Error::Inconsistent {
            field: "date",
            message: "Une étape ne peut pas précéder la date de l'orientation.",
        });
    }
    let event = w.create(&ReferralEvent {
        referral_id,
        status: status.to_string(),
        date,
        note: note.map(str::to_string),
    })?;
    referral.status = status.to_string();
    referral.status_date = Some(date);
    w.update(referral_id, &referral)?;
    Ok(event)
}

/// A referral's history, oldest first.
pub fn history(store: &Store, referral_id: Uuid) -> Result<Vec<Entry<ReferralEvent>>> {
    store.select::<ReferralEvent>(
        "AND referral_id = ?1 ORDER BY date, rowid",
        [referral_id.to_string()],
    )
}

/// Live referrals in `status`, newest first.
pub fn by_status(store: &Store, status: &str) -> Result<Vec<Entry<Referral>>> {
    store.select::<Referral>("AND status = ?1 ORDER BY date DESC, id", [status])
}

/// Live referrals dated within `[from, to]`.
pub fn in_range(store: &Store, from: NaiveDate, to: NaiveDate) -> Result<Vec<Entry<Referral>>> {
    store.select::<Referral>(
        "AND date BETWEEN ?1 AND ?2 ORDER BY date, id",
        [from.to_string(), to.to_string()],
    )
}
