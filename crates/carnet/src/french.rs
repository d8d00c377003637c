//! French wording of dates, for letters and reports.
//!
//! Why not a locale library: Carnet only ever writes French, and only needs month names and
//! the "1er" of the first day of the month; a table is smaller and cannot change under us, so a
//! letter made today reads the same when it is made again in five years.

use chrono::{Datelike, NaiveDate};

const MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

/// The French name of a month (1 = janvier).
pub fn month_name(month: u32) -> &'static str {
    MONTHS[(month.clamp(1, 12) - 1) as usize]
}

const SHORT_MONTHS: [&str; 12] = [
    "janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.",
    "déc.",
];

/// The usual French abbreviation of a month ("janv.", "févr.", "mars"…).
pub fn short_month(month: u32) -> &'static str {
    SHORT_MONTHS[(month.clamp(1, 12) - 1) as usize]
}

/// "23 novembre 2026", "1er mai 2026".
pub fn long_date(date: NaiveDate) -> String {
    let day = match date.day() {
        1 => "1er".to_string(),
        d => d.to_string(),
    };
    format!("{day} {} {}", month_name(date.month()), date.year())
}

/// "23/11/2026".
pub fn short_date(date: NaiveDate) -> String {
    date.format("%d/%m/%Y").to_string()
}

/// The text with its first letter in upper case ("rencontre" → "Rencontre").
pub fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_dates_read_as_in_a_french_letter() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(long_date(d(2026, 11, 23)), "23 novembre 2026");
        assert_eq!(long_date(d(2026, 5, 1)), "1er mai 2026");
        assert_eq!(long_date(d(2027, 8, 15)), "15 août 2027");
        assert_eq!(short_date(d(2026, 2, 3)), "03/02/2026");
    }
}
