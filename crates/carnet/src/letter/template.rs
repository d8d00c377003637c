//! Letter templates: plain French text with named placeholders such as `{person.first_name}`.
//!
//! Why plain text and not a word-processor format: the officer edits templates in a text box
//! beside the list of placeholders, a template syncs as one field like any other, and the same
//! template with the same data always gives the same letter. The syntax is deliberately tiny:
//! `{name}` is replaced by a value, `{{` and `}}` write a brace, a blank line separates
//! paragraphs and a single line break is kept as is. A template is checked when it is saved:
//! an unknown placeholder or an unclosed brace is refused with a message that names it, so a
//! mistake never reaches a letter.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::record::{Entry, Record};
use crate::schema::{self, EntitySpec};
use crate::store::{Store, Writer};

/// A letter template as stored and synced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LetterTemplate {
    pub name: String,
    /// The kind of partner this template is the default for (`microcredit`, `support`…);
    /// `None` for the generic letter.
    pub partner_kind: Option<String>,
    pub subject: String,
    pub body: String,
}

impl Record for LetterTemplate {
    const SPEC: &'static EntitySpec = &schema::LETTER_TEMPLATE;

    fn check(&self, _today: chrono::NaiveDate) -> Result<()> {
        parse(&self.subject, "subject")?;
        parse(&self.body, "body")?;
        Ok(())
    }
}

impl LetterTemplate {
    /// A short fingerprint of the template's text: letters record it so that a letter made
    /// from an older version of a template can be told apart.
    pub fn version(&self) -> String {
        let mut hash = Sha256::new();
        hash.update(self.subject.as_bytes());
        hash.update([0]);
        hash.update(self.body.as_bytes());
        hash.finalize()[..6]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// Every placeholder a template may use, with its French description (shown beside the
/// editor and in `docs/letters.md`).
pub const PLACEHOLDERS: &[(&str, &str)] = &[
    ("person.first_name", "Prénom de la personne orientée"),
    ("person.last_name", "Nom de la personne orientée"),
    ("person.full_name", "Prénom et nom de la personne orientée"),
    (
        "person.civility",
        "« Madame » ou « Monsieur » selon le genre, sinon vide",
    ),
    ("person.phone", "Téléphone de la personne"),
    ("person.email", "E-mail de la personne"),
    (
        "person.address",
        "Adresse complète de la personne, sur une ligne",
    ),
    (
        "person.project",
        "Intitulé du projet (à défaut : « création d’activité »)",
    ),
    ("person.project_sector", "Secteur du projet"),
    ("partner.name", "Nom du partenaire"),
    ("partner.contact_name", "Contact chez le partenaire"),
    ("partner.address", "Adresse du partenaire"),
    ("partner.postcode", "Code postal du partenaire"),
    ("partner.city", "Ville du partenaire"),
    ("referral.need", "Besoin identifié (en minuscules)"),
    ("referral.detail", "Précisions sur le besoin"),
    (
        "referral.date",
        "Date de l’orientation (« 23 novembre 2026 »)",
    ),
    ("officer.name", "Votre nom"),
    ("officer.title", "Votre fonction"),
    ("officer.structure", "Votre structure"),
    ("officer.phone", "Votre téléphone"),
    ("officer.email", "Votre e-mail"),
    ("officer.city", "Ville de votre bureau"),
    ("officer.signature", "Votre formule de signature"),
    ("letter.date", "Date de la lettre (« 23 novembre 2026 »)"),
];

/// One piece of a parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece<'a> {
    Text(std::borrow::Cow<'a, str>),
    Placeholder(&'static str),
}

/// Splits `text` into literal text and known placeholders; `field` names the template field
/// for the error message.
pub fn parse<'a>(text: &'a str, field: &'static str) -> Result<Vec<Piece<'a>>> {
    let mut pieces = Vec::new();
    let mut literal = String::new();
    let mut rest = text;
    while let Some(pos) = rest.find(['{', '}']) {
        literal.push_str(&rest[..pos]);
        let tail = &rest[pos..];
        if let Some(after) = tail.strip_prefix("{{") {
            literal.push('{');
            rest = after;
        } else if let Some(after) = tail.strip_prefix("}}") {
            literal.push('}');
            rest = after;
        } else if let Some(after) = tail.strip_prefix('}') {
            // A lone closing brace is harmless: keep it as text.
            literal.push('}');
            rest = after;
        } else {
            let inner = &tail[1..];
            let end = inner
                .find(['}', '{', '\n'])
                .filter(|&i| inner.as_bytes()[i] == b'}')
                .ok_or(Error::UnclosedPlaceholder { field })?;
            let name = inner[..end].trim();
            let known = PLACEHOLDERS
                .iter()
                .find(|(n, _)| *n == name)
                .ok_or_else(|| Error::UnknownPlaceholder {
                    field,
                    name: name.chars().take(60).collect(),
                })?;
            if !literal.is_empty() {
                pieces.push(Piece::Text(std::mem::take(&mut literal).into()));
            }
            pieces.push(Piece::Placeholder(known.0));
            rest = &inner[end + 1..];
        }
    }
    literal.push_str(rest);
    if !literal.is_empty() {
        pieces.push(Piece::Text(literal.into()));
    }
    Ok(pieces)
}

/// Replaces every placeholder of `text` by its value (an absent value gives an empty text),
/// with French elision before a value that starts with a vowel: "Orientation de {…}" gives
/// "Orientation d’Inès", "que {…}" gives "qu’Abdoulaye".
pub fn fill(text: &str, field: &'static str, values: &BTreeMap<String, String>) -> Result<String> {
    let mut out = String::with_capacity(text.len() + 256);
    for piece in parse(text, field)? {
        match piece {
            Piece::Text(t) => out.push_str(&t),
            Piece::Placeholder(name) => {
                let value = values.get(name).map(String::as_str).unwrap_or("");
                elide_before(&mut out, value);
                out.push_str(value);
            }
        }
    }
    Ok(out)
}

/// Turns a final "de " or "que " (a whole word) into "d’" or "qu’" when `next` starts with a
/// vowel. A name starting with h or y keeps "de" (usage varies; "de" is never wrong).
fn elide_before(out: &mut String, next: &str) {
    const VOWELS: &str = "aàâäeéèêëiîïoôöuùûüAÀÂÄEÉÈÊËIÎÏOÔÖUÙÛÜ";
    if !next.chars().next().is_some_and(|c| VOWELS.contains(c)) {
        return;
    }
    for word in ["de ", "De ", "que ", "Que "] {
        if let Some(before) = out.strip_suffix(word)
            && !before
                .chars()
                .next_back()
                .is_some_and(char::is_alphanumeric)
        {
            let keep = before.len() + word.len() - 2;
            out.truncate(keep);
            out.push('’');
            return;
        }
    }
}

/// The default templates shipped in `assets/letters`, with their file stem as key.
const DEFAULTS: &[(&str, &str)] = &[
    ("adie", include_str!("../../../../assets/letters/adie.txt")),
    ("bge", include_str!("../../../../assets/letters/bge.txt")),
    (
        "france-travail",
        include_str!("../../../../assets/letters/france-travail.txt"),
    ),
    (
        "financement",
        include_str!("../../../../assets/letters/financement.txt"),
    ),
    (
        "generique",
        include_str!("../../../../assets/letters/generique.txt"),
    ),
];

/// Reads a default template file: `nom:`, optional `partenaire:` and `objet:` header lines,
/// a `---` line, then the body.
fn read_default(text: &str) -> Option<LetterTemplate> {
    let (header, body) = text.split_once("\n---\n")?;
    let mut name = None;
    let mut kind = None;
    let mut subject = None;
    for line in header.lines() {
        let (key, value) = line.split_once(':')?;
        let value = value.trim().to_string();
        match key.trim() {
            "nom" => name = Some(value),
            "partenaire" => kind = Some(value),
            "objet" => subject = Some(value),
            _ => return None,
        }
    }
    Some(LetterTemplate {
        name: name?,
        partner_kind: kind,
        subject: subject?,
        body: body.trim_end().to_string(),
    })
}

/// The templates a new notebook starts with, keyed by file stem.
pub fn default_templates() -> Vec<(&'static str, LetterTemplate)> {
    DEFAULTS
        .iter()
        .filter_map(|(key, text)| read_default(text).map(|t| (*key, t)))
        .collect()
}

/// Adds the default templates with the same ids on every device, so two devices that both
/// start a notebook do not end up with each template twice after sync. Templates that exist
/// already are left as the officer edited them.
pub fn seed_templates(w: &mut Writer<'_>) -> Result<Vec<Uuid>> {
    let mut ids = Vec::new();
    for (key, template) in default_templates() {
        let id = crate::content_id::of(&["letter_template", key]);
        if w.get::<LetterTemplate>(id).is_err() {
            w.create_with_id(id, &template)?;
        }
        ids.push(id);
    }
    Ok(ids)
}

/// Live templates, by name.
pub fn templates(store: &Store) -> Result<Vec<Entry<LetterTemplate>>> {
    store.select::<LetterTemplate>("ORDER BY name, id", [])
}

/// The template to propose for a partner of `partner_kind`: the first one made for that kind,
/// else the generic one (no kind), else any.
pub fn for_partner_kind(
    store: &Store,
    partner_kind: &str,
) -> Result<Option<Entry<LetterTemplate>>> {
    let all = templates(store)?;
    let pick = all
        .iter()
        .position(|t| t.data.partner_kind.as_deref() == Some(partner_kind))
        .or_else(|| all.iter().position(|t| t.data.partner_kind.is_none()))
        .or(if all.is_empty() { None } else { Some(0) });
    Ok(pick.map(|i| all[i].clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> BTreeMap<String, String> {
        BTreeMap::from([
            ("person.first_name".to_string(), "Éloïse".to_string()),
            ("partner.name".to_string(), "ADIE".to_string()),
        ])
    }

    #[test]
    fn placeholders_are_replaced_and_braces_escaped() {
        let text = "Bonjour {person.first_name}, {{voir}} {partner.name}}";
        assert_eq!(
            fill(text, "body", &values()).unwrap(),
            "Bonjour Éloïse, {voir} ADIE}"
        );
    }

    #[test]
    fn unknown_placeholder_is_refused_with_its_name() {
        let err = parse("Cher {person.prenom},", "body").unwrap_err();
        assert_eq!(err.kind(), "unknown_placeholder");
        assert_eq!(err.field(), Some("body"));
        assert!(err.to_string().contains("{person.prenom}"), "{err}");
    }

    #[test]
    fn unclosed_placeholder_is_refused() {
        for text in [
            "Bonjour {person.first_name",
            "Bonjour {person\n.first_name}",
            "{a{b}",
        ] {
            let err = parse(text, "subject").unwrap_err();
            assert_eq!(err.kind(), "unclosed_placeholder", "{text}");
        }
    }

    #[test]
    fn every_default_template_parses() {
        let defaults = default_templates();
        assert_eq!(defaults.len(), DEFAULTS.len());
        for (key, t) in defaults {
            parse(&t.subject, "subject").unwrap_or_else(|e| panic!("{key}: {e}"));
            parse(&t.body, "body").unwrap_or_else(|e| panic!("{key}: {e}"));
            if let Some(kind) = &t.partner_kind {
                assert!(
                    schema::PARTNER_KIND.iter().any(|(c, _)| c == kind),
                    "{key}: {kind}"
                );
            }
        }
    }

    #[test]
    fn the_documentation_lists_every_placeholder() {
        let doc = include_str!("../../../../docs/letters.md");
        for (name, description) in PLACEHOLDERS {
            assert!(
                doc.contains(&format!("| `{{{name}}}` | {description} |")),
                "docs/letters.md: {name}"
            );
        }
    }

    #[test]
    fn version_changes_with_the_text() {
        let (_, t) = default_templates().remove(0);
        let mut edited = t.clone();
        edited.body.push('.');
        assert_ne!(t.version(), edited.version());
        assert_eq!(t.version(), t.clone().version());
    }

    #[test]
    fn de_and_que_are_elided_before_a_vowel_only() {
        let fill_with = |text: &str, name: &str| {
            let mut values = BTreeMap::new();
            values.insert("person.full_name".to_string(), name.to_string());
            fill(text, "body", &values).unwrap()
        };
        let t = "Orientation de {person.full_name}";
        assert_eq!(fill_with(t, "Inès Haddad"), "Orientation d’Inès Haddad");
        assert_eq!(
            fill_with(t, "Éloïse Ben Ali"),
            "Orientation d’Éloïse Ben Ali"
        );
        assert_eq!(fill_with(t, "Abdoulaye Sow"), "Orientation d’Abdoulaye Sow");
        assert_eq!(
            fill_with(t, "Karim Mansouri"),
            "Orientation de Karim Mansouri"
        );
        assert_eq!(fill_with(t, "Hakim Demir"), "Orientation de Hakim Demir");
        assert_eq!(fill_with(t, "Yanis Diallo"), "Orientation de Yanis Diallo");
        assert_eq!(
            fill_with("Je sais que {person.full_name}", "Awa Sy"),
            "Je sais qu’Awa Sy"
        );
        // Only the whole word: "garde {…}" stays.
        assert_eq!(fill_with("garde {person.full_name}", "Inès"), "garde Inès");
        assert_eq!(fill_with("{person.full_name}", "Inès"), "Inès");
    }
}
