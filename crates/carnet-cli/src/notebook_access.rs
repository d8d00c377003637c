//! Opening and creating the notebook from the command line.
//!
//! A plaintext notebook (made by a Carnet before encryption) opens as it is; an encrypted one
//! opens with the officer's passphrase: the first line of `--passphrase-file`, else of the file
//! named by `CARNET_PASSPHRASE_FILE`, else asked on the terminal without echo. What an
//! interrupted conversion left is settled before any open. A new notebook is encrypted: its
//! recovery key is printed once. The random bytes of keys, salts and nonces come from the
//! system's random source here, never from the engine.

use std::io::Write;
use std::path::Path;

use carnet::clock::SystemClock;
use carnet::key_file::{Randomness, RecoveryKey};
use carnet::notebook_key::NotebookKey;
use carnet::notebook_lock::{self, NewKeys, NotebookState};
use carnet::{Store, Uuid};
use zeroize::Zeroizing;

use crate::CliError;

/// Opens the notebook at `path`, asking for its passphrase if it is encrypted.
pub fn open(path: &Path, passphrase_file: Option<&Path>) -> Result<Store, CliError> {
    let key = notebook_key(path, passphrase_file)?;
    let mut store = Store::open_with(path, key.as_ref(), Box::new(SystemClock))?;
    seed(&mut store)?;
    Ok(store)
}

/// The notebook's key (`None` for a plaintext notebook or no file yet).
fn notebook_key(
    path: &Path,
    passphrase_file: Option<&Path>,
) -> Result<Option<NotebookKey>, CliError> {
    if notebook_lock::state(path)? != NotebookState::Encrypted {
        return Ok(None);
    }
    // A damaged or missing key file is said before the passphrase is asked.
    let file = notebook_lock::key_file(path)?;
    let passphrase = passphrase(passphrase_file, "Phrase de passe du carnet : ")?;
    Ok(Some(file.open_with_passphrase(&passphrase)?))
}

/// Creates an encrypted notebook at `path` (and, for the default location, its folder), and
/// prints its recovery key.
pub fn create(
    path: &Path,
    default_location: bool,
    passphrase_file: Option<&Path>,
    out: &mut impl Write,
) -> Result<(Store, RecoveryKey), CliError> {
    ensure_folder(path, default_location)?;
    if path.exists() {
        return Err(carnet::Error::DatabaseExists {
            path: path.display().to_string(),
        }
        .into());
    }
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !folder.is_dir() {
        return Err(carnet::Error::CannotOpen {
            path: path.display().to_string(),
            reason: "le dossier n'existe pas".to_string(),
        }
        .into());
    }
    let passphrase = new_passphrase(passphrase_file, "CARNET_PASSPHRASE_FILE")?;
    let keys = NewKeys::drawn(&mut os_random)?;
    let mut store = notebook_lock::create(
        path,
        &passphrase,
        &keys,
        Uuid::new_v4(),
        Box::new(SystemClock),
    )?;
    seed(&mut store)?;
    show_recovery_key(out, &keys.recovery)?;
    Ok((store, keys.recovery))
}

/// Creates a plaintext notebook (fictional demo data only).
pub fn create_plaintext(path: &Path, default_location: bool) -> Result<Store, CliError> {
    ensure_folder(path, default_location)?;
    let mut store = Store::init(path, Uuid::new_v4(), Box::new(SystemClock))?;
    seed(&mut store)?;
    Ok(store)
}

/// Encrypts a plaintext notebook, with a passphrase chosen now; prints the recovery key.
pub fn encrypt(
    path: &Path,
    passphrase_file: Option<&Path>,
    out: &mut impl Write,
) -> Result<(), CliError> {
    notebook_lock::require(path, NotebookState::Plaintext)?;
    let passphrase = new_passphrase(passphrase_file, "CARNET_PASSPHRASE_FILE")?;
    let keys = NewKeys::drawn(&mut os_random)?;
    notebook_lock::encrypt(path, &passphrase, &keys, Box::new(SystemClock))?;
    writeln!(out, "Carnet chiffré : {}", path.display())?;
    show_recovery_key(out, &keys.recovery)?;
    Ok(())
}

/// Changes the notebook's passphrase (the notebook is not re-encrypted).
pub fn change_passphrase(
    path: &Path,
    passphrase_file: Option<&Path>,
    new_passphrase_file: Option<&Path>,
    out: &mut impl Write,
) -> Result<(), CliError> {
    let file = notebook_lock::key_file(path)?;
    let current = passphrase(passphrase_file, "Phrase de passe actuelle du carnet : ")?;
    let key = file.open_with_passphrase(&current)?;
    let new = new_passphrase(new_passphrase_file, "CARNET_NEW_PASSPHRASE_FILE")?;
    notebook_lock::change_passphrase(path, &key, &new, &Randomness::drawn(&mut os_random)?)?;
    writeln!(
        out,
        "Phrase de passe du carnet changée. L'ancienne ne l'ouvre plus ; la clé de secours reste valable."
    )?;
    Ok(())
}

/// Opens the notebook with its recovery key and sets a new passphrase.
pub fn unlock_with_recovery_key(
    path: &Path,
    recovery_key: &str,
    new_passphrase_file: Option<&Path>,
    out: &mut impl Write,
) -> Result<(), CliError> {
    notebook_lock::key_file(path)?;
    let typed = if recovery_key.trim().is_empty() {
        match std::env::var("CARNET_RECOVERY_KEY") {
            Ok(value) => Zeroizing::new(value),
            Err(_) => ask("Clé de secours : ")?,
        }
    } else {
        Zeroizing::new(recovery_key.to_string())
    };
    let key = notebook_lock::key_from_recovery_key(path, &typed, Box::new(SystemClock))?;
    let new = new_passphrase(new_passphrase_file, "CARNET_NEW_PASSPHRASE_FILE")?;
    notebook_lock::change_passphrase(path, &key, &new, &Randomness::drawn(&mut os_random)?)?;
    writeln!(
        out,
        "Carnet ouvert avec la clé de secours ; nouvelle phrase de passe enregistrée."
    )?;
    Ok(())
}

/// For the default location, creates the notebook's folder.
fn ensure_folder(path: &Path, default_location: bool) -> Result<(), CliError> {
    if let (true, Some(parent)) = (default_location, path.parent()) {
        std::fs::create_dir_all(parent).map_err(|e| {
            CliError::Usage(format!(
                "impossible de créer le dossier {} : {e}",
                parent.display()
            ))
        })?;
    }
    Ok(())
}

/// A new recovery key and its sheet: the sheet is written first, then the key file, so the
/// old sheet stays valid if the new one could not be written.
pub fn new_recovery_sheet(
    path: &Path,
    passphrase_file: Option<&Path>,
    out_path: &Path,
    out: &mut impl Write,
) -> Result<(), CliError> {
    let file = notebook_lock::key_file(path)?;
    let current = passphrase(passphrase_file, "Phrase de passe du carnet : ")?;
    let key = file.open_with_passphrase(&current)?;
    let store = Store::open_with(path, Some(&key), Box::new(SystemClock))?;
    let recovery = RecoveryKey::drawn(&mut os_random)?;
    notebook_lock::renew_recovery_key(
        path,
        &key,
        &recovery,
        &Randomness::drawn(&mut os_random)?,
        || carnet::recovery_sheet::save(&store, &recovery, out_path),
    )?;
    writeln!(
        out,
        "Nouvelle feuille de secours : {}. L'ancienne clé de secours n'ouvre plus le carnet.",
        out_path.display()
    )?;
    show_recovery_key(out, &recovery)?;
    Ok(())
}

fn show_recovery_key(out: &mut impl Write, recovery: &RecoveryKey) -> Result<(), CliError> {
    writeln!(
        out,
        "Clé de secours (elle ne sera plus affichée : notez-la et gardez-la sous clé, elle ouvre le carnet si la phrase de passe est oubliée) :"
    )?;
    writeln!(out, "  {}", &*recovery.display())?;
    Ok(())
}

/// The notebook's passphrase: `--passphrase-file`, else `CARNET_PASSPHRASE_FILE`, else asked.
fn passphrase(file: Option<&Path>, prompt: &str) -> Result<Zeroizing<String>, CliError> {
    if let Some(file) = file {
        return first_line(file);
    }
    if let Some(file) = std::env::var_os("CARNET_PASSPHRASE_FILE") {
        return first_line(Path::new(&file));
    }
    ask(prompt)
}

/// A new passphrase: the given file, else the file named by `env`, else asked twice; it
/// must meet the 80-bit rule.
fn new_passphrase(file: Option<&Path>, env: &str) -> Result<Zeroizing<String>, CliError> {
    if let Some(file) = file {
        return first_line(file);
    }
    if let Some(file) = std::env::var_os(env) {
        return first_line(Path::new(&file));
    }
    ask_new(&ask, "Nouvelle phrase de passe du carnet : ")
}

/// A new passphrase typed twice on the terminal (with `ask`), meeting the 80-bit rule: the
/// notebook's here, the team's for `carnet sync --new-passphrase`.
pub(crate) fn ask_new(
    ask: &dyn Fn(&str) -> Result<Zeroizing<String>, CliError>,
    prompt: &str,
) -> Result<Zeroizing<String>, CliError> {
    let first = ask(prompt)?;
    let strength = carnet::sync::passphrase::strength(&first);
    if !strength.ok {
        return Err(CliError::Usage(strength.hint));
    }
    if *ask("Confirmez la nouvelle phrase de passe : ")? != *first {
        return Err(CliError::Usage(
            "les deux saisies diffèrent : rien n'a été changé.".into(),
        ));
    }
    Ok(first)
}

fn ask(prompt: &str) -> Result<Zeroizing<String>, CliError> {
    if !std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        return Err(CliError::Usage(
            "phrase de passe du carnet manquante : utilisez --passphrase-file, définissez CARNET_PASSPHRASE_FILE ou lancez la commande dans un terminal.".into(),
        ));
    }
    rpassword::prompt_password(prompt)
        .map(Zeroizing::new)
        .map_err(|e| CliError::Usage(format!("saisie illisible : {e}")))
}

/// Gives an opened notebook its fresh random bytes, never stored: the salt of new ids (two
/// copies of one file never mint the same) and the seed of new secrets (a person's key).
fn seed(store: &mut Store) -> Result<(), CliError> {
    let mut id_salt = [0u8; 16];
    let mut key_seed = Zeroizing::new([0u8; 32]);
    os_random(&mut id_salt)?;
    os_random(key_seed.as_mut_slice())?;
    store.set_id_salt(id_salt);
    store.set_key_seed(*key_seed);
    Ok(())
}

/// The system's random source, for keys, salts and nonces.
fn os_random(bytes: &mut [u8]) -> Result<(), CliError> {
    getrandom::fill(bytes)
        .map_err(|e| CliError::Usage(format!("source d'aléa du système indisponible : {e}")))
}

/// The first line of a file holding a passphrase (the line break is not part of it).
pub(crate) fn first_line(file: &Path) -> Result<Zeroizing<String>, CliError> {
    let text = Zeroizing::new(std::fs::read_to_string(file).map_err(|e| {
        CliError::Usage(format!(
            "fichier de phrase de passe illisible ({}) : {e}",
            file.display()
        ))
    })?);
    Ok(Zeroizing::new(
        text.lines().next().unwrap_or_default().to_string(),
    ))
}
