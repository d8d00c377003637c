//! The recovery sheet: one printed A4 page, in French, with the notebook's recovery key and
//! what to do with it ("à conserver sous clé").
//!
//! Why a printed page: the recovery key is the way back into the notebook when the passphrase
//! is forgotten, so it must live away from the laptop and from any file a thief would find
//! with it. The sheet is drawn with the letters' page model and PDF writer (Carlito, subset
//! fonts, deterministic bytes); the key is printed in groups, large, on two lines.

use chrono::NaiveDate;

use crate::key_file::RecoveryKey;
use crate::letter::font::{Face, fonts};
use crate::letter::layout::{Layout, MM, PAGE_HEIGHT, PAGE_WIDTH, Page, Run};
use crate::letter::pdf::{PdfLetter, write};

const LEFT: f32 = 22.0 * MM;
const WIDTH: f32 = PAGE_WIDTH - 44.0 * MM;

fn run(y: f32, size: f32, face: Face, grey: bool, text: &str) -> Run {
    Run {
        x: LEFT,
        y,
        size,
        face,
        grey,
        text: text.to_string(),
        word_gap: 0.0,
    }
}

/// Words of `text` on lines of at most `WIDTH` points at `size`.
fn wrap(text: &str, size: f32) -> Vec<String> {
    let f = fonts();
    let text = f.printable(text);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if !line.is_empty() && f.width(Face::Regular, &candidate, size) > WIDTH {
            lines.push(std::mem::take(&mut line));
            line = word.to_string();
        } else {
            line = candidate;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// The sheet's page for `recovery`, made on `made_on` (for `officer`, when known).
pub fn layout(recovery: &RecoveryKey, officer: Option<&str>, made_on: NaiveDate) -> Layout {
    let mut page = Page::default();
    let mut y = PAGE_HEIGHT - 28.0 * MM;
    page.runs
        .push(run(y, 22.0, Face::Bold, false, "Clé de secours du carnet"));
    y -= 9.0 * MM;
    let made = match officer {
        Some(name) => format!(
            "Carnet de {name} · établie le {}",
            crate::french::long_date(made_on)
        ),
        None => format!("Carnet · établie le {}", crate::french::long_date(made_on)),
    };
    page.runs.push(run(y, 11.0, Face::Regular, true, &made));
    y -= 16.0 * MM;
    page.runs.push(run(
        y,
        14.0,
        Face::Bold,
        false,
        "À conserver sous clé, loin de l’ordinateur.",
    ));
    y -= 16.0 * MM;
    // The key: 13 groups of 4, on two lines, large.
    let shown = recovery.display();
    let groups: Vec<&str> = shown.split('-').collect();
    let (first, second) = groups.split_at(groups.len().div_ceil(2));
    for part in [first, second] {
        page.runs
            .push(run(y, 20.0, Face::Bold, false, &part.join(" - ")));
        y -= 11.0 * MM;
    }
    page.rules
        .push([LEFT, y + 4.0 * MM, LEFT + WIDTH, y + 4.0 * MM]);
    y -= 8.0 * MM;
    let paragraphs = [
        "Cette clé ouvre le carnet si la phrase de passe est oubliée : dans Carnet, « J’ai oublié ma phrase de passe », ou en ligne de commande « carnet unlock --recovery-key », puis choisissez une nouvelle phrase de passe. Les tirets et les espaces ne comptent pas ; O se lit 0, I et L se lisent 1.",
        "Quiconque a cette feuille et l’ordinateur peut lire le carnet, qui contient des données personnelles. Ne la photographiez pas, ne l’envoyez pas par e-mail, ne la rangez pas avec l’ordinateur ni dans son sac.",
        "Si cette feuille est perdue ou a pu être vue : faites une nouvelle feuille de secours avec Carnet (« carnet recovery-sheet » en ligne de commande). Celle-ci ne servira plus.",
    ];
    for paragraph in paragraphs {
        for line in wrap(paragraph, 11.0) {
            page.runs.push(run(y, 11.0, Face::Regular, false, &line));
            y -= 5.6 * MM;
        }
        y -= 4.0 * MM;
    }
    Layout { pages: vec![page] }
}

/// Writes the sheet of `recovery` to `path` (whole or not at all), with the name of the
/// notebook's officer, dated by the notebook's clock.
pub fn save(
    store: &crate::store::Store,
    recovery: &RecoveryKey,
    path: &std::path::Path,
) -> crate::error::Result<()> {
    let officer = crate::officer::own(store)?.map(|o| o.data.name);
    crate::atomic_file::write(path, &pdf(recovery, officer.as_deref(), store.today()))
}

/// The sheet as PDF bytes.
pub fn pdf(recovery: &RecoveryKey, officer: Option<&str>, made_on: NaiveDate) -> Vec<u8> {
    let layout = layout(recovery, officer, made_on);
    write(
        fonts(),
        &[PdfLetter {
            layout: &layout,
            logo: None,
        }],
        "Clé de secours du carnet",
        made_on,
    )
}
