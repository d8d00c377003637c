//! `sync`: this notebook with the team's shared folder, and the team passphrase (asked on the
//! terminal, read from a file or the environment; never echoed, zeroized after use).

use std::io::Write;
use std::path::{Path, PathBuf};

use carnet::Uuid;
use zeroize::Zeroizing;

use super::Context;
use crate::{CliError, notebook_access, output};

/// `carnet sync`: send this notebook's new changes, apply everything new in the folder.
pub(super) fn sync(
    ctx: &mut Context,
    folder: PathBuf,
    device_name: Option<String>,
    json: bool,
    new_passphrase: bool,
    new_passphrase_file: Option<PathBuf>,
    new_team: bool,
) -> Result<(), CliError> {
    if let Some(problem) = device_name
        .as_deref()
        .and_then(carnet::sync::device_name_problem)
    {
        return Err(CliError::Usage(format!("--device-name : {problem}.")));
    }
    // For sync, --passphrase-file is the team's: the notebook's comes from
    // CARNET_PASSPHRASE_FILE or the terminal.
    let mut store = notebook_access::open(&ctx.path, None)?;
    let passphrase = passphrase(ctx.passphrase_file.as_deref())?;
    if new_team {
        carnet::sync::forget_team(&mut store)?;
    }
    let (mut shared, created) = carnet::sync::connect(
        &store,
        &folder,
        &passphrase,
        &fresh_secrets(),
        Uuid::new_v4(),
        carnet::sync::KdfParams::STANDARD,
    )?;
    if created && !json {
        writeln!(
            ctx.out,
            "Dossier de synchronisation créé dans {}.",
            folder.display()
        )?;
    }
    if new_passphrase {
        let new = new_passphrase_text(new_passphrase_file.as_deref())?;
        let epoch =
            shared.change_passphrase(&new, &fresh_secrets(), carnet::sync::KdfParams::STANDARD)?;
        if !json {
            writeln!(
                ctx.out,
                "Phrase de passe de l'équipe changée (clé n° {epoch}) : ce qui sera écrit désormais ne se lira qu'avec la nouvelle. Donnez-la aux collègues qui restent dans l'équipe."
            )?;
        }
    }
    if let Some(name) = &device_name {
        store.set_local_setting("device_name", name)?;
    }
    let name = store.local_setting("device_name")?;
    let report = carnet::sync::sync(&mut store, &shared, name.as_deref(), &mut |p| {
        if !json {
            output::sync_progress(&p);
        }
    })?;
    output::sync_report(&mut ctx.out, &report, json)?;
    Ok(())
}

/// The team passphrase: the first line of `--passphrase-file`, else `CARNET_SYNC_PASSPHRASE`,
/// else asked on the terminal without echo.
fn passphrase(file: Option<&Path>) -> Result<Zeroizing<String>, CliError> {
    if let Some(file) = file {
        return notebook_access::first_line(file);
    }
    if let Ok(value) = std::env::var("CARNET_SYNC_PASSPHRASE") {
        return Ok(Zeroizing::new(value));
    }
    if !std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        return Err(CliError::Usage(
            "phrase de passe manquante : utilisez --passphrase-file, définissez CARNET_SYNC_PASSPHRASE ou lancez la commande dans un terminal.".into(),
        ));
    }
    rpassword::prompt_password("Phrase de passe de l'équipe : ")
        .map(Zeroizing::new)
        .map_err(|e| CliError::Usage(format!("phrase de passe illisible : {e}")))
}

/// The new team passphrase: `--new-passphrase-file`, else `CARNET_SYNC_NEW_PASSPHRASE`, else
/// asked twice on the terminal.
fn new_passphrase_text(file: Option<&Path>) -> Result<Zeroizing<String>, CliError> {
    if let Some(file) = file {
        return notebook_access::first_line(file);
    }
    if let Ok(value) = std::env::var("CARNET_SYNC_NEW_PASSPHRASE") {
        return Ok(Zeroizing::new(value));
    }
    if !std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        return Err(CliError::Usage(
            "nouvelle phrase de passe manquante : utilisez --new-passphrase-file ou définissez CARNET_SYNC_NEW_PASSPHRASE.".into(),
        ));
    }
    let ask = |prompt: &str| {
        rpassword::prompt_password(prompt)
            .map(Zeroizing::new)
            .map_err(|e| CliError::Usage(format!("phrase de passe illisible : {e}")))
    };
    notebook_access::ask_new(&ask, "Nouvelle phrase de passe de l'équipe : ")
}

/// Fresh random salt and key for a new folder or a new passphrase (from the system's random
/// source, through UUIDv4).
fn fresh_secrets() -> carnet::sync::FreshSecrets {
    let mut key = [0u8; 32];
    key[..16].copy_from_slice(Uuid::new_v4().as_bytes());
    key[16..].copy_from_slice(Uuid::new_v4().as_bytes());
    carnet::sync::FreshSecrets {
        salt: Uuid::new_v4().into_bytes(),
        key,
    }
}
