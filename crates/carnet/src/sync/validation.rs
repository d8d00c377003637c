//! Decrypted is not valid: a received payload is checked like a local write before it is
//! applied.
//!
//! Why: a team member knows the passphrase and can seal anything, and a buggy peer can ship a
//! value no form would let through. One such value used to be stored and then break reads on
//! every device (`carnet list persons` failing on a date "pas une date"). A payload passes only
//! if every value is in the canonical form a local write stores for its field (same rules as
//! [`crate::record`]), every stamp is in range (checked by the decoder), every change is written
//! by the segment's own device (or an id it declares it wrote under before), and the count the
//! writer sealed matches. The first problem found is returned in French; the segment is then
//! skipped and reported, never applied in part.

use rusqlite::types::Value;
use uuid::Uuid;

use super::payload::Contents;
use super::refusal::Refusal;
use crate::changelog::Change;
use crate::schema::{self, FieldKind, FieldSpec, NAME_MAX, NOTE_MAX};
use crate::validate;

/// Longest device name accepted, in characters.
pub const DEVICE_NAME_MAX: usize = 64;

/// Checks a device name: at most [`DEVICE_NAME_MAX`] characters, no control characters.
pub fn device_name_problem(name: &str) -> Option<String> {
    if name.chars().count() > DEVICE_NAME_MAX {
        return Some(format!(
            "nom d'appareil trop long ({DEVICE_NAME_MAX} caractères au plus)"
        ));
    }
    if name.chars().any(char::is_control) {
        return Some("nom d'appareil avec des caractères de contrôle".into());
    }
    None
}

/// Checks a format-2 payload found as segment of `device`.
pub(crate) fn check_contents(contents: &Contents, device: Uuid) -> Result<(), Refusal> {
    if let Some(problem) = contents.name.as_deref().and_then(device_name_problem) {
        return Err(Refusal::DeviceName(problem));
    }
    let sealed: u64 = contents.blocks.iter().map(|b| b.count).sum();
    if contents.count != contents.changes.len() as u64 + contents.withheld + sealed {
        return Err(Refusal::CountWrong);
    }
    check_changes(&contents.changes, device, &contents.former)
}

/// Checks received changes: authors and values.
pub(crate) fn check_changes(
    changes: &[Change],
    device: Uuid,
    former: &[Uuid],
) -> Result<(), Refusal> {
    for change in changes {
        let author = change.hlc.device;
        if author != device && !former.contains(&author) {
            return Err(Refusal::ForeignAuthor);
        }
        if change.prev.is_some_and(|prev| prev >= change.hlc) {
            return Err(Refusal::ReplacesNewer);
        }
        if let Some(problem) = stored_value_problem(field_spec(change), &change.value) {
            return Err(Refusal::InvalidValue {
                label: schema::field_label(change.field),
                problem,
            });
        }
    }
    Ok(())
}

fn field_spec(change: &Change) -> &'static FieldSpec {
    schema::field_of(change.entity, change.field).unwrap_or(&schema::DELETED)
}

/// Why `value` is not something a local write could have stored in `field`; `None` if it is.
/// Also what `carnet check` applies to every stored value.
pub fn stored_value_problem(field: &FieldSpec, value: &Value) -> Option<&'static str> {
    let text = match value {
        Value::Null => {
            return field.required.then_some("valeur obligatoire absente");
        }
        Value::Real(_) | Value::Blob(_) => return Some("type de valeur inattendu"),
        Value::Integer(i) => {
            return match field.kind {
                FieldKind::Bool if *i == 0 || *i == 1 => None,
                FieldKind::Int { min, max } if (min..=max).contains(i) => None,
                FieldKind::Bool | FieldKind::Int { .. } => Some("nombre hors limites"),
                _ => Some("type de valeur inattendu"),
            };
        }
        Value::Text(text) => text.as_str(),
    };
    // Each check accepts exactly what the local write path stores (`record::field_value`),
    // without building the normalised text when the shape already says it is canonical: this
    // runs on every received change.
    let canonical = |normalised: Option<String>| normalised.as_deref() == Some(text);
    let ok = match field.kind {
        FieldKind::Int { .. } | FieldKind::Bool => return Some("type de valeur inattendu"),
        FieldKind::Text => short_enough(text, NAME_MAX) && text.trim() == text && !text.is_empty(),
        FieldKind::Note => {
            short_enough(text, NOTE_MAX) && text.trim_end() == text && !text.is_empty()
        }
        FieldKind::Long { max } => {
            short_enough(text, max) && text.trim() == text && !text.is_empty()
        }
        FieldKind::Date => {
            let b = text.as_bytes();
            b.len() == 10
                && b.iter().enumerate().all(|(i, c)| {
                    if i == 4 || i == 7 {
                        *c == b'-'
                    } else {
                        c.is_ascii_digit()
                    }
                })
                && validate::date("date", text).is_ok()
        }
        FieldKind::Time => text.len() == 5 && canonical(validate::time("time", text).ok()),
        FieldKind::Enum(codes) => codes.iter().any(|(code, _)| *code == text),
        FieldKind::Ref(_) => {
            text.len() == 36
                && !text.bytes().any(|c| c.is_ascii_uppercase())
                && Uuid::try_parse(text).is_ok()
        }
        FieldKind::Phone => {
            french_phone_shape(text) || canonical(validate::phone("phone", text).ok())
        }
        FieldKind::Email => canonical(validate::email("email", text).ok()),
        FieldKind::Siret => canonical(validate::siret("siret", text).ok()),
    };
    (!ok).then_some(match field.kind {
        FieldKind::Text | FieldKind::Note | FieldKind::Long { .. } => {
            "texte vide, mal rogné ou trop long"
        }
        FieldKind::Date => "date invalide",
        FieldKind::Time => "heure invalide",
        FieldKind::Enum(_) => "valeur inconnue",
        FieldKind::Ref(_) => "identifiant mal formé",
        FieldKind::Phone => "téléphone mal formé",
        FieldKind::Email => "e-mail mal formé",
        FieldKind::Siret => "SIRET invalide",
        FieldKind::Int { .. } | FieldKind::Bool => "type de valeur inattendu",
    })
}

/// `0d dd dd dd dd` with a non-zero second digit: the stored form of a French number.
fn french_phone_shape(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 14
        && b[0] == b'0'
        && (b'1'..=b'9').contains(&b[1])
        && b.iter().enumerate().all(|(i, c)| {
            if i % 3 == 2 {
                *c == b' '
            } else {
                c.is_ascii_digit()
            }
        })
}

fn short_enough(text: &str, max: usize) -> bool {
    // Bytes bound characters from above: the common case needs no counting.
    text.len() <= max || text.chars().count() <= max
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_canonical_stored_forms_pass() {
        let p = &schema::PERSON;
        let field = |n: &str| schema::field_of(p, n).unwrap();
        let ok = |f: &str, v: Value| stored_value_problem(field(f), &v).is_none();
        assert!(ok("birth_date", Value::Text("1990-03-07".into())));
        assert!(!ok("birth_date", Value::Text("pas une date".into())));
        assert!(!ok("birth_date", Value::Integer(3)));
        assert!(ok("gender", Value::Text("female".into())));
        assert!(!ok("gender", Value::Text("robot".into())));
        assert!(!ok("note", Value::Text("x".repeat(NOTE_MAX + 1))));
        assert!(ok("phone", Value::Text("06 12 34 56 78".into())));
        assert!(!ok("phone", Value::Text("0612345678".into())));
        assert!(!ok("first_name", Value::Null));
        assert!(ok("lives_in_qpv", Value::Integer(1)));
        assert!(!ok("lives_in_qpv", Value::Integer(2)));
        assert!(!ok("first_name", Value::Real(1.5)));
        assert!(!ok("first_name", Value::Text(" Nour".into())));
        assert!(
            ok("deleted", Value::Integer(0))
                || stored_value_problem(&schema::DELETED, &Value::Integer(0)).is_none()
        );
        assert!(device_name_problem("Portable\u{1b}[31m").is_some());
        assert!(device_name_problem(&"x".repeat(65)).is_some());
        assert!(device_name_problem("Portable Sarah").is_none());
    }
}
