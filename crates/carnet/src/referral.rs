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

/// A referral as the Orientations screen lists it: with the person's and partner's names.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReferralRow {
    pub id: Uuid,
    pub date: NaiveDate,
    pub person_id: Uuid,
    pub person_name: String,
    pub partner_name: String,
    pub need: String,
    pub status: String,
    pub status_date: Option<NaiveDate>,
    pub follow_up: Option<NaiveDate>,
}

/// Live referrals, optionally of one status, newest first (at most `limit`).
pub fn overview(store: &Store, status: Option<&str>, limit: usize) -> Result<Vec<ReferralRow>> {
    let sql = format!(
        "SELECT r.id, r.date, r.person_id, coalesce(p.first_name || ' ' || p.last_name, ''),
                coalesce(pa.name, ''), r.need, r.status, r.status_date, r.follow_up
           FROM referral r
           LEFT JOIN person p ON p.id = r.person_id
           LEFT JOIN partner pa ON pa.id = r.partner_id
          WHERE r.deleted = 0 AND (?1 IS NULL OR r.status = ?1)
          ORDER BY r.date DESC, r.id LIMIT {}",
        limit.min(10_000)
    );
    let mut stmt = store.conn().prepare_cached(&sql)?;
    let mut rows = stmt.query([status])?;
    let mut out = Vec::new();
    let date = |s: Option<String>| s.map(|s| crate::validate::date("date", &s)).transpose();
    while let Some(row) = rows.next()? {
        out.push(ReferralRow {
            id: crate::validate::id(&row.get::<_, String>(0)?)?,
            date: crate::validate::date("date", &row.get::<_, String>(1)?)?,
            person_id: crate::validate::id(&row.get::<_, String>(2)?)?,
            person_name: row.get(3)?,
            partner_name: row.get(4)?,
            need: row.get(5)?,
            status: row.get(6)?,
            status_date: date(row.get(7)?)?,
            follow_up: date(row.get(8)?)?,
        });
    }
    Ok(out)
}
