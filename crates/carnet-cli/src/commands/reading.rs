//! Reading the notebook: `stats`, `list`, `digest`, `check`, `search`, `timeline`, `audit`,
//! `followups`, `duplicates`, `access-export`. Nothing here writes, except the journal entries
//! the engine records for consultations and exports.

use std::io::Write;

use super::Context;
use crate::args::ListTarget;
use crate::{CliError, output};

/// `carnet stats`.
pub(super) fn stats(ctx: &mut Context, json: bool) -> Result<(), CliError> {
    let store = ctx.open()?;
    let stats = carnet::stats::stats(&store)?;
    output::stats(&mut ctx.out, &stats, json)?;
    Ok(())
}

/// `carnet list`.
pub(super) fn list(
    ctx: &mut Context,
    what: ListTarget,
    year: Option<i32>,
    json: bool,
) -> Result<(), CliError> {
    let store = ctx.open()?;
    let range = year.map(year_range).transpose()?;
    output::list(&mut ctx.out, &store, what, range, json)?;
    Ok(())
}

/// `carnet digest`.
pub(super) fn digest(ctx: &mut Context) -> Result<(), CliError> {
    let store = ctx.open()?;
    writeln!(ctx.out, "{}", carnet::digest::digest(&store)?)?;
    Ok(())
}

/// `carnet check`.
pub(super) fn check(ctx: &mut Context, json: bool) -> Result<(), CliError> {
    let store = ctx.open()?;
    let report = carnet::check::check_with_progress(&store, &mut |p| {
        if !json {
            crate::output::progress(
                "Vérification",
                p.writes_done,
                p.writes_total,
                "écritures du journal",
            );
        }
    })?;
    if json {
        writeln!(
            ctx.out,
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        )?;
    } else {
        for problem in &report.problems {
            writeln!(ctx.out, "- {problem}")?;
        }
    }
    if !report.is_ok() {
        return Err(CliError::Usage(format!(
            "{} problème(s) trouvé(s) dans la base.",
            report.problems.len()
        )));
    }
    if !json {
        writeln!(
            ctx.out,
            "Base intègre : {} lignes et {} modifications vérifiées.",
            report.rows, report.changes
        )?;
    }
    Ok(())
}

/// `carnet search`.
pub(super) fn search(ctx: &mut Context, text: String, json: bool) -> Result<(), CliError> {
    let store = ctx.open()?;
    let found = carnet::person::search(&store, &text, None, 50)?;
    output::persons(&mut ctx.out, &store, &found, json)?;
    Ok(())
}

/// `carnet timeline`.
pub(super) fn timeline(ctx: &mut Context, person: String, json: bool) -> Result<(), CliError> {
    let store = ctx.open()?;
    let id = carnet::validate::id(&person)?;
    let items = carnet::timeline::of_person(&store, id)?;
    // Reading a person's history is a consultation, journaled.
    carnet::person::open(&store, id)?;
    output::timeline(&mut ctx.out, &items, json)?;
    Ok(())
}

/// `carnet audit`.
pub(super) fn audit(
    ctx: &mut Context,
    since: Option<String>,
    json: bool,
    verify: bool,
) -> Result<(), CliError> {
    let store = ctx.open()?;
    if verify {
        let v = carnet::audit::verify(&store)?;
        if let Some(seq) = v.broken_at {
            return Err(CliError::Usage(format!(
                "le journal a été modifié : l'entrée n° {seq} ne suit pas la précédente (une entrée a été retirée ou changée). Signalez-le au responsable du traitement."
            )));
        }
        if v.truncated {
            return Err(CliError::Usage(
                "le journal a été modifié : ses dernières entrées ont été retirées. Signalez-le au responsable du traitement.".into(),
            ));
        }
        writeln!(
            ctx.out,
            "Journal intact : {} entrée(s) vérifiée(s), aucune retirée ni modifiée.",
            v.entries
        )?;
        return Ok(());
    }
    let since = since
        .map(|text| carnet::validate::date_as_typed("since", &text, store.today()))
        .transpose()?;
    let entries = carnet::audit::entries(&store, since, None)?;
    output::audit(&mut ctx.out, &entries, json)?;
    Ok(())
}

/// `carnet followups`.
pub(super) fn followups(
    ctx: &mut Context,
    until: Option<String>,
    json: bool,
) -> Result<(), CliError> {
    let store = ctx.open()?;
    let day = match until {
        Some(text) => carnet::validate::date_as_typed("until", &text, store.today())?,
        None => store.today(),
    };
    let due = carnet::followup::due(&store, day)?;
    output::followups(&mut ctx.out, &due, json)?;
    Ok(())
}

/// `carnet duplicates`.
pub(super) fn duplicates(ctx: &mut Context, json: bool) -> Result<(), CliError> {
    let store = ctx.open()?;
    let pairs = carnet::duplicates::pairs(&store)?;
    output::duplicate_pairs(&mut ctx.out, &pairs, json)?;
    Ok(())
}

/// `carnet access-export`.
pub(super) fn access_export(
    ctx: &mut Context,
    person: String,
    file: std::path::PathBuf,
) -> Result<(), CliError> {
    let store = ctx.open()?;
    let id = carnet::validate::id(&person)?;
    let bytes = carnet::access_export::write(&store, id, store.today(), &file)?;
    writeln!(
        ctx.out,
        "Données de la personne exportées dans {} ({bytes} octets) : courrier.pdf (à lui remettre), donnees.json (le détail et l'historique), et ses lettres d'orientation.",
        file.display()
    )?;
    Ok(())
}

fn year_range(year: i32) -> Result<(chrono::NaiveDate, chrono::NaiveDate), CliError> {
    let from = chrono::NaiveDate::from_ymd_opt(year, 1, 1);
    let to = chrono::NaiveDate::from_ymd_opt(year, 12, 31);
    match (from, to) {
        (Some(from), Some(to)) if (1900..=2200).contains(&year) => Ok((from, to)),
        _ => Err(CliError::Usage(format!(
            "année invalide : {year} (attendu par exemple 2026)."
        ))),
    }
}

/// Refuses `--year` where it means nothing.
pub(crate) fn no_year(
    what: ListTarget,
    range: Option<(chrono::NaiveDate, chrono::NaiveDate)>,
) -> Result<(), CliError> {
    if range.is_some() && what == ListTarget::Partners {
        return Err(CliError::Usage(
            "--year ne s'applique pas à la liste des partenaires.".into(),
        ));
    }
    Ok(())
}
