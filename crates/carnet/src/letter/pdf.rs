//! Writes laid-out letters to PDF with printpdf, byte for byte the same for the same input.
//!
//! Why the extra care: printpdf names fonts and images with a process-wide counter and writes
//! a counter-based document id, so two letters made in one run would differ. Here fonts and
//! images get fixed resource names (`F1`, `F2`, `Im1`…), the document dates are the letter's
//! date, and the trailer id is a SHA-256 of the layout, so the same letter is the same file.
//! Fonts are embedded as subsets (a one-page letter stays near 30 KB); text is drawn with the
//! glyph widths the layout measured, justification is written as `TJ` offsets after each
//! space, so a PDF viewer's copy and search still see ordinary words.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use printpdf::{
    Color, FontId, Greyscale, Line, LinePoint, Mm, Op, PaintMode, PdfDocument, PdfFont,
    PdfFontHandle, PdfPage, PdfSaveOptions, Point, Pt, RawImage, RawImageData, RawImageFormat,
    Rect, TextItem, TextMatrix, XObject, XObjectId, XObjectTransform,
};
use sha2::{Digest, Sha256};

use super::font::{Face, LetterFonts};
use super::layout::{Layout, PAGE_HEIGHT, PAGE_WIDTH};
use super::logo::Logo;

const GREY: f32 = 0.33;

fn font_id(face: Face) -> FontId {
    FontId(match face {
        Face::Regular => "F1".to_string(),
        Face::Bold => "F2".to_string(),
    })
}

/// The text-showing items for one run: words, and after each space the justification gap
/// as a `TJ` offset (thousandths of the font size, negative moves right).
fn text_items(text: &str, word_gap: f32, size: f32) -> Vec<TextItem> {
    if word_gap <= 0.0 {
        return vec![TextItem::Text(text.to_string())];
    }
    let offset = -(word_gap * 1000.0 / size);
    let mut items = Vec::new();
    let mut parts = text.split(' ').peekable();
    while let Some(part) = parts.next() {
        if parts.peek().is_some() {
            items.push(TextItem::Text(format!("{part} ")));
            items.push(TextItem::Offset(offset));
        } else if !part.is_empty() {
            items.push(TextItem::Text(part.to_string()));
        }
    }
    items
}

fn page_ops(layout_page: &super::layout::Page, logo: Option<(&XObjectId, &Logo)>) -> Vec<Op> {
    let mut ops = Vec::new();
    if let (Some(place), Some((id, image))) = (layout_page.logo, logo) {
        // At 72 dpi one pixel is one point; scale to the placement.
        ops.push(Op::UseXobject {
            id: id.clone(),
            transform: XObjectTransform {
                translate_x: Some(Pt(place.x)),
                translate_y: Some(Pt(place.y)),
                scale_x: Some(place.width / image.width.max(1) as f32),
                scale_y: Some(place.height / image.height.max(1) as f32),
                dpi: Some(72.0),
                ..Default::default()
            },
        });
    }
    for [x, y, width, height, grey] in &layout_page.boxes {
        ops.push(Op::SetFillColor {
            col: Color::Greyscale(Greyscale::new(*grey, None)),
        });
        ops.push(Op::DrawRectangle {
            rectangle: Rect {
                x: Pt(*x),
                y: Pt(*y),
                width: Pt(*width),
                height: Pt(*height),
                mode: Some(PaintMode::Fill),
                winding_order: None,
            },
        });
    }
    if !layout_page.rules.is_empty() {
        ops.push(Op::SetOutlineColor {
            col: Color::Greyscale(Greyscale::new(0.7, None)),
        });
        ops.push(Op::SetOutlineThickness { pt: Pt(0.5) });
        for [x1, y1, x2, y2] in &layout_page.rules {
            ops.push(Op::DrawLine {
                line: Line {
                    points: vec![
                        LinePoint {
                            p: Point {
                                x: Pt(*x1),
                                y: Pt(*y1),
                            },
                            bezier: false,
                        },
                        LinePoint {
                            p: Point {
                                x: Pt(*x2),
                                y: Pt(*y2),
                            },
                            bezier: false,
                        },
                    ],
                    is_closed: false,
                },
            });
        }
    }
    ops.push(Op::StartTextSection);
    let mut current: Option<(Face, f32, bool)> = None;
    for run in &layout_page.runs {
        if current.map(|(f, s, _)| (f, s)) != Some((run.face, run.size)) {
            ops.push(Op::SetFont {
                font: PdfFontHandle::External(font_id(run.face)),
                size: Pt(run.size),
            });
        }
        if current.map(|(_, _, g)| g) != Some(run.grey) {
            let level = if run.grey { GREY } else { 0.0 };
            ops.push(Op::SetFillColor {
                col: Color::Greyscale(Greyscale::new(level, None)),
            });
        }
        current = Some((run.face, run.size, run.grey));
        ops.push(Op::SetTextMatrix {
            matrix: TextMatrix::Translate(Pt(run.x), Pt(run.y)),
        });
        ops.push(Op::ShowText {
            items: text_items(&run.text, run.word_gap, run.size),
        });
    }
    ops.push(Op::EndTextSection);
    ops
}

/// One letter to write: its layout and its logo.
pub struct PdfLetter<'a> {
    pub layout: &'a Layout,
    pub logo: Option<&'a Logo>,
}

/// Writes `letters` one after the other into one PDF titled `title`, dated `date`.
pub fn write(
    fonts: &LetterFonts,
    letters: &[PdfLetter<'_>],
    title: &str,
    date: NaiveDate,
) -> Vec<u8> {
    let mut doc = PdfDocument::new(title);
    let info = &mut doc.metadata.info;
    info.creator = "Carnet".to_string();
    info.producer = "Carnet (printpdf)".to_string();
    let midnight = date
        .and_hms_opt(0, 0, 0)
        .map_or(0, |d| d.and_utc().timestamp());
    if let Ok(day) = printpdf::OffsetDateTime::from_unix_timestamp(midnight) {
        info.creation_date = day;
        info.modification_date = day;
        info.metadata_date = day;
    }

    // Embed each face with only the glyphs the letters use.
    for face in [Face::Regular, Face::Bold] {
        let chars: BTreeSet<char> = letters
            .iter()
            .flat_map(|l| l.layout.pages.iter())
            .flat_map(|p| p.runs.iter())
            .filter(|r| r.face == face)
            .flat_map(|r| r.text.chars())
            .collect();
        if !chars.is_empty() {
            doc.resources
                .fonts
                .map
                .insert(font_id(face), PdfFont::new(fonts.subset(face, &chars)));
        }
    }

    // One image resource per distinct logo.
    let mut logos: Vec<(&str, XObjectId)> = Vec::new();
    for letter in letters {
        if let Some(logo) = letter.logo
            && !logos.iter().any(|(sha, _)| *sha == logo.sha256)
        {
            let id = XObjectId(format!("Im{}", logos.len() + 1));
            doc.resources.xobjects.map.insert(
                id.clone(),
                XObject::Image(RawImage {
                    pixels: RawImageData::U8(logo.rgb.clone()),
                    width: logo.width as usize,
                    height: logo.height as usize,
                    data_format: RawImageFormat::RGB8,
                    tag: Vec::new(),
                }),
            );
            logos.push((&logo.sha256, id));
        }
    }

    let mut pages = Vec::new();
    let mut fingerprint = Sha256::new();
    fingerprint.update(title.as_bytes());
    for letter in letters {
        let logo = letter.logo.and_then(|l| {
            logos
                .iter()
                .find(|(sha, _)| *sha == l.sha256)
                .map(|(_, id)| (id, l))
        });
        fingerprint.update(letter.layout.describe().as_bytes());
        if let Some(l) = letter.logo {
            fingerprint.update(l.sha256.as_bytes());
        }
        for page in &letter.layout.pages {
            pages.push(PdfPage::new(
                Mm(PAGE_WIDTH / super::layout::MM),
                Mm(PAGE_HEIGHT / super::layout::MM),
                page_ops(page, logo),
            ));
        }
    }
    let doc = doc.with_pages(pages);
    let options = PdfSaveOptions {
        optimize: true,
        subset_fonts: true,
        secure: true,
        image_optimization: None,
    };
    let mut warnings = Vec::new();
    let mut lopdf = doc.to_lopdf_document(&options, &mut warnings);
    let id: Vec<u8> = fingerprint.finalize()[..16].to_vec();
    lopdf.trailer.set(
        "ID",
        lopdf::Object::Array(vec![
            lopdf::Object::String(id.clone(), lopdf::StringFormat::Hexadecimal),
            lopdf::Object::String(id, lopdf::StringFormat::Hexadecimal),
        ]),
    );
    lopdf.compress();
    let mut bytes = Vec::new();
    // Writing into memory cannot fail.
    let _ = lopdf.save_to(&mut bytes);
    bytes
}
