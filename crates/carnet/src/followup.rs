//! Follow-ups due (*relances*): what the officer promised to come back to.
//!
//! Two sources: encounters with a follow-up date not yet marked done, and referrals with a
//! follow-up date that are still open (not "accompagnée" nor "sans suite"). The home screen
//! lists those due on or before a given day, oldest first.

use chrono::NaiveDate;
use serde::Serialize;
use uuid::Uuid;

use crate::error::Result;
use crate::store::Store;

/// One follow-up due.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FollowUp {
    pub due: NaiveDate,
    /// `encounter` or `referral`.
    pub source: &'static str,
    pub id: Uuid,
    pub person_id: Option<Uuid>,
    /// "Prénom Nom" when a person is linked.
    pub person_name: Option<String>,
}

/// Follow-ups due on or before `day`, oldest first.
pub fn due(store: &Store, day: NaiveDate) -> Result<Vec<FollowUp>> {
    let sql = "
        SELECT e.follow_up, 'encounter', e.id, e.person_id, p.first_name || ' ' || p.last_name
          FROM encounter e LEFT JOIN person p ON p.id = e.person_id
         WHERE e.follow_up IS NOT NULL AND e.follow_up <= ?1 AND e.deleted = 0
           AND coalesce(e.follow_up_done, 0) = 0
        UNION ALL
        SELECT r.follow_up, 'referral', r.id, r.person_id, p.first_name || ' ' || p.last_name
          FROM referral r LEFT JOIN person p ON p.id = r.person_id
         WHERE r.follow_up IS NOT NULL AND r.follow_up <= ?1 AND r.deleted = 0
           AND r.status NOT IN ('supported', 'no_follow_up')
        ORDER BY 1, 2, 3";
    let mut stmt = store.conn().prepare_cached(sql)?;
    let mut rows = stmt.query([day.to_string()])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let due: String = row.get(0)?;
        let source: String = row.get(1)?;
        let id: String = row.get(2)?;
        let person: Option<String> = row.get(3)?;
        out.push(FollowUp {
            due: crate::validate::date("follow_up", &due)?,
            source: if source == "encounter" {
                "encounter"
            } else {
                "referral"
            },
            id: crate::validate::id(&id)?,
            person_id: person.as_deref().map(crate::validate::id).transpose()?,
            person_name: row.get(4)?,
        });
    }
    Ok(out)
}
