//! A ZIP archive written in one piece, the same bytes for the same files.
//!
//! Why not a ZIP crate: the access export must be deterministic (same notebook and date, same
//! bytes) and holds a handful of files that are already compact (PDFs) or small (JSON). Stored
//! entries (no compression), one fixed date for every entry, names in the order given, UTF-8
//! names flagged as such: about a hundred lines that any unzip tool (Windows' Explorer,
//! LibreOffice, `unzip`) reads.

use chrono::{Datelike, NaiveDate};

/// One file of the archive.
pub struct ZipFile<'a> {
    /// Its path inside the archive, with `/` between folders.
    pub name: &'a str,
    pub bytes: &'a [u8],
}

/// The archive of `files`, every entry dated `date` (at midnight).
pub fn write(files: &[ZipFile<'_>], date: NaiveDate) -> Vec<u8> {
    let dos_date: u16 = (((date.year().clamp(1980, 2107) - 1980) as u16) << 9)
        | ((date.month() as u16) << 5)
        | date.day() as u16;
    let dos_time: u16 = 0;
    // Bit 11: names are UTF-8.
    let flags: u16 = 1 << 11;
    let mut out = Vec::new();
    let mut central = Vec::new();
    for file in files {
        let offset = out.len() as u32;
        let crc = crc32fast::hash(file.bytes);
        let size = file.bytes.len() as u32;
        let name = file.name.as_bytes();
        // Local file header.
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        out.extend_from_slice(&20u16.to_le_bytes());
        out.extend_from_slice(&flags.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes()); // stored
        out.extend_from_slice(&dos_time.to_le_bytes());
        out.extend_from_slice(&dos_date.to_le_bytes());
        out.extend_from_slice(&crc.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&(name.len() as u16).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(name);
        out.extend_from_slice(file.bytes);
        // Its central directory entry.
        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        central.extend_from_slice(&20u16.to_le_bytes());
        central.extend_from_slice(&20u16.to_le_bytes());
        central.extend_from_slice(&flags.to_le_bytes());
        central.extend_from_slice(&0u16.to_le_bytes());
        central.extend_from_slice(&dos_time.to_le_bytes());
        central.extend_from_slice(&dos_date.to_le_bytes());
        central.extend_from_slice(&crc.to_le_bytes());
        central.extend_from_slice(&size.to_le_bytes());
        central.extend_from_slice(&size.to_le_bytes());
        central.extend_from_slice(&(name.len() as u16).to_le_bytes());
        central.extend_from_slice(&0u16.to_le_bytes()); // extra
        central.extend_from_slice(&0u16.to_le_bytes()); // comment
        central.extend_from_slice(&0u16.to_le_bytes()); // disk
        central.extend_from_slice(&0u16.to_le_bytes()); // internal attributes
        central.extend_from_slice(&0u32.to_le_bytes()); // external attributes
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name);
    }
    let central_offset = out.len() as u32;
    let central_size = central.len() as u32;
    out.extend_from_slice(&central);
    // End of central directory.
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&(files.len() as u16).to_le_bytes());
    out.extend_from_slice(&(files.len() as u16).to_le_bytes());
    out.extend_from_slice(&central_size.to_le_bytes());
    out.extend_from_slice(&central_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unzip_reads_back_every_file() {
        let dir = tempfile::tempdir().unwrap();
        let zip = write(
            &[
                ZipFile {
                    name: "donnees.json",
                    bytes: b"{\"a\": 1}",
                },
                ZipFile {
                    name: "lettres/une lettre.pdf",
                    bytes: b"%PDF-1.7 ...",
                },
            ],
            NaiveDate::from_ymd_opt(2026, 11, 26).unwrap(),
        );
        let path = dir.path().join("export.zip");
        std::fs::write(&path, &zip).unwrap();
        let Ok(listed) = std::process::Command::new("unzip")
            .arg("-l")
            .arg(&path)
            .output()
        else {
            // No unzip on this machine (Windows under Wine): the layout is checked below.
            assert_eq!(&zip[..4], b"PK\x03\x04");
            return;
        };
        let text = String::from_utf8_lossy(&listed.stdout);
        assert!(listed.status.success(), "{text}");
        assert!(
            text.contains("donnees.json") && text.contains("lettres/une lettre.pdf"),
            "{text}"
        );
        assert!(
            text.contains("2026-11-26") || text.contains("11-26-2026"),
            "{text}"
        );
        let test = std::process::Command::new("unzip")
            .arg("-t")
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            test.status.success(),
            "{}",
            String::from_utf8_lossy(&test.stdout)
        );
    }
}
