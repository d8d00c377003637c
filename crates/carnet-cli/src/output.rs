//! What the command line prints: French text for people, JSON (`--json`) for programs.

use std::collections::HashMap;
use std::io::Write;

use carnet::followup::FollowUp;
use carnet::person::Person;
use carnet::schema::{self, enum_label};
use carnet::stats::Stats;
use carnet::timeline::TimelineItem;
use carnet::{Entry, Store, Uuid};
use chrono::NaiveDate;
use serde::Serialize;

use crate::CliError;
use crate::args::ListTarget;

/// One line of progress on the error stream (standard output keeps the result alone),
/// rewritten in place, ended when `done` reaches `total`. A failed write to the terminal
/// changes nothing of the work, so it is not an error.
pub fn progress(label: &str, done: u64, total: u64, unit: &str) {
    progress_line(&format!("{label} : {done} / {total} {unit}"), done == total);
}

/// A sync's progress, as [`progress`] writes it: segments, and changes with « environ » while
/// their total is estimated.
pub fn sync_progress(p: &carnet::sync::SyncProgress) {
    let (text, finished) = match p.step {
        carnet::sync::SyncStep::Receiving => (
            format!(
                "Réception : {} / {} segments, {} / {}{} modifications",
                p.segments_done,
                p.segments_total,
                p.changes_done,
                if p.exact { "" } else { "environ " },
                p.changes_total
            ),
            p.segments_done == p.segments_total,
        ),
        // Reported once, when the segments are all applied: the line stays while it lasts.
        carnet::sync::SyncStep::Indexing => (
            "Réception : classement des données reçues…".to_string(),
            true,
        ),
        carnet::sync::SyncStep::Sending => (
            format!(
                "Envoi : {} / {} modifications, {} segment(s) écrit(s)",
                p.changes_done, p.changes_total, p.segments_done
            ),
            p.changes_done == p.changes_total,
        ),
    };
    progress_line(&text, finished);
}

/// Writes `text` over the line before (padded, so a shorter line leaves nothing of a longer
/// one), and ends the line when `finished`.
fn progress_line(text: &str, finished: bool) {
    let mut stderr = std::io::stderr();
    let _ = write!(stderr, "\r{text:<72}");
    if finished {
        let _ = writeln!(stderr);
    }
}

fn json<T: Serialize + ?Sized>(out: &mut dyn Write, value: &T) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(value).map_err(|e| CliError::Usage(e.to_string()))?;
    writeln!(out, "{text}")?;
    Ok(())
}

fn date_fr(date: NaiveDate) -> String {
    date.format("%d/%m/%Y").to_string()
}

pub fn stats(out: &mut dyn Write, stats: &Stats, as_json: bool) -> Result<(), CliError> {
    if as_json {
        return json(out, stats);
    }
    let labels = [
        ("person", "Personnes"),
        ("encounter", "Rencontres"),
        ("permanence", "Permanences"),
        ("meeting", "Réunions collectives"),
        ("attendance", "Participations aux réunions"),
        ("referral", "Orientations"),
        ("referral_event", "Étapes d'orientation"),
        ("outcome", "Sorties"),
        ("partner", "Partenaires"),
        ("territory", "Territoires"),
        ("quartier", "Quartiers"),
        ("place", "Lieux"),
        ("officer", "Profils"),
    ];
    for (entity, label) in labels {
        writeln!(
            out,
            "{label:<30} {:>8}",
            stats.entities.get(entity).unwrap_or(&0)
        )?;
    }
    writeln!(out, "\nRencontres par nature")?;
    for (code, label) in schema::ENCOUNTER_KIND {
        writeln!(
            out,
            "  {label:<36} {:>8}",
            stats.encounters_by_kind.get(code).unwrap_or(&0)
        )?;
    }
    writeln!(
        out,
        "\nPersonnes touchées (nommées et anonymes) : {}",
        stats.people_reached
    )?;
    writeln!(out, "Modifications enregistrées : {}", stats.changes)?;
    Ok(())
}

fn quartier_names(store: &Store) -> Result<HashMap<Uuid, String>, CliError> {
    Ok(carnet::territory::quartiers(store)?
        .into_iter()
        .map(|q| (q.id, q.data.name))
        .collect())
}

pub fn persons(
    out: &mut dyn Write,
    store: &Store,
    persons: &[Entry<Person>],
    as_json: bool,
) -> Result<(), CliError> {
    if as_json {
        return json(out, persons);
    }
    let quartiers = quartier_names(store)?;
    for p in persons {
        let quartier = p
            .data
            .quartier_id
            .and_then(|q| quartiers.get(&q))
            .map(String::as_str)
            .unwrap_or("—");
        writeln!(
            out,
            "{}  {} {}  ({quartier})",
            p.id, p.data.last_name, p.data.first_name
        )?;
    }
    if persons.is_empty() {
        writeln!(out, "Aucune personne trouvée.")?;
    }
    Ok(())
}

pub fn list(
    out: &mut dyn Write,
    store: &Store,
    what: ListTarget,
    range: Option<(NaiveDate, NaiveDate)>,
    as_json: bool,
) -> Result<(), CliError> {
    crate::commands::reading::no_year(what, range)?;
    // Dates are stored as ISO text: bounds must be four-digit years to compare as text.
    let everything = (
        NaiveDate::from_ymd_opt(1, 1, 1).unwrap_or_default(),
        NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or_default(),
    );
    let (from, to) = range.unwrap_or(everything);
    match what {
        ListTarget::Persons => {
            let found = match range {
                Some(_) => carnet::person::seen_between(store, from, to)?,
                None => carnet::person::all(store)?,
            };
            persons(out, store, &found, as_json)
        }
        ListTarget::Encounters => {
            let found = carnet::encounter::in_range(store, from, to)?;
            if as_json {
                return json(out, &found);
            }
            let quartiers = quartier_names(store)?;
            for e in &found {
                let who = match (e.data.person_id, e.data.head_count) {
                    (Some(_), _) => "1 personne nommée".to_string(),
                    (None, Some(n)) => format!("{n} personne(s) anonyme(s)"),
                    (None, None) => "—".to_string(),
                };
                let quartier = e
                    .data
                    .quartier_id
                    .and_then(|q| quartiers.get(&q))
                    .map(String::as_str)
                    .unwrap_or("—");
                writeln!(
                    out,
                    "{}  {}  {:<30} {quartier:<28} {who}",
                    e.id,
                    date_fr(e.data.date),
                    enum_label(schema::ENCOUNTER_KIND, &e.data.kind)
                )?;
            }
            writeln!(out, "{} rencontre(s).", found.len())?;
            Ok(())
        }
        ListTarget::Permanences => {
            let found = carnet::permanence::in_range(store, from, to)?;
            if as_json {
                return json(out, &found);
            }
            let quartiers = quartier_names(store)?;
            for p in &found {
                writeln!(
                    out,
                    "{}  {}  {}-{}  {:<28} {}",
                    p.id,
                    date_fr(p.data.date),
                    p.data.start_time.as_deref().unwrap_or("--:--"),
                    p.data.end_time.as_deref().unwrap_or("--:--"),
                    quartiers
                        .get(&p.data.quartier_id)
                        .map(String::as_str)
                        .unwrap_or("—"),
                    enum_label(schema::PERMANENCE_STATUS, &p.data.status)
                )?;
            }
            writeln!(out, "{} permanence(s).", found.len())?;
            Ok(())
        }
        ListTarget::Referrals => {
            let found = carnet::referral::in_range(store, from, to)?;
            if as_json {
                return json(out, &found);
            }
            let partners: HashMap<Uuid, String> = carnet::partner::partners(store)?
                .into_iter()
                .map(|p| (p.id, p.data.name))
                .collect();
            for r in &found {
                writeln!(
                    out,
                    "{}  {}  {:<18} {:<30} {}",
                    r.id,
                    date_fr(r.data.date),
                    partners
                        .get(&r.data.partner_id)
                        .map(String::as_str)
                        .unwrap_or("—"),
                    enum_label(schema::NEED, &r.data.need),
                    enum_label(schema::REFERRAL_STATUS, &r.data.status)
                )?;
            }
            writeln!(out, "{} orientation(s).", found.len())?;
            Ok(())
        }
        ListTarget::Partners => {
            let found = carnet::partner::partners(store)?;
            if as_json {
                return json(out, &found);
            }
            for p in &found {
                writeln!(
                    out,
                    "{}  {:<20} {}",
                    p.id,
                    p.data.name,
                    enum_label(schema::PARTNER_KIND, &p.data.kind)
                )?;
            }
            Ok(())
        }
    }
}

pub fn timeline(
    out: &mut dyn Write,
    items: &[TimelineItem],
    as_json: bool,
) -> Result<(), CliError> {
    if as_json {
        return json(out, items);
    }
    for item in items {
        writeln!(out, "{}  {}", date_fr(item.date), item.summary)?;
    }
    if items.is_empty() {
        writeln!(out, "Rien pour l'instant.")?;
    }
    Ok(())
}

pub fn followups(out: &mut dyn Write, due: &[FollowUp], as_json: bool) -> Result<(), CliError> {
    if as_json {
        return json(out, due);
    }
    for f in due {
        let what = if f.source == "referral" {
            "Orientation"
        } else {
            "Rencontre"
        };
        writeln!(
            out,
            "{}  {what:<12} {}  {}",
            date_fr(f.due),
            f.person_name.as_deref().unwrap_or("(anonyme)"),
            f.id
        )?;
    }
    writeln!(out, "{} relance(s) à faire.", due.len())?;
    Ok(())
}

/// The records that may be the person being added (on stderr: stdout is for her id).
pub fn duplicate_candidates(
    out: &mut dyn Write,
    found: &[carnet::duplicates::Candidate],
) -> Result<(), CliError> {
    writeln!(out, "Cette personne existe peut-être déjà :")?;
    for c in found {
        let born = c
            .birth_date
            .map(|d| format!(", née le {}", date_fr(d)))
            .unwrap_or_default();
        writeln!(
            out,
            "  {} {}{born} — {} ({}) : {}  {}",
            c.first_name,
            c.last_name,
            c.level.label(),
            c.score,
            c.reasons.join(", "),
            c.id
        )?;
    }
    Ok(())
}

/// The notebook's likely duplicate pairs.
pub fn duplicate_pairs(
    out: &mut dyn Write,
    pairs: &[carnet::duplicates::Pair],
    as_json: bool,
) -> Result<(), CliError> {
    if as_json {
        return json(out, pairs);
    }
    for p in pairs {
        writeln!(
            out,
            "{} / {} — {} ({}) : {}  {} {}",
            p.a_name,
            p.b_name,
            p.level.label(),
            p.score,
            p.reasons.join(", "),
            p.a,
            p.b
        )?;
    }
    let sure = pairs
        .iter()
        .filter(|p| p.level == carnet::person_match::Level::VeryLikely)
        .count();
    writeln!(
        out,
        "{} doublon(s) probable(s) : {sure} très probable(s), {} à vérifier.",
        pairs.len(),
        pairs.len() - sure
    )?;
    Ok(())
}

pub fn retention(
    out: &mut dyn Write,
    due: &[carnet::retention::Due],
    months: u32,
    as_json: bool,
) -> Result<(), CliError> {
    if as_json {
        return json(out, due);
    }
    for d in due {
        let contact = if d.never_met {
            format!(
                "enregistrée le {}, jamais rencontrée",
                date_fr(d.last_contact)
            )
        } else {
            format!("dernier contact le {}", date_fr(d.last_contact))
        };
        let kept = d
            .extended_until
            .map(|until| format!(" (prolongée jusqu'au {})", date_fr(until)))
            .unwrap_or_default();
        writeln!(
            out,
            "{} {}  {}  {contact}{kept}  {}",
            d.first_name,
            d.last_name,
            d.quartier_name.as_deref().unwrap_or("(sans quartier)"),
            d.id
        )?;
    }
    writeln!(
        out,
        "{} personne(s) à réexaminer (durée de conservation : {months} mois).",
        due.len()
    )?;
    Ok(())
}

pub fn sync_report(
    out: &mut dyn Write,
    report: &carnet::sync::SyncReport,
    as_json: bool,
) -> Result<(), CliError> {
    if as_json {
        return json(out, report);
    }
    if let Some(id) = report.new_device_id {
        writeln!(
            out,
            "Cette base est une copie d'une autre : elle continue sous un nouvel identifiant d'appareil ({id})."
        )?;
    }
    writeln!(
        out,
        "Synchronisation terminée : {} segment(s) envoyé(s) ({} modification(s)), {} reçu(s) ({} modification(s) appliquée(s)), {} conflit(s) à vérifier.",
        report.segments_sent,
        report.changes_sent,
        report.segments_received,
        report.changes_applied,
        report.conflicts
    )?;
    if report.restored > 0 {
        writeln!(
            out,
            "{} segment(s) disparu(s) du dossier remis en place.",
            report.restored
        )?;
    }
    if report.persons_erased > 0 {
        writeln!(
            out,
            "{} personne(s) effacée(s) ou anonymisée(s) à la demande d'un autre appareil de l'équipe.",
            report.persons_erased
        )?;
    }
    if report.own_edits_dropped > 0 {
        writeln!(
            out,
            "{} modification(s) faite(s) ici à des personnes effacées depuis ont été écartées : elles ne seront pas envoyées.",
            report.own_edits_dropped
        )?;
    }
    if report.merge_edits_forwarded > 0 {
        writeln!(
            out,
            "{} valeur(s) modifiée(s) sur d'autres appareils dans des fiches fusionnées depuis ont été reportée(s) sur les fiches gardées.",
            report.merge_edits_forwarded
        )?;
    }
    for c in &report.crossed_merges {
        writeln!(
            out,
            "Fusions croisées : {} et {} ont été fusionnées l'une dans l'autre sur deux appareils ; Carnet garde la plus récente ({} est gardée). À vérifier.",
            c.into_name, c.person_name, c.person_name
        )?;
    }
    if !report.likely_duplicates.is_empty() {
        writeln!(
            out,
            "{} doublon(s) probable(s) parmi les personnes arrivées (carnet duplicates pour les voir) :",
            report.likely_duplicates.len()
        )?;
        for p in report.likely_duplicates.iter().take(10) {
            writeln!(
                out,
                "  {} / {} — {}  {} {}",
                p.a_name,
                p.b_name,
                p.level.label(),
                p.a,
                p.b
            )?;
        }
    }
    if report.person_keys_destroyed > 0 {
        writeln!(
            out,
            "{} clé(s) de personnes effacées ou anonymisées détruite(s) dans le dossier partagé : ce que les anciens segments contenaient d'elles est illisible.",
            report.person_keys_destroyed
        )?;
    }
    if report.person_keys_written > 0 && report.segments_sent == 0 {
        writeln!(
            out,
            "{} clé(s) de personnes remise(s) dans le dossier partagé.",
            report.person_keys_written
        )?;
    }
    for missing in &report.missing {
        let numbers: Vec<String> = missing.segments.iter().map(u64::to_string).collect();
        writeln!(
            out,
            "{} segment{} manquant{} de {} (n° {}{}) : aucun appareil ici ne peut le{} remettre ; synchronisez l'appareil qui les a écrits ou vérifiez la corbeille du dossier partagé.",
            missing.count,
            if missing.count > 1 { "s" } else { "" },
            if missing.count > 1 { "s" } else { "" },
            carnet::sync::device_label(missing.device_name.as_deref(), missing.device),
            numbers.join(", "),
            if missing.count as usize > missing.segments.len() {
                "…"
            } else {
                ""
            },
            if missing.count > 1 { "s" } else { "" },
        )?;
    }
    for skipped in &report.skipped {
        let who = skipped
            .device
            .map(|d| {
                format!(
                    " de {}",
                    carnet::sync::device_label(skipped.device_name.as_deref(), d)
                )
            })
            .unwrap_or_default();
        writeln!(
            out,
            "Fichier ignoré{who}, réessayé la prochaine fois : {} ({})",
            skipped.file, skipped.reason
        )?;
    }
    for held in &report.held {
        writeln!(out, "Mis de côté : {} ({})", held.file, held.reason)?;
    }
    Ok(())
}

/// The journal, oldest first: date and time (UTC), action, kind and id of the record.
pub fn audit(
    out: &mut impl Write,
    entries: &[carnet::audit::Entry],
    json: bool,
) -> std::io::Result<()> {
    if json {
        return writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(entries).unwrap_or_default()
        );
    }
    writeln!(out, "{} entrée(s).", entries.len())?;
    for e in entries {
        let at = chrono::DateTime::from_timestamp_millis(e.at_ms)
            .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
            .unwrap_or_default();
        let record = match (e.entity_label, e.record) {
            (Some(label), Some(id)) => format!("  {label} {id}"),
            _ => String::new(),
        };
        writeln!(out, "{at}  {}{record}", e.action_label)?;
    }
    Ok(())
}

/// What an import wrote (or a dry run would write), and the rows refused. The JSON is the
/// contract scripts rely on: exactly `rows`, `persons`, `encounters`, `referrals`,
/// `outcomes` and `rejected` (`row`, `column`, `message`).
pub fn import_summary(
    out: &mut dyn Write,
    summary: &carnet::import::Summary,
    dry_run: bool,
    as_json: bool,
) -> Result<(), CliError> {
    if as_json {
        return json(
            out,
            &serde_json::json!({
                "rows": summary.rows,
                "persons": summary.persons,
                "encounters": summary.encounters,
                "referrals": summary.referrals,
                "outcomes": summary.outcomes,
                "rejected": summary.rejected,
            }),
        );
    }
    writeln!(out, "Lignes lues : {}.", summary.rows)?;
    writeln!(
        out,
        "{} : {} personne(s), {} rencontre(s) de premier contact, {} orientation(s), {} sortie(s).",
        if dry_run {
            "Seraient importées (rien n'a été écrit)"
        } else {
            "Importées"
        },
        summary.persons,
        summary.encounters,
        summary.referrals,
        summary.outcomes
    )?;
    if summary.already_present > 0 {
        writeln!(
            out,
            "Déjà dans le carnet (import précédent ou personne effacée) : {} ligne(s).",
            summary.already_present
        )?;
    }
    if !summary.look_like_existing.is_empty() {
        let lines: Vec<String> = summary
            .look_like_existing
            .iter()
            .map(|(line, _)| line.to_string())
            .collect();
        writeln!(
            out,
            "Ressemblent beaucoup à une personne déjà dans le carnet (voir « carnet duplicates ») : ligne(s) {}.",
            lines.join(", ")
        )?;
    }
    if !summary.rejected.is_empty() {
        let mut lines: Vec<usize> = summary.rejected.iter().map(|r| r.row).collect();
        lines.dedup();
        writeln!(
            out,
            "Lignes refusées : {} (rien n'en est importé ; corrigez-les dans le tableau puis importez-le de nouveau) :",
            lines.len()
        )?;
        for r in &summary.rejected {
            writeln!(
                out,
                "  ligne {}, colonne « {} » : {}",
                r.row, r.column, r.message
            )?;
        }
    }
    Ok(())
}
