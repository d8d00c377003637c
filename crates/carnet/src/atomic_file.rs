//! Writing a file the officer asked for (a letter, the yearly file) whole or not at all.
//!
//! The bytes go to a temporary file in the same folder, are flushed to disk, then the file is
//! renamed to the chosen name: an interrupted write (a USB key pulled out, a full disk) never
//! leaves half a PDF or half a spreadsheet under that name, and an existing file is replaced
//! only by a complete one. The file is readable by the officer's account only.

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
    // A leftover temporary file (a crash) is removed, never written through: the new one is
    // created new, readable by the officer's account only (letters and yearly files hold
    // personal data).
    let _ = std::fs::remove_file(&temp);
    let written = owner_only_new_file(&temp).and_then(|mut f| {
        std::io::Write::write_all(&mut f, bytes)?;
        f.sync_all()
    });
    if let Err(e) = written.and_then(|()| std::fs::rename(&temp, path)) {
        let _ = std::fs::remove_file(&temp);
        return Err(fail(e));
    }
    Ok(())
}

/// Creates `path` as a new file (never through an existing name or link), with owner-only
/// permissions (0600) on Unix. Windows files inherit the user profile's access rules.
pub fn owner_only_new_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn files_are_owner_only_and_a_planted_temporary_link_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, b"keep").unwrap();
        std::os::unix::fs::symlink(&victim, dir.path().join(".lettre.pdf.tmp")).unwrap();
        let path = dir.path().join("lettre.pdf");
        write(&path, b"%PDF").unwrap();
        assert_eq!(std::fs::read(&victim).unwrap(), b"keep");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}
