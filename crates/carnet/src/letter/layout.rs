//! The page layout of an orientation letter: where each line of text goes, on which page.
//!
//! Why a layout model separate from the PDF: the model is plain data (runs of text with a
//! position, a size, a face and the extra space justification adds between words), so it can
//! be snapshot-tested as text, drawn as a preview in the desktop app, and written to PDF by a
//! writer that makes no decision of its own. The layout is a pure function of the
//! [`LetterContent`] and the logo's size: the same content always gives the same pages.
//!
//! The page follows French business-letter habits: letterhead top left, the recipient's block
//! where a window envelope shows it (110 mm from the left, 50 mm from the top), place and date
//! aligned right, "Objet :", then justified paragraphs, the signature block under the
//! recipient's column, and a footer with "page/pages" on every page. Long text flows onto
//! further pages, which start with a reminder of the letter's title.

use serde::{Deserialize, Serialize};

use super::font::{Face, LetterFonts, NBSP};

/// One millimetre in points.
pub const MM: f32 = 72.0 / 25.4;
/// A4.
pub const PAGE_WIDTH: f32 = 210.0 * MM;
pub const PAGE_HEIGHT: f32 = 297.0 * MM;
const LEFT: f32 = 25.0 * MM;
const RIGHT: f32 = PAGE_WIDTH - 20.0 * MM;
const TOP: f32 = PAGE_HEIGHT - 15.0 * MM;
/// Lowest baseline for text above the footer.
const BOTTOM: f32 = 24.0 * MM;
const FOOTER_Y: f32 = 12.0 * MM;
/// Left edge of the recipient's block and of the signature.
const COLUMN: f32 = 110.0 * MM;
const RECIPIENT_TOP: f32 = PAGE_HEIGHT - 50.0 * MM;
const LOGO_MAX_HEIGHT: f32 = 20.0 * MM;
const LOGO_MAX_WIDTH: f32 = 45.0 * MM;

const BODY_SIZE: f32 = 11.0;
const BODY_LEADING: f32 = 15.0;
const PARAGRAPH_GAP: f32 = 6.0;
const SMALL_SIZE: f32 = 9.0;
const SMALL_LEADING: f32 = 11.5;

/// What a letter says, every placeholder already replaced. A filed letter records this (as
/// JSON) so the same PDF can be made again even after the person's file has changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LetterContent {
    /// The PDF's title, and the reminder on continuation pages.
    pub title: String,
    /// Letterhead: the structure's name.
    pub structure: String,
    /// The officer's contact lines under the letterhead.
    pub sender: Vec<String>,
    /// SHA-256 (hex) of the logo PNG the letter was made with, if any.
    pub logo_sha256: Option<String>,
    /// The partner's address block; the first line is the partner's name.
    pub recipient: Vec<String>,
    /// "Montbéliard, le 23 novembre 2026".
    pub place_date: String,
    pub subject: String,
    /// The person's contact lines (only with their consent to share with partners).
    pub person: Vec<String>,
    /// Paragraphs separated by blank lines; a single line break is kept.
    pub body: String,
    /// The signature block; the first line is the officer's name.
    pub signature: Vec<String>,
    /// Left part of the footer (the page number is on the right).
    pub footer: String,
}

/// A line of text at a position (points from the bottom-left corner, baseline).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Run {
    pub x: f32,
    pub y: f32,
    pub size: f32,
    pub face: Face,
    pub grey: bool,
    pub text: String,
    /// Extra space after each ASCII space, in points (justification).
    pub word_gap: f32,
}

impl Run {
    /// The run's width in points, justification included.
    pub fn width(&self, fonts: &LetterFonts) -> f32 {
        let spaces = self.text.matches(' ').count() as f32;
        fonts.width(self.face, &self.text, self.size) + spaces * self.word_gap
    }
}

/// Where the logo goes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Placement {
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
}

/// One page: its text runs, the logo on the first page, thin rules `[x1, y1, x2, y2]`, and
/// filled boxes `[x, y, width, height, grey]` (0 black, 1 white) for the report's charts.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Page {
    pub runs: Vec<Run>,
    pub logo: Option<Placement>,
    pub rules: Vec<[f32; 4]>,
    pub boxes: Vec<[f32; 5]>,
}

/// A laid-out letter.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Layout {
    pub pages: Vec<Page>,
}

impl Layout {
    /// A plain-text description of every run, for snapshot tests and debugging.
    pub fn describe(&self) -> String {
        let mut out = String::new();
        for (i, page) in self.pages.iter().enumerate() {
            out.push_str(&format!("--- page {} ---\n", i + 1));
            if let Some(l) = page.logo {
                out.push_str(&format!(
                    "logo {:.1},{:.1} {:.1}x{:.1}\n",
                    l.x, l.y, l.width, l.height
                ));
            }
            for r in &page.runs {
                let face = match r.face {
                    Face::Regular => "R",
                    Face::Bold => "B",
                };
                let grey = if r.grey { " grey" } else { "" };
                let gap = if r.word_gap > 0.0 {
                    format!(" +{:.2}", r.word_gap)
                } else {
                    String::new()
                };
                out.push_str(&format!(
                    "{:6.1} {:6.1} {face}{}{grey}{gap} | {}\n",
                    r.x, r.y, r.size, r.text
                ));
            }
        }
        out
    }
}

/// One wrapped line.
#[derive(Debug, Clone, Default, PartialEq)]
struct Line {
    text: String,
    width: f32,
    spaces: usize,
}

/// French typography: the space before `: ; ! ? »` and after `«` never breaks.
fn bind_french_spaces(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    for (i, &c) in chars.iter().enumerate() {
        if c == ' ' {
            let next = chars.get(i + 1).copied();
            let prev = i.checked_sub(1).map(|p| chars[p]);
            if matches!(next, Some(':' | ';' | '!' | '?' | '»')) || prev == Some('«') {
                out.push(NBSP);
                continue;
            }
        }
        out.push(c);
    }
    out
}

/// Breaks `text` (one hard line) into lines at most `max` points wide; a word wider than a
/// line is cut between characters.
fn wrap(fonts: &LetterFonts, face: Face, size: f32, text: &str, max: f32) -> Vec<Line> {
    let text = bind_french_spaces(text);
    let space = fonts.width(face, " ", size);
    let mut lines: Vec<Line> = Vec::new();
    let mut current = Line::default();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let width = fonts.width(face, word, size);
        if !current.text.is_empty() && current.width + space + width <= max {
            current.text.push(' ');
            current.text.push_str(word);
            current.width += space + width;
            current.spaces += 1;
            continue;
        }
        if !current.text.is_empty() {
            lines.push(std::mem::take(&mut current));
        }
        if width <= max {
            current.text.push_str(word);
            current.width = width;
        } else {
            for c in word.chars() {
                let w = fonts.width(face, c.encode_utf8(&mut [0; 4]), size);
                if current.width + w > max && !current.text.is_empty() {
                    lines.push(std::mem::take(&mut current));
                }
                current.text.push(c);
                current.width += w;
            }
        }
    }
    if !current.text.is_empty() {
        lines.push(current);
    }
    lines
}

/// Lays lines out top to bottom, starting a new page when the next line would not fit.
struct Flow<'a> {
    fonts: &'a LetterFonts,
    title: String,
    pages: Vec<Page>,
    /// Baseline of the last line placed.
    y: f32,
}

impl Flow<'_> {
    fn page(&mut self) -> &mut Page {
        self.pages.last_mut().expect("a flow always has a page")
    }

    fn new_page(&mut self) {
        let mut page = Page::default();
        let reminder = wrap(
            self.fonts,
            Face::Regular,
            SMALL_SIZE,
            &format!("{} (suite)", self.title),
            RIGHT - LEFT,
        );
        let mut y = TOP;
        if let Some(first) = reminder.into_iter().next() {
            page.runs.push(Run {
                x: LEFT,
                y,
                size: SMALL_SIZE,
                face: Face::Regular,
                grey: true,
                text: first.text,
                word_gap: 0.0,
            });
            page.rules.push([LEFT, y - 4.0, RIGHT, y - 4.0]);
            y -= 10.0 * MM;
        }
        self.pages.push(page);
        self.y = y + BODY_LEADING;
    }

    /// Moves down by `leading` for a new line, on a new page if needed; returns its baseline.
    fn advance(&mut self, leading: f32) -> f32 {
        if self.y - leading < BOTTOM {
            self.new_page();
        }
        self.y -= leading;
        self.y
    }

    /// Places a block of wrapped text at `x`, `max` points wide.
    #[allow(clippy::too_many_arguments)]
    fn text(
        &mut self,
        x: f32,
        max: f32,
        face: Face,
        size: f32,
        leading: f32,
        text: &str,
        justify: bool,
    ) {
        for hard_line in text.split('\n') {
            let lines = wrap(self.fonts, face, size, hard_line, max);
            let count = lines.len();
            for (i, line) in lines.into_iter().enumerate() {
                let y = self.advance(leading);
                let word_gap = if justify && i + 1 < count && line.spaces > 0 {
                    let gap = (max - line.width) / line.spaces as f32;
                    if gap < size { gap } else { 0.0 }
                } else {
                    0.0
                };
                self.page().runs.push(Run {
                    x,
                    y,
                    size,
                    face,
                    grey: false,
                    text: line.text,
                    word_gap,
                });
            }
        }
    }
}

/// Lays a letter out. `logo` is the logo's size in pixels, if the letter has one.
pub fn lay_out(fonts: &LetterFonts, content: &LetterContent, logo: Option<(u32, u32)>) -> Layout {
    let p = |s: &str| fonts.printable(s);
    let mut first = Page::default();

    // Letterhead: logo, structure name, the officer's contact lines.
    let mut head_x = LEFT;
    if let Some((w, h)) = logo.filter(|(w, h)| *w > 0 && *h > 0) {
        let scale = (LOGO_MAX_HEIGHT / h as f32).min(LOGO_MAX_WIDTH / w as f32);
        let (width, height) = (w as f32 * scale, h as f32 * scale);
        first.logo = Some(Placement {
            x: LEFT,
            y: TOP - height,
            width,
            height,
        });
        head_x = LEFT + width + 5.0 * MM;
    }
    let mut flow = Flow {
        fonts,
        title: p(&content.title),
        pages: vec![first],
        y: TOP,
    };
    let head_width = COLUMN - 5.0 * MM - head_x;
    flow.y = TOP + 2.0;
    flow.text(
        head_x,
        head_width,
        Face::Bold,
        13.0,
        15.0,
        &p(&content.structure),
        false,
    );
    flow.y -= 2.0;
    for line in &content.sender {
        let start = flow.page().runs.len();
        flow.text(
            head_x,
            head_width,
            Face::Regular,
            SMALL_SIZE,
            SMALL_LEADING,
            &p(line),
            false,
        );
        for run in &mut flow.page().runs[start..] {
            run.grey = true;
        }
    }
    let head_end = flow.y.min(TOP - LOGO_MAX_HEIGHT);

    // The recipient, where a window envelope shows it.
    flow.y = RECIPIENT_TOP.min(head_end - 8.0 * MM) + BODY_LEADING;
    for (i, line) in content.recipient.iter().enumerate() {
        let face = if i == 0 { Face::Bold } else { Face::Regular };
        flow.text(
            COLUMN,
            RIGHT - COLUMN,
            face,
            BODY_SIZE,
            14.0,
            &p(line),
            false,
        );
    }

    // Place and date, aligned right.
    flow.y = flow.y.min(PAGE_HEIGHT - 85.0 * MM) - 10.0 * MM + BODY_LEADING;
    let place_date = p(&content.place_date);
    let width = fonts.width(Face::Regular, &place_date, BODY_SIZE);
    if width <= RIGHT - LEFT {
        let y = flow.advance(BODY_LEADING);
        flow.page().runs.push(Run {
            x: RIGHT - width,
            y,
            size: BODY_SIZE,
            face: Face::Regular,
            grey: false,
            text: place_date,
            word_gap: 0.0,
        });
    } else {
        flow.text(
            LEFT,
            RIGHT - LEFT,
            Face::Regular,
            BODY_SIZE,
            BODY_LEADING,
            &place_date,
            false,
        );
    }

    // "Objet :" in bold, the subject beside it with a hanging indent.
    flow.y -= 8.0 * MM;
    let label = "Objet\u{a0}:";
    let label_width =
        fonts.width(Face::Bold, label, BODY_SIZE) + fonts.width(Face::Regular, " ", BODY_SIZE);
    let start = flow.page().runs.len();
    let pages_before = flow.pages.len();
    flow.text(
        LEFT + label_width,
        RIGHT - LEFT - label_width,
        Face::Regular,
        BODY_SIZE,
        BODY_LEADING,
        &p(&content.subject),
        false,
    );
    let first_line = if flow.pages.len() == pages_before {
        flow.page().runs.get(start).map(|r| r.y)
    } else {
        None
    };
    if let Some(y) = first_line {
        flow.page().runs.insert(
            start,
            Run {
                x: LEFT,
                y,
                size: BODY_SIZE,
                face: Face::Bold,
                grey: false,
                text: label.to_string(),
                word_gap: 0.0,
            },
        );
    }

    // The person's contact lines, set off by a thin rule.
    if !content.person.is_empty() {
        flow.y -= 4.0 * MM;
        let top = flow.y;
        let page_index = flow.pages.len();
        for (i, line) in content.person.iter().enumerate() {
            let face = if i == 0 { Face::Bold } else { Face::Regular };
            flow.text(
                LEFT + 4.0 * MM,
                RIGHT - LEFT - 4.0 * MM,
                face,
                10.0,
                13.0,
                &p(line),
                false,
            );
        }
        if flow.pages.len() == page_index {
            let bottom = flow.y - 3.5;
            flow.page()
                .rules
                .push([LEFT + 1.0 * MM, top - 2.0, LEFT + 1.0 * MM, bottom]);
        }
    }

    // The body: paragraphs separated by blank lines, justified.
    flow.y -= 8.0 * MM;
    let body = content.body.replace("\r\n", "\n");
    let mut first_paragraph = true;
    for paragraph in split_paragraphs(&body) {
        let paragraph: Vec<String> = paragraph.lines().map(|l| p(l.trim())).collect();
        let paragraph = paragraph.join("\n");
        if paragraph.trim().is_empty() {
            continue;
        }
        if !first_paragraph {
            flow.y -= PARAGRAPH_GAP;
        }
        first_paragraph = false;
        flow.text(
            LEFT,
            RIGHT - LEFT,
            Face::Regular,
            BODY_SIZE,
            BODY_LEADING,
            &paragraph,
            true,
        );
    }

    // The signature block, kept on one page.
    let lines: Vec<String> = content
        .signature
        .iter()
        .flat_map(|l| l.split('\n'))
        .map(|l| p(l.trim()))
        .filter(|l| !l.is_empty())
        .collect();
    if !lines.is_empty() {
        let height = 10.0 * MM + 14.0 * lines.len().min(12) as f32;
        if flow.y - height < BOTTOM {
            flow.new_page();
        } else {
            flow.y -= 10.0 * MM;
        }
        for (i, line) in lines.iter().enumerate() {
            let face = if i == 0 { Face::Bold } else { Face::Regular };
            flow.text(COLUMN, RIGHT - COLUMN, face, BODY_SIZE, 14.0, line, false);
        }
    }

    // Footers, now that the number of pages is known.
    let total = flow.pages.len();
    let footer = p(&content.footer);
    for (i, page) in flow.pages.iter_mut().enumerate() {
        let number = format!("{}/{}", i + 1, total);
        let number_width = fonts.width(Face::Regular, &number, 8.5);
        page.rules
            .push([LEFT, FOOTER_Y + 10.0, RIGHT, FOOTER_Y + 10.0]);
        if let Some(line) = wrap(
            fonts,
            Face::Regular,
            8.5,
            &footer,
            RIGHT - LEFT - number_width - 10.0,
        )
        .into_iter()
        .next()
        {
            page.runs.push(Run {
                x: LEFT,
                y: FOOTER_Y,
                size: 8.5,
                face: Face::Regular,
                grey: true,
                text: line.text,
                word_gap: 0.0,
            });
        }
        page.runs.push(Run {
            x: RIGHT - number_width,
            y: FOOTER_Y,
            size: 8.5,
            face: Face::Regular,
            grey: true,
            text: number,
            word_gap: 0.0,
        });
    }
    Layout { pages: flow.pages }
}

/// Splits on blank lines (lines holding only spaces count as blank).
fn split_paragraphs(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for line in text.split('\n') {
        if line.trim().is_empty() {
            if !current.is_empty() {
                out.push(current.join("\n"));
                current.clear();
            }
        } else {
            current.push(line);
        }
    }
    if !current.is_empty() {
        out.push(current.join("\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::font::fonts;
    use super::*;

    #[test]
    fn lines_never_exceed_the_width_and_keep_every_word() {
        let f = fonts();
        let text = "Dans le cadre de ma mission CitésLab, j’accompagne une personne qui porte un projet de restauration rapide : « Snack du marché ».";
        let lines = wrap(f, Face::Regular, 11.0, text, 200.0);
        assert!(lines.len() > 2);
        for l in &lines {
            assert!(l.width <= 200.0 + 0.01, "{l:?}");
        }
        let joined: Vec<String> = lines.iter().map(|l| l.text.clone()).collect();
        assert_eq!(joined.join(" ").replace(NBSP, " "), text.replace(NBSP, " "));
    }

    #[test]
    fn french_punctuation_never_starts_a_line() {
        let f = fonts();
        let text = "mot ".repeat(40) + ": fin « cité » ; oui ! vraiment ?";
        for max in [80.0, 97.0, 123.0, 150.0] {
            for l in wrap(f, Face::Regular, 11.0, &text, max) {
                assert!(
                    !l.text.starts_with([':', ';', '!', '?', '»']),
                    "{max}: {l:?}"
                );
                assert!(!l.text.ends_with('«'), "{max}: {l:?}");
            }
        }
    }

    #[test]
    fn a_word_wider_than_the_line_is_cut() {
        let f = fonts();
        let long = "A".repeat(300);
        let lines = wrap(f, Face::Bold, 11.0, &long, 100.0);
        assert!(lines.len() > 5);
        assert_eq!(lines.iter().map(|l| l.text.len()).sum::<usize>(), 300);
        assert!(lines.iter().all(|l| l.width <= 100.0 + 0.01));
    }

    #[test]
    fn paragraphs_split_on_blank_lines() {
        assert_eq!(
            split_paragraphs("a\nb\n\n  \nc\n"),
            vec!["a\nb".to_string(), "c".to_string()]
        );
    }
}
