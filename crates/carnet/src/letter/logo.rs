//! The letterhead logo: a PNG chosen in Réglages (or Carnet's default), checked and prepared
//! once for the PDF.
//!
//! Why decode here: a PDF embeds raw pixels, so the PNG is decoded, flattened onto white (no
//! transparency mask to go wrong in a print shop's RIP) and reduced to at most
//! [`MAX_SIDE`] pixels on its long side, which is still over 300 dpi at the 45 mm the
//! letterhead gives it. A file that is not a PNG, too big, or broken is refused with a French
//! message when it is chosen, never when a letter is due.

use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// Largest PNG accepted, in bytes.
pub const MAX_BYTES: usize = 500 * 1024;
/// Largest side kept, in pixels.
pub const MAX_SIDE: u32 = 600;
const MAX_DECODED_SIDE: u32 = 8000;

/// Carnet's default logo.
pub const DEFAULT_PNG: &[u8] = include_bytes!("../../../../assets/logo/carnet.png");

/// A decoded logo: RGB pixels, row by row from the top.
#[derive(Debug, Clone, PartialEq)]
pub struct Logo {
    pub width: u32,
    pub height: u32,
    pub rgb: Vec<u8>,
    /// SHA-256 (hex) of the PNG file the logo came from.
    pub sha256: String,
}

fn invalid(reason: &str) -> Error {
    Error::InvalidLogo {
        reason: reason.to_string(),
    }
}

impl Logo {
    /// Decodes and prepares a PNG.
    pub fn from_png(png_bytes: &[u8]) -> Result<Logo> {
        if png_bytes.len() > MAX_BYTES {
            return Err(invalid("fichier trop lourd"));
        }
        let mut decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
        decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
        let mut reader = decoder
            .read_info()
            .map_err(|_| invalid("ce fichier n'est pas une image PNG lisible"))?;
        let (width, height) = {
            let info = reader.info();
            (info.width, info.height)
        };
        if width == 0 || height == 0 || width > MAX_DECODED_SIDE || height > MAX_DECODED_SIDE {
            return Err(invalid("dimensions de l'image hors limites"));
        }
        let size = reader
            .output_buffer_size()
            .ok_or_else(|| invalid("dimensions de l'image hors limites"))?;
        let mut buffer = vec![0; size];
        let frame = reader
            .next_frame(&mut buffer)
            .map_err(|_| invalid("image PNG abîmée"))?;
        let channels = match frame.color_type {
            png::ColorType::Grayscale => 1,
            png::ColorType::GrayscaleAlpha => 2,
            png::ColorType::Rgb => 3,
            png::ColorType::Rgba => 4,
            png::ColorType::Indexed => return Err(invalid("palette non prise en charge")),
        };
        let stride = frame.line_size;
        let mut rgb = Vec::with_capacity((width * height * 3) as usize);
        for y in 0..height as usize {
            let row = &buffer[y * stride..];
            for x in 0..width as usize {
                let px = &row[x * channels..x * channels + channels];
                let (r, g, b, a) = match channels {
                    1 => (px[0], px[0], px[0], 255),
                    2 => (px[0], px[0], px[0], px[1]),
                    3 => (px[0], px[1], px[2], 255),
                    _ => (px[0], px[1], px[2], px[3]),
                };
                // Flatten onto white.
                let over = |c: u8| {
                    ((u32::from(c) * u32::from(a) + 255 * (255 - u32::from(a))) / 255) as u8
                };
                rgb.extend_from_slice(&[over(r), over(g), over(b)]);
            }
        }
        let (width, height, rgb) = shrink(width, height, rgb);
        let sha256 = Sha256::digest(png_bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Ok(Logo {
            width,
            height,
            rgb,
            sha256,
        })
    }

    /// Decodes a logo stored in base64 (the officer's `logo` field).
    pub fn from_base64(text: &str) -> Result<Logo> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|_| invalid("données d'image illisibles"))?;
        Logo::from_png(&bytes)
    }

    /// Carnet's default logo.
    pub fn default_logo() -> Logo {
        Logo::from_png(DEFAULT_PNG).expect("the default logo is a valid PNG (checked by a test)")
    }
}

/// Reduces an image so its long side is at most [`MAX_SIDE`], averaging the pixels each new
/// pixel covers.
fn shrink(width: u32, height: u32, rgb: Vec<u8>) -> (u32, u32, Vec<u8>) {
    let long = width.max(height);
    if long <= MAX_SIDE {
        return (width, height, rgb);
    }
    let new_w = (u64::from(width) * u64::from(MAX_SIDE) / u64::from(long)).max(1) as u32;
    let new_h = (u64::from(height) * u64::from(MAX_SIDE) / u64::from(long)).max(1) as u32;
    let mut out = Vec::with_capacity((new_w * new_h * 3) as usize);
    for ny in 0..new_h {
        let y0 = ny * height / new_h;
        let y1 = ((ny + 1) * height / new_h).max(y0 + 1);
        for nx in 0..new_w {
            let x0 = nx * width / new_w;
            let x1 = ((nx + 1) * width / new_w).max(x0 + 1);
            let mut sum = [0u64; 3];
            for y in y0..y1 {
                for x in x0..x1 {
                    let i = ((y * width + x) * 3) as usize;
                    for c in 0..3 {
                        sum[c] += u64::from(rgb[i + c]);
                    }
                }
            }
            let n = u64::from((y1 - y0) * (x1 - x0));
            out.extend(sum.iter().map(|s| (s / n) as u8));
        }
    }
    (new_w, new_h, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_logo_decodes() {
        let logo = Logo::default_logo();
        assert_eq!((logo.width, logo.height), (256, 256));
        assert_eq!(logo.rgb.len(), 256 * 256 * 3);
    }

    #[test]
    fn junk_is_refused_with_a_french_message() {
        for junk in [&b""[..], b"GIF89a....", &DEFAULT_PNG[..100]] {
            let err = Logo::from_png(junk).unwrap_err();
            assert_eq!(err.kind(), "invalid_logo");
            assert!(
                err.to_string()
                    .starts_with("Le logo doit être une image PNG")
            );
        }
        assert_eq!(
            Logo::from_base64("pas du base64 !").unwrap_err().kind(),
            "invalid_logo"
        );
    }

    #[test]
    fn big_images_are_reduced() {
        let (w, h, rgb) = shrink(1200, 300, vec![200; 1200 * 300 * 3]);
        assert_eq!((w, h), (600, 150));
        assert!(rgb.iter().all(|&c| c == 200));
    }
}
