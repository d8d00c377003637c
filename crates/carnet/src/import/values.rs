//! Reading cell values as people type them in a spreadsheet: dates (`03/07/1985`, `3/7/85`,
//! `1985-07-03`, serial numbers), phones (spaces, dots, `+33`, the leading 0 a spreadsheet
//! dropped), genders (`F`, `Mme`, `Monsieur`…), yes/no (`oui`, `x`, `1`…), quartiers and
//! partners with or without accents and case, situations and outcomes in everyday words.
//!
//! What is guaranteed: a value is either understood, or refused with a French sentence that
//! quotes it ("« 31/02/1990 » n'est pas une date"), or — for words that have no code in
//! Carnet (a situation "RSA", a gender "?") — reported as [`Reading::Note`] so that it is kept
//! in the person's note rather than lost or guessed.

use chrono::NaiveDate;

use crate::import::table::{Cell, serial_date};
use crate::search_key::fold;

/// What a cell says, for a column with a closed list of codes.
#[derive(Debug, Clone, PartialEq)]
pub enum Reading<T> {
    Empty,
    Value(T),
    /// Not one of Carnet's codes: kept in the note as typed.
    Note(String),
}

/// A value quoted in a message: trimmed, at most 40 characters.
pub fn quoted(text: &str) -> String {
    let text = text.trim();
    let mut short: String = text.chars().take(40).collect();
    if text.chars().count() > 40 {
        short.push('…');
    }
    format!("« {short} »")
}

/// A date: a date cell, a serial number, or text as [`crate::validate::date_as_typed`] reads
/// it (`03/07/1985`, `3/7/85`, `1985-07-03`…).
pub fn date(cell: &Cell, today: NaiveDate) -> Result<Option<NaiveDate>, String> {
    let text = match cell {
        Cell::Empty => return Ok(None),
        Cell::Date(d) => return Ok(Some(*d)),
        Cell::Number(n) if n.fract() == 0.0 => {
            return serial_date(*n)
                .map(Some)
                .ok_or_else(|| format!("{} n'est pas une date", quoted(&cell.text())));
        }
        other => other.text(),
    };
    if text.is_empty() {
        return Ok(None);
    }
    // A serial number kept as text (a CSV saved from a column of dates shown as numbers).
    if text.len() == 5
        && text.bytes().all(|b| b.is_ascii_digit())
        && let Some(d) = text.parse::<f64>().ok().and_then(serial_date)
    {
        return Ok(Some(d));
    }
    // A date with a time ("03/07/1985 00:00", "1985-07-03T00:00:00").
    let day_part = text
        .split(['T', ' '])
        .next()
        .filter(|d| d.len() >= 6 && text.contains(':'))
        .unwrap_or(&text);
    match crate::validate::date_as_typed("date", day_part, today) {
        Ok(d) => Ok(Some(d)),
        Err(crate::Error::DateDoesNotExist { value, .. }) => Err(format!(
            "{} n'est pas une date (le {value} n'existe pas)",
            quoted(&text)
        )),
        Err(_) => Err(format!("{} n'est pas une date", quoted(&text))),
    }
}

/// A phone number in Carnet's form (`06 12 34 56 78`); a French number whose leading 0 the
/// spreadsheet dropped (`612345678`) gets it back.
pub fn phone(cell: &Cell) -> Result<Option<String>, String> {
    let text = cell.text();
    if text.is_empty() {
        return Ok(None);
    }
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let only_digits_and_spaces = text
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '.' | '-' | '\u{a0}'));
    let candidate = if only_digits_and_spaces && digits.len() == 9 && !digits.starts_with('0') {
        format!("0{digits}")
    } else {
        text.clone()
    };
    crate::validate::phone("phone", &candidate)
        .map(Some)
        .map_err(|_| format!("{} n'est pas un numéro de téléphone", quoted(&text)))
}

/// An e-mail address.
pub fn email(cell: &Cell) -> Result<Option<String>, String> {
    let text = cell.text();
    if text.is_empty() {
        return Ok(None);
    }
    crate::validate::email("email", &text)
        .map(Some)
        .map_err(|_| format!("{} n'est pas une adresse e-mail", quoted(&text)))
}

/// The words of `text`, folded (no accents, lower case), split on anything but letters and
/// digits.
pub(crate) fn words(text: &str) -> Vec<String> {
    fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// `female` or `male` from `F`, `Femme`, `Mme`, `Madame`, `H`, `M`, `Homme`, `Monsieur`, `Mr`…
pub fn gender(cell: &Cell) -> Reading<&'static str> {
    let text = cell.text();
    if text.is_empty() {
        return Reading::Empty;
    }
    match words(&text).join(" ").as_str() {
        "f" | "femme" | "mme" | "madame" | "mlle" | "mademoiselle" | "feminin" | "fille" => {
            Reading::Value("female")
        }
        "h" | "m" | "homme" | "monsieur" | "mr" | "masculin" | "garcon" => Reading::Value("male"),
        _ => Reading::Note(text),
    }
}

/// Yes or no from `oui`, `o`, `x`, `1`, `vrai`, `non`, `n`, `0`, `faux`… (and a checked box).
pub fn yes_no(cell: &Cell) -> Reading<bool> {
    match cell {
        Cell::Empty => return Reading::Empty,
        Cell::Bool(b) => return Reading::Value(*b),
        _ => {}
    }
    let text = cell.text();
    match words(&text).join(" ").as_str() {
        "" => Reading::Empty,
        "oui" | "o" | "x" | "1" | "vrai" | "yes" | "y" | "qpv" | "en qpv" => Reading::Value(true),
        "non" | "n" | "0" | "faux" | "no" | "hors qpv" => Reading::Value(false),
        _ => Reading::Note(text),
    }
}

/// A situation code from everyday words ("demandeuse d'emploi", "CDI", "étudiante"…).
pub fn situation(cell: &Cell) -> Reading<&'static str> {
    let text = cell.text();
    if text.is_empty() {
        return Reading::Empty;
    }
    let w = words(&text);
    let has = |word: &str| w.iter().any(|x| x.starts_with(word));
    let code = if has("demandeu")
        || has("chom")
        || w == ["de"]
        || (has("sans") && w.iter().any(|x| x == "emploi"))
    {
        Some("job_seeker")
    } else if has("salari") || has("cdi") || has("cdd") || has("interim") || w == ["emploi"] {
        Some("employed")
    } else if has("etudiant") || has("formation") || has("stagiaire") || has("lyceen") {
        Some("student")
    } else if has("inacti") || (has("sans") && has("activite")) || has("foyer") {
        Some("inactive")
    } else if w == ["autre"] {
        Some("other")
    } else {
        None
    };
    code.map_or(Reading::Note(text), Reading::Value)
}

/// What a situation's words say of the benefits Carnet records: (receives the RSA, registered
/// with France Travail — "Pôle emploi" included).
pub fn benefits(cell: &Cell) -> (bool, bool) {
    let w = words(&cell.text());
    let has = |word: &str| w.iter().any(|x| x == word);
    let rsa = has("rsa");
    let france_travail = (has("pole") && has("emploi")) || (has("france") && has("travail"));
    (rsa, france_travail)
}

/// How a person left the programme, from "création", "emploi", "CDI", "formation",
/// "abandon"…; "en cours", "non", "-" are no outcome.
pub fn outcome(cell: &Cell) -> Reading<&'static str> {
    let text = cell.text();
    let w = words(&text);
    if w.is_empty()
        || matches!(
            w.join(" ").as_str(),
            "en cours" | "non" | "aucune" | "aucun"
        )
    {
        return Reading::Empty;
    }
    let has = |word: &str| w.iter().any(|x| x.starts_with(word));
    let code = if has("creat") || has("cree") || has("entreprise") || has("immatricul") {
        Some("business_created")
    } else if has("formation") {
        Some("training")
    } else if has("emploi") || has("cdi") || has("cdd") || has("embauch") || has("interim") {
        Some("job")
    } else if has("abandon") || has("arret") || has("stop") {
        Some("stopped")
    } else {
        None
    };
    code.map_or(Reading::Note(text), Reading::Value)
}

/// Where the first contact took place, from the encounter kinds' names or everyday words.
pub fn contact_kind(cell: &Cell) -> Reading<&'static str> {
    let text = cell.text();
    if text.is_empty() {
        return Reading::Empty;
    }
    let w = words(&text);
    let has = |word: &str| w.iter().any(|x| x.starts_with(word));
    let code = if has("marche") {
        Some("market")
    } else if has("snack") || has("restaura") {
        Some("snack_bar")
    } else if has("permanence") {
        Some("permanence_visit")
    } else if has("tel") || has("appel") {
        Some("phone")
    } else if has("reseau") || has("facebook") || has("instagram") || has("whatsapp") {
        Some("social_network")
    } else if has("forum") || has("salon") || has("evenement") || has("partenaire") {
        Some("partner_event")
    } else if has("rue") || has("pied") || has("porte") {
        Some("street")
    } else if has("entretien") || has("rdv") || has("rendez") || has("bureau") {
        Some("interview")
    } else {
        None
    };
    code.map_or(Reading::Note(text), Reading::Value)
}

/// A name folded for matching quartiers and partners: words without accents, case, or the
/// articles that are written or not ("La Petite-Hollande" is "petite hollande").
pub fn name_key(text: &str) -> String {
    words(text)
        .into_iter()
        .filter(|w| {
            !matches!(
                w.as_str(),
                "la" | "le" | "les" | "l" | "de" | "du" | "des" | "d"
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Splits "NOM Prénom" (or "Prénom NOM") into (first name, last name): the words in capitals
/// are the family name; with none or all in capitals, the first word is.
pub fn split_full_name(text: &str) -> (String, String) {
    let parts: Vec<&str> = text.split_whitespace().collect();
    let is_upper =
        |w: &&str| w.chars().any(char::is_alphabetic) && w.chars().all(|c| !c.is_lowercase());
    let upper: Vec<&str> = parts.iter().copied().filter(is_upper).collect();
    if !upper.is_empty() && upper.len() < parts.len() {
        let first: Vec<&str> = parts.iter().copied().filter(|w| !is_upper(w)).collect();
        return (first.join(" "), upper.join(" "));
    }
    match parts.split_first() {
        Some((last, rest)) => (rest.join(" "), last.to_string()),
        None => (String::new(), String::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(t: &str) -> Cell {
        Cell::Text(t.into())
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
    }

    #[test]
    fn dates_as_people_type_them() {
        let expected = NaiveDate::from_ymd_opt(1985, 7, 3);
        for cell in [
            text("03/07/1985"),
            text("3/7/85"),
            text("1985-07-03"),
            text("03/07/1985 00:00"),
            text("31231"),
            Cell::Number(31231.0),
            Cell::Date(expected.unwrap()),
        ] {
            assert_eq!(date(&cell, today()), Ok(expected), "{cell:?}");
        }
        assert_eq!(date(&text(" "), today()), Ok(None));
        assert_eq!(
            date(&text("31/02/1990"), today()),
            Err("« 31/02/1990 » n'est pas une date (le 31 février 1990 n'existe pas)".into())
        );
        assert_eq!(
            date(&text("vers 1990"), today()),
            Err("« vers 1990 » n'est pas une date".into())
        );
    }

    #[test]
    fn phones_with_spaces_dots_prefix_or_a_lost_zero() {
        for cell in [
            text("06 12 34 56 78"),
            text("06.12.34.56.78"),
            text("+33 6 12 34 56 78"),
            text("612345678"),
            Cell::Number(612345678.0),
        ] {
            assert_eq!(phone(&cell), Ok(Some("06 12 34 56 78".into())), "{cell:?}");
        }
        assert!(phone(&text("pas de tél")).is_err());
        assert_eq!(phone(&Cell::Empty), Ok(None));
    }

    #[test]
    fn genders_yes_no_situations_and_outcomes_in_everyday_words() {
        for (typed, code) in [("F", "female"), ("Mme", "female"), ("Monsieur", "male")] {
            assert_eq!(gender(&text(typed)), Reading::Value(code));
        }
        assert_eq!(gender(&text("M")), Reading::Value("male"));
        assert_eq!(gender(&text("?")), Reading::Note("?".into()));
        assert_eq!(yes_no(&text("x")), Reading::Value(true));
        assert_eq!(yes_no(&text("Non")), Reading::Value(false));
        assert_eq!(yes_no(&Cell::Empty), Reading::Empty);
        assert_eq!(
            situation(&text("Demandeuse d'emploi")),
            Reading::Value("job_seeker")
        );
        assert_eq!(situation(&text("CDI")), Reading::Value("employed"));
        assert_eq!(situation(&text("RSA")), Reading::Note("RSA".into()));
        assert_eq!(benefits(&text("RSA, inscrite à Pôle emploi")), (true, true));
        assert_eq!(benefits(&text("Salariée")), (false, false));
        assert_eq!(
            outcome(&text("Création micro")),
            Reading::Value("business_created")
        );
        assert_eq!(outcome(&text("En cours")), Reading::Empty);
    }

    #[test]
    fn where_the_first_contact_took_place_in_everyday_words() {
        for (typed, code) in [
            ("Marché des Buis", "market"),
            ("Permanence CS Petite-Hollande", "permanence_visit"),
            ("Tél.", "phone"),
            ("Facebook", "social_network"),
            ("Forum création", "partner_event"),
            ("RDV au bureau", "interview"),
            ("Snack", "snack_bar"),
            ("Porte-à-porte", "street"),
        ] {
            assert_eq!(contact_kind(&text(typed)), Reading::Value(code), "{typed}");
        }
        assert_eq!(
            contact_kind(&text("Bouche à oreille")),
            Reading::Note("Bouche à oreille".into())
        );
        assert_eq!(contact_kind(&Cell::Empty), Reading::Empty);
    }

    #[test]
    fn full_names_capitals_first_or_last() {
        assert_eq!(
            split_full_name("BEN ALI Mohamed"),
            ("Mohamed".into(), "BEN ALI".into())
        );
        assert_eq!(
            split_full_name("Awa DIALLO"),
            ("Awa".into(), "DIALLO".into())
        );
        assert_eq!(
            split_full_name("Haddad Inès"),
            ("Inès".into(), "Haddad".into())
        );
        assert_eq!(name_key("La Petite-Hollande"), "petite hollande");
    }
}
