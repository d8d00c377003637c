//! Reading and writing files in the shared folder as if an attacker had arranged it.
//!
//! Why a layer of its own: anyone who reaches the folder (a finder of the USB key, a cloud
//! account, the admin of a network drive, a buggy syncer) can plant a symbolic link, a FIFO, a
//! device file or a 2 GB file where Carnet expects a segment. Every read and write Carnet does
//! there goes through this file, which guarantees:
//! - only regular files are read: a symbolic link is never followed (`O_NOFOLLOW` on Unix, the
//!   reparse point itself on Windows), a FIFO or device file is opened without blocking and then
//!   refused because it is not a regular file;
//! - a size cap is checked on the opened file *before* reading, and the read itself never takes
//!   more than the cap (a file that grows while it is read is refused too);
//! - a file is written through a temporary file created new (`create_new`: an existing name,
//!   symbolic link included, is never opened), flushed, then linked to its final name without
//!   overwriting anything; the directory is flushed afterwards;
//! - a directory Carnet walks into is a real directory, not a link to elsewhere.
//!
//! What remains (documented in `docs/sync-format.md`): between the check of a directory and the
//! open of a file inside it, someone with write access to the folder could swap the directory
//! for a link; the file opened is still refused unless it is a regular file within the cap, so
//! the worst case is reading a regular file elsewhere, which then fails authentication.

use std::fs;
use std::io::{Read, Write};
use std::path::Path;

use crate::error::{Error, Result};

/// Why a file in the folder was not read.
#[derive(Debug)]
pub(crate) enum Refused {
    /// Nothing at that name.
    Absent,
    /// A symbolic link, a directory, a FIFO, a device: anything but a regular file.
    NotRegular,
    /// Larger than the cap for its kind.
    TooLarge { len: u64, cap: u64 },
    /// The system refused (permissions, the USB key pulled out…).
    Io(std::io::Error),
}

impl Refused {
    /// The reason in French, for reports.
    pub fn reason(&self) -> String {
        match self {
            Refused::Absent => "fichier absent".into(),
            Refused::NotRegular => {
                "ce n'est pas un fichier ordinaire (lien symbolique, dossier ou fichier spécial) : ignoré".into()
            }
            Refused::TooLarge { len, cap } => format!(
                "fichier trop gros ({} Mo, {} Mo au plus) : ignoré",
                len.div_ceil(1 << 20),
                cap >> 20
            ),
            Refused::Io(e) => format!("illisible ({})", io_reason(e)),
        }
    }
}

/// Opens `path` for reading only if it is a regular file (never through a link, never blocking
/// on a FIFO) and reads it whole if it is at most `cap` bytes long.
pub(crate) fn read_regular(path: &Path, cap: u64) -> std::result::Result<Vec<u8>, Refused> {
    match fs::symlink_metadata(path) {
        Ok(meta) if !meta.file_type().is_file() => return Err(Refused::NotRegular),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Refused::Absent),
        Err(e) => return Err(Refused::Io(e)),
    }
    let mut options = fs::OpenOptions::new();
    options.read(true);
    no_follow(&mut options);
    let file = match options.open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Refused::Absent),
        // ELOOP: a link was swapped in after the check above.
        Err(e) if e.raw_os_error() == Some(LINK_LOOP) => return Err(Refused::NotRegular),
        Err(e) => return Err(Refused::Io(e)),
    };
    let meta = file.metadata().map_err(Refused::Io)?;
    if !meta.file_type().is_file() {
        return Err(Refused::NotRegular);
    }
    if meta.len() > cap {
        return Err(Refused::TooLarge {
            len: meta.len(),
            cap,
        });
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(Refused::Io)?;
    if bytes.len() as u64 > cap {
        return Err(Refused::TooLarge {
            len: bytes.len() as u64,
            cap,
        });
    }
    Ok(bytes)
}

#[cfg(unix)]
const LINK_LOOP: i32 = libc::ELOOP;
#[cfg(not(unix))]
const LINK_LOOP: i32 = -1;

#[cfg(unix)]
fn no_follow(options: &mut fs::OpenOptions) {
    use std::os::unix::fs::OpenOptionsExt;
    // O_NONBLOCK: opening a FIFO for reading returns at once instead of waiting for a writer;
    // the file-type check that follows refuses it.
    options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
}

#[cfg(windows)]
fn no_follow(options: &mut fs::OpenOptions) {
    use std::os::windows::fs::OpenOptionsExt;
    // FILE_FLAG_OPEN_REPARSE_POINT: open a symbolic link or junction itself, whose metadata
    // then says it is not a regular file.
    options.custom_flags(0x0020_0000);
}

#[cfg(not(any(unix, windows)))]
fn no_follow(_options: &mut fs::OpenOptions) {}

/// True if `path` is a real directory (not a link to one).
pub(crate) fn is_real_dir(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_dir())
}

/// True if anything at all (file, link, directory) has this name.
pub(crate) fn occupied(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok()
}

/// Creates the directory `path` (its parent must exist), refusing a link in its place.
pub(crate) fn ensure_dir(path: &Path) -> Result<()> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_dir() => Ok(()),
        Ok(_) => Err(Error::SyncFolder {
            path: path.display().to_string(),
            reason: "un lien ou un fichier occupe la place de ce dossier : supprimez-le".into(),
        }),
        Err(_) => fs::create_dir(path).or_else(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists && is_real_dir(path) {
                Ok(())
            } else {
                Err(io_error(path, &e))
            }
        }),
    }
}

/// What [`write_new`] found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Written {
    /// The file was created with these bytes.
    Created,
    /// Something already has that name; nothing was written.
    Exists,
}

/// Writes `bytes` at `path` as a new file: through a temporary file created new in the same
/// directory, flushed, then linked to its final name without ever overwriting (renamed where
/// the file system has no hard links, after checking the name is free: one writer per
/// directory makes that safe). The directory is flushed afterwards.
pub(crate) fn write_new(path: &Path, bytes: &[u8]) -> Result<Written> {
    let dir = path.parent().unwrap_or(Path::new("."));
    if occupied(path) {
        return Ok(Written::Exists);
    }
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("fichier");
    let (tmp, mut file) = create_temp(dir, name)?;
    let written = file
        .write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| io_error(dir, &e));
    drop(file);
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    let linked = match fs::hard_link(&tmp, path) {
        Ok(()) => Ok(Written::Created),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(Written::Exists),
        Err(_) if occupied(path) => Ok(Written::Exists),
        Err(_) => fs::rename(&tmp, path)
            .map(|()| Written::Created)
            .map_err(|e| io_error(dir, &e)),
    };
    // Removes the temporary name (a link, never what it points to).
    let _ = fs::remove_file(&tmp);
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    linked
}

/// A temporary file created new in `dir`: `.<name>.tmp`, or `.<name>.<n>.tmp` when a leftover
/// (from a crash, or planted) already has that name. Never opens an existing name.
fn create_temp(dir: &Path, name: &str) -> Result<(std::path::PathBuf, fs::File)> {
    for n in 0..64 {
        let tmp = if n == 0 {
            dir.join(format!(".{name}.tmp"))
        } else {
            dir.join(format!(".{name}.{n}.tmp"))
        };
        // Default permissions: the other members' accounts (a network drive, a shared
        // computer) must be able to read the folder; what is in it is encrypted.
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        match options.open(&tmp) {
            Ok(file) => return Ok((tmp, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(io_error(dir, &e)),
        }
    }
    Err(Error::SyncFolder {
        path: dir.display().to_string(),
        reason: "trop de fichiers temporaires laissés dans ce dossier : supprimez les fichiers qui commencent par un point".into(),
    })
}

/// A French reason for an I/O error, without the path (the caller names it).
pub(crate) fn io_reason(err: &std::io::Error) -> String {
    match err.kind() {
        std::io::ErrorKind::PermissionDenied => "accès refusé (dossier en lecture seule ?)".into(),
        std::io::ErrorKind::NotFound => {
            "introuvable (clé USB retirée, lecteur réseau déconnecté ?)".into()
        }
        std::io::ErrorKind::StorageFull => "plus de place disponible".into(),
        _ => match err.raw_os_error() {
            Some(30) => "le support est en lecture seule".into(),
            _ => err.to_string(),
        },
    }
}

/// The engine error for an I/O failure on the folder.
pub(crate) fn io_error(path: &Path, err: &std::io::Error) -> Error {
    Error::SyncFolder {
        path: path.display().to_string(),
        reason: io_reason(err),
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn links_fifos_and_large_files_are_refused_before_reading() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target");
        fs::write(&target, b"secret").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(matches!(read_regular(&link, 100), Err(Refused::NotRegular)));
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            assert!(matches!(read_regular(&fifo, 100), Err(Refused::NotRegular)));
        }
        assert!(matches!(
            read_regular(&target, 3),
            Err(Refused::TooLarge { len: 6, cap: 3 })
        ));
        assert_eq!(read_regular(&target, 6).unwrap(), b"secret");
        assert!(matches!(
            read_regular(&dir.path().join("none"), 6),
            Err(Refused::Absent)
        ));
    }

    #[test]
    fn a_planted_temporary_link_is_never_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        fs::write(&victim, b"the notebook").unwrap();
        std::os::unix::fs::symlink(&victim, dir.path().join(".seg.tmp")).unwrap();
        assert_eq!(
            write_new(&dir.path().join("seg"), b"segment").unwrap(),
            Written::Created
        );
        assert_eq!(fs::read(&victim).unwrap(), b"the notebook");
        assert_eq!(fs::read(dir.path().join("seg")).unwrap(), b"segment");
        // A link at the final name is left alone too.
        std::os::unix::fs::symlink(&victim, dir.path().join("seg2")).unwrap();
        assert_eq!(
            write_new(&dir.path().join("seg2"), b"x").unwrap(),
            Written::Exists
        );
        assert_eq!(fs::read(&victim).unwrap(), b"the notebook");
    }
}
