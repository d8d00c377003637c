//! How strong a team passphrase must be, and the hint shown while it is typed.
//!
//! Why this rule: the shared folder can be copied and attacked offline, so the CNIL's
//! recommendation for such secrets (délibération 2022-100) applies: about 80 bits of entropy,
//! which it translates into at least 12 characters of the 4 kinds (lower case, upper case,
//! digits, signs), at least 14 characters of 3 kinds, or a passphrase of at least 7 words.
//! Argon2id slows guessing down; it does not replace entropy. The rule applies to new folders
//! and new passphrases; a folder created earlier with a shorter one still opens.

use serde::Serialize;

/// What the officer typed, measured against the rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Strength {
    /// True when the rule is met.
    pub ok: bool,
    pub characters: usize,
    /// Kinds of characters used, out of 4.
    pub kinds: usize,
    pub words: usize,
    /// One French sentence: what is missing, or that it is strong enough.
    pub hint: String,
}

/// Measures a candidate passphrase.
pub fn strength(text: &str) -> Strength {
    let characters = text.chars().count();
    let kinds = [
        text.chars().any(char::is_lowercase),
        text.chars().any(char::is_uppercase),
        text.chars().any(|c| c.is_ascii_digit()),
        text.chars().any(|c| !c.is_alphanumeric()),
    ]
    .iter()
    .filter(|k| **k)
    .count();
    let words = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 2)
        .count();
    let ok = (characters >= 12 && kinds == 4) || (characters >= 14 && kinds >= 3) || words >= 7;
    let hint = if ok {
        "Phrase de passe assez robuste.".to_string()
    } else {
        format!(
            "Trop faible : il faut au moins 12 caractères de 4 sortes (minuscules, majuscules, chiffres, signes), 14 caractères de 3 sortes, ou une phrase de 7 mots. Actuellement : {characters} caractère{}, {kinds} sorte{}, {words} mot{}.",
            plural(characters),
            plural(kinds),
            plural(words)
        )
    };
    Strength {
        ok,
        characters,
        kinds,
        words,
        hint,
    }
}

fn plural(n: usize) -> &'static str {
    if n > 1 { "s" } else { "" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cnil_rule_has_three_ways_to_pass() {
        for (text, ok) in [
            ("Abcdef12345!", true),   // 12 characters, 4 kinds
            ("Abcdef1234567", false), // 13 characters, 3 kinds
            ("abcdefgh12345!", true), // 14 characters, 3 kinds
            ("motdepasse2026", false),
            ("le chat de ma voisine dort sur le toit", true), // 9 words
            ("six mots ne suffisent pas ici", false),
            ("", false),
            ("phrase de passe de toute l'équipe Carnet", true),
        ] {
            assert_eq!(strength(text).ok, ok, "{text}");
        }
        let weak = strength("court");
        assert!(
            weak.hint.contains("5 caractères, 1 sorte, 1 mot."),
            "{}",
            weak.hint
        );
    }
}
