//! The anonymous copy of a person: what the yearly figures need of her, under new ids and
//! without anything that names her.
//!
//! Why: an erased or anonymised person's own rows cannot stay. Their changes travel in the
//! shared folder sealed with her key (see `sync/person_blocks.rs`), which both orders
//! destroy, so no device could read them again; and their ids would still tie the figures
//! to her. What the figures read is therefore copied first, in the order's own write:
//! - **erasing** keeps the figures of *closed* years the same (a year is closed once it is
//!   over: every year before the year of the erasure); her part of the current year goes;
//! - **anonymising** (the end of the retention period) keeps every year's figures.
//!
//! The copy is an anonymous person ("Personne anonymisée", with only what the figures read:
//! gender, quartier, QPV, situation, France Travail, RSA, education, project sector and
//! stage, and a birth date coarsened to the first of January, or of the month, when that
//! gives the same age band at each of her contacts) with copies of her encounters, meeting
//! attendances, referrals (partner, need, status and dates) and outcomes (kind, date, legal
//! form, sector) in those years, without free texts, follow-ups or SIRET. It is anonymised
//! at once (its own anonymisation order): never listed for review, its identity never filled
//! in. Her original encounters in those years are deleted (the copies stand for them); then
//! the erasure purges everything about her as usual.
//!
//! Why copies rather than keeping her rows: the copies are ordinary writes made once, by one
//! device, so every device that receives them computes the same figures whatever order the
//! order and her other changes arrive in. The copy shares no id with her.

use chrono::{Datelike, NaiveDate};
use uuid::Uuid;

use crate::encounter::Encounter;
use crate::error::Result;
use crate::meeting::Attendance;
use crate::outcome::Outcome;
use crate::person::Person;
use crate::referral::Referral;
use crate::schema;
use crate::store::Writer;

/// What the copy holds.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Kept {
    /// The anonymous person, if the erased one counted in a closed year.
    pub person: Option<Uuid>,
    /// Encounters, attendances, referrals and outcomes copied.
    pub rows: usize,
}

/// The first day of the year of `today`: everything dated before it is in a closed year.
pub fn first_open_day(today: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today)
}

/// Which years of her figures the copy keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Years {
    /// Every year before the current one (an erasure).
    Closed,
    /// Every year (an anonymisation).
    All,
}

/// Copies `person`'s part of the figures of `years` under a new anonymous person (see the
/// module's description). Runs inside the order's write, before the order.
pub(crate) fn keep_figures(w: &mut Writer<'_>, person: Uuid, years: Years) -> Result<Kept> {
    let before = match years {
        Years::Closed => first_open_day(w.today()).format("%Y-%m-%d").to_string(),
        Years::All => "9999-12-31".to_string(),
    };
    let p = person.to_string();
    let ids = |w: &Writer<'_>, sql: &str| -> Result<Vec<Uuid>> {
        let mut stmt = w.conn().prepare_cached(sql)?;
        let rows = stmt.query_map([&p, &before], |r| r.get::<_, String>(0))?;
        rows.map(|id| crate::validate::id(&id?)).collect()
    };
    let encounters = ids(
        w,
        "SELECT id FROM encounter WHERE person_id = ?1 AND deleted = 0 AND date < ?2
          ORDER BY date, id",
    )?;
    let attendances = ids(
        w,
        "SELECT a.id FROM attendance a JOIN meeting m ON m.id = a.meeting_id AND m.deleted = 0
          WHERE a.person_id = ?1 AND a.deleted = 0 AND m.date < ?2 ORDER BY m.date, a.id",
    )?;
    let referrals = ids(
        w,
        "SELECT id FROM referral WHERE person_id = ?1 AND deleted = 0 AND date < ?2
          ORDER BY date, id",
    )?;
    let outcomes = ids(
        w,
        "SELECT id FROM outcome WHERE person_id = ?1 AND deleted = 0 AND date < ?2
          ORDER BY date, id",
    )?;
    let rows = encounters.len() + attendances.len() + referrals.len() + outcomes.len();
    if rows == 0 {
        return Ok(Kept::default());
    }
    let her: Person = w.get(person)?;
    let birth_date = match her.birth_date {
        Some(birth) => Some(crate::erasure::banded_birth_date(w.conn(), person, birth)?),
        None => None,
    };
    let anonymous = w.create(&Person {
        first_name: crate::erasure::ANONYMOUS_FIRST_NAME.into(),
        last_name: crate::erasure::ANONYMOUS_LAST_NAME.into(),
        gender: her.gender,
        birth_date,
        quartier_id: her.quartier_id,
        lives_in_qpv: her.lives_in_qpv,
        situation: her.situation,
        france_travail: her.france_travail,
        rsa: her.rsa,
        education: her.education,
        project_sector: her.project_sector,
        project_stage: her.project_stage,
        ..Person::default()
    })?;
    for id in encounters {
        let original: Encounter = w.get(id)?;
        w.create(&Encounter {
            person_id: Some(anonymous),
            note: None,
            follow_up: None,
            follow_up_done: None,
            ..original
        })?;
        w.delete(&schema::ENCOUNTER, id)?;
    }
    for id in attendances {
        let original: Attendance = w.get(id)?;
        w.create(&Attendance {
            person_id: anonymous,
            ..original
        })?;
    }
    for id in referrals {
        let original: Referral = w.get(id)?;
        w.create(&Referral {
            person_id: anonymous,
            detail: None,
            follow_up: None,
            ..original
        })?;
    }
    for id in outcomes {
        let original: Outcome = w.get(id)?;
        w.create(&Outcome {
            person_id: anonymous,
            siret: None,
            note: None,
            ..original
        })?;
    }
    crate::erasure::order_anonymisation(w, anonymous)?;
    Ok(Kept {
        person: Some(anonymous),
        rows,
    })
}
