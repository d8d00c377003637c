//! A record read straight from the values of its stored row.
//!
//! Why: every list the window shows (a search's page, a timeline, the referrals) turns rows
//! into typed records, and going through a JSON object — each value copied into a
//! `serde_json::Value`, each field name into a `String` key of a `BTreeMap`, then the object
//! deserialised — cost as much as the query itself for a search's page of fifty persons. This
//! deserialiser hands the record's `Deserialize` the field names and the borrowed SQL values
//! directly.
//!
//! What is guaranteed: a row decodes to the very record, or fails exactly when, the JSON form
//! [`sql_to_json`](crate::record::sql_to_json) gives it would (`NULL`, a blob and a real that
//! is not finite read as JSON's `null`; an integer of a [`FieldKind::Bool`] field as a boolean;
//! an integer as JSON's number, unsigned when it is not negative; text as a string, and as an
//! enum's unit variant; text that is not UTF-8 refused). A property test compares the two on
//! arbitrary rows.

use std::marker::PhantomData;

use rusqlite::types::ValueRef;
use serde::de::value::{MapDeserializer, StrDeserializer};
use serde::de::{self, DeserializeOwned, Deserializer, IntoDeserializer, Visitor};

use crate::schema::{FieldKind, FieldSpec};

/// Deserialises a record from its fields' stored values, in catalogue order.
pub(crate) fn decode<'v, T: DeserializeOwned>(
    fields: &'static [FieldSpec],
    values: impl Iterator<Item = ValueRef<'v>>,
) -> Result<T, de::value::Error> {
    let pairs = fields.iter().zip(values).map(|(field, value)| {
        (
            field.name,
            Stored {
                kind: field.kind,
                value,
                error: PhantomData,
            },
        )
    });
    T::deserialize(MapDeserializer::new(pairs))
}

/// One stored value and the kind of its field.
struct Stored<'v, E> {
    kind: FieldKind,
    value: ValueRef<'v>,
    error: PhantomData<E>,
}

impl<E> Stored<'_, E> {
    /// Whether the JSON form of this value is `null`.
    fn is_null(&self) -> bool {
        match self.value {
            ValueRef::Null | ValueRef::Blob(_) => true,
            ValueRef::Real(r) => !r.is_finite(),
            ValueRef::Integer(_) | ValueRef::Text(_) => false,
        }
    }
}

/// Text as stored: UTF-8, or a row that cannot be read (as rusqlite refuses to read it into a
/// `String`; the write path only ever stores Rust strings).
fn text<E: de::Error>(bytes: &[u8]) -> Result<&str, E> {
    std::str::from_utf8(bytes).map_err(|_| E::custom("invalid UTF-8"))
}

impl<'de, E: de::Error> IntoDeserializer<'de, E> for Stored<'_, E> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

impl<'de, E: de::Error> Deserializer<'de> for Stored<'_, E> {
    type Error = E;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        match self.value {
            ValueRef::Null | ValueRef::Blob(_) => visitor.visit_unit(),
            ValueRef::Integer(i) if self.kind == FieldKind::Bool => visitor.visit_bool(i != 0),
            ValueRef::Integer(i) => match u64::try_from(i) {
                Ok(u) => visitor.visit_u64(u),
                Err(_) => visitor.visit_i64(i),
            },
            ValueRef::Real(r) if r.is_finite() => visitor.visit_f64(r),
            ValueRef::Real(_) => visitor.visit_unit(),
            ValueRef::Text(bytes) => visitor.visit_str(text(bytes)?),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        if self.is_null() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, E> {
        match self.value {
            ValueRef::Text(bytes) => {
                let variant: StrDeserializer<'_, E> = text(bytes)?.into_deserializer();
                variant.deserialize_enum(name, variants, visitor)
            }
            _ if self.is_null() => Err(de::Error::invalid_type(de::Unexpected::Unit, &visitor)),
            ValueRef::Integer(i) if self.kind == FieldKind::Bool => Err(de::Error::invalid_type(
                de::Unexpected::Bool(i != 0),
                &visitor,
            )),
            _ => Err(de::Error::invalid_type(
                de::Unexpected::Other("number"),
                &visitor,
            )),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, E> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use rusqlite::types::Value;
    use serde_json::Value as Json;

    use super::decode;
    use crate::record::{Record, sql_to_json};
    use crate::schema::{FieldKind, FieldSpec};

    /// What reading a row did before this module: its JSON object, deserialised. Both sides
    /// give the record as JSON so that any record can be compared.
    fn through_json<T: Record>(values: &[Value]) -> Option<Json> {
        let map = T::SPEC
            .fields
            .iter()
            .zip(values)
            .map(|(field, value)| (field.name.to_string(), sql_to_json(field.kind, value)))
            .collect();
        let record: T = serde_json::from_value(Json::Object(map)).ok()?;
        serde_json::to_value(record).ok()
    }

    fn direct<T: Record>(values: &[Value]) -> Option<Json> {
        let record: T = decode(T::SPEC.fields, values.iter().map(Into::into)).ok()?;
        serde_json::to_value(record).ok()
    }

    fn text(s: &str) -> Value {
        Value::Text(s.to_string())
    }

    /// What the write path stores in a field of this kind.
    fn well_formed(field: &FieldSpec) -> BoxedStrategy<Value> {
        let values = match field.kind {
            FieldKind::Text | FieldKind::Note | FieldKind::Long { .. } => {
                vec![text("Éloïse"), text("a\nb"), text("Benali")]
            }
            FieldKind::Date => vec![text("2024-02-29"), text("1990-01-05")],
            FieldKind::Time => vec![text("09:30")],
            FieldKind::Int { min, max } => vec![Value::Integer(min), Value::Integer(max)],
            FieldKind::Bool => vec![Value::Integer(0), Value::Integer(1)],
            FieldKind::Enum(codes) => codes.iter().map(|(code, _)| text(code)).collect(),
            FieldKind::Ref(_) => vec![text("3f2504e0-4f89-41d3-9a0c-0305e82c3301")],
            FieldKind::Phone => vec![text("06 12 34 56 78")],
            FieldKind::Email => vec![text("a@exemple.fr")],
            FieldKind::Siret => vec![text("73282932000074")],
        };
        if field.required {
            proptest::sample::select(values).boxed()
        } else {
            prop_oneof![Just(Value::Null), proptest::sample::select(values)].boxed()
        }
    }

    /// What it never stores: a blob, reals, text where a number is expected and numbers where
    /// text is, dates and ids out of form.
    fn malformed() -> BoxedStrategy<Value> {
        proptest::sample::select(vec![
            Value::Integer(i64::MIN),
            Value::Integer(-1),
            Value::Integer(2),
            Value::Integer(i64::MAX),
            Value::Real(0.5),
            Value::Real(-2.0),
            Value::Real(f64::INFINITY),
            Value::Real(f64::NAN),
            Value::Blob(vec![1, 2, 3]),
            text(""),
            text(" 2024-01-05 "),
            text("2023-02-29"),
            text("1"),
            text("true"),
            text("3F2504E0-4F89-41D3-9A0C-0305E82C3301"),
            text("3f2504e0"),
        ])
        .boxed()
    }

    fn row_of(fields: &'static [FieldSpec]) -> impl Strategy<Value = Vec<Value>> {
        fields
            .iter()
            .map(|field| prop_oneof![30 => well_formed(field), 1 => malformed()])
            .collect::<Vec<_>>()
    }

    /// One property per record type: the same record, or a failure on both sides.
    macro_rules! reads_as_through_json {
        ($($name:ident: $record:ty,)*) => {
            proptest! {
                #![proptest_config(ProptestConfig::with_cases(300))]
                $(
                    #[test]
                    fn $name(values in row_of(<$record as Record>::SPEC.fields)) {
                        prop_assert_eq!(direct::<$record>(&values), through_json::<$record>(&values));
                    }
                )*
            }
        };
    }

    reads_as_through_json! {
        a_person: crate::person::Person,
        an_encounter: crate::encounter::Encounter,
        a_referral: crate::referral::Referral,
        a_referral_event: crate::referral::ReferralEvent,
        an_officer: crate::officer::Officer,
        a_permanence: crate::permanence::Permanence,
        a_partner: crate::partner::Partner,
        a_consent: crate::consent::Consent,
        a_retention_extension: crate::retention::Extension,
        a_letter: crate::letter::Letter,
        a_letter_template: crate::letter::template::LetterTemplate,
        an_outcome: crate::outcome::Outcome,
        a_merge_pointer: crate::person_merge::MergePointer,
        a_not_duplicate_pair: crate::person_merge::NotDuplicate,
        a_meeting: crate::meeting::Meeting,
        an_attendance: crate::meeting::Attendance,
        an_erasure_order: crate::erasure::ErasureOrder,
        a_territory: crate::territory::Territory,
        a_quartier: crate::territory::Quartier,
        a_place: crate::territory::Place,
    }

    /// A text that is not UTF-8 is a row that cannot be read, not a name with its bytes
    /// replaced (rusqlite refused it too when the row was read into `Value`s).
    #[test]
    fn text_that_is_not_utf8_is_refused() {
        use rusqlite::types::ValueRef;
        let fields = crate::person::Person::SPEC.fields;
        let row = |first: &'static [u8]| {
            fields.iter().map(move |f| match f.name {
                "first_name" => ValueRef::Text(first),
                "last_name" => ValueRef::Text(b"Sy"),
                _ => ValueRef::Null,
            })
        };
        let read = decode::<crate::person::Person>(fields, row(b"Awa")).unwrap();
        assert_eq!(
            (read.first_name.as_str(), read.last_name.as_str()),
            ("Awa", "Sy")
        );
        assert!(decode::<crate::person::Person>(fields, row(b"A\xffwa")).is_err());
    }

    /// The property's rows are neither all refused nor all read: many give a record.
    #[test]
    fn most_generated_rows_are_records() {
        use proptest::strategy::ValueTree;
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let strategy = row_of(crate::person::Person::SPEC.fields);
        let read = (0..200)
            .filter(|_| {
                let values = strategy.new_tree(&mut runner).map(|t| t.current());
                values.is_ok_and(|v| direct::<crate::person::Person>(&v).is_some())
            })
            .count();
        assert!(
            (40..190).contains(&read),
            "{read} rows of 200 read as persons"
        );
    }
}
