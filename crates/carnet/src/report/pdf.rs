//! The "Bilan d'activité" PDF: two A4 pages of key figures and bar charts for funders.
//!
//! It is drawn with the letters' page model and PDF writer (Carlito, subset fonts, the same
//! deterministic output), adding filled boxes for the bars. Every number comes from the same
//! [`Indicators`] as the spreadsheet; labels that are too long for their column are cut with
//! an ellipsis rather than overflowing, and an empty year gives empty charts with zeros.

use chrono::NaiveDate;

use super::Indicators;
use crate::letter::font::{Face, LetterFonts, fonts};
use crate::letter::layout::{Layout, MM, PAGE_HEIGHT, PAGE_WIDTH, Page, Run};
use crate::letter::pdf::{PdfLetter, write};

const LEFT: f32 = 20.0 * MM;
const RIGHT: f32 = PAGE_WIDTH - 20.0 * MM;
const BAR: f32 = 0.35;
const CARD: f32 = 0.93;

fn run(x: f32, y: f32, size: f32, face: Face, grey: bool, text: &str) -> Run {
    Run {
        x,
        y,
        size,
        face,
        grey,
        text: text.to_string(),
        word_gap: 0.0,
    }
}

/// `text` cut with "…" to fit `max` points.
fn fit(f: &LetterFonts, face: Face, size: f32, text: &str, max: f32) -> String {
    let text = f.printable(text);
    if f.width(face, &text, size) <= max {
        return text;
    }
    let mut out = String::new();
    for c in text.chars() {
        let candidate = format!("{out}{c}…");
        if f.width(face, &candidate, size) > max {
            break;
        }
        out.push(c);
    }
    format!("{out}…")
}

/// `text` on at most two lines of `max` points (the second cut with "…" if needed).
fn two_lines(f: &LetterFonts, size: f32, text: &str, max: f32) -> Vec<String> {
    let text = f.printable(text);
    if f.width(Face::Regular, &text, size) <= max {
        return vec![text];
    }
    let mut first = String::new();
    let mut rest = text.as_str();
    for (i, _) in text.match_indices(' ') {
        if f.width(Face::Regular, &text[..i], size) > max {
            break;
        }
        first = text[..i].to_string();
        rest = &text[i + 1..];
    }
    if first.is_empty() {
        return vec![fit(f, Face::Regular, size, &text, max)];
    }
    vec![first, fit(f, Face::Regular, size, rest, max)]
}

fn thousands(n: i64) -> String {
    let digits = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// Horizontal bars, one per item, under a title; returns the y below the chart.
fn bars(page: &mut Page, top: f32, title: &str, items: &[(String, i64)]) -> f32 {
    let f = fonts();
    page.runs
        .push(run(LEFT, top, 12.0, Face::Bold, false, title));
    let mut y = top - 8.0 * MM;
    let label_width = 60.0 * MM;
    let bar_left = LEFT + label_width + 3.0 * MM;
    let bar_max = RIGHT - bar_left - 18.0 * MM;
    let max = items.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    if items.is_empty() {
        page.runs.push(run(
            LEFT,
            y,
            9.5,
            Face::Regular,
            true,
            "Aucune donnée pour cette année.",
        ));
        return y - 8.0 * MM;
    }
    for (label, n) in items {
        page.runs.push(run(
            LEFT,
            y,
            9.5,
            Face::Regular,
            false,
            &fit(f, Face::Regular, 9.5, label, label_width),
        ));
        let width = bar_max * (*n as f32) / (max as f32);
        page.boxes
            .push([bar_left, y - 1.5, width.max(0.5), 9.0, BAR]);
        page.runs.push(run(
            bar_left + width + 2.0 * MM,
            y,
            9.5,
            Face::Bold,
            false,
            &thousands(*n),
        ));
        y -= 5.6 * MM;
    }
    y - 4.0 * MM
}

/// One bar per month; returns the y below the chart.
fn months(page: &mut Page, top: f32, title: &str, values: &[i64]) -> f32 {
    let f = fonts();
    page.runs
        .push(run(LEFT, top, 12.0, Face::Bold, false, title));
    let base = top - 62.0 * MM;
    let height = 45.0 * MM;
    let slot = (RIGHT - LEFT) / 12.0;
    let max = values.iter().copied().max().unwrap_or(0).max(1);
    page.rules.push([LEFT, base, RIGHT, base]);
    for (m, n) in values.iter().enumerate() {
        let x = LEFT + slot * m as f32;
        let h = height * (*n as f32) / (max as f32);
        page.boxes
            .push([x + slot * 0.18, base, slot * 0.64, h.max(0.3), BAR]);
        let value = thousands(*n);
        let vw = f.width(Face::Regular, &value, 8.0);
        page.runs.push(run(
            x + (slot - vw) / 2.0,
            base + h + 2.0,
            8.0,
            Face::Regular,
            false,
            &value,
        ));
        let name = crate::french::month_name(m as u32 + 1);
        let short: String = name.chars().take(4).collect::<String>()
            + if name.chars().count() > 4 { "." } else { "" };
        let sw = f.width(Face::Regular, &short, 8.0);
        page.runs.push(run(
            x + (slot - sw) / 2.0,
            base - 10.0,
            8.0,
            Face::Regular,
            true,
            &short,
        ));
    }
    base - 16.0 * MM
}

/// The key figures as cards, three per row; returns the y below them.
fn cards(page: &mut Page, top: f32, items: &[(String, String)]) -> f32 {
    let f = fonts();
    let gap = 4.0 * MM;
    let width = (RIGHT - LEFT - 2.0 * gap) / 3.0;
    let height = 24.0 * MM;
    let mut y = top;
    for (i, (value, label)) in items.iter().enumerate() {
        let col = i % 3;
        if i > 0 && col == 0 {
            y -= height + gap;
        }
        let x = LEFT + col as f32 * (width + gap);
        page.boxes.push([x, y - height, width, height, CARD]);
        page.runs.push(run(
            x + 4.0 * MM,
            y - 10.0 * MM,
            20.0,
            Face::Bold,
            false,
            value,
        ));
        for (n, line) in two_lines(f, 9.0, label, width - 8.0 * MM)
            .iter()
            .enumerate()
        {
            page.runs.push(run(
                x + 4.0 * MM,
                y - 16.5 * MM - n as f32 * 11.0,
                9.0,
                Face::Regular,
                true,
                line,
            ));
        }
    }
    y - height - 10.0 * MM
}

fn percent(share: f64) -> String {
    super::csv::percent(share)
}

/// The two pages of the bilan.
pub fn layout(i: &Indicators, structure: &str, made_on: NaiveDate) -> Layout {
    let f = fonts();
    let mut first = Page::default();
    let top = PAGE_HEIGHT - 20.0 * MM;
    first.runs.push(run(
        LEFT,
        top,
        20.0,
        Face::Bold,
        false,
        &format!("Bilan d’activité {}", i.year),
    ));
    first.runs.push(run(
        LEFT,
        top - 9.0 * MM,
        11.0,
        Face::Regular,
        true,
        &fit(
            f,
            Face::Regular,
            11.0,
            &format!(
                "{structure} · établi le {}",
                crate::french::long_date(made_on)
            ),
            RIGHT - LEFT,
        ),
    ));
    let key = vec![
        (
            thousands(i.persons_received),
            "personnes accueillies".to_string(),
        ),
        (
            thousands(i.persons_new),
            "dont nouvelles dans l’année".to_string(),
        ),
        (
            percent(Indicators::share(i.women, i.persons_received)),
            "de femmes".to_string(),
        ),
        (
            percent(Indicators::share(i.under_26, i.persons_received)),
            "de moins de 26 ans".to_string(),
        ),
        (
            percent(Indicators::share(i.living_in_qpv, i.persons_received)),
            "habitent un QPV".to_string(),
        ),
        (
            thousands(i.people_reached),
            "personnes touchées par les rencontres".to_string(),
        ),
        (
            thousands(i.permanences_held),
            "permanences tenues".to_string(),
        ),
        (
            thousands(i.meetings),
            format!(
                "réunions collectives ({} participants)",
                thousands(i.meeting_attendees)
            ),
        ),
        (
            thousands(i.referrals),
            "orientations vers un partenaire".to_string(),
        ),
        (
            thousands(i.businesses_created),
            "entreprises créées".to_string(),
        ),
        (percent(i.creation_rate()), "taux de création".to_string()),
        (
            thousands(i.interviews),
            "entretiens individuels".to_string(),
        ),
    ];
    let y = cards(&mut first, top - 18.0 * MM, &key);
    months(
        &mut first,
        y,
        "Personnes touchées par mois (rencontres et réunions collectives)",
        &i.contacts_per_month,
    );

    let mut second = Page::default();
    let quartiers: Vec<(String, i64)> = i
        .by_quartier
        .iter()
        .filter(|q| q.count > 0)
        .take(10)
        .map(|q| (q.label.clone(), q.count))
        .collect();
    let y = bars(
        &mut second,
        top,
        "Personnes accueillies par quartier",
        &quartiers,
    );
    let partners: Vec<(String, i64)> = i
        .referrals_by_partner
        .iter()
        .take(9)
        .map(|p| (p.partner.clone(), p.total))
        .collect();
    let y = bars(&mut second, y, "Orientations par partenaire", &partners);
    let statuses: Vec<(String, i64)> = i
        .referrals_by_status
        .iter()
        .map(|s| (s.label.clone(), s.count))
        .collect();
    let y = bars(&mut second, y, "Orientations par statut", &statuses);
    let outcomes: Vec<(String, i64)> = i
        .outcomes_by_kind
        .iter()
        .map(|o| (o.label.clone(), o.count))
        .collect();
    bars(&mut second, y, "Sorties de l’année", &outcomes);

    let mut pages = vec![first, second];
    let total = pages.len();
    let footer = fit(
        f,
        Face::Regular,
        8.5,
        &format!("Bilan d’activité {} · {structure} · Carnet", i.year),
        RIGHT - LEFT - 20.0 * MM,
    );
    for (n, page) in pages.iter_mut().enumerate() {
        let number = format!("{}/{}", n + 1, total);
        let nw = f.width(Face::Regular, &number, 8.5);
        page.rules
            .push([LEFT, 12.0 * MM + 10.0, RIGHT, 12.0 * MM + 10.0]);
        page.runs
            .push(run(LEFT, 12.0 * MM, 8.5, Face::Regular, true, &footer));
        page.runs.push(run(
            RIGHT - nw,
            12.0 * MM,
            8.5,
            Face::Regular,
            true,
            &number,
        ));
    }
    Layout { pages }
}

/// The bilan as PDF bytes.
pub fn bilan(i: &Indicators, structure: &str, made_on: NaiveDate) -> Vec<u8> {
    let layout = layout(i, structure, made_on);
    write(
        fonts(),
        &[PdfLetter {
            layout: &layout,
            logo: None,
        }],
        &format!("Bilan d’activité {}", i.year),
        made_on,
    )
}
