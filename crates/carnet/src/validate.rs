//! Field formats: dates, times, phone numbers, e-mail addresses, SIRET, identifiers, lengths.
//!
//! Each function takes what a person typed and returns the canonical form that is stored
//! (a phone number is always stored as `06 12 34 56 78`, whatever spacing was typed) or a
//! precise [`Error`] naming the field. Nothing here touches the database or the clock.

use chrono::{NaiveDate, NaiveTime};
use uuid::Uuid;

use crate::error::{Error, Result};

/// Refuses text longer than `max` characters (not bytes: "é" counts as one).
pub fn max_chars<'a>(field: &'static str, text: &'a str, max: usize) -> Result<&'a str> {
    let len = text.chars().count();
    if len > max {
        return Err(Error::TooLong { field, max, len });
    }
    Ok(text)
}

/// Parses an ISO date `YYYY-MM-DD`.
pub fn date(field: &'static str, text: &str) -> Result<NaiveDate> {
    let text = text.trim();
    let ok = text.len() == 10 && text.as_bytes()[4] == b'-' && text.as_bytes()[7] == b'-';
    ok.then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
        .flatten()
        .ok_or_else(|| Error::InvalidDate {
            field,
            value: shorten(text),
        })
}

/// Reads a date as an officer types it: `25/11/2026`, `25/11/26`, `25-11-2026`, `25.11.2026`,
/// `25 11 2026`, `5/3/2026`, `25112026`, `251126`, `2026-11-25`, or `aujourd'hui`, `hier`,
/// `demain` (relative to `today`). A two-digit year is in this century unless that puts it
/// more than ten years ahead (`85` is 1985). A day that does not exist in its month is named
/// ("le 31 février 2026 n'existe pas"), anything else is [`Error::InvalidDate`].
pub fn date_as_typed(field: &'static str, text: &str, today: NaiveDate) -> Result<NaiveDate> {
    let typed = text.trim().to_lowercase().replace('’', "'");
    match typed.as_str() {
        "aujourd'hui" | "aujourdhui" | "auj" => return Ok(today),
        "hier" => return today.pred_opt().ok_or_else(|| invalid_date(field, text)),
        "demain" => return today.succ_opt().ok_or_else(|| invalid_date(field, text)),
        _ => {}
    }
    let parts: Vec<&str> = typed
        .split(['/', '-', '.', ' '])
        .filter(|p| !p.is_empty())
        .collect();
    let digits_only = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    let (day, month, year) = match parts.as_slice() {
        // ISO, as the forms send what they already converted.
        [y, m, d] if y.len() == 4 && [d, m, y].iter().all(|p| digits_only(p)) => (*d, *m, *y),
        [d, m, y] if [d, m, y].iter().all(|p| digits_only(p)) => (*d, *m, *y),
        [all] if digits_only(all) && all.len() == 8 => (&all[..2], &all[2..4], &all[4..]),
        [all] if digits_only(all) && all.len() == 6 => (&all[..2], &all[2..4], &all[4..]),
        _ => return Err(invalid_date(field, text)),
    };
    if day.len() > 2 || month.len() > 2 || !(year.len() == 2 || year.len() == 4) {
        return Err(invalid_date(field, text));
    }
    let number = |p: &str| p.parse::<u32>().map_err(|_| invalid_date(field, text));
    let (day, month) = (number(day)?, number(month)?);
    let mut year = number(year)? as i32;
    if year < 100 {
        year += 2000;
        if year > chrono::Datelike::year(&today) + 10 {
            year -= 100;
        }
    }
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return Err(invalid_date(field, text));
    }
    NaiveDate::from_ymd_opt(year, month, day).ok_or_else(|| Error::DateDoesNotExist {
        field,
        value: format!("{day} {} {year}", crate::french::month_name(month)),
    })
}

fn invalid_date(field: &'static str, text: &str) -> Error {
    Error::InvalidDate {
        field,
        value: shorten(text),
    }
}

/// Reads a whole number as typed: digits, an optional sign, spaces around. `3e2`, `2,5`,
/// `2.5` or `3 personnes` are refused as [`Error::NotAnInteger`] (never read as 300 or 2).
/// Refuses a date after `latest`: today for what has already happened (a consent, an
/// outcome), the day after where a capture may be dated a day ahead.
pub fn not_after(field: &'static str, date: NaiveDate, latest: NaiveDate) -> Result<()> {
    if date > latest {
        return Err(Error::DateTooFarAhead {
            field,
            value: crate::french::short_date(date),
        });
    }
    Ok(())
}

pub fn integer(field: &'static str, text: &str) -> Result<i64> {
    let trimmed = text.trim();
    let body = trimmed.strip_prefix(['-', '+']).unwrap_or(trimmed);
    if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::NotAnInteger {
            field,
            value: shorten(text),
        });
    }
    trimmed.parse().map_err(|_| Error::NotAnInteger {
        field,
        value: shorten(text),
    })
}

/// Parses a time of day `HH:MM` (also `9:30` and `9h30`) into `HH:MM`.
pub fn time(field: &'static str, text: &str) -> Result<String> {
    let normalised = text.trim().replace(['h', 'H'], ":");
    let normalised = if normalised.ends_with(':') {
        format!("{normalised}00")
    } else {
        normalised
    };
    NaiveTime::parse_from_str(&normalised, "%H:%M")
        .map(|t| t.format("%H:%M").to_string())
        .map_err(|_| Error::InvalidTime {
            field,
            value: shorten(text),
        })
}

/// Parses an identifier (a UUID) and returns it.
pub fn id(text: &str) -> Result<Uuid> {
    Uuid::parse_str(text.trim()).map_err(|_| Error::MalformedId {
        value: shorten(text),
    })
}

/// Normalises a phone number.
///
/// French numbers (`0612345678`, `06 12 34 56 78`, `06.12.34.56.78`, `+33 6 12 34 56 78`,
/// `0033612345678`) become `06 12 34 56 78`. Other international numbers (`+32 …`, overseas
/// `+262 …`) are kept as `+` and digits. Anything else is refused.
pub fn phone(field: &'static str, text: &str) -> Result<String> {
    let mut digits = String::with_capacity(16);
    let mut plus = false;
    for (i, c) in text.trim().chars().enumerate() {
        match c {
            '0'..='9' => digits.push(c),
            '+' if i == 0 => plus = true,
            ' ' | '.' | '-' | '/' | '\u{a0}' | '(' | ')' => {}
            _ => return Err(Error::InvalidPhone { field }),
        }
    }
    let international = if plus {
        Some(digits.as_str())
    } else {
        digits.strip_prefix("00")
    };
    let national = match international {
        Some(rest) => match rest.strip_prefix("33") {
            // +33 (0)6…: some people keep the trunk zero.
            Some(fr) => fr.strip_prefix('0').unwrap_or(fr).to_string(),
            None if (9..=15).contains(&rest.len()) => return Ok(format!("+{rest}")),
            None => return Err(Error::InvalidPhone { field }),
        },
        None => match digits.strip_prefix('0') {
            Some(rest) => rest.to_string(),
            None => return Err(Error::InvalidPhone { field }),
        },
    };
    if national.len() != 9 || national.starts_with('0') {
        return Err(Error::InvalidPhone { field });
    }
    let full = format!("0{national}");
    let groups: Vec<&str> = (0..5).map(|i| &full[i * 2..i * 2 + 2]).collect();
    Ok(groups.join(" "))
}

/// Checks an e-mail address: one `@`, a local part, a domain with a dot, no spaces.
pub fn email(field: &'static str, text: &str) -> Result<String> {
    let text = text.trim();
    let bad = || Error::InvalidEmail { field };
    if text.len() > 254 || text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad());
    }
    let (local, domain) = text.split_once('@').ok_or_else(bad)?;
    let domain_ok = !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && domain
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
    if local.is_empty() || local.len() > 64 || !domain_ok {
        return Err(bad());
    }
    Ok(format!("{local}@{}", domain.to_lowercase()))
}

/// Checks a SIRET (14 digits, Luhn checksum; La Poste's establishments use their own rule).
pub fn siret(field: &'static str, text: &str) -> Result<String> {
    let digits: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.len() != 14 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::InvalidSiret { field });
    }
    let values: Vec<u32> = digits.bytes().map(|b| u32::from(b - b'0')).collect();
    let valid = if digits.starts_with("356000000") {
        // La Poste: SIREN 356000000, the sum of the digits is a multiple of 5.
        values.iter().sum::<u32>().is_multiple_of(5)
    } else {
        luhn(&values)
    };
    if valid {
        Ok(digits)
    } else {
        Err(Error::InvalidSiret { field })
    }
}

fn luhn(digits: &[u32]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 1 {
                let double = d * 2;
                if double > 9 { double - 9 } else { double }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Makes a valid SIRET from a 13-digit prefix by computing its key (for demo data and tests).
pub fn siret_with_key(prefix13: &str) -> String {
    (0..10)
        .map(|k| format!("{prefix13}{k}"))
        .find(|candidate| {
            let values: Vec<u32> = candidate.bytes().map(|b| u32::from(b - b'0')).collect();
            luhn(&values)
        })
        .unwrap_or_default()
}

/// Keeps echoed input short in messages.
fn shorten(text: &str) -> String {
    let mut short: String = text.chars().take(40).collect();
    if text.chars().count() > 40 {
        short.push('…');
    }
    short
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_are_normalised_or_refused() {
        let cases: &[(&str, Option<&str>)] = &[
            ("06 12 34 56 78", Some("06 12 34 56 78")),
            ("0612345678", Some("06 12 34 56 78")),
            ("06.12.34.56.78", Some("06 12 34 56 78")),
            ("06-12-34-56-78", Some("06 12 34 56 78")),
            ("+33 6 12 34 56 78", Some("06 12 34 56 78")),
            ("+33 (0)6 12 34 56 78", Some("06 12 34 56 78")),
            ("0033612345678", Some("06 12 34 56 78")),
            ("03 81 99 00 00", Some("03 81 99 00 00")),
            ("+32 470 12 34 56", Some("+32470123456")),
            ("+262 692 12 34 56", Some("+262692123456")),
            ("06 12 34 56", None),
            ("06 12 34 56 78 9", None),
            ("6 12 34 56 78", None),
            ("00 12 34 56 78", None),
            ("06 12 ab 56 78", None),
            ("+", None),
            ("06+12345678", None),
        ];
        for (input, expected) in cases {
            let got = phone("phone", input).ok();
            assert_eq!(got.as_deref(), *expected, "input {input:?}");
        }
    }

    #[test]
    fn emails_are_checked() {
        let cases: &[(&str, Option<&str>)] = &[
            ("sarah.martin@citeslab.fr", Some("sarah.martin@citeslab.fr")),
            ("a@B.Example.FR", Some("a@b.example.fr")),
            ("prénom@exemple.fr", Some("prénom@exemple.fr")),
            ("pas-un-email", None),
            ("a@b", None),
            ("a@@b.fr", None),
            ("@b.fr", None),
            ("a b@c.fr", None),
            ("a@b..fr", None),
            ("a@.b.fr", None),
            ("a@b.fr.", None),
        ];
        for (input, expected) in cases {
            let got = email("email", input).ok();
            assert_eq!(got.as_deref(), *expected, "input {input:?}");
        }
    }

    #[test]
    fn siret_checksum() {
        let good = siret_with_key("7320829630001");
        assert_eq!(good.len(), 14);
        assert!(siret("siret", &good).is_ok());
        assert_eq!(
            siret("siret", "732 829 320 00074").ok().as_deref(),
            Some("73282932000074")
        );
        assert!(siret("siret", "73282932000075").is_err());
        assert!(siret("siret", "7328293200007").is_err());
        assert!(siret("siret", "7328293200007a").is_err());
        // La Poste's rule: digit sum multiple of 5.
        assert!(siret("siret", "35600000000047").is_ok());
        assert!(siret("siret", "35600000000048").is_err());
    }

    #[test]
    fn dates_and_times() {
        assert_eq!(
            date("date", "2026-11-25").unwrap(),
            NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
        );
        for bad in [
            "2026-13-01",
            "2026-02-30",
            "25/11/2026",
            "2026-1-5",
            "",
            "hier",
        ] {
            let err = date("date", bad).unwrap_err();
            assert_eq!(err.kind(), "invalid_date", "{bad}");
        }
        assert_eq!(time("start_time", "9h30").unwrap(), "09:30");
        assert_eq!(time("start_time", "14:05").unwrap(), "14:05");
        assert_eq!(time("start_time", "14h").unwrap(), "14:00");
        assert!(time("start_time", "25:00").is_err());
    }

    #[test]
    fn dates_are_read_as_people_type_them() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let cases: &[(&str, Result<NaiveDate, &str>)] = &[
            ("25/11/2026", Ok(d(2026, 11, 25))),
            ("25/11/26", Ok(d(2026, 11, 25))),
            ("5/3/2026", Ok(d(2026, 3, 5))),
            ("25-11-2026", Ok(d(2026, 11, 25))),
            ("25.11.2026", Ok(d(2026, 11, 25))),
            ("25 11 2026", Ok(d(2026, 11, 25))),
            ("25112026", Ok(d(2026, 11, 25))),
            ("251126", Ok(d(2026, 11, 25))),
            ("07/03/85", Ok(d(1985, 3, 7))),
            ("01/01/36", Ok(d(2036, 1, 1))),
            ("01/01/37", Ok(d(1937, 1, 1))),
            ("2026-11-25", Ok(d(2026, 11, 25))),
            (" aujourd'hui ", Ok(d(2026, 11, 25))),
            ("Aujourd’hui", Ok(d(2026, 11, 25))),
            ("hier", Ok(d(2026, 11, 24))),
            ("demain", Ok(d(2026, 11, 26))),
            (
                "31/02/2026",
                Err("Le champ « Date » : le 31 février 2026 n'existe pas."),
            ),
            (
                "29/02/2025",
                Err("Le champ « Date » : le 29 février 2025 n'existe pas."),
            ),
            ("29/02/2024", Ok(d(2024, 2, 29))),
            ("32/01/2026", Err("invalid_date")),
            ("25/13/2026", Err("invalid_date")),
            ("25/11/202", Err("invalid_date")),
            ("2511202", Err("invalid_date")),
            ("lundi", Err("invalid_date")),
            ("", Err("invalid_date")),
        ];
        for (typed, expected) in cases {
            let got = date_as_typed("date", typed, today);
            match (expected, got) {
                (Ok(want), Ok(have)) => assert_eq!(&have, want, "{typed:?}"),
                (Err(want), Err(err)) if want.contains(' ') => {
                    assert_eq!(err.to_string(), *want, "{typed:?}")
                }
                (Err(want), Err(err)) => assert_eq!(err.kind(), *want, "{typed:?}"),
                (want, have) => panic!("{typed:?}: expected {want:?}, got {have:?}"),
            }
        }
    }

    #[test]
    fn integers_are_plain_digits_only() {
        assert_eq!(integer("head_count", " 3 ").unwrap(), 3);
        assert_eq!(integer("head_count", "-2").unwrap(), -2);
        for bad in ["3e2", "2,5", "2.5", "3 personnes", "", "+", "0x10", "１２"] {
            let err = integer("head_count", bad).unwrap_err();
            assert_eq!(err.kind(), "not_an_integer", "{bad:?}");
            assert!(err.to_string().contains("nombre entier"), "{err}");
        }
    }

    #[test]
    fn lengths_count_characters_not_bytes() {
        let name: String = "é".repeat(200);
        assert!(max_chars("name", &name, 200).is_ok());
        let long = format!("{name}e");
        let err = max_chars("name", &long, 200).unwrap_err();
        assert_eq!(err.kind(), "too_long");
        assert!(err.to_string().contains("200"));
    }
}
