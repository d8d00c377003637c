//! Whether two person records are likely the same person: names folded and compared by
//! sound, birth dates with their usual typos, phones, e-mails and genders, each weighed.
//!
//! Why its own module, apart from the store: the rules are pure functions of two records,
//! tested against a labelled table of pairs (`tests/engine/duplicates.rs`, precision and
//! recall in `docs/duplicates.md`), and used both at entry (one new record against the
//! notebook) and over the whole notebook (`crate::duplicates`).
//!
//! What the rules know of the names met in the quartiers:
//! - folding drops accents and case, maps the letters that do not decompose (ı, ß, œ…) and
//!   joins the words, so "Ben Ali" and "Benali", "N'Diaye" and "Ndiaye" meet; a variant
//!   without a leading particle (de, du, des, le, la, ben, ibn, el, al, ould, n') is compared
//!   too, so "de la Fontaine" meets "Fontaine";
//! - the sound key ([`sound_key`]) keeps a name's consonant skeleton after the spellings that
//!   vary between French, Maghrebi, West African, Turkish and Comorian transcriptions are
//!   made one: ou/u/w, ph/f, kh/k, gh/g, dj/j, sh/sch/tch/ch, c/k/q, z/s, y/i, a silent h
//!   dropped, double letters single, vowels kept only as a first letter; "Mohamed",
//!   "Mohammed" and "Muhammad" share `mhmd`, "Youssef", "Youcef" and "Yusuf" share `asf`,
//!   "Coulibaly" and "Kulibali" share `klbl`;
//! - a birth date with day and month swapped (03/07 for 07/03) or one digit mistyped counts
//!   as a near match; first and last names swapped count as the same names.
//!
//! Score: up to 60 for the names (Jaro-Winkler, `strsim`), +10 when their sound keys are
//! equal, birth date +25 exact / +17 near / −25 different, phone +25 equal / −5 different,
//! e-mail +20 equal, gender −30 different. "Très probable" from 85, "à vérifier" from 65.

use serde::Serialize;

use crate::person::Person;
use crate::search_key;

/// From this score, a pair is "très probable".
pub const VERY_LIKELY: i32 = 85;
/// From this score, a pair is "à vérifier".
pub const TO_CHECK: i32 = 65;

/// How sure the match is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    ToCheck,
    VeryLikely,
}

impl Level {
    /// The level's French label.
    pub fn label(self) -> &'static str {
        match self {
            Level::VeryLikely => "très probable",
            Level::ToCheck => "à vérifier",
        }
    }
}

/// A scored comparison of two records.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Score {
    pub score: i32,
    /// `None` below "à vérifier".
    pub level: Option<Level>,
    /// What counted, in French ("même téléphone", "date de naissance jour et mois inversés"…).
    pub reasons: Vec<&'static str>,
}

/// Leading particles compared with and without.
const PARTICLES: &[&str] = &[
    "de", "du", "des", "le", "la", "les", "d", "ben", "bent", "ibn", "el", "al", "ould", "n",
    "abou", "bou", "von", "van", "di", "da", "dos",
];

/// The folded forms of a name: the words joined, and joined without leading particles.
fn name_forms(name: &str) -> (String, String) {
    let words = search_key::words(name);
    let joined = words.concat();
    let mut rest: &[String] = &words;
    while rest.len() > 1 && PARTICLES.contains(&rest[0].as_str()) {
        rest = &rest[1..];
    }
    (joined, rest.concat())
}

/// A name's sound key (see the module's description).
pub fn sound_key(name: &str) -> String {
    let folded = name_forms(name).0;
    let bytes: Vec<char> = folded.chars().filter(char::is_ascii_alphabetic).collect();
    let mut out: Vec<char> = Vec::with_capacity(bytes.len());
    let mut i = 0;
    let at = |k: usize| bytes.get(k).copied().unwrap_or(' ');
    while i < bytes.len() {
        let c = bytes[i];
        let next = at(i + 1);
        let (sound, used) = match (c, next) {
            ('t', 'c') if at(i + 2) == 'h' => ('X', 3),
            ('s', 'c') if at(i + 2) == 'h' => ('X', 3),
            ('c', 'h') | ('s', 'h') => ('X', 2),
            ('p', 'h') => ('f', 2),
            ('k', 'h') | ('c', 'k') => ('k', 2),
            ('g', 'h') => ('g', 2),
            ('t', 'h') => ('t', 2),
            ('d', 'j') => ('j', 2),
            ('o', 'u') | ('o', 'o') => ('a', 2),
            ('c', 'e' | 'i' | 'y') => ('s', 1),
            ('c' | 'q', _) => ('k', 1),
            ('z', _) => ('s', 1),
            ('x', _) => ('s', 1),
            ('w', _) => ('a', 1),
            // A silent h at the start or after a consonant; kept after a vowel (Mohamed is
            // not Mehdi's "md").
            ('h', _)
                if out.is_empty() || out.last() != Some(&'a') && i > 0 && !is_vowel(at(i - 1)) =>
            {
                ('-', 1)
            }
            ('a' | 'e' | 'i' | 'o' | 'u' | 'y', _) => ('a', 1),
            (c, _) => (c, 1),
        };
        i += used;
        if sound == '-' {
            continue;
        }
        // Vowels count only at the start; double letters once.
        if sound == 'a' && !out.is_empty() {
            continue;
        }
        if out.last() == Some(&sound) {
            continue;
        }
        out.push(sound);
    }
    out.into_iter().collect()
}

fn is_vowel(c: char) -> bool {
    matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y')
}

/// Best Jaro-Winkler similarity of two names over their folded forms.
fn name_similarity(a: &str, b: &str) -> f64 {
    let (a_joined, a_bare) = name_forms(a);
    let (b_joined, b_bare) = name_forms(b);
    if a_joined.is_empty() || b_joined.is_empty() {
        return 0.0;
    }
    [
        (&a_joined, &b_joined),
        (&a_bare, &b_bare),
        (&a_joined, &b_bare),
        (&a_bare, &b_joined),
    ]
    .into_iter()
    .map(|(x, y)| strsim::jaro_winkler(x, y))
    .fold(0.0, f64::max)
}

/// Birth dates as `YYYYMMDD` digits.
fn digits(date: chrono::NaiveDate) -> String {
    date.format("%Y%m%d").to_string()
}

/// Day and month swapped, or one digit different.
fn near_date(a: chrono::NaiveDate, b: chrono::NaiveDate) -> bool {
    use chrono::Datelike;
    if a.year() == b.year() && a.day() == b.month() && a.month() == b.day() {
        return true;
    }
    let (x, y) = (digits(a), digits(b));
    x.chars().zip(y.chars()).filter(|(p, q)| p != q).count() == 1
}

/// Digits of a phone number, the French trunk zero dropped.
fn phone_digits(phone: &str) -> String {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    let digits = digits
        .strip_prefix("0033")
        .or_else(|| {
            digits
                .strip_prefix("33")
                .filter(|_| phone.trim_start().starts_with('+'))
        })
        .map(str::to_string)
        .unwrap_or(digits);
    digits.trim_start_matches('0').to_string()
}

/// Compares two records.
pub fn score(a: &Person, b: &Person) -> Score {
    let mut reasons = Vec::new();
    let straight = 0.45 * name_similarity(&a.first_name, &b.first_name)
        + 0.55 * name_similarity(&a.last_name, &b.last_name);
    // Both crossed comparisons weigh the same, so that the score does not depend on which
    // record comes first.
    let swapped = 0.5 * name_similarity(&a.first_name, &b.last_name)
        + 0.5 * name_similarity(&a.last_name, &b.first_name);
    let mut total = (60.0 * straight.max(swapped)).round() as i32;
    if swapped > straight + 0.05 {
        reasons.push("prénom et nom inversés");
    }
    let (ka, kb) = (
        (sound_key(&a.first_name), sound_key(&a.last_name)),
        (sound_key(&b.first_name), sound_key(&b.last_name)),
    );
    let sound_equal =
        !ka.0.is_empty() && !ka.1.is_empty() && (ka == kb || (ka.0 == kb.1 && ka.1 == kb.0));
    if sound_equal {
        total += 10;
        reasons.push("noms qui se prononcent pareil");
    } else if straight.max(swapped) >= 0.9 {
        reasons.push("noms très proches");
    }
    match (a.birth_date, b.birth_date) {
        (Some(x), Some(y)) if x == y => {
            total += 25;
            reasons.push("même date de naissance");
        }
        (Some(x), Some(y)) if near_date(x, y) => {
            total += 17;
            reasons
                .push("dates de naissance presque identiques (chiffre ou jour et mois inversés)");
        }
        (Some(_), Some(_)) => {
            total -= 25;
            reasons.push("dates de naissance différentes");
        }
        _ => {}
    }
    match (a.phone.as_deref(), b.phone.as_deref()) {
        (Some(x), Some(y)) if phone_digits(x) == phone_digits(y) && !phone_digits(x).is_empty() => {
            total += 25;
            reasons.push("même téléphone");
        }
        (Some(_), Some(_)) => total -= 5,
        _ => {}
    }
    if let (Some(x), Some(y)) = (a.email.as_deref(), b.email.as_deref())
        && x.trim().eq_ignore_ascii_case(y.trim())
    {
        total += 20;
        reasons.push("même e-mail");
    }
    if let (Some(x), Some(y)) = (a.gender.as_deref(), b.gender.as_deref())
        && x != y
    {
        total -= 30;
        reasons.push("genres différents");
    }
    let level = if total >= VERY_LIKELY {
        Some(Level::VeryLikely)
    } else if total >= TO_CHECK {
        Some(Level::ToCheck)
    } else {
        None
    };
    Score {
        score: total,
        level,
        reasons,
    }
}

/// A person's stored match key: the sound keys of her two names, in sorted order, so that
/// swapped first and last names give the same key.
pub fn match_key(first: &str, last: &str) -> String {
    let (first, last) = (sound_key(first), sound_key(last));
    if first <= last {
        format!("{first}:{last}")
    } else {
        format!("{last}:{first}")
    }
}

/// The keys a record is filed under to find its candidates (blocking): its two name sound
/// keys in either order, its birth date with day and month in either order, its phone.
pub fn blocking_keys(p: &Person) -> Vec<String> {
    use chrono::Datelike;
    let mut keys = Vec::with_capacity(3);
    let names = match_key(&p.first_name, &p.last_name);
    if names != ":" {
        keys.push(format!("n:{names}"));
    }
    if let Some(birth) = p.birth_date {
        let (d, m) = (birth.day(), birth.month());
        keys.push(format!("b:{}:{}:{}", birth.year(), d.min(m), d.max(m)));
    }
    if let Some(phone) = p.phone.as_deref() {
        let digits = phone_digits(phone);
        if digits.len() >= 6 {
            keys.push(format!("t:{digits}"));
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(first: &str, last: &str) -> Person {
        Person {
            first_name: first.into(),
            last_name: last.into(),
            ..Person::default()
        }
    }

    #[test]
    fn transcriptions_share_a_sound_key() {
        for group in [
            &["Mohamed", "Mohammed", "Muhammad", "Mohammad"][..],
            &["Youssef", "Youcef", "Yusuf", "Yousef"],
            &["Coulibaly", "Kulibali", "Koulibaly"],
            &["Aïcha", "Aicha", "Aisha"],
            &["Oumar", "Omar", "Umar"],
            &["Ousmane", "Osman", "Usman"],
            &["Cheikh", "Cheick", "Chekh"],
            &["Yılmaz", "Yilmaz"],
            &["Benali", "Ben Ali", "Ben-Ali"],
            &["N'Diaye", "Ndiaye", "Ndiay"],
            &["Philippe", "Filip"],
        ] {
            let keys: Vec<String> = group.iter().map(|n| sound_key(n)).collect();
            assert!(keys.windows(2).all(|w| w[0] == w[1]), "{group:?}: {keys:?}");
        }
        assert_ne!(sound_key("Mohamed"), sound_key("Mehdi"));
        assert_ne!(sound_key("Diallo"), sound_key("Diop"));
    }

    #[test]
    fn the_examples_of_the_issue_are_caught() {
        let mut ines = person("Inès", "Haddad");
        ines.phone = Some("06 12 34 56 78".into());
        let mut other = person("Ines", "Haddad");
        other.phone = Some("0612345678".into());
        assert_eq!(score(&ines, &other).level, Some(Level::VeryLikely));
        let a = person("Mohamed", "Benali");
        let b = person("Mohammed", "Ben Ali");
        assert!(score(&a, &b).level.is_some(), "{:?}", score(&a, &b));
        let mut c = a.clone();
        c.birth_date = chrono::NaiveDate::from_ymd_opt(1990, 7, 3);
        let mut d = b.clone();
        d.birth_date = chrono::NaiveDate::from_ymd_opt(1990, 3, 7);
        assert_eq!(
            score(&c, &d).level,
            Some(Level::VeryLikely),
            "{:?}",
            score(&c, &d)
        );
        // Namesakes born years apart are not the same person.
        let mut e = a.clone();
        e.birth_date = chrono::NaiveDate::from_ymd_opt(1971, 1, 12);
        assert_eq!(score(&c, &e).level, None);
        // Swapped first and last names.
        let swapped = person("Haddad", "Inès");
        assert!(score(&ines, &swapped).level.is_some());
        assert!(blocking_keys(&ines).contains(&blocking_keys(&swapped)[0]));
    }
}
