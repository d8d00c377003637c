//! Undo: what it takes to put the notebook back as it was before one action.
//!
//! Every correction the officer makes from the window (record, edit, delete) returns an
//! [`Undo`]: a short list of steps — delete what the action created, restore what it deleted,
//! put back the previous value of each field it changed. The window keeps it behind
//! "Annuler" for a few seconds. Applying it is one more write through the single write path
//! (a tombstone, a restore, field changes stamped by the clock), so an undo syncs like any
//! edit and never rewrites history; it returns the [`Undo`] that would redo the action.
//!
//! An undo that no longer fits the notebook (the row was deleted or restored meanwhile, by
//! another undo or a sync) is refused whole with [`Error::UndoStale`]: nothing is half-undone.
//! A row the action created that a live row now refers to (the permanence a visit created,
//! since joined by a second visitor) is kept: an undo never leaves a live row pointing at a
//! deleted one.

use rusqlite::OptionalExtension;
use rusqlite::types::Value;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::record::sql_to_json;
use crate::schema::{self, EntitySpec, FieldKind, FieldSpec};
use crate::store::Writer;

/// One step of an undo, named by entity and field names (it travels through the window).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Step {
    /// Tombstones a row the action created.
    Delete { entity: String, id: Uuid },
    /// Brings back a row the action deleted.
    Restore { entity: String, id: Uuid },
    /// Puts back a field's previous value, in the JSON form records use.
    Set {
        entity: String,
        id: Uuid,
        field: String,
        value: Json,
    },
}

/// The steps that undo one action, in the order the action did them (applied backwards).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Undo {
    pub steps: Vec<Step>,
}

impl Undo {
    /// Undoes the creation of a row.
    pub fn created(spec: &EntitySpec, id: Uuid) -> Undo {
        let mut undo = Undo::default();
        undo.push_created(spec, id);
        undo
    }

    /// Adds: the action created this row.
    pub fn push_created(&mut self, spec: &EntitySpec, id: Uuid) {
        self.steps.push(Step::Delete {
            entity: spec.name.to_string(),
            id,
        });
    }

    /// Adds: the action deleted this row.
    pub fn push_deleted(&mut self, spec: &EntitySpec, id: Uuid) {
        self.steps.push(Step::Restore {
            entity: spec.name.to_string(),
            id,
        });
    }

    /// Adds: the action changed these fields, which held `previous` before.
    pub fn push_edited(
        &mut self,
        spec: &EntitySpec,
        id: Uuid,
        previous: Vec<(&'static FieldSpec, Value)>,
    ) {
        for (field, value) in previous {
            self.steps.push(Step::Set {
                entity: spec.name.to_string(),
                id,
                field: field.name.to_string(),
                value: sql_to_json(field.kind, &value),
            });
        }
    }

    /// Adds the steps of a later part of the same action.
    pub fn extend(&mut self, later: Undo) {
        self.steps.extend(later.steps);
    }

    /// Whether there is nothing to undo (an edit that changed nothing).
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }
}

/// Tombstones one live row and returns how to bring it back.
pub fn delete(w: &mut Writer<'_>, spec: &'static EntitySpec, id: Uuid) -> Result<Undo> {
    w.delete(spec, id)?;
    let mut undo = Undo::default();
    undo.push_deleted(spec, id);
    Ok(undo)
}

/// Tombstones the live rows of `spec` whose ids `select` (one `?1` parameter) returns.
pub(crate) fn delete_selected(
    w: &mut Writer<'_>,
    spec: &'static EntitySpec,
    select: &str,
    param: Uuid,
) -> Result<Undo> {
    let ids: Vec<String> = {
        let mut stmt = w.conn().prepare_cached(select)?;
        stmt.query_map([param.to_string()], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?
    };
    let mut undo = Undo::default();
    for id in ids {
        undo.extend(delete(w, spec, crate::validate::id(&id)?)?);
    }
    Ok(undo)
}

/// Applies `undo` (last step first) and returns the [`Undo`] that would redo the action.
pub fn apply(w: &mut Writer<'_>, undo: &Undo) -> Result<Undo> {
    let mut redo = Undo::default();
    for step in undo.steps.iter().rev() {
        match step {
            Step::Delete { entity, id } => {
                let spec = entity_spec(entity)?;
                if !w.is_live(spec, *id)? {
                    return Err(Error::UndoStale);
                }
                // What the action created and something recorded since relies on (the
                // permanence a visit created, now holding a second visitor) stays.
                if used_by_live_rows(w, spec, *id)? {
                    continue;
                }
                w.delete(spec, *id)?;
                redo.push_deleted(spec, *id);
            }
            Step::Restore { entity, id } => {
                let spec = entity_spec(entity)?;
                if w.is_live(spec, *id)? || !exists(w, spec, *id)? {
                    return Err(Error::UndoStale);
                }
                w.restore(spec, *id)?;
                redo.push_created(spec, *id);
            }
            Step::Set {
                entity,
                id,
                field,
                value,
            } => {
                let spec = entity_spec(entity)?;
                let field_spec = schema::field_of(spec, field).ok_or(Error::UndoStale)?;
                if !w.is_live(spec, *id)? {
                    return Err(Error::UndoStale);
                }
                let current = current_value(w, spec, field_spec, *id)?;
                w.set_field(spec, *id, field, value.clone())?;
                redo.push_edited(spec, *id, vec![(field_spec, current)]);
            }
        }
    }
    // The redo's steps were collected last-first: put them back in action order.
    redo.steps.reverse();
    Ok(redo)
}

/// Whether a live row of any entity refers to this row.
fn used_by_live_rows(w: &Writer<'_>, target: &EntitySpec, id: Uuid) -> Result<bool> {
    for spec in schema::ENTITIES {
        for field in spec.fields {
            if field.kind != FieldKind::Ref(target.name) {
                continue;
            }
            // Names from the catalogue only.
            let used = w
                .conn()
                .query_row(
                    &format!(
                        "SELECT 1 FROM {} WHERE {} = ?1 AND deleted = 0 LIMIT 1",
                        spec.name, field.name
                    ),
                    [id.to_string()],
                    |_| Ok(()),
                )
                .optional()?
                .is_some();
            if used {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

fn entity_spec(name: &str) -> Result<&'static EntitySpec> {
    schema::entity(name).ok_or(Error::UndoStale)
}

fn exists(w: &Writer<'_>, spec: &EntitySpec, id: Uuid) -> Result<bool> {
    Ok(w.conn()
        .query_row(
            &format!("SELECT 1 FROM {} WHERE id = ?1", spec.name),
            [id.to_string()],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

fn current_value(w: &Writer<'_>, spec: &EntitySpec, field: &FieldSpec, id: Uuid) -> Result<Value> {
    // Both names come from the catalogue, never from the caller's text.
    Ok(w.conn().query_row(
        &format!("SELECT {} FROM {} WHERE id = ?1", field.name, spec.name),
        [id.to_string()],
        |r| r.get::<_, Value>(0),
    )?)
}

/// Replaces a record's fields and returns how to put the previous ones back.
pub fn update<T: crate::Record>(w: &mut Writer<'_>, id: Uuid, rec: &T) -> Result<Undo> {
    let previous = w.update_returning_previous(id, rec)?;
    let mut undo = Undo::default();
    undo.push_edited(T::SPEC, id, previous);
    Ok(undo)
}
