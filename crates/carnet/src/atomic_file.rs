//! Writing a file the officer asked for (a letter, the yearly file) whole or not at all.
//!
//! The bytes go to a temporary file in the same folder, are flushed to disk, then the file is
//! renamed to the chosen name: an interrupted write (a USB key pulled out, a full disk) never
//! leaves half a PDF or half a spreadsheet under that name, and an existing file is replaced
//! only by a complete one.

use std::path::Path;

use crate::error::{Error, Result};

/// Writes `bytes` to `path`, replacing it only once the new content is complete.
pub fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    let fail = |e: std::io::Error| Error::CannotWrite {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    let name = path.file_name().ok_or_else(|| Error::CannotWrite {
        path: path.display().to_string(),
        reason: "ce n’est pas un nom de fichier".to_string(),
    })?;
    let mut temp_name = std::ffi::OsString::from(".");
    temp_name.push(name);
    temp_name.push(".tmp");
    let temp = path.with_file_name(temp_name);
    let written = std::fs::File::create(&temp).and_then(|mut f| {
        std::io::Write::write_all(&mut f, bytes)?;
        f.sync_all()
    });
    if let Err(e) = written.and_then(|()| std::fs::rename(&temp, path)) {
        let _ = std::fs::remove_file(&temp);
        return Err(fail(e));
    }
    Ok(())
}
