//! Making and opening a notebook: `init`, `demo`, `encrypt`, `passphrase change`,
//! `recovery-sheet`, `unlock`. The order that keeps the officer from losing her notebook lives
//! in the engine (`carnet::notebook_lock`); these print what she must keep (the recovery key).

use std::io::Write;
use std::path::PathBuf;

use carnet::clock::{Clock, SystemClock};

use super::Context;
use crate::{CliError, notebook_access};

/// `carnet init`.
pub(super) fn init(
    ctx: &mut Context,
    officer: Option<String>,
    territory: Option<String>,
    recovery_sheet: Option<PathBuf>,
) -> Result<(), CliError> {
    let mut recovery = Vec::new();
    let (mut store, recovery_key) = notebook_access::create(
        &ctx.path,
        ctx.default_location,
        ctx.passphrase_file.as_deref(),
        &mut recovery,
    )?;
    store.write(|w| carnet::notebook::start(w, officer.as_deref(), territory.as_deref()))?;
    let quartiers = carnet::territory::quartiers(&store)?.len();
    writeln!(ctx.out, "Carnet créé : {}", ctx.path.display())?;
    writeln!(
        ctx.out,
        "{} partenaires, {quartiers} quartier(s). Appareil : {}",
        carnet::partner::partners(&store)?.len(),
        store.device_id()
    )?;
    ctx.out.write_all(&recovery)?;
    if let Some(sheet) = recovery_sheet {
        carnet::recovery_sheet::save(&store, &recovery_key, &sheet)?;
        writeln!(
            ctx.out,
            "Feuille de secours à imprimer : {}",
            sheet.display()
        )?;
    }
    Ok(())
}

/// `carnet demo`.
pub(super) fn demo(
    ctx: &mut Context,
    seed: u64,
    years: u32,
    until: Option<String>,
    json: bool,
    plaintext: bool,
) -> Result<(), CliError> {
    let until = match until {
        Some(text) => carnet::validate::date("until", &text)?,
        None => SystemClock.today(),
    };
    // The generator lays out partners, territories and quartiers itself.
    let mut recovery = Vec::new();
    let mut store = if ctx.path.exists() {
        ctx.open()?
    } else if plaintext {
        notebook_access::create_plaintext(&ctx.path, ctx.default_location)?
    } else {
        notebook_access::create(
            &ctx.path,
            ctx.default_location,
            ctx.passphrase_file.as_deref(),
            &mut recovery,
        )?
        .0
    };
    let started = std::time::Instant::now();
    let summary = carnet_demo::generate(
        &mut store,
        &carnet_demo::DemoOptions { seed, years, until },
        &mut |p| {
            if !json && (p.weeks_done % 52 == 0 || p.weeks_done == p.weeks_total) {
                crate::output::progress(
                    "Génération",
                    u64::from(p.weeks_done),
                    u64::from(p.weeks_total),
                    "semaines",
                );
            }
        },
    )?;
    if json {
        writeln!(
            ctx.out,
            "{}",
            serde_json::to_string_pretty(&summary).unwrap_or_default()
        )?;
    } else {
        writeln!(
            ctx.out,
            "Démo créée dans {} en {:.1} s : {} personnes, {} rencontres, {} permanences, {} réunions collectives ({} participations), {} orientations, {} créations d'entreprise.",
            ctx.path.display(),
            started.elapsed().as_secs_f64(),
            summary.persons,
            summary.encounters,
            summary.permanences,
            summary.meetings,
            summary.attendances,
            summary.referrals,
            summary.businesses_created
        )?;
    }
    if json {
        // stdout stays one JSON document; the recovery key is for the officer's eyes.
        std::io::stderr().write_all(&recovery)?;
    } else {
        ctx.out.write_all(&recovery)?;
    }
    Ok(())
}

/// `carnet encrypt`.
pub(super) fn encrypt(ctx: &mut Context) -> Result<(), CliError> {
    notebook_access::encrypt(&ctx.path, ctx.passphrase_file.as_deref(), &mut ctx.out)?;
    Ok(())
}

/// `carnet recovery-sheet`.
pub(super) fn recovery_sheet(ctx: &mut Context, sheet: PathBuf) -> Result<(), CliError> {
    notebook_access::new_recovery_sheet(
        &ctx.path,
        ctx.passphrase_file.as_deref(),
        &sheet,
        &mut ctx.out,
    )?;
    Ok(())
}

/// `carnet unlock`.
pub(super) fn unlock(
    ctx: &mut Context,
    recovery_key: Option<String>,
    new_passphrase_file: Option<PathBuf>,
) -> Result<(), CliError> {
    notebook_access::unlock_with_recovery_key(
        &ctx.path,
        recovery_key.as_deref().unwrap_or_default(),
        new_passphrase_file.as_deref(),
        &mut ctx.out,
    )?;
    Ok(())
}

/// `carnet passphrase change`.
pub(super) fn change_passphrase(
    ctx: &mut Context,
    new_passphrase_file: Option<PathBuf>,
) -> Result<(), CliError> {
    notebook_access::change_passphrase(
        &ctx.path,
        ctx.passphrase_file.as_deref(),
        new_passphrase_file.as_deref(),
        &mut ctx.out,
    )
}
