//! The documents the officer hands out: an orientation letter (`letter`) and the yearly
//! activity file (`export`).

use std::io::Write;
use std::path::PathBuf;

use super::Context;
use crate::CliError;

/// `carnet letter`.
pub(super) fn letter(
    ctx: &mut Context,
    referral: String,
    file: PathBuf,
    date: Option<String>,
    template: Option<String>,
) -> Result<(), CliError> {
    let mut store = ctx.open()?;
    let referral = carnet::validate::id(&referral)?;
    let template = template.map(|t| carnet::validate::id(&t)).transpose()?;
    let day = match date {
        Some(text) => carnet::validate::date_as_typed("date", &text, store.today())?,
        None => store.today(),
    };
    let saved = carnet::letter::save(&mut store, referral, template, day, &file)?;
    writeln!(
        ctx.out,
        "Lettre enregistrée dans {} ({} Ko).{}",
        file.display(),
        saved.bytes.div_ceil(1024),
        if saved.sent {
            " L'orientation est passée à « envoyée »."
        } else {
            ""
        }
    )?;
    Ok(())
}

/// `carnet export`.
pub(super) fn export(
    ctx: &mut Context,
    year: i32,
    file: PathBuf,
    with_names: bool,
) -> Result<(), CliError> {
    let store = ctx.open()?;
    let options = carnet::report::xlsx::ExportOptions {
        year,
        with_names,
        made_on: store.today(),
        structure: carnet::report::structure_name(&store)?,
    };
    let exported = carnet::report::export(&store, &options, &file, &mut |_, _| {})?;
    writeln!(
        ctx.out,
        "Bilan {year} enregistré dans {} ({} Ko).",
        exported.path,
        exported.bytes.div_ceil(1024)
    )?;
    Ok(())
}
