//! The letter font (Carlito, regular and bold, shipped in `assets/fonts`) and its metrics.
//!
//! Why the engine measures text itself: PDF has no line breaking, so every line of a letter is
//! placed by Carnet from glyph advance widths. The same widths are used by the layout and by
//! the PDF writer, so what the preview shows is what prints. Characters the font cannot draw
//! (emoji, scripts Carlito lacks) become "?" rather than an invisible `.notdef` box, and the
//! no-break space, which Carlito lacks, is drawn with the space glyph.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use printpdf::ParsedFont;
use unicode_normalization::UnicodeNormalization;

/// Regular or bold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Face {
    Regular,
    Bold,
}

/// The two faces, parsed once: they are immutable data embedded in the binary.
pub struct LetterFonts {
    pub regular: ParsedFont,
    pub bold: ParsedFont,
}

const REGULAR: &[u8] = include_bytes!("../../../../assets/fonts/Carlito-Regular.ttf");
const BOLD: &[u8] = include_bytes!("../../../../assets/fonts/Carlito-Bold.ttf");

/// The no-break spaces French typography uses.
pub const NBSP: char = '\u{a0}';
pub const NARROW_NBSP: char = '\u{202f}';

fn parse(bytes: &[u8]) -> ParsedFont {
    let mut font = ParsedFont::from_bytes(bytes, 0, &mut Vec::new())
        .expect("the embedded Carlito font parses (checked by a test)");
    if let Some(space) = font.lookup_glyph_index(' ' as u32)
        && font.lookup_glyph_index(NBSP as u32).is_none()
    {
        font.set_codepoint_mapping(NBSP as u32, space);
    }
    font
}

/// The letter fonts.
pub fn fonts() -> &'static LetterFonts {
    static FONTS: OnceLock<LetterFonts> = OnceLock::new();
    FONTS.get_or_init(|| LetterFonts {
        regular: parse(REGULAR),
        bold: parse(BOLD),
    })
}

impl LetterFonts {
    pub fn face(&self, face: Face) -> &ParsedFont {
        match face {
            Face::Regular => &self.regular,
            Face::Bold => &self.bold,
        }
    }

    /// Width of `text` in points at `size`.
    pub fn width(&self, face: Face, text: &str, size: f32) -> f32 {
        let font = self.face(face);
        let units = f32::from(font.units_per_em.max(1));
        let total: u32 = text
            .chars()
            .map(|c| {
                font.lookup_glyph_index(c as u32)
                    .and_then(|g| font.get_glyph_width(g))
                    .map_or(0, u32::from)
            })
            .sum();
        total as f32 * size / units
    }

    /// A copy of `face` holding only the glyphs of `chars` (and `.notdef`), for embedding:
    /// a letter then carries a few kilobytes of font instead of 600 KB. Falls back to the
    /// whole face if subsetting fails, so a letter is never refused for it.
    pub fn subset(&self, face: Face, chars: &BTreeSet<char>) -> ParsedFont {
        let full = self.face(face);
        let mut glyphs: BTreeSet<u16> = chars
            .iter()
            .filter_map(|&c| full.lookup_glyph_index(c as u32))
            .collect();
        glyphs.remove(&0);
        let mut order = vec![0u16];
        order.extend(glyphs);
        let bytes = match face {
            Face::Regular => REGULAR,
            Face::Bold => BOLD,
        };
        subset_bytes(bytes, &order)
            .and_then(|b| ParsedFont::from_bytes(&b, 0, &mut Vec::new()))
            .map(|mut f| {
                f.font_name = Some(format!(
                    "{}+{}",
                    subset_tag(&order),
                    match face {
                        Face::Regular => "Carlito",
                        Face::Bold => "Carlito-Bold",
                    }
                ));
                if let Some(space) = f.lookup_glyph_index(' ' as u32)
                    && f.lookup_glyph_index(NBSP as u32).is_none()
                {
                    f.set_codepoint_mapping(NBSP as u32, space);
                }
                f
            })
            .unwrap_or_else(|| full.clone())
    }

    /// `text` in composed form with only characters both faces can draw: control characters
    /// become spaces, direction marks and other invisible format characters are dropped, and
    /// anything else the font lacks becomes "?".
    pub fn printable(&self, text: &str) -> String {
        text.nfc()
            .filter_map(|c| match c {
                '\t' | '\r' | '\n' => Some(' '),
                c if c.is_control() => None,
                '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => None,
                '\u{feff}' => None,
                c if self.regular.lookup_glyph_index(c as u32).is_some()
                    && self.bold.lookup_glyph_index(c as u32).is_some() =>
                {
                    Some(c)
                }
                _ => Some('?'),
            })
            .collect()
    }
}

/// The six capital letters that name a subset (ISO 32000-1, 9.6.4), derived from its glyphs
/// so the same letter always names its fonts the same way.
fn subset_tag(glyphs: &[u16]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for g in glyphs {
        for b in g.to_be_bytes() {
            hash = (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    (0..6)
        .map(|i| char::from(b'A' + ((hash >> (i * 5)) % 26) as u8))
        .collect()
}

fn subset_bytes(font: &[u8], glyphs: &[u16]) -> Option<Vec<u8>> {
    use allsorts::binary::read::ReadScope;
    use allsorts::font_data::FontData;
    use allsorts::subset::{CmapTarget, SubsetProfile, subset};
    let data = ReadScope::new(font).read::<FontData<'_>>().ok()?;
    let provider = data.table_provider(0).ok()?;
    subset(
        &provider,
        glyphs,
        &SubsetProfile::Minimal,
        CmapTarget::Unicode,
    )
    .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_french_character_has_a_glyph() {
        let f = fonts();
        let french = "éèêëàâçîïôûùüÿœæ«»’€ÉÈÊËÀÂÇÎÏÔÛÙÜŸŒÆ\u{a0}\u{202f}…–—";
        assert_eq!(f.printable(french), french);
        assert!(f.width(Face::Regular, "é", 11.0) > 0.0);
        assert_eq!(
            f.width(Face::Regular, "\u{a0}", 11.0),
            f.width(Face::Regular, " ", 11.0)
        );
    }

    #[test]
    fn a_subset_keeps_the_widths_of_its_characters() {
        let f = fonts();
        let chars: BTreeSet<char> = "Éloïse « Œ » 12 €\u{a0}".chars().collect();
        let sub = f.subset(Face::Regular, &chars);
        assert!(
            sub.original_bytes.len() < 30_000,
            "{}",
            sub.original_bytes.len()
        );
        for c in chars {
            let full = f
                .regular
                .lookup_glyph_index(c as u32)
                .and_then(|g| f.regular.get_glyph_width(g));
            let kept = sub
                .lookup_glyph_index(c as u32)
                .and_then(|g| sub.get_glyph_width(g));
            assert_eq!(full, kept, "{c:?}");
        }
    }

    #[test]
    fn unprintable_characters_are_replaced_or_dropped() {
        let f = fonts();
        assert_eq!(f.printable("Nour 😀\u{200f}\u{7}"), "Nour ?");
        // A decomposed "é" is composed, not replaced.
        assert_eq!(f.printable("e\u{301}"), "é");
    }
}
