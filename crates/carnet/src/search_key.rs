//! Accent-, case- and spacing-insensitive search keys for people.
//!
//! The officer types fast, on a laptop keyboard, often without accents: "eloise" must find
//! "Éloïse", "benali" must find "Ben Ali", "n'diaye" and "ndiaye" must find "N'Diaye",
//! "cakir" must find "Çakır". A person's key is computed by the write path whenever a name
//! changes and stored in `person.search_key`; a query is folded the same way and each of its
//! words must appear in the key. Folding decomposes characters (NFKD), drops combining marks,
//! maps the few letters that do not decompose (ß, œ, æ, ø, ł, ı, đ) and lowercases.

use unicode_normalization::char::{decompose_compatible, is_combining_mark};

/// Person fields the key is built from.
pub const SOURCE_FIELDS: &[&str] = &["first_name", "last_name", "email"];

/// Folds text to lowercase ASCII-like letters and digits; other characters become spaces.
///
/// Character by character: ASCII needs no decomposition, anything else is decomposed on its
/// own (the same characters as decomposing the whole text: NFKD only adds a reordering of
/// combining marks, which are dropped here). Names are mostly ASCII, and this runs for every
/// person an import brings.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            fold_char(c, &mut out);
        } else {
            decompose_compatible(c, |d| fold_char(d, &mut out));
        }
    }
    out
}

/// One decomposed character, folded into `out`.
fn fold_char(c: char, out: &mut String) {
    if is_combining_mark(c) {
        return;
    }
    match c {
        'a'..='z' | '0'..='9' => out.push(c),
        'A'..='Z' => out.push(c.to_ascii_lowercase()),
        'ß' => out.push_str("ss"),
        'œ' | 'Œ' => out.push_str("oe"),
        'æ' | 'Æ' => out.push_str("ae"),
        'ø' | 'Ø' => out.push('o'),
        'ł' | 'Ł' => out.push('l'),
        'ı' => out.push('i'),
        'đ' | 'Đ' => out.push('d'),
        c if c.is_alphanumeric() => out.extend(c.to_lowercase()),
        _ => out.push(' '),
    }
}

/// Folded words of `text`, empty ones dropped.
pub fn words(text: &str) -> Vec<String> {
    fold(text).split_whitespace().map(str::to_string).collect()
}

/// The key of a person: folded names, then the names with spaces removed, then the e-mail.
///
/// `"Éloïse Ben Ali"` gives `"eloise ben ali eloisebenali benali …"`, so a word typed with or
/// without the inner spaces matches.
pub fn of_person(first: Option<&str>, last: Option<&str>, email: Option<&str>) -> String {
    let first = words(first.unwrap_or(""));
    let last = words(last.unwrap_or(""));
    let mut key = Vec::new();
    key.extend(first.iter().cloned());
    key.extend(last.iter().cloned());
    key.push(first.concat());
    key.push(last.concat());
    key.push(format!("{}{}", first.concat(), last.concat()));
    key.push(format!("{}{}", last.concat(), first.concat()));
    if let Some(email) = email {
        key.push(email.to_lowercase());
    }
    format!(" {} ", key.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_drops_accents_case_and_punctuation() {
        assert_eq!(fold("Éloïse"), "eloise");
        assert_eq!(fold("N'Diaye"), "n diaye");
        assert_eq!(fold("Çakır"), "cakir");
        assert_eq!(fold("Œuvray-Lætitia"), "oeuvray laetitia");
        assert_eq!(fold("ÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸ"), "aaaceeeeiioouuuy");
    }

    /// The fold of the whole text decomposed at once (NFKD), as it was first written.
    fn fold_of_nfkd(text: &str) -> String {
        use unicode_normalization::UnicodeNormalization;
        let mut out = String::new();
        for c in text.nfkd() {
            fold_char(c, &mut out);
        }
        out
    }

    proptest::proptest! {
        #[test]
        fn folding_character_by_character_is_folding_the_decomposed_text(text in "\\PC{0,40}") {
            proptest::prop_assert_eq!(fold(&text), fold_of_nfkd(&text));
        }
    }

    #[test]
    fn folding_names_with_marks_and_hangul_is_unchanged() {
        for text in [
            "Éloïse",
            "e\u{301}\u{327}",
            "Ǆemal",
            "한국",
            "ﬁona",
            "Ⅻ",
            "Ñúñez Øster",
        ] {
            assert_eq!(fold(text), fold_of_nfkd(text), "{text}");
        }
    }

    #[test]
    fn person_key_matches_names_typed_with_or_without_spaces() {
        let key = of_person(Some("Éloïse"), Some("Ben Ali"), None);
        for word in ["eloise", "benali", "ben", "ali", "eloisebenali"] {
            assert!(key.contains(word), "{word} in {key}");
        }
    }
}
