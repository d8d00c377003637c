//! The retention clock: who has been kept longer than the structure's rule allows.
//!
//! Why: the CNIL's social-sector rule keeps a person's file **two years after the last
//! contact**; then it is destroyed or anonymised. The officer cannot remember who that is
//! among thousands, so Carnet keeps the clock: a person's last contact is the latest date
//! among their encounters, the collective meetings they attended, their referrals (date and
//! status date) and their steps, their outcomes and their letters; a person with none is
//! counted from the day they were recorded. [`due`] lists the persons whose last contact is
//! older than the period (Réglages, [`DEFAULT_MONTHS`] by default), oldest first.
//!
//! "Prolonger" keeps a person past the period until a date, for a reason that is recorded
//! ([`prolong`]): a `retention_extension` row, synced like any other, so every device of the
//! team knows it and why. Deleting the person deletes their extensions with them.
//!
//! Anonymised persons are not listed: nothing that names them is left to keep or destroy.
//!
//! The period is a setting of this notebook (`setting.retention_months`); the engine reads
//! no clock: the caller says what day it is.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::record::Record;
use crate::schema::{self, EntitySpec};
use crate::store::Store;

/// The retention period when Réglages has not changed it: 24 months (CNIL, social sector).
pub const DEFAULT_MONTHS: u32 = 24;
/// The shortest and longest periods Réglages accepts, in months.
pub const MONTHS_RANGE: (u32, u32) = (6, 120);
/// The longest a person can be kept past the period at once: 10 years.
const LONGEST_EXTENSION_MONTHS: u32 = 120;

const SETTING: &str = "retention_months";

/// "Prolonger": the person is kept until `until`, for `reason`, decided on `date`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Extension {
    pub person_id: Uuid,
    pub until: NaiveDate,
    pub reason: String,
    pub date: NaiveDate,
}

impl Record for Extension {
    const SPEC: &'static EntitySpec = &schema::RETENTION_EXTENSION;

    fn check(&self, today: NaiveDate) -> Result<()> {
        if self.reason.trim().is_empty() {
            return Err(Error::Required { field: "reason" });
        }
        crate::validate::not_after("date", self.date, today)?;
        let longest = self
            .date
            .checked_add_months(Months::new(LONGEST_EXTENSION_MONTHS))
            .unwrap_or(NaiveDate::MAX);
        if self.until <= self.date || self.until > longest {
            return Err(Error::Inconsistent {
                field: "until",
                message: "La prolongation doit finir après aujourd'hui, et dans dix ans au plus.",
            });
        }
        Ok(())
    }
}

/// A person kept past the retention period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Due {
    pub id: Uuid,
    pub first_name: String,
    pub last_name: String,
    pub quartier_name: Option<String>,
    /// The last contact, or the day the person was recorded when there was none.
    pub last_contact: NaiveDate,
    /// True when no contact was ever recorded (`last_contact` is the day of recording).
    pub never_met: bool,
    /// Until when an earlier "Prolonger" kept the person (now past), if any.
    pub extended_until: Option<NaiveDate>,
}

/// The retention period of this notebook, in months.
pub fn period(store: &Store) -> Result<u32> {
    Ok(store
        .local_setting(SETTING)?
        .and_then(|v| v.parse().ok())
        .filter(|m| (MONTHS_RANGE.0..=MONTHS_RANGE.1).contains(m))
        .unwrap_or(DEFAULT_MONTHS))
}

/// Sets the retention period, in months (within [`MONTHS_RANGE`]).
pub fn set_period(store: &mut Store, months: u32) -> Result<()> {
    let (min, max) = MONTHS_RANGE;
    if !(min..=max).contains(&months) {
        return Err(Error::OutOfRange {
            field: "retention_months",
            min: i64::from(min),
            max: i64::from(max),
        });
    }
    store.set_local_setting(SETTING, &months.to_string())
}

/// The persons whose last contact is older than `months` before `today` and who are not
/// kept by an extension running on `today`: oldest contact first.
pub fn due(store: &Store, today: NaiveDate, months: u32) -> Result<Vec<Due>> {
    let limit = today
        .checked_sub_months(Months::new(months))
        .unwrap_or(NaiveDate::MIN);
    let limit = limit.format("%Y-%m-%d").to_string();
    let today_text = today.format("%Y-%m-%d").to_string();
    let sql = DUE_SQL.replace("{holder}", holder(crate::person_merge::any(store.conn())?));
    let mut statement = store.conn().prepare_cached(&sql)?;
    let rows = statement.query_map(rusqlite::params![limit, today_text], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, Option<String>>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, Option<String>>(3)?,
            r.get::<_, Option<String>>(4)?,
            r.get::<_, Option<i64>>(5)?,
            r.get::<_, Option<String>>(6)?,
        ))
    })?;
    let mut due = Vec::new();
    for row in rows {
        let (id, first_name, last_name, quartier_name, last, recorded_ms, extended) = row?;
        let recorded = recorded_ms
            .and_then(chrono::DateTime::from_timestamp_millis)
            .map(|t| t.date_naive());
        let (last_contact, never_met) = match last {
            Some(d) => (crate::validate::date("date", &d)?, false),
            None => match recorded {
                Some(d) => (d, true),
                None => continue,
            },
        };
        if last_contact >= crate::validate::date("date", &limit)? {
            continue;
        }
        due.push(Due {
            id: crate::validate::id(&id)?,
            first_name: first_name.unwrap_or_default(),
            last_name: last_name.unwrap_or_default(),
            quartier_name,
            last_contact,
            never_met,
            extended_until: extended
                .as_deref()
                .map(|d| crate::validate::date("until", d))
                .transpose()?,
        });
    }
    due.sort_by(|a, b| {
        (a.last_contact, &a.last_name, &a.first_name, a.id).cmp(&(
            b.last_contact,
            &b.last_name,
            &b.first_name,
            b.id,
        ))
    });
    Ok(due)
}

/// How many persons [`due`] lists (the home screen's reminder).
pub fn count_due(store: &Store, today: NaiveDate, months: u32) -> Result<usize> {
    due(store, today, months).map(|d| d.len())
}

/// "Prolonger": keeps the person until `until`, for `reason` (required), decided `today`.
pub fn prolong(
    store: &mut Store,
    person_id: Uuid,
    until: NaiveDate,
    reason: &str,
    today: NaiveDate,
) -> Result<Uuid> {
    let extension = Extension {
        person_id,
        until,
        reason: reason.trim().to_string(),
        date: today,
    };
    store.create(&extension)
}

/// The person a contact counts for: the record that holds hers when some records are merged
/// ([`crate::person_merge`]). The cast gives the grouped column a type, without which SQLite
/// builds no index to join on it (the list took 22 s instead of 0.1 s); the lookup costs a
/// fifth of the list, so it is left out when no record is merged.
fn holder(merges: bool) -> &'static str {
    if merges {
        "CAST(coalesce((SELECT root FROM person_root WHERE id = person_id), person_id) AS TEXT)"
    } else {
        "person_id"
    }
}

/// Every live person (records merged into another count as the one that holds them) with:
/// the latest contact date among every kind of contact, the moment
/// the person was first recorded (for those never met), and the latest extension.
/// Parameters: ?1 the oldest last contact that is still within the period, ?2 today.
/// `{holder}`: the record a contact counts for ([`holder`]).
const DUE_SQL: &str = "
WITH contact(person_id, d) AS (
    SELECT person_id, max(date) FROM encounter
     WHERE deleted = 0 AND person_id IS NOT NULL GROUP BY person_id
    UNION ALL
    SELECT a.person_id, max(m.date) FROM attendance a JOIN meeting m ON m.id = a.meeting_id
     WHERE a.deleted = 0 AND m.deleted = 0 GROUP BY a.person_id
    UNION ALL
    SELECT person_id, max(date) FROM referral WHERE deleted = 0 GROUP BY person_id
    UNION ALL
    SELECT person_id, max(status_date) FROM referral WHERE deleted = 0 GROUP BY person_id
    UNION ALL
    SELECT r.person_id, max(e.date) FROM referral_event e JOIN referral r ON r.id = e.referral_id
     WHERE e.deleted = 0 AND r.deleted = 0 GROUP BY r.person_id
    UNION ALL
    SELECT person_id, max(date) FROM outcome WHERE deleted = 0 GROUP BY person_id
    UNION ALL
    SELECT person_id, max(date) FROM letter WHERE deleted = 0 GROUP BY person_id
),
last(person_id, d) AS (SELECT {holder}, max(d) FROM contact GROUP BY 1),
kept(person_id, until) AS (
    SELECT {holder}, max(until) FROM retention_extension WHERE deleted = 0 GROUP BY 1
)
SELECT p.id, p.first_name, p.last_name, q.name, l.d,
       CASE WHEN l.d IS NULL THEN
           (SELECT min(c.wall) FROM change_log c
             WHERE c.row_id = p.id_blob AND c.entity = 'person')
       END,
       k.until
  FROM (SELECT *, unhex(replace(id, '-', '')) AS id_blob FROM person WHERE deleted = 0) p
  LEFT JOIN last l ON l.person_id = p.id
  LEFT JOIN kept k ON k.person_id = p.id
  LEFT JOIN quartier q ON q.id = p.quartier_id AND q.deleted = 0
 WHERE (l.d IS NULL OR l.d < ?1)
   AND (k.until IS NULL OR k.until < ?2)
   AND p.id NOT IN (SELECT person_id FROM erasure WHERE person_id IS NOT NULL)
   AND p.merged_into IS NULL
";
