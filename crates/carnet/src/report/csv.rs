//! The "Synthèse" as CSV, the way Excel in French opens it right: UTF-8 with a byte-order
//! mark, `;` between fields, `\r\n` between lines, decimal commas ("45,3 %").
//!
//! Text that a spreadsheet would take for a formula (starting with `=`, `+`, `-`, `@`, a tab
//! or a carriage return) is prefixed with an apostrophe, as OWASP recommends, so a quartier or
//! partner named `=HYPERLINK(…)` stays text.

use super::{Indicators, Value, synthesis};

/// One field, quoted when needed and defused when it could be read as a formula.
pub fn field(text: &str) -> String {
    let defused = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if defused.contains([';', '"', '\n', '\r']) || defused != defused.trim() {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

/// A share as French text: "45,3 %".
pub fn percent(share: f64) -> String {
    let value = if share.is_finite() {
        share * 100.0
    } else {
        0.0
    };
    format!("{value:.1}\u{a0}%").replace('.', ",")
}

/// The synthesis of `i` as CSV bytes.
pub fn synthesis_csv(i: &Indicators, structure: &str) -> Vec<u8> {
    let mut out = String::from("\u{feff}");
    out.push_str(&format!(
        "{};{};{}\r\n",
        field(&format!("Bilan d’activité {}", i.year)),
        field(structure),
        ""
    ));
    out.push_str("Rubrique;Indicateur;Valeur\r\n");
    for line in synthesis(i) {
        let value = match line.value {
            Value::Count(n) => n.to_string(),
            Value::Share(s) => percent(s),
        };
        out.push_str(&format!(
            "{};{};{}\r\n",
            field(line.section),
            field(&line.label),
            value
        ));
    }
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused_and_separators_quoted() {
        assert_eq!(field("=1+1"), "'=1+1");
        assert_eq!(field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(field("-2"), "'-2");
        assert_eq!(field("Les Buis"), "Les Buis");
        assert_eq!(field("a;b"), "\"a;b\"");
        assert_eq!(field("dit \"Zo\""), "\"dit \"\"Zo\"\"\"");
        assert_eq!(percent(0.4532), "45,3\u{a0}%");
        assert_eq!(percent(f64::NAN), "0,0\u{a0}%");
    }
}
