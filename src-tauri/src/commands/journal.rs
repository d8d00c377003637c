//! Réglages → Journal: the audit trail's entries, its check and its retention; and the one
//! read that is journaled, opening a person's page.

use carnet::Uuid;
use carnet::audit::{self, Action, Verification};
use carnet::person::Person;
use serde::Serialize;
use tauri::State;

use crate::error::CommandResult;
use crate::state::Db;

/// A person's page is opened: her record, and a "consultation" entry in the journal.
#[tauri::command(async)]
pub fn open_person(db: State<'_, Db>, id: Uuid) -> CommandResult<Person> {
    Ok(carnet::person::open(&*db.store()?, id)?)
}

/// The journal from `since` (`YYYY-MM-DD`), of one action if given, with its retention.
#[derive(Serialize)]
pub struct Journal {
    entries: Vec<audit::Entry>,
    months: u32,
    actions: Vec<(&'static str, &'static str)>,
}

#[tauri::command(async)]
pub fn list_audit(
    db: State<'_, Db>,
    since: Option<String>,
    action: Option<String>,
) -> CommandResult<Journal> {
    let store = db.store()?;
    let since = since
        .filter(|s| !s.trim().is_empty())
        .map(|s| carnet::validate::date("since", &s))
        .transpose()?;
    let action = action.as_deref().and_then(Action::from_code);
    Ok(Journal {
        entries: audit::entries(&store, since, action)?,
        months: audit::months(&store)?,
        actions: Action::ALL.iter().map(|a| (a.code(), a.label())).collect(),
    })
}

#[tauri::command(async)]
pub fn verify_audit(db: State<'_, Db>) -> CommandResult<Verification> {
    Ok(audit::verify(&*db.store()?)?)
}

#[tauri::command(async)]
pub fn set_audit_months(db: State<'_, Db>, months: u32) -> CommandResult<()> {
    let mut store = db.store()?;
    audit::set_months(&mut store, months)?;
    audit::prune(&store, months)?;
    Ok(())
}
