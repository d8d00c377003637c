//! Changing the notebook from the terminal: `add`, `import`, `merge`, `separate`,
//! `not-duplicate`, `retention`, `erase`, `anonymise`. Each goes through the engine's single
//! write path; the destructive ones ask for `--yes` and say first what would go.

use std::io::Write;

use super::Context;
use crate::args::AddCommand;
use crate::{CliError, output};

/// `carnet add person|encounter`.
pub(super) fn add(ctx: &mut Context, add: AddCommand) -> Result<(), CliError> {
    let mut store = ctx.open()?;
    let id = match add {
        AddCommand::Person(p) => {
            let even_if_duplicate = p.even_if_duplicate;
            let person = p.into_person()?;
            let found = carnet::duplicates::candidates(&store, &person, None, 5)?;
            let sure = found
                .iter()
                .any(|c| c.level == carnet::person_match::Level::VeryLikely);
            // Refused: the candidates on stdout, the reason as the one error line.
            // Created: stdout stays the new id alone; the candidates warn on stderr.
            if sure && !even_if_duplicate {
                output::duplicate_candidates(&mut ctx.out, &found)?;
                ctx.out.flush()?;
                return Err(CliError::Usage(
                        "rien n'a été créé : cette personne existe très probablement déjà (fiches listées sur la sortie). Utilisez sa fiche, ou ajoutez --even-if-duplicate pour la créer quand même.".into(),
                    ));
            }
            if !found.is_empty() {
                output::duplicate_candidates(&mut std::io::stderr(), &found)?;
            }
            store.create(&person)?
        }
        AddCommand::Encounter(e) => store.create(&e.into_encounter()?)?,
    };
    writeln!(ctx.out, "{id}")?;
    Ok(())
}

/// `carnet import`.
pub(super) fn import(
    ctx: &mut Context,
    file: std::path::PathBuf,
    dry_run: bool,
    json: bool,
) -> Result<(), CliError> {
    let summary = if dry_run {
        let store = ctx.open()?;
        carnet::import::plan(&store, &file, None, &mut |_, _| true)?
    } else {
        let mut store = ctx.open()?;
        carnet::import::import(&mut store, &file, None, &mut |_, _| true)?
    };
    output::import_summary(&mut ctx.out, &summary, dry_run, json)?;
    Ok(())
}

/// `carnet merge`.
pub(super) fn merge(
    ctx: &mut Context,
    keep: String,
    other: String,
    take: Vec<String>,
) -> Result<(), CliError> {
    let mut store = ctx.open()?;
    let keep = carnet::validate::id(&keep)?;
    let other = carnet::validate::id(&other)?;
    let mut fields = carnet::person_merge::empty_on_kept(&store, keep, other)?;
    for name in &take {
        let Some(field) = carnet::person_merge::mergeable_fields().find(|f| f == name) else {
            return Err(CliError::Usage(format!(
                "champ inconnu pour --take : « {name} ». Champs possibles : {}.",
                carnet::person_merge::mergeable_fields()
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        };
        if !fields.contains(&field) {
            fields.push(field);
        }
    }
    store.write(|w| carnet::person_merge::merge(w, keep, other, &fields))?;
    let kept: carnet::person::Person = store.get(keep)?;
    writeln!(
        ctx.out,
        "Fiches fusionnées : {other} est désormais lue comme {} ({keep}).",
        kept.full_name()
    )?;
    if !fields.is_empty() {
        let labels: Vec<&str> = fields
            .iter()
            .map(|f| carnet::schema::field_label(f))
            .collect();
        writeln!(ctx.out, "Repris de l'autre fiche : {}.", labels.join(", "))?;
    }
    writeln!(
        ctx.out,
        "La fusion partira avec la prochaine synchronisation. Pour la défaire : carnet separate {other}"
    )?;
    Ok(())
}

/// `carnet separate`.
pub(super) fn separate(ctx: &mut Context, person: String) -> Result<(), CliError> {
    let mut store = ctx.open()?;
    let id = carnet::validate::id(&person)?;
    store.write(|w| carnet::person_merge::separate(w, id))?;
    writeln!(
        ctx.out,
        "Fiche séparée : {id} redevient une personne à part, avec son historique."
    )?;
    Ok(())
}

/// `carnet not-duplicate`.
pub(super) fn not_duplicate(
    ctx: &mut Context,
    first: String,
    second: String,
) -> Result<(), CliError> {
    let mut store = ctx.open()?;
    let a = carnet::validate::id(&first)?;
    let b = carnet::validate::id(&second)?;
    store.write(|w| carnet::person_merge::not_duplicate(w, a, b))?;
    writeln!(
        ctx.out,
        "Noté : ces deux fiches sont deux personnes différentes ; la paire ne sera plus proposée comme doublon."
    )?;
    Ok(())
}

/// `carnet retention`.
pub(super) fn retention(
    ctx: &mut Context,
    json: bool,
    set_months: Option<u32>,
    prolong: Option<String>,
    until: Option<String>,
    reason: Option<String>,
) -> Result<(), CliError> {
    let mut store = ctx.open()?;
    if let Some(months) = set_months {
        carnet::retention::set_period(&mut store, months)?;
    }
    if let (Some(person), Some(until), Some(reason)) = (prolong, until, reason) {
        let person = carnet::validate::id(&person)?;
        let today = store.today();
        let until = carnet::validate::date_as_typed("until", &until, today)?;
        carnet::retention::prolong(&mut store, person, until, &reason, today)?;
    }
    let months = carnet::retention::period(&store)?;
    let due = carnet::retention::due(&store, store.today(), months)?;
    output::retention(&mut ctx.out, &due, months, json)?;
    Ok(())
}

/// `carnet erase`.
pub(super) fn erase(ctx: &mut Context, person: String, yes: bool) -> Result<(), CliError> {
    let mut store = ctx.open()?;
    let id = carnet::validate::id(&person)?;
    let preview = carnet::erasure::preview(&store, id)?;
    if !yes {
        return Err(CliError::Usage(format!(
            "rien n'a été effacé : l'effacement de cette personne retirerait sa fiche, {} orientation(s), {} lettre(s), {} sortie(s) et {} participation(s), et rendrait anonymes {} rencontre(s) ; il est définitif. Ajoutez --yes pour confirmer.",
            preview.referrals,
            preview.letters,
            preview.outcomes,
            preview.attendances,
            preview.encounters
        )));
    }
    let purged = carnet::erasure::erase(&mut store, id)?;
    writeln!(
        ctx.out,
        "Personne effacée : {} fiche(s) retirée(s), {} rencontre(s) gardée(s) comme contacts anonymes.",
        purged.rows, purged.encounters_detached
    )?;
    if purged.kept_anonymously > 0 {
        writeln!(
            ctx.out,
            "Les chiffres des années closes ne changent pas : {} élément(s) y restent comptés sous une personne anonymisée, sans nom ni coordonnées.",
            purged.kept_anonymously
        )?;
    }
    writeln!(
        ctx.out,
        "L'ordre d'effacement partira avec la prochaine synchronisation."
    )?;
    Ok(())
}

/// `carnet anonymise`.
pub(super) fn anonymise(ctx: &mut Context, person: String, yes: bool) -> Result<(), CliError> {
    let mut store = ctx.open()?;
    let id = carnet::validate::id(&person)?;
    carnet::erasure::preview(&store, id)?;
    if !yes {
        return Err(CliError::Usage(
            "rien n'a été anonymisé : son nom, ses coordonnées, ses notes et ses lettres disparaîtraient partout, définitivement. Ajoutez --yes pour confirmer.".into(),
        ));
    }
    let purged = carnet::erasure::anonymise(&mut store, id)?;
    if purged.kept_anonymously > 0 {
        writeln!(
            ctx.out,
            "Personne anonymisée : sa fiche, son historique et tout ce qui la nommait sont effacés ; {} élément(s) (rencontres, participations, orientations, sorties) restent comptés dans les chiffres sous une fiche « Personne anonymisée », sans nom ni notes.",
            purged.kept_anonymously
        )?;
    } else {
        writeln!(
            ctx.out,
            "Personne anonymisée : elle n'était comptée dans aucun chiffre (aucune rencontre, réunion, orientation ni sortie) ; rien n'est gardé d'elle."
        )?;
    }
    writeln!(
        ctx.out,
        "L'ordre partira avec la prochaine synchronisation."
    )?;
    Ok(())
}
