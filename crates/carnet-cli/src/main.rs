//! `carnet`: the command line over the Carnet engine.
//!
//! Thin by design: it parses arguments, supplies what the engine must not decide by itself
//! (the system clock, a new device id, the database path) and prints results. Every error,
//! including a bad argument, ends as one French line on stderr and exit code 1; a panic is
//! caught by a hook that prints a short French line instead of a backtrace.

mod args;
mod notebook_access;
mod output;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use carnet::clock::{Clock, SystemClock};
use carnet::{Error, Uuid};
use zeroize::Zeroizing;

use crate::args::{AddCommand, Cli, Command, ListTarget, PassphraseCommand};

/// An error of the command line: the engine's, or one of the CLI's own.
#[derive(Debug)]
enum CliError {
    Engine(Error),
    Usage(String),
    Io(std::io::Error),
}

impl From<Error> for CliError {
    fn from(e: Error) -> Self {
        CliError::Engine(e)
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError::Io(e)
    }
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CliError::Engine(e) => write!(f, "{e}"),
            CliError::Usage(m) => write!(f, "{m}"),
            CliError::Io(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            CliError::Io(e) => write!(f, "erreur d'écriture : {e}"),
        }
    }
}

fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|_| {
        eprintln!(
            "carnet : erreur interne inattendue. Aucune donnée n'a été modifiée par l'opération en cours ; merci de signaler le problème."
        );
    }));
    let cli = match args::parse() {
        Ok(cli) => cli,
        Err(exit) => return exit,
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError::Io(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("carnet : {e}");
            ExitCode::FAILURE
        }
    }
}

/// The default database: the desktop app's, in the OS data folder (never a shared folder).
fn default_db() -> Result<PathBuf, CliError> {
    directories::BaseDirs::new()
        .map(|dirs| carnet::notebook_location::default_in(dirs.data_dir()))
        .ok_or_else(|| {
            CliError::Usage(
                "impossible de trouver le dossier de données de l'utilisateur : indiquez la base avec --db CHEMIN.".into(),
            )
        })
}

fn db_path(cli: &Cli) -> Result<PathBuf, CliError> {
    match &cli.db {
        Some(path) => Ok(path.clone()),
        None => default_db(),
    }
}

fn run(cli: Cli) -> Result<(), CliError> {
    let path = db_path(&cli)?;
    let default_location = cli.db.is_none();
    let passphrase_file = cli.passphrase_file.clone();
    let open = |path: &Path| notebook_access::open(path, passphrase_file.as_deref());
    let mut out = std::io::stdout().lock();
    match cli.command {
        Command::Init {
            officer,
            territory,
            recovery_sheet,
        } => {
            let mut recovery = Vec::new();
            let (mut store, recovery_key) = notebook_access::create(
                &path,
                default_location,
                passphrase_file.as_deref(),
                &mut recovery,
            )?;
            store
                .write(|w| carnet::notebook::start(w, officer.as_deref(), territory.as_deref()))?;
            let quartiers = carnet::territory::quartiers(&store)?.len();
            writeln!(out, "Carnet créé : {}", path.display())?;
            writeln!(
                out,
                "{} partenaires, {quartiers} quartier(s). Appareil : {}",
                carnet::partner::partners(&store)?.len(),
                store.device_id()
            )?;
            out.write_all(&recovery)?;
            if let Some(sheet) = recovery_sheet {
                carnet::recovery_sheet::save(&store, &recovery_key, &sheet)?;
                writeln!(out, "Feuille de secours à imprimer : {}", sheet.display())?;
            }
        }
        Command::Demo {
            seed,
            years,
            until,
            json,
            plaintext,
        } => {
            let until = match until {
                Some(text) => carnet::validate::date("until", &text)?,
                None => SystemClock.today(),
            };
            // The generator lays out partners, territories and quartiers itself.
            let mut recovery = Vec::new();
            let mut store = if path.exists() {
                open(&path)?
            } else if plaintext {
                notebook_access::create_plaintext(&path, default_location)?
            } else {
                notebook_access::create(
                    &path,
                    default_location,
                    passphrase_file.as_deref(),
                    &mut recovery,
                )?
                .0
            };
            let started = std::time::Instant::now();
            let mut stderr = std::io::stderr();
            let summary = carnet::demo::generate(
                &mut store,
                &carnet::demo::DemoOptions { seed, years, until },
                &mut |p| {
                    if !json && (p.weeks_done % 52 == 0 || p.weeks_done == p.weeks_total) {
                        let _ = write!(
                            stderr,
                            "\rGénération : {} / {} semaines",
                            p.weeks_done, p.weeks_total
                        );
                        if p.weeks_done == p.weeks_total {
                            let _ = writeln!(stderr);
                        }
                    }
                },
            )?;
            if json {
                writeln!(
                    out,
                    "{}",
                    serde_json::to_string_pretty(&summary).unwrap_or_default()
                )?;
            } else {
                writeln!(
                    out,
                    "Démo créée dans {} en {:.1} s : {} personnes, {} rencontres, {} permanences, {} réunions collectives ({} participations), {} orientations, {} créations d'entreprise.",
                    path.display(),
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
                out.write_all(&recovery)?;
            }
        }
        Command::Stats { json } => {
            let store = open(&path)?;
            let stats = carnet::stats::stats(&store)?;
            output::stats(&mut out, &stats, json)?;
        }
        Command::List { what, year, json } => {
            let store = open(&path)?;
            let range = year.map(year_range).transpose()?;
            output::list(&mut out, &store, what, range, json)?;
        }
        Command::Digest => {
            let store = open(&path)?;
            writeln!(out, "{}", carnet::digest::digest(&store)?)?;
        }
        Command::Check { json } => {
            let store = open(&path)?;
            let report = carnet::check::check(&store)?;
            if json {
                writeln!(
                    out,
                    "{}",
                    serde_json::to_string_pretty(&report).unwrap_or_default()
                )?;
            } else {
                for problem in &report.problems {
                    writeln!(out, "- {problem}")?;
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
                    out,
                    "Base intègre : {} lignes et {} modifications vérifiées.",
                    report.rows, report.changes
                )?;
            }
        }
        Command::Search { text, json } => {
            let store = open(&path)?;
            let found = carnet::person::search(&store, &text, None, 50)?;
            output::persons(&mut out, &store, &found, json)?;
        }
        Command::Timeline { person, json } => {
            let store = open(&path)?;
            let id = carnet::validate::id(&person)?;
            let items = carnet::timeline::of_person(&store, id)?;
            // Reading a person's history is a consultation, journaled.
            carnet::person::open(&store, id)?;
            output::timeline(&mut out, &items, json)?;
        }
        Command::AccessExport { person, out: file } => {
            let store = open(&path)?;
            let id = carnet::validate::id(&person)?;
            let bytes = carnet::access_export::write(&store, id, store.today(), &file)?;
            writeln!(
                out,
                "Données de la personne exportées dans {} ({bytes} octets) : courrier.pdf (à lui remettre), donnees.json (le détail et l'historique), et ses lettres d'orientation.",
                file.display()
            )?;
        }
        Command::Audit {
            since,
            json,
            verify,
        } => {
            let store = open(&path)?;
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
                    out,
                    "Journal intact : {} entrée(s) vérifiée(s), aucune retirée ni modifiée.",
                    v.entries
                )?;
                return Ok(());
            }
            let since = since
                .map(|text| carnet::validate::date_as_typed("since", &text, store.today()))
                .transpose()?;
            let entries = carnet::audit::entries(&store, since, None)?;
            output::audit(&mut out, &entries, json)?;
        }
        Command::Followups { until, json } => {
            let store = open(&path)?;
            let day = match until {
                Some(text) => carnet::validate::date_as_typed("until", &text, store.today())?,
                None => store.today(),
            };
            let due = carnet::followup::due(&store, day)?;
            output::followups(&mut out, &due, json)?;
        }
        Command::Import {
            file,
            dry_run,
            json,
        } => {
            let summary = if dry_run {
                let store = open(&path)?;
                carnet::import::plan(&store, &file, None, &mut |_, _| true)?
            } else {
                let mut store = open(&path)?;
                carnet::import::import(&mut store, &file, None, &mut |_, _| true)?
            };
            output::import_summary(&mut out, &summary, dry_run, json)?;
        }
        Command::Duplicates { json } => {
            let store = open(&path)?;
            let pairs = carnet::duplicates::pairs(&store)?;
            output::duplicate_pairs(&mut out, &pairs, json)?;
        }
        Command::Merge { keep, other, take } => {
            let mut store = open(&path)?;
            let keep = carnet::validate::id(&keep)?;
            let other = carnet::validate::id(&other)?;
            let mut fields = carnet::person_merge::empty_on_kept(&store, keep, other)?;
            for name in &take {
                let Some(field) = carnet::person_merge::mergeable_fields().find(|f| f == name)
                else {
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
                out,
                "Fiches fusionnées : {other} est désormais lue comme {} ({keep}).",
                kept.full_name()
            )?;
            if !fields.is_empty() {
                let labels: Vec<&str> = fields
                    .iter()
                    .map(|f| carnet::schema::field_label(f))
                    .collect();
                writeln!(out, "Repris de l'autre fiche : {}.", labels.join(", "))?;
            }
            writeln!(
                out,
                "La fusion partira avec la prochaine synchronisation. Pour la défaire : carnet separate {other}"
            )?;
        }
        Command::Separate { person } => {
            let mut store = open(&path)?;
            let id = carnet::validate::id(&person)?;
            store.write(|w| carnet::person_merge::separate(w, id))?;
            writeln!(
                out,
                "Fiche séparée : {id} redevient une personne à part, avec son historique."
            )?;
        }
        Command::NotDuplicate { first, second } => {
            let mut store = open(&path)?;
            let a = carnet::validate::id(&first)?;
            let b = carnet::validate::id(&second)?;
            store.write(|w| carnet::person_merge::not_duplicate(w, a, b))?;
            writeln!(
                out,
                "Noté : ces deux fiches sont deux personnes différentes ; la paire ne sera plus proposée comme doublon."
            )?;
        }
        Command::Retention {
            json,
            set_months,
            prolong,
            until,
            reason,
        } => {
            let mut store = open(&path)?;
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
            output::retention(&mut out, &due, months, json)?;
        }
        Command::Sync {
            folder,
            device_name,
            json,
            new_passphrase,
            new_passphrase_file,
            new_team,
        } => {
            if let Some(problem) = device_name
                .as_deref()
                .and_then(carnet::sync::device_name_problem)
            {
                return Err(CliError::Usage(format!("--device-name : {problem}.")));
            }
            // For sync, --passphrase-file is the team's: the notebook's comes from
            // CARNET_PASSPHRASE_FILE or the terminal.
            let mut store = notebook_access::open(&path, None)?;
            let passphrase = passphrase(passphrase_file.as_deref())?;
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
                    out,
                    "Dossier de synchronisation créé dans {}.",
                    folder.display()
                )?;
            }
            if new_passphrase {
                let new = new_passphrase_text(new_passphrase_file.as_deref())?;
                let epoch = shared.change_passphrase(
                    &new,
                    &fresh_secrets(),
                    carnet::sync::KdfParams::STANDARD,
                )?;
                if !json {
                    writeln!(
                        out,
                        "Phrase de passe de l'équipe changée (clé n° {epoch}) : ce qui sera écrit désormais ne se lira qu'avec la nouvelle. Donnez-la aux collègues qui restent dans l'équipe."
                    )?;
                }
            }
            if let Some(name) = &device_name {
                store.set_local_setting("device_name", name)?;
            }
            let name = store.local_setting("device_name")?;
            let report = carnet::sync::sync(&mut store, &shared, name.as_deref(), &mut |_| {})?;
            output::sync_report(&mut out, &report, json)?;
        }
        Command::Letter {
            referral,
            out: file,
            date,
            template,
        } => {
            let mut store = open(&path)?;
            let referral = carnet::validate::id(&referral)?;
            let template = template.map(|t| carnet::validate::id(&t)).transpose()?;
            let day = match date {
                Some(text) => carnet::validate::date_as_typed("date", &text, store.today())?,
                None => store.today(),
            };
            let saved = carnet::letter::save(&mut store, referral, template, day, &file)?;
            writeln!(
                out,
                "Lettre enregistrée dans {} ({} Ko).{}",
                file.display(),
                saved.bytes.div_ceil(1024),
                if saved.sent {
                    " L'orientation est passée à « envoyée »."
                } else {
                    ""
                }
            )?;
        }
        Command::Export {
            year,
            out: file,
            with_names,
        } => {
            let store = open(&path)?;
            let options = carnet::report::xlsx::ExportOptions {
                year,
                with_names,
                made_on: store.today(),
                structure: carnet::report::structure_name(&store)?,
            };
            let exported = carnet::report::export(&store, &options, &file, &mut |_, _| {})?;
            writeln!(
                out,
                "Bilan {year} enregistré dans {} ({} Ko).",
                exported.path,
                exported.bytes.div_ceil(1024)
            )?;
        }
        Command::Add(add) => {
            let mut store = open(&path)?;
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
                        output::duplicate_candidates(&mut out, &found)?;
                        out.flush()?;
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
            writeln!(out, "{id}")?;
        }
        Command::RecoverySheet { out: sheet } => {
            notebook_access::new_recovery_sheet(
                &path,
                passphrase_file.as_deref(),
                &sheet,
                &mut out,
            )?;
        }
        Command::Erase { person, yes } => {
            let mut store = open(&path)?;
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
                out,
                "Personne effacée : {} fiche(s) retirée(s), {} rencontre(s) gardée(s) comme contacts anonymes.",
                purged.rows, purged.encounters_detached
            )?;
            if purged.kept_anonymously > 0 {
                writeln!(
                    out,
                    "Les chiffres des années closes ne changent pas : {} élément(s) y restent comptés sous une personne anonymisée, sans nom ni coordonnées.",
                    purged.kept_anonymously
                )?;
            }
            writeln!(
                out,
                "L'ordre d'effacement partira avec la prochaine synchronisation."
            )?;
        }
        Command::Anonymise { person, yes } => {
            let mut store = open(&path)?;
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
                    out,
                    "Personne anonymisée : sa fiche, son historique et tout ce qui la nommait sont effacés ; {} élément(s) (rencontres, participations, orientations, sorties) restent comptés dans les chiffres sous une fiche « Personne anonymisée », sans nom ni notes.",
                    purged.kept_anonymously
                )?;
            } else {
                writeln!(
                    out,
                    "Personne anonymisée : elle n'était comptée dans aucun chiffre (aucune rencontre, réunion, orientation ni sortie) ; rien n'est gardé d'elle."
                )?;
            }
            writeln!(out, "L'ordre partira avec la prochaine synchronisation.")?;
        }
        Command::Encrypt => {
            notebook_access::encrypt(&path, passphrase_file.as_deref(), &mut out)?;
        }
        Command::Passphrase(PassphraseCommand::Change {
            new_passphrase_file,
        }) => {
            notebook_access::change_passphrase(
                &path,
                passphrase_file.as_deref(),
                new_passphrase_file.as_deref(),
                &mut out,
            )?;
        }
        Command::Unlock {
            recovery_key,
            new_passphrase_file,
        } => {
            notebook_access::unlock_with_recovery_key(
                &path,
                recovery_key.as_deref().unwrap_or_default(),
                new_passphrase_file.as_deref(),
                &mut out,
            )?;
        }
    }
    out.flush()?;
    Ok(())
}

/// The team passphrase: the first line of `--passphrase-file`, else `CARNET_SYNC_PASSPHRASE`,
/// else asked on the terminal without echo.
fn passphrase(file: Option<&Path>) -> Result<Zeroizing<String>, CliError> {
    if let Some(file) = file {
        return first_line(file);
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
        return first_line(file);
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

/// The first line of a file holding a passphrase (the line break is not part of it).
fn first_line(file: &Path) -> Result<Zeroizing<String>, CliError> {
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
fn no_year(
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
