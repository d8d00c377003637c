//! Domain structs as field lists: the bridge between typed records and field-level changes.
//!
//! A [`Record`] is a serde struct whose keys are exactly the fields of its
//! [`EntitySpec`]. Writing one turns it into a list of normalised,
//! validated SQL values in catalogue order ([`to_values`]); reading one turns a materialised row
//! back into the struct ([`from_row`], through `record_row`). Generic checks (required,
//! lengths, dates, phone, e-mail, SIRET, enum codes, id syntax) happen here once for every
//! entity; rules that need several fields or today's date live in each record's
//! [`Record::check`].

use chrono::NaiveDate;
use rusqlite::types::Value;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value as Json;
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::schema::{EntitySpec, FieldKind, FieldSpec, NAME_MAX, NOTE_MAX};
use crate::validate;

/// A typed row of one entity.
pub trait Record: Serialize + DeserializeOwned {
    /// The entity this record belongs to.
    const SPEC: &'static EntitySpec;

    /// Rules that involve several fields or today's date. Generic field checks already passed.
    fn check(&self, _today: NaiveDate) -> Result<()> {
        Ok(())
    }
}

/// A record together with its id, as read from the store.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Entry<T> {
    pub id: Uuid,
    #[serde(flatten)]
    pub data: T,
}

/// Validates and normalises every field of `rec`, in catalogue order.
pub fn to_values<T: Record>(rec: &T, today: NaiveDate) -> Result<Vec<Value>> {
    let json = serde_json::to_value(rec).map_err(|_| Error::Internal {
        message: "Enregistrement illisible.",
    })?;
    let Json::Object(map) = json else {
        return Err(Error::Internal {
            message: "Enregistrement illisible.",
        });
    };
    let mut values = Vec::with_capacity(T::SPEC.fields.len());
    for field in T::SPEC.fields {
        values.push(field_value(
            field,
            map.get(field.name).unwrap_or(&Json::Null),
        )?);
    }
    rec.check(today)?;
    Ok(values)
}

/// Validates and normalises one field's JSON value into its SQL value.
pub fn field_value(field: &'static FieldSpec, json: &Json) -> Result<Value> {
    let name = field.name;
    let value = match (field.kind, json) {
        (_, Json::Null) => Value::Null,
        (FieldKind::Bool, Json::Bool(b)) => Value::Integer(i64::from(*b)),
        // A number, or a whole number as typed (read strictly: never "3e2" as 300).
        (FieldKind::Int { min, max }, Json::Number(_) | Json::String(_))
            if json.as_str().is_none_or(|text| !text.trim().is_empty()) =>
        {
            let out_of_range = || Error::OutOfRange {
                field: name,
                min,
                max,
            };
            let v = match json.as_str() {
                Some(text) => validate::integer(name, text)?,
                None => json.as_i64().ok_or_else(out_of_range)?,
            };
            if v < min || v > max {
                return Err(out_of_range());
            }
            Value::Integer(v)
        }
        (kind, Json::String(s)) => text_value(name, kind, s)?,
        _ => {
            return Err(Error::UnknownValue { field: name });
        }
    };
    if field.required && value == Value::Null {
        return Err(Error::Required { field: name });
    }
    Ok(value)
}

fn text_value(name: &'static str, kind: FieldKind, raw: &str) -> Result<Value> {
    let trimmed = if kind == FieldKind::Note {
        raw.trim_end()
    } else {
        raw.trim()
    };
    if trimmed.is_empty() {
        return Ok(Value::Null);
    }
    let text = match kind {
        FieldKind::Text => validate::max_chars(name, trimmed, NAME_MAX)?.to_string(),
        FieldKind::Note => validate::max_chars(name, trimmed, NOTE_MAX)?.to_string(),
        FieldKind::Long { max } => validate::max_chars(name, trimmed, max)?.to_string(),
        FieldKind::Date => validate::date(name, trimmed)?.to_string(),
        FieldKind::Time => validate::time(name, trimmed)?,
        FieldKind::Enum(values) => {
            if !values.iter().any(|(code, _)| *code == trimmed) {
                return Err(Error::UnknownValue { field: name });
            }
            trimmed.to_string()
        }
        FieldKind::Ref(_) => validate::id(trimmed)?.to_string(),
        FieldKind::Phone => validate::phone(name, trimmed)?,
        FieldKind::Email => validate::email(name, trimmed)?,
        FieldKind::Siret => validate::siret(name, trimmed)?,
        FieldKind::Int { .. } | FieldKind::Bool => return Err(Error::UnknownValue { field: name }),
    };
    Ok(Value::Text(text))
}

/// Reads a record (or any struct whose keys are fields of `spec`) from the JSON a form sent,
/// with the engine's own errors: a malformed date, id or number names its field, and an empty
/// required field is [`Error::Required`]. The typed value is then checked as usual on write.
///
/// Dates and whole numbers may arrive as the officer typed them: dates are read by
/// [`validate::date_as_typed`] (`25/11/26`, `demain`… relative to `today`), numbers strictly
/// (never "3e2" as 300).
pub fn from_json<T: DeserializeOwned>(
    spec: &EntitySpec,
    mut json: Json,
    today: NaiveDate,
) -> Result<T> {
    if let Json::Object(map) = &mut json {
        for (key, value) in map.iter_mut() {
            let (Some(field), Json::String(text)) = (spec.field(key), &*value) else {
                continue;
            };
            if text.trim().is_empty() {
                if matches!(field.kind, FieldKind::Int { .. }) {
                    *value = Json::Null;
                }
                continue;
            }
            match field.kind {
                FieldKind::Int { .. } => {
                    *value = Json::from(validate::integer(field.name, text)?);
                }
                FieldKind::Date => {
                    *value =
                        Json::from(validate::date_as_typed(field.name, text, today)?.to_string());
                }
                _ => {}
            }
        }
    }
    if let Json::Object(map) = &json {
        for (key, value) in map {
            let Some(field) = spec.field(key) else {
                continue;
            };
            let text = value.as_str().map(str::trim);
            match (field.kind, value, text) {
                (_, Json::Null, _) | (_, _, Some("")) if field.required => {
                    return Err(Error::Required { field: field.name });
                }
                (FieldKind::Date, _, Some(t)) if !t.is_empty() => {
                    validate::date(field.name, t)?;
                }
                (FieldKind::Ref(_), _, Some(t)) if !t.is_empty() => {
                    validate::id(t)?;
                }
                (FieldKind::Int { min, max }, Json::String(_) | Json::Bool(_), _) => {
                    return Err(Error::OutOfRange {
                        field: field.name,
                        min,
                        max,
                    });
                }
                _ => {}
            }
        }
    }
    serde_json::from_value(json).map_err(|_| Error::Internal {
        message: "Le formulaire envoyé est incomplet ou mal formé.",
    })
}

/// Turns stored SQL values (catalogue order) back into a record.
pub fn from_row<T: Record>(values: &[Value]) -> Result<T> {
    from_stored(values.iter().map(Into::into))
}

/// The same from values borrowed from a row being read.
pub(crate) fn from_stored<'v, T: Record>(
    values: impl Iterator<Item = rusqlite::types::ValueRef<'v>>,
) -> Result<T> {
    crate::record_row::decode(T::SPEC.fields, values).map_err(|_| Error::Corrupt {
        what: "record",
        message: "Une ligne de la base ne correspond pas au modèle : lancez « carnet check ».",
    })
}

/// The JSON form of a stored value of the given kind.
pub fn sql_to_json(kind: FieldKind, value: &Value) -> Json {
    match (kind, value) {
        (_, Value::Null) => Json::Null,
        (FieldKind::Bool, Value::Integer(i)) => Json::Bool(*i != 0),
        (_, Value::Integer(i)) => Json::from(*i),
        (_, Value::Real(r)) => Json::from(*r),
        (_, Value::Text(s)) => Json::String(s.clone()),
        (_, Value::Blob(_)) => Json::Null,
    }
}

/// Deserialises `Option<NaiveDate>` from JSON, reading an empty string as "no date" (what an
/// empty `<input type="date">` sends).
pub mod optional_date {
    use chrono::NaiveDate;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(date: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
        match date {
            Some(d) => s.serialize_str(&d.to_string()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
        let raw: Option<String> = Option::deserialize(d)?;
        match raw.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(Some)
                .map_err(serde::de::Error::custom),
        }
    }
}
