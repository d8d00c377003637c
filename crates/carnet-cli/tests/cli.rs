//! The `carnet` command line, run as a user would: a real process on a temporary database.

// Test code: a failed unwrap is a failed test (production code refuses `unwrap()`).
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn carnet(db: &Path, args: &[&str]) -> Run {
    carnet_with(db, args, &[])
}

/// The notebook passphrase every test notebook is created and opened with.
const NOTEBOOK_PASSPHRASE: &str = "Permanence du mardi aux Buis, 14h !";

/// A file holding [`NOTEBOOK_PASSPHRASE`], as scripts give it (`CARNET_PASSPHRASE_FILE`).
fn passphrase_file() -> &'static Path {
    static FILE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    FILE.get_or_init(|| {
        let path = std::env::temp_dir().join(format!(
            "carnet-cli-tests-{}-passphrase",
            std::process::id()
        ));
        std::fs::write(&path, format!("{NOTEBOOK_PASSPHRASE}\n")).unwrap();
        path
    })
}

/// Runs `carnet` with extra environment variables and no standard input, as CI does.
fn carnet_with(db: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let output: Output = Command::new(env!("CARGO_BIN_EXE_carnet"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("CARNET_DB")
        .env("CARNET_PASSPHRASE_FILE", passphrase_file())
        .env("RUST_BACKTRACE", "1")
        .envs(env.iter().copied())
        .stdin(std::process::Stdio::null())
        .output()
        .expect("carnet runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn ok(db: &Path, args: &[&str]) -> String {
    let run = carnet(db, args);
    assert_eq!(run.code, 0, "carnet {args:?} failed: {}", run.stderr);
    run.stdout
}

/// An error must be exit code 1 and exactly one French line, never a panic or a backtrace.
fn fails(db: &Path, args: &[&str], expected: &str) {
    let run = carnet(db, args);
    assert_eq!(run.code, 1, "carnet {args:?} should fail: {}", run.stdout);
    assert_eq!(run.stderr.lines().count(), 1, "one line: {:?}", run.stderr);
    assert!(run.stderr.starts_with("carnet : "), "{:?}", run.stderr);
    assert!(
        run.stderr.contains(expected),
        "{:?} should contain {expected:?}",
        run.stderr
    );
    assert!(!run.stderr.contains("panicked") && !run.stderr.contains("backtrace"));
}

fn temp() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("carnet.db");
    (dir, db)
}

#[test]
fn init_then_every_read_command() {
    let (_dir, db) = temp();
    let out = ok(
        &db,
        &[
            "init",
            "--officer",
            "Sarah Martin",
            "--territory",
            "Pays de Montbéliard",
        ],
    );
    assert!(out.contains("9 partenaires, 7 quartier(s)"), "{out}");
    fails(&db, &["init"], "existe déjà");

    let partners = ok(&db, &["list", "partners"]);
    for name in [
        "ADIE",
        "BGE",
        "France Travail",
        "Initiative France",
        "France Active",
        "CCI",
        "CMA",
        "Coopilote",
        "Mission locale",
    ] {
        assert!(partners.contains(name), "{name} in {partners}");
    }
    let id = ok(
        &db,
        &[
            "add",
            "person",
            "--first-name",
            "Éloïse",
            "--last-name",
            "Ben Ali",
            "--phone",
            "+33 6 39 98 12 34",
        ],
    );
    let id = id.trim();
    ok(
        &db,
        &[
            "add",
            "encounter",
            "--kind",
            "market",
            "--date",
            "2026-01-15",
            "--person",
            id,
        ],
    );
    ok(
        &db,
        &[
            "add",
            "encounter",
            "--kind",
            "snack_bar",
            "--date",
            "2026-01-16",
            "--head-count",
            "3",
        ],
    );

    assert!(ok(&db, &["search", "eloise"]).contains("Ben Ali Éloïse"));
    assert!(ok(&db, &["search", "benali"]).contains(id));
    assert!(ok(&db, &["timeline", id]).contains("15/01/2026  Marché"));
    let json: serde_json::Value =
        serde_json::from_str(&ok(&db, &["list", "persons", "--json"])).unwrap();
    assert_eq!(json[0]["phone"], "06 39 98 12 34");
    let encounters = ok(&db, &["list", "encounters", "--year", "2026"]);
    assert!(encounters.contains("2 rencontre(s)."), "{encounters}");
    assert!(ok(&db, &["list", "encounters", "--year", "2025"]).contains("0 rencontre(s)."));
    assert!(ok(&db, &["list", "persons", "--year", "2026"]).contains("Éloïse"));
    assert!(ok(&db, &["list", "persons", "--year", "2025"]).contains("Aucune personne"));

    let stats: serde_json::Value = serde_json::from_str(&ok(&db, &["stats", "--json"])).unwrap();
    assert_eq!(stats["entities"]["person"], 1);
    assert_eq!(stats["encounters_by_kind"]["market"], 1);
    assert_eq!(stats["people_reached"], 4);
    assert!(ok(&db, &["stats"]).contains("Marché"));
    assert!(ok(&db, &["followups", "--until", "2026-12-31"]).contains("0 relance(s)"));
    assert!(ok(&db, &["check"]).contains("Base intègre"));
    // Its progress goes to the error stream (the report stays alone on standard output),
    // and ends with every write of the log read; none with --json.
    let checked = carnet(&db, &["check"]);
    let last = checked
        .stderr
        .rsplit('\r')
        .next()
        .unwrap_or_default()
        .trim()
        .to_string();
    let (done, total) = last
        .strip_prefix("Vérification : ")
        .and_then(|rest| rest.strip_suffix(" écritures du journal"))
        .and_then(|counts| counts.split_once(" / "))
        .unwrap_or_else(|| panic!("{:?}", checked.stderr));
    assert_eq!(done, total);
    assert!(total.parse::<u64>().unwrap() > 0);
    assert!(!checked.stdout.contains("Vérification"));
    assert!(
        !carnet(&db, &["check", "--json"])
            .stderr
            .contains("Vérification")
    );
    let digest = ok(&db, &["digest"]);
    assert_eq!(digest.trim().len(), 64);
    assert_eq!(ok(&db, &["digest"]), digest, "digest is stable");
}

#[test]
fn demo_is_reproducible_across_databases() {
    let (_dir, db) = temp();
    let other = db.with_file_name("autre.db");
    let args = [
        "demo",
        "--seed",
        "3",
        "--years",
        "1",
        "--until",
        "2026-06-30",
        "--json",
    ];
    let summary: serde_json::Value = serde_json::from_str(&ok(&db, &args)).unwrap();
    assert!(summary["persons"].as_u64().unwrap() > 1000);
    ok(&other, &args);
    assert_eq!(ok(&db, &["digest"]), ok(&other, &["digest"]));
    assert!(ok(&db, &["list", "permanences", "--year", "2026"]).contains("Tenue"));
    assert!(ok(&db, &["list", "referrals"]).contains("ADIE"));
    fails(&db, &args, "base neuve");
}

#[test]
fn bad_input_gives_one_clear_french_line() {
    let (dir, db) = temp();
    // A database in a folder that cannot exist (its parent is a file): refused for anyone,
    // root included.
    let file = dir.path().join("fichier");
    std::fs::write(&file, "x").unwrap();
    fails(
        &file.join("carnet.db"),
        &["init"],
        "Impossible d'ouvrir ou de créer la base",
    );
    fails(&db, &["stats"], "lancez d'abord « carnet init »");

    ok(&db, &["init"]);
    fails(
        &db,
        &["timeline", "0190c6a0-0000-7000-8000-000000000000"],
        "Aucune fiche « personne »",
    );
    fails(&db, &["timeline", "pas-un-id"], "Identifiant mal formé");
    fails(
        &db,
        &[
            "add",
            "encounter",
            "--kind",
            "market",
            "--date",
            "2026-13-45",
            "--head-count",
            "2",
        ],
        "n'est pas une date valide",
    );
    fails(
        &db,
        &[
            "add",
            "encounter",
            "--kind",
            "market",
            "--date",
            "2026-01-01",
        ],
        "nombre de personnes",
    );
    fails(
        &db,
        &[
            "add",
            "encounter",
            "--kind",
            "market",
            "--date",
            "2026-01-01",
            "--person",
            "0190c6a0-0000-7000-8000-000000000000",
        ],
        "Aucune fiche « personne »",
    );
    fails(
        &db,
        &[
            "add",
            "person",
            "--first-name",
            "A",
            "--last-name",
            "B",
            "--email",
            "a@",
        ],
        "adresse e-mail",
    );
    fails(
        &db,
        &["followups", "--until", "lundi prochain"],
        "n'est pas une date valide",
    );
    fails(
        &db,
        &["list", "partners", "--year", "2026"],
        "--year ne s'applique pas",
    );
    fails(&db, &["list", "vélos"], "valeur invalide");
    fails(&db, &["--couleur"], "argument inconnu");
    fails(&db, &["voler"], "commande inconnue");
    fails(
        &db,
        &["list", "encounters", "--year", "99999"],
        "année invalide",
    );
    // Nothing half-written: the database is still sound.
    assert!(ok(&db, &["check"]).contains("Base intègre"));
    assert!(ok(&db, &["list", "persons"]).contains("Aucune personne"));
}

#[test]
fn help_is_french() {
    let (_dir, db) = temp();
    let help = ok(&db, &["--help"]);
    assert!(help.contains("Utilisation"), "{help}");
    assert!(help.contains("Crée une base neuve"), "{help}");
}

#[test]
fn a_file_that_is_not_a_carnet_database_is_refused() {
    let (_dir, db) = temp();
    std::fs::write(&db, b"SQLite format 3\0 but not really").unwrap();
    let run = carnet(&db, &["stats"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("base"), "{}", run.stderr);
}

#[test]
fn stats_of_the_reference_demo_year() {
    // Guards the demo generator's determinism (and the French layout of `stats`): any change
    // to the generated content shows up here as a reviewed snapshot diff.
    let (_dir, db) = temp();
    ok(
        &db,
        &[
            "demo",
            "--seed",
            "1",
            "--years",
            "1",
            "--until",
            "2026-11-20",
            "--json",
        ],
    );
    insta::assert_snapshot!(ok(&db, &["stats"]));
    insta::assert_snapshot!("reference_demo_digest", ok(&db, &["digest"]));
}

/// `carnet sync` in the background, its output discarded (to be killed).
fn spawn_quiet_sync(db: &Path, folder: &str, pass: &str) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_carnet"))
        .arg("--db")
        .arg(db)
        .args(["sync", "--folder", folder])
        .env("CARNET_SYNC_PASSPHRASE", pass)
        .env("CARNET_PASSPHRASE_FILE", passphrase_file())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

/// Every file under `dir`.
fn walk_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.extend(walk_files(&path));
            } else {
                out.push(path);
            }
        }
    }
    out
}

fn with_passphrase(db: &Path, args: &[&str], passphrase: &str) -> Run {
    carnet_with(db, args, &[("CARNET_SYNC_PASSPHRASE", passphrase)])
}

#[test]
fn two_notebooks_meet_through_a_shared_folder() {
    let (dir, a) = temp();
    let b = dir.path().join("b.db");
    let shared = dir.path().join("partage");
    std::fs::create_dir(&shared).unwrap();
    let folder = shared.display().to_string();
    let pass = "phrase de l'équipe CitésLab";
    ok(&a, &["init", "--territory", "Troyes"]);
    ok(&b, &["init", "--territory", "Troyes"]);
    ok(
        &a,
        &[
            "add",
            "person",
            "--first-name",
            "Inès",
            "--last-name",
            "Haddad",
        ],
    );
    ok(
        &b,
        &[
            "add",
            "person",
            "--first-name",
            "Rayan",
            "--last-name",
            "Sow",
        ],
    );
    let sync = |db: &Path| {
        with_passphrase(
            db,
            &["sync", "--folder", &folder, "--device-name", "Portable"],
            pass,
        )
    };
    let mut runs = Vec::new();
    for db in [&a, &b, &a] {
        let run = sync(db);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(
            run.stdout.contains("Synchronisation terminée"),
            "{}",
            run.stdout
        );
        assert!(!run.stdout.contains("Réception") && !run.stdout.contains("Envoi :"));
        runs.push(run);
    }
    // B's progress, on the error stream: A's one segment read whole, then its own sent.
    let lines: Vec<&str> = runs[1]
        .stderr
        .split(['\r', '\n'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let received = lines
        .iter()
        .rfind(|l| l.starts_with("Réception : "))
        .unwrap_or_else(|| panic!("{:?}", runs[1].stderr));
    let counts = received
        .strip_prefix("Réception : 1 / 1 segments, ")
        .and_then(|rest| rest.strip_suffix(" modifications"))
        .and_then(|counts| counts.split_once(" / "))
        .unwrap_or_else(|| panic!("{received}"));
    assert_eq!(counts.0, counts.1, "{received}");
    let sent = lines.last().unwrap_or_else(|| panic!("{lines:?}"));
    let counts = sent
        .strip_prefix("Envoi : ")
        .and_then(|rest| rest.strip_suffix(" modifications, 1 segment(s) écrit(s)"))
        .and_then(|counts| counts.split_once(" / "))
        .unwrap_or_else(|| panic!("{sent}"));
    assert_eq!(counts.0, counts.1, "{sent}");
    assert!(counts.0.parse::<u64>().unwrap() > 0);
    assert_eq!(ok(&a, &["digest"]), ok(&b, &["digest"]));
    // The default partners and Troyes' quartiers were seeded apart but merge, not double.
    let partners: serde_json::Value =
        serde_json::from_str(&ok(&a, &["list", "partners", "--json"])).unwrap();
    assert_eq!(partners.as_array().unwrap().len(), 9);
    assert!(ok(&a, &["search", "rayan"]).contains("Sow"));

    let wrong = with_passphrase(&a, &["sync", "--folder", &folder], "pas la bonne phrase");
    assert_eq!(wrong.code, 1);
    assert!(
        wrong.stderr.contains("Phrase de passe incorrecte"),
        "{}",
        wrong.stderr
    );
    let gone = with_passphrase(
        &a,
        &[
            "sync",
            "--folder",
            &dir.path().join("clé-retirée").display().to_string(),
        ],
        pass,
    );
    assert_eq!(gone.code, 1);
    assert!(gone.stderr.contains("introuvable"), "{}", gone.stderr);
    let json = with_passphrase(&a, &["sync", "--folder", &folder, "--json"], pass);
    let report: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(report["segments_sent"], 0);
    assert!(ok(&a, &["check"]).contains("Base intègre"));
}

#[test]
fn two_syncs_at_once_and_a_killed_sync_lose_nothing() {
    let (dir, a) = temp();
    let b = dir.path().join("b.db");
    let c = dir.path().join("c.db");
    let shared = dir.path().join("partage");
    std::fs::create_dir(&shared).unwrap();
    let folder = shared.display().to_string();
    let pass = "phrase de l'équipe CitésLab";
    ok(
        &a,
        &[
            "demo",
            "--seed",
            "4",
            "--years",
            "1",
            "--until",
            "2026-06-30",
            "--json",
        ],
    );
    ok(&b, &["init"]);
    ok(
        &b,
        &[
            "add",
            "person",
            "--first-name",
            "Walid",
            "--last-name",
            "Vidal",
        ],
    );
    // The third device has a year of its own to send, so that its sync spends time exporting
    // and importing, not only deriving the key.
    ok(
        &c,
        &[
            "demo",
            "--seed",
            "5",
            "--years",
            "1",
            "--until",
            "2026-06-30",
            "--json",
        ],
    );
    let first = with_passphrase(&b, &["sync", "--folder", &folder], pass);
    assert_eq!(first.code, 0, "{}", first.stderr);

    // Two devices sync into the same folder at the same time.
    let spawn = |db: &Path| {
        Command::new(env!("CARGO_BIN_EXE_carnet"))
            .arg("--db")
            .arg(db)
            .args(["sync", "--folder", &folder])
            .env("CARNET_SYNC_PASSPHRASE", pass)
            .env("CARNET_PASSPHRASE_FILE", passphrase_file())
            .stdin(std::process::Stdio::null())
            .output()
    };
    let (left, right) = std::thread::scope(|scope| {
        let left = scope.spawn(|| spawn(&a));
        let right = scope.spawn(|| spawn(&b));
        (
            left.join().unwrap().unwrap(),
            right.join().unwrap().unwrap(),
        )
    });
    assert!(
        left.status.success(),
        "{}",
        String::from_utf8_lossy(&left.stderr)
    );
    assert!(
        right.status.success(),
        "{}",
        String::from_utf8_lossy(&right.stderr)
    );

    // A third device's sync is killed at various moments: while deriving the key, reading
    // the others' segments, writing its own. Each time the database stays sound, and a last
    // sync completes with everything.
    let segments_in_folder = || {
        walk_files(&shared)
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "seg"))
            .count()
    };
    // The folder holding one folder per device (where the segments already are).
    let devices = walk_files(&shared)
        .iter()
        .find(|p| p.extension().is_some_and(|e| e == "seg"))
        .and_then(|p| p.parent()?.parent().map(Path::to_path_buf))
        .expect("the first devices' segments");
    let device_folders = || std::fs::read_dir(&devices).map(|d| d.count()).unwrap_or(0);
    // First exactly between the two: a sync reads first, then writes; killed as soon as it
    // starts writing (its device folder appears), before its segment (a year of changes) is
    // sealed and in the folder.
    let before = segments_in_folder();
    let folders = device_folders();
    let mut child = spawn_quiet_sync(&c, &folder, pass);
    let started = std::time::Instant::now();
    while device_folders() == folders && started.elapsed() < std::time::Duration::from_secs(60) {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(ok(&c, &["check"]).contains("Base intègre"));
    let mut landed_between_import_and_export =
        segments_in_folder() == before && ok(&c, &["search", "Walid"]).contains("Vidal");
    // Then at fixed moments: while deriving the key, reading, writing.
    for delay_ms in [5, 30, 80, 200, 400, 600, 800, 1000, 1300, 1600, 2000] {
        let mut child = spawn_quiet_sync(&c, &folder, pass);
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        assert!(
            ok(&c, &["check"]).contains("Base intègre"),
            "after a kill at {delay_ms} ms"
        );
        // `before` counts the other devices' segments: more means this one has written.
        let exported = segments_in_folder() > before;
        let imported = ok(&c, &["search", "Walid"]).contains("Vidal");
        landed_between_import_and_export |= imported && !exported;
    }
    assert!(
        landed_between_import_and_export,
        "no kill landed after the import's commit and before the export"
    );
    for db in [&c, &a, &b, &c] {
        let run = with_passphrase(db, &["sync", "--folder", &folder], pass);
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    let digest = ok(&a, &["digest"]);
    assert_eq!(ok(&b, &["digest"]), digest);
    assert_eq!(ok(&c, &["digest"]), digest);
}

#[test]
fn letter_writes_a_pdf_files_it_and_marks_the_referral_sent() {
    let (dir, db) = temp();
    ok(&db, &["demo", "--years", "1", "--until", "2026-11-20"]);
    let referrals: Vec<serde_json::Value> =
        serde_json::from_str(&ok(&db, &["list", "referrals", "--json"])).unwrap();
    let persons: Vec<serde_json::Value> =
        serde_json::from_str(&ok(&db, &["list", "persons", "--json"])).unwrap();
    let consents = |r: &serde_json::Value| {
        persons
            .iter()
            .find(|p| p["id"] == r["person_id"])
            .map(|p| p["consent_partners"] == serde_json::Value::Bool(true))
            .unwrap_or(false)
    };
    let with_consent = referrals
        .iter()
        .filter(|r| consents(r))
        .max_by_key(|r| r["status"] == "to_send")
        .expect("the demo has referrals of persons who agreed to share");
    let id = with_consent["id"].as_str().unwrap();
    let pdf = dir.path().join("lettre.pdf");
    let pdf_arg = pdf.to_str().unwrap();
    let said = ok(
        &db,
        &[
            "letter",
            "--referral",
            id,
            "--out",
            pdf_arg,
            "--date",
            "2026-11-20",
        ],
    );
    assert!(said.starts_with("Lettre enregistrée dans"), "{said}");
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    // Same data, template and date: the same bytes (the letter is filed twice, that is all).
    let again = dir.path().join("encore.pdf");
    ok(
        &db,
        &[
            "letter",
            "--referral",
            id,
            "--out",
            again.to_str().unwrap(),
            "--date",
            "2026-11-20",
        ],
    );
    assert_eq!(std::fs::read(&again).unwrap(), bytes);
    if with_consent["status"] == "to_send" {
        assert!(said.contains("« envoyée »"), "{said}");
        let after: Vec<serde_json::Value> =
            serde_json::from_str(&ok(&db, &["list", "referrals", "--json"])).unwrap();
        let r = after.iter().find(|r| r["id"] == id).unwrap();
        assert_eq!(r["status"], "sent");
    }
    let timeline = ok(
        &db,
        &["timeline", with_consent["person_id"].as_str().unwrap()],
    );
    assert!(timeline.contains("Lettre d’orientation pour"), "{timeline}");

    let without = referrals.iter().find(|r| !consents(r)).unwrap();
    let refused = dir.path().join("refusee.pdf");
    fails(
        &db,
        &[
            "letter",
            "--referral",
            without["id"].as_str().unwrap(),
            "--out",
            refused.to_str().unwrap(),
        ],
        "Pas de lettre sans accord",
    );
    assert!(!refused.exists(), "nothing written");
    fails(
        &db,
        &[
            "letter",
            "--referral",
            id,
            "--out",
            "/dossier/inexistant/l.pdf",
        ],
        "Impossible d’écrire le fichier /dossier/inexistant/l.pdf",
    );
}

#[test]
fn export_writes_the_yearly_file_in_three_formats() {
    let (dir, db) = temp();
    ok(&db, &["demo", "--years", "1", "--until", "2026-11-20"]);
    for ext in ["xlsx", "csv", "pdf"] {
        let out = dir.path().join(format!("bilan.{ext}"));
        let said = ok(
            &db,
            &["export", "--year", "2026", "--out", out.to_str().unwrap()],
        );
        assert!(said.starts_with("Bilan 2026 enregistré dans"), "{said}");
        assert!(std::fs::metadata(&out).unwrap().len() > 1000, "{ext}");
    }
    let csv = std::fs::read_to_string(dir.path().join("bilan.csv")).unwrap();
    assert!(csv.starts_with("\u{feff}Bilan d’activité 2026;"), "{csv}");
    fails(
        &db,
        &["export", "--year", "2026", "--out", "bilan.docx"],
        "Le fichier doit finir par .xlsx",
    );
    fails(
        &db,
        &[
            "export",
            "--year",
            "2026",
            "--out",
            "/dossier/inexistant/b.xlsx",
        ],
        "Impossible d’écrire le fichier /dossier/inexistant/b.xlsx",
    );
}

/// The `carnet sync` contract scripts rely on: `--json` keeps its fields and adds `missing`;
/// `skipped` names the device, the number and the reason; exit 0 when the sync ran even if
/// something was skipped or is missing, 1 when it could not run.
#[test]
fn sync_json_reports_missing_and_skipped_segments_and_the_passphrase_can_change() {
    let (dir, a) = temp();
    let b = dir.path().join("b.db");
    let shared = dir.path().join("partage");
    std::fs::create_dir(&shared).unwrap();
    let folder = shared.display().to_string();
    let pass_file = dir.path().join("phrase.txt");
    std::fs::write(&pass_file, "Phrase de l'équipe CitésLab 2026\n").unwrap();
    let pass_arg = pass_file.display().to_string();
    ok(&a, &["init"]);
    ok(&b, &["init"]);
    // A weak passphrase never creates a folder.
    let weak = with_passphrase(&a, &["sync", "--folder", &folder], "court");
    assert_eq!(weak.code, 1);
    assert!(weak.stderr.contains("Trop faible"), "{}", weak.stderr);
    assert!(!shared.join("carnet-sync").exists());
    let sync = |db: &Path, extra: &[&str]| {
        let mut args = vec![
            "sync",
            "--folder",
            &folder,
            "--passphrase-file",
            &pass_arg,
            "--device-name",
            "Portable Sarah",
        ];
        args.extend_from_slice(extra);
        carnet(db, &args)
    };
    for n in 0..3 {
        ok(
            &a,
            &[
                "add",
                "person",
                "--first-name",
                "Fiche",
                "--last-name",
                &format!("N{n}"),
            ],
        );
        let run = sync(&a, &[]);
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    let device_dir = std::fs::read_dir(shared.join("carnet-sync/devices"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let a_id = device_dir
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    std::fs::remove_file(device_dir.join("000000000002.seg")).unwrap();
    std::fs::write(device_dir.join("000000000007.seg"), b"pas un segment").unwrap();
    let run = sync(&b, &["--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    for field in [
        "segments_sent",
        "segments_received",
        "changes_applied",
        "conflicts",
        "skipped",
        "held",
        "missing",
    ] {
        assert!(report.get(field).is_some(), "{field} in {report}");
    }
    let missing = report["missing"].as_array().unwrap();
    assert_eq!(missing.len(), 1, "{report}");
    assert_eq!(missing[0]["device"], a_id.as_str());
    assert_eq!(missing[0]["device_name"], "Portable Sarah");
    assert_eq!(
        missing[0]["segments"],
        serde_json::json!([2]),
        "a junk file named 7 proves nothing"
    );
    let skipped = report["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 1, "{report}");
    assert_eq!(skipped[0]["device"], a_id.as_str());
    assert_eq!(skipped[0]["seq"], 7);
    assert!(skipped[0]["reason"].as_str().unwrap().contains("incomplet"));
    // In words, for the officer.
    let run = sync(&b, &[]);
    assert!(
        run.stdout
            .contains("1 segment manquant de « Portable Sarah » (n° 2)"),
        "{}",
        run.stdout
    );
    // The owner puts segment 2 back.
    std::fs::remove_file(device_dir.join("000000000007.seg")).unwrap();
    let run = sync(&a, &[]);
    assert!(
        run.stdout
            .contains("1 segment(s) disparu(s) du dossier remis en place"),
        "{}",
        run.stdout
    );
    let run = sync(&b, &["--json"]);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["missing"], serde_json::json!([]));
    assert_eq!(ok(&a, &["digest"]), ok(&b, &["digest"]));

    // A new passphrase from a file; the old one is then refused with the reason.
    let new_file = dir.path().join("nouvelle.txt");
    std::fs::write(
        &new_file,
        "Nouvelle phrase : sept mots au moins pour l'équipe\n",
    )
    .unwrap();
    let run = sync(
        &a,
        &[
            "--new-passphrase",
            "--new-passphrase-file",
            &new_file.display().to_string(),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("Phrase de passe de l'équipe changée"),
        "{}",
        run.stdout
    );
    let old = sync(&b, &[]);
    assert_eq!(old.code, 1);
    assert!(old.stderr.contains("a changé"), "{}", old.stderr);
    let new = carnet(
        &b,
        &[
            "sync",
            "--folder",
            &folder,
            "--passphrase-file",
            &new_file.display().to_string(),
        ],
    );
    assert_eq!(new.code, 0, "{}", new.stderr);
    // A device name with control characters is refused before anything is done.
    fails(
        &b,
        &[
            "sync",
            "--folder",
            &folder,
            "--passphrase-file",
            &pass_arg,
            "--device-name",
            "a\u{7}b",
        ],
        "--device-name",
    );
}

#[test]
fn dates_on_the_command_line_are_read_as_people_type_them() {
    let (_dir, db) = temp();
    ok(&db, &["init"]);
    for typed in ["demain", "31/12/26", "31122026", "2026-12-31"] {
        ok(&db, &["followups", "--until", typed]);
    }
    fails(
        &db,
        &["followups", "--until", "31/02/2026"],
        "le 31 février 2026 n'existe pas",
    );
}

#[test]
fn no_letter_when_consent_to_share_was_never_recorded() {
    let (dir, db) = temp();
    ok(&db, &["init", "--officer", "Sarah Martin"]);
    let referral = {
        let clock = Box::new(carnet::ManualClock::at_date(
            chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
        ));
        let key = carnet::notebook_lock::key_from_passphrase(&db, NOTEBOOK_PASSPHRASE).unwrap();
        let mut store = carnet::Store::open_with(&db, Some(&key), clock).unwrap();
        let adie = carnet::partner::partners(&store)
            .unwrap()
            .into_iter()
            .find(|p| p.data.name == "ADIE")
            .unwrap()
            .id;
        // Consent never asked: no date, no answer (not "Non").
        let person = store
            .create(&carnet::person::Person {
                first_name: "Inès".into(),
                last_name: "Haddad".into(),
                ..Default::default()
            })
            .unwrap();
        store
            .write(|w| {
                carnet::referral::create(
                    w,
                    &carnet::referral::NewReferral {
                        person_id: person,
                        partner_id: adie,
                        date: chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
                        need: "financing".into(),
                        detail: None,
                        follow_up: None,
                    },
                )
            })
            .unwrap()
    };
    let out = dir.path().join("lettre.pdf");
    fails(
        &db,
        &[
            "letter",
            "--referral",
            &referral.to_string(),
            "--out",
            out.to_str().unwrap(),
        ],
        "Pas de lettre sans accord",
    );
    assert!(!out.exists(), "nothing written");
    let referrals: Vec<serde_json::Value> =
        serde_json::from_str(&ok(&db, &["list", "referrals", "--json"])).unwrap();
    assert_eq!(referrals[0]["status"], "to_send", "not marked sent");
}

/// Every file in `dir` (not below), read whole.
fn files_in(dir: &Path) -> Vec<(String, Vec<u8>)> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

fn holds(bytes: &[u8], text: &str) -> bool {
    bytes.windows(text.len()).any(|w| w == text.as_bytes())
}

#[test]
fn a_day_on_the_command_line_leaves_nothing_personal_in_clear_in_the_notebooks_folder() {
    let (dir, db) = temp();
    let notebook_dir = dir.path().join("donnees");
    std::fs::create_dir(&notebook_dir).unwrap();
    let db = notebook_dir.join(db.file_name().unwrap());
    let said = ok(
        &db,
        &[
            "init",
            "--officer",
            "Sarah Martin",
            "--territory",
            "Pays de Montbéliard",
        ],
    );
    assert!(said.contains("Clé de secours"), "{said}");
    let recovery = said
        .lines()
        .map(str::trim)
        .find(|l| l.len() == 64 && l.matches('-').count() == 12)
        .expect("the recovery key is printed")
        .to_string();
    let person = ok(
        &db,
        &[
            "add",
            "person",
            "--first-name",
            "Inès",
            "--last-name",
            "Zerrouki",
            "--phone",
            "06 39 98 12 34",
        ],
    );
    let person = person.trim();
    ok(
        &db,
        &[
            "add",
            "encounter",
            "--kind",
            "interview",
            "--date",
            "2026-11-20",
            "--person",
            person,
            "--note",
            "Projet de traiteur oriental",
        ],
    );
    let folder = dir.path().join("partage");
    std::fs::create_dir(&folder).unwrap();
    let pass = "Marché des Buis, mardi 9h !";
    let synced = with_passphrase(&db, &["sync", "--folder", folder.to_str().unwrap()], pass);
    assert_eq!(synced.code, 0, "{}", synced.stderr);
    ok(
        &db,
        &[
            "export",
            "--year",
            "2026",
            "--out",
            dir.path().join("bilan.xlsx").to_str().unwrap(),
        ],
    );
    assert!(ok(&db, &["search", "zerrouki"]).contains("Zerrouki"));

    // The notebook's folder: the database, its log and the key file hold no name, phone,
    // note, passphrase or recovery key in clear.
    let files = files_in(&notebook_dir);
    assert!(
        files.iter().any(|(n, _)| n.ends_with(".key")),
        "{:?}",
        files.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    for (name, bytes) in &files {
        for secret in [
            "Zerrouki",
            "06 39 98 12 34",
            "traiteur oriental",
            NOTEBOOK_PASSPHRASE,
            &recovery,
        ] {
            assert!(!holds(bytes, secret), "{secret:?} in clear in {name}");
        }
    }
    // Without the passphrase, or with a wrong one: one French line, nothing opened.
    let wrong = dir.path().join("mauvaise");
    std::fs::write(&wrong, "Permanence du mercredi aux Buis, 14h !\n").unwrap();
    let run = carnet_with(
        &db,
        &["--passphrase-file", wrong.to_str().unwrap(), "stats"],
        &[],
    );
    assert_eq!(run.code, 1);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("Phrase de passe incorrecte"),
        "{}",
        run.stderr
    );
    let run = Command::new(env!("CARGO_BIN_EXE_carnet"))
        .arg("--db")
        .arg(&db)
        .arg("stats")
        .env_remove("CARNET_PASSPHRASE_FILE")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&run.stderr).contains("phrase de passe du carnet manquante"));

    // A new passphrase: the old one no longer opens; the recovery key sets another.
    let new = dir.path().join("nouvelle");
    std::fs::write(&new, "Atelier statut juridique, jeudi 10h ?\n").unwrap();
    let said = ok(
        &db,
        &[
            "passphrase",
            "change",
            "--new-passphrase-file",
            new.to_str().unwrap(),
        ],
    );
    assert!(said.contains("changée"), "{said}");
    let run = carnet(&db, &["stats"]);
    assert_eq!(run.code, 1, "the old passphrase no longer opens");
    assert!(
        run.stderr.contains("Phrase de passe incorrecte"),
        "{}",
        run.stderr
    );
    let by_new = carnet_with(
        &db,
        &[
            "--passphrase-file",
            new.to_str().unwrap(),
            "search",
            "zerrouki",
        ],
        &[],
    );
    assert!(by_new.stdout.contains("Zerrouki"), "{}", by_new.stderr);
    let said = ok(
        &db,
        &[
            "unlock",
            "--recovery-key",
            &recovery.to_lowercase().replace('-', " "),
            "--new-passphrase-file",
            passphrase_file().to_str().unwrap(),
        ],
    );
    assert!(said.contains("clé de secours"), "{said}");
    assert!(
        ok(&db, &["search", "zerrouki"]).contains("Zerrouki"),
        "the test passphrase opens again"
    );
    fails(
        &db,
        &[
            "unlock",
            "--recovery-key",
            "AAAA-BBBB",
            "--new-passphrase-file",
            new.to_str().unwrap(),
        ],
        "Clé de secours mal saisie",
    );
}

#[test]
fn a_plaintext_notebook_is_encrypted_by_carnet_encrypt_even_when_killed_midway() {
    let (dir, db) = temp();
    ok(
        &db,
        &[
            "demo",
            "--years",
            "1",
            "--until",
            "2026-11-20",
            "--plaintext",
        ],
    );
    let digest = ok(&db, &["digest"]);
    let bytes = std::fs::read(&db).unwrap();
    assert!(
        bytes.starts_with(b"SQLite format 3\0"),
        "the demo is plaintext"
    );

    // Killed at increasing moments: each time one complete notebook remains (plaintext or
    // encrypted), with the same content.
    let mut encrypted = false;
    for delay_ms in [5_u64, 20, 60, 120, 250, 500, 1000, 2000] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_carnet"))
            .arg("--db")
            .arg(&db)
            .arg("encrypt")
            .env("CARNET_PASSPHRASE_FILE", passphrase_file())
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(
            ok(&db, &["digest"]),
            digest,
            "after a kill at {delay_ms} ms"
        );
        if !std::fs::read(&db)
            .unwrap()
            .starts_with(b"SQLite format 3\0")
        {
            encrypted = true;
            break;
        }
    }
    if !encrypted {
        let said = ok(&db, &["encrypt"]);
        assert!(
            said.contains("Carnet chiffré") && said.contains("Clé de secours"),
            "{said}"
        );
    }
    assert_eq!(ok(&db, &["digest"]), digest);
    assert!(
        !std::fs::read(&db)
            .unwrap()
            .starts_with(b"SQLite format 3\0")
    );
    let leftovers: Vec<String> = files_in(dir.path())
        .into_iter()
        .map(|(n, _)| n)
        .filter(|n| n.contains(".encrypting") || n.contains(".plaintext"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    fails(&db, &["encrypt"], "déjà chiffré");
}

/// The text of a PDF as a reader's tool extracts it (poppler's `pdftotext`).
fn pdf_text(path: &Path) -> String {
    let out = Command::new("pdftotext")
        .arg("-layout")
        .arg(path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed by cargo xtask test");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn printed_key(said: &str) -> String {
    said.lines()
        .map(str::trim)
        .find(|l| l.len() == 64 && l.matches('-').count() == 12)
        .expect("the recovery key is printed")
        .to_string()
}

#[test]
fn the_recovery_sheet_is_printed_and_a_new_one_retires_the_old_key() {
    let (dir, db) = temp();
    let sheet = dir.path().join("feuille.pdf");
    let said = ok(
        &db,
        &[
            "init",
            "--officer",
            "Sarah Martin",
            "--recovery-sheet",
            sheet.to_str().unwrap(),
        ],
    );
    let old_key = printed_key(&said);
    let text = pdf_text(&sheet);
    assert!(text.contains("Clé de secours du carnet"), "{text}");
    assert!(text.contains("À conserver sous clé"), "{text}");
    assert!(text.contains("Sarah Martin"), "{text}");
    for group in old_key.split('-') {
        assert!(
            text.contains(group),
            "{group} missing from the sheet: {text}"
        );
    }
    let check = Command::new("qpdf")
        .arg("--check")
        .arg(&sheet)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );

    let new_sheet = dir.path().join("nouvelle-feuille.pdf");
    let said = ok(
        &db,
        &["recovery-sheet", "--out", new_sheet.to_str().unwrap()],
    );
    let new_key = printed_key(&said);
    assert_ne!(new_key, old_key);
    assert!(pdf_text(&new_sheet).contains(new_key.split('-').next().unwrap()));
    fails(
        &db,
        &[
            "unlock",
            "--recovery-key",
            &old_key,
            "--new-passphrase-file",
            passphrase_file().to_str().unwrap(),
        ],
        "n'ouvre pas ce carnet",
    );
    let said = ok(
        &db,
        &[
            "unlock",
            "--recovery-key",
            &new_key,
            "--new-passphrase-file",
            passphrase_file().to_str().unwrap(),
        ],
    );
    assert!(said.contains("clé de secours"), "{said}");
}

#[test]
fn retention_lists_persons_past_the_period_and_prolonging_takes_one_off() {
    let (_dir, db) = temp();
    // A year of activity that ended long enough ago for everyone to be past 24 months,
    // whatever day the test runs.
    let summary: serde_json::Value = serde_json::from_str(&ok(
        &db,
        &[
            "demo",
            "--seed",
            "2",
            "--years",
            "1",
            "--until",
            "2024-06-30",
            "--json",
        ],
    ))
    .unwrap();
    let persons = summary["persons"].as_u64().unwrap() as usize;
    let due: Vec<serde_json::Value> =
        serde_json::from_str(&ok(&db, &["retention", "--json"])).unwrap();
    assert_eq!(due.len(), persons, "everyone is past the period");
    let contacts: Vec<&str> = due
        .iter()
        .map(|d| d["last_contact"].as_str().unwrap())
        .collect();
    assert!(contacts.windows(2).all(|w| w[0] <= w[1]), "oldest first");
    assert!(contacts.iter().all(|d| *d <= "2024-06-30"));
    let text = ok(&db, &["retention"]);
    assert!(
        text.ends_with(&format!(
            "{persons} personne(s) à réexaminer (durée de conservation : 24 mois).\n"
        )),
        "{text}"
    );

    let first = due[0]["id"].as_str().unwrap();
    fails(
        &db,
        &[
            "retention",
            "--prolong",
            first,
            "--until",
            "01/01/2020",
            "--reason",
            "Suivi ADIE",
        ],
        "dans dix ans au plus",
    );
    fails(
        &db,
        &[
            "retention",
            "--prolong",
            first,
            "--until",
            "31/12/2099",
            "--reason",
            "  ",
        ],
        "obligatoire",
    );
    let next_year = chrono::Datelike::year(&chrono::Local::now().date_naive()) + 1;
    let until = format!("30/06/{next_year}");
    let after: Vec<serde_json::Value> = serde_json::from_str(&ok(
        &db,
        &[
            "retention",
            "--prolong",
            first,
            "--until",
            &until,
            "--reason",
            "Création en cours avec l'ADIE",
            "--json",
        ],
    ))
    .unwrap();
    assert_eq!(after.len(), persons - 1);
    assert!(after.iter().all(|d| d["id"] != due[0]["id"]));

    fails(&db, &["retention", "--set-months", "3"], "entre 6 et 120");
    let longer = ok(&db, &["retention", "--set-months", "120"]);
    assert!(
        longer.ends_with("0 personne(s) à réexaminer (durée de conservation : 120 mois).\n"),
        "{longer}"
    );
}

#[test]
fn erase_and_anonymise_ask_for_yes_then_leave_no_trace() {
    let (_dir, db) = temp();
    ok(&db, &["init", "--officer", "Sarah Martin"]);
    let id = ok(
        &db,
        &[
            "add",
            "person",
            "--first-name",
            "Zoubida",
            "--last-name",
            "Ouattara",
            "--phone",
            "06 71 42 93 58",
        ],
    );
    let id = id.trim();
    for date in ["2026-01-15", "2026-02-03"] {
        ok(
            &db,
            &[
                "add",
                "encounter",
                "--kind",
                "market",
                "--date",
                date,
                "--person",
                id,
                "--note",
                "Projet de salon de coiffure",
            ],
        );
    }
    fails(
        &db,
        &["erase", "--person", id],
        "rendrait anonymes 2 rencontre(s) ; il est définitif. Ajoutez --yes pour confirmer.",
    );
    assert!(
        ok(&db, &["search", "zoubida"]).contains("Ouattara"),
        "nothing erased without --yes"
    );
    let done = ok(&db, &["erase", "--person", id, "--yes"]);
    assert!(
        done.starts_with("Personne effacée : 1 fiche(s) retirée(s), 2 rencontre(s) gardée(s) comme contacts anonymes."),
        "{done}"
    );
    assert!(!ok(&db, &["search", "zoubida"]).contains("Ouattara"));
    let encounters = ok(&db, &["list", "encounters"]);
    assert!(
        !encounters.contains("coiffure") && !encounters.contains("Zoubida"),
        "{encounters}"
    );
    fails(
        &db,
        &["erase", "--person", id, "--yes"],
        "Aucune fiche « personne »",
    );
    let other = ok(
        &db,
        &[
            "add",
            "person",
            "--first-name",
            "Moussa",
            "--last-name",
            "Diallo",
            "--phone",
            "06 12 34 56 78",
        ],
    );
    let other = other.trim();
    fails(
        &db,
        &["anonymise", "--person", other],
        "Ajoutez --yes pour confirmer",
    );
    let done = ok(&db, &["anonymise", "--person", other, "--yes"]);
    assert!(
        done.starts_with("Personne anonymisée : elle n'était comptée dans aucun chiffre"),
        "{done}"
    );
    assert!(!ok(&db, &["search", "diallo"]).contains("Diallo"));
    assert!(!ok(&db, &["search", "anonymisée"]).contains("anonymisée"));
    let check = ok(&db, &["check"]);
    assert!(check.starts_with("Base intègre"), "{check}");
}

#[test]
fn add_person_refuses_a_very_likely_duplicate_unless_told_and_duplicates_lists_pairs() {
    let (_dir, db) = temp();
    ok(&db, &["init", "--officer", "Sarah Martin"]);
    let ines = ok(
        &db,
        &[
            "add",
            "person",
            "--first-name",
            "Inès",
            "--last-name",
            "Haddad",
            "--phone",
            "06 12 34 56 78",
        ],
    );
    let ines = ines.trim();
    let again = [
        "add",
        "person",
        "--first-name",
        "Ines",
        "--last-name",
        "Haddad",
        "--phone",
        "0612345678",
    ];
    let refused = carnet(&db, &again);
    assert_eq!(refused.code, 1);
    assert!(
        refused
            .stdout
            .contains("Cette personne existe peut-être déjà")
            && refused.stdout.contains(ines)
            && refused.stdout.contains("très probable")
            && refused.stdout.contains("même téléphone"),
        "{}",
        refused.stdout
    );
    assert_eq!(refused.stderr.lines().count(), 1, "{}", refused.stderr);
    assert!(refused.stderr.contains("--even-if-duplicate"));
    assert!(ok(&db, &["duplicates"]).starts_with("0 doublon"));
    // Told to: created, its id alone on stdout, the warning on stderr.
    let mut forced: Vec<&str> = again.to_vec();
    forced.push("--even-if-duplicate");
    let created = carnet(&db, &forced);
    assert_eq!(created.code, 0, "{}", created.stderr);
    let other = created.stdout.trim().to_string();
    assert_eq!(other.len(), 36, "{}", created.stdout);
    assert!(created.stderr.contains(ines));
    // A name that only sounds alike is created with a warning ("à vérifier").
    let warned = carnet(
        &db,
        &[
            "add",
            "person",
            "--first-name",
            "Mohamed",
            "--last-name",
            "Benali",
        ],
    );
    assert_eq!(warned.code, 0);
    let checked = carnet(
        &db,
        &[
            "add",
            "person",
            "--first-name",
            "Mohammed",
            "--last-name",
            "Ben Ali",
        ],
    );
    assert_eq!(checked.code, 0, "{}", checked.stderr);
    assert!(checked.stderr.contains("à vérifier"), "{}", checked.stderr);
    let listed = ok(&db, &["duplicates"]);
    assert!(
        listed.contains("2 doublon(s) probable(s) : 1 très probable(s), 1 à vérifier."),
        "{listed}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&ok(&db, &["duplicates", "--json"])).unwrap();
    let pairs = json.as_array().unwrap();
    assert_eq!(pairs.len(), 2);
    assert_eq!(pairs[0]["level"], "very_likely");
    let ids = [
        pairs[0]["a"].as_str().unwrap(),
        pairs[0]["b"].as_str().unwrap(),
    ];
    assert!(ids.contains(&ines) && ids.contains(&other.as_str()));
    assert!(pairs[0]["reasons"].as_array().unwrap().len() >= 2);
    let sound_alike = [
        pairs[1]["a"].as_str().unwrap().to_string(),
        pairs[1]["b"].as_str().unwrap().to_string(),
    ];

    // "Pas un doublon" for the namesakes: the pair is no longer listed.
    let said = ok(&db, &["not-duplicate", &sound_alike[0], &sound_alike[1]]);
    assert!(said.contains("deux personnes différentes"), "{said}");
    assert!(ok(&db, &["duplicates"]).contains("1 doublon(s) probable(s)"));

    // Merge the second Inès into the first: an unknown field is refused with the list.
    let bad = carnet(&db, &["merge", ines, &other, "--take", "telephone"]);
    assert_eq!(bad.code, 1);
    assert!(
        bad.stderr.contains("champ inconnu") && bad.stderr.contains("phone"),
        "{}",
        bad.stderr
    );
    ok(
        &db,
        &[
            "add",
            "encounter",
            "--kind",
            "market",
            "--date",
            "2026-01-15",
            "--person",
            &other,
        ],
    );
    let merged = ok(&db, &["merge", ines, &other, "--take", "first_name"]);
    assert!(
        merged.contains("Fiches fusionnées")
            && merged.contains("Repris de l'autre fiche : Prénom."),
        "{merged}"
    );
    assert!(ok(&db, &["duplicates"]).starts_with("0 doublon"));
    let found = ok(&db, &["search", "haddad"]);
    assert_eq!(found.matches("Haddad").count(), 1, "{found}");
    assert!(found.contains("Ines"), "the first name taken: {found}");
    assert!(ok(&db, &["timeline", ines]).contains("Marché"));
    // Merging it again is refused; separating brings both back.
    assert_eq!(carnet(&db, &["merge", ines, &other]).code, 1);
    assert!(ok(&db, &["separate", &other]).contains("Fiche séparée"));
    assert_eq!(ok(&db, &["search", "haddad"]).matches("Haddad").count(), 2);
    assert!(!ok(&db, &["timeline", ines]).contains("Marché"));
    let twice = carnet(&db, &["separate", &other]);
    assert_eq!(twice.code, 1);
    assert!(
        twice.stderr.contains("n'est fusionnée dans aucune"),
        "{}",
        twice.stderr
    );
}

#[test]
fn audit_lists_what_was_done_without_names_and_verify_finds_a_removed_entry() {
    let (_dir, db) = temp();
    ok(
        &db,
        &[
            "demo",
            "--years",
            "1",
            "--until",
            "2026-11-20",
            "--plaintext",
        ],
    );
    // The demo's fictional million changes are not journaled: the journal starts empty.
    assert!(ok(&db, &["audit"]).starts_with("0 entrée(s)."));
    let id = ok(
        &db,
        &[
            "add",
            "person",
            "--first-name",
            "Zoubida",
            "--last-name",
            "Kergoat",
        ],
    );
    let id = id.trim();
    ok(&db, &["timeline", id]);
    let listed = ok(&db, &["audit"]);
    assert!(listed.starts_with("2 entrée(s)."), "{listed}");
    assert!(
        listed.contains(&format!("Création  personne {id}"))
            && listed.contains(&format!("Consultation  personne {id}")),
        "{listed}"
    );
    assert!(!listed.contains("Zoubida") && !listed.contains("Kergoat"));
    let json: serde_json::Value = serde_json::from_str(&ok(&db, &["audit", "--json"])).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 2);
    assert_eq!(json[1]["action"], "opened");
    assert_eq!(json[0]["action"], "created");
    assert!(ok(&db, &["audit", "--verify"]).contains("Journal intact : 2 entrée(s)"));

    // The access export: the ZIP, and its entry in the journal.
    let zip = db.with_file_name("acces.zip");
    let said = ok(
        &db,
        &[
            "access-export",
            "--person",
            id,
            "--out",
            zip.to_str().unwrap(),
        ],
    );
    assert!(said.contains("Données de la personne exportées"), "{said}");
    assert!(std::fs::read(&zip).unwrap().starts_with(b"PK\x03\x04"));
    assert!(
        ok(&db, &["audit"]).contains(&format!("Export des données d'une personne  personne {id}"))
    );
    let unknown = carnet(
        &db,
        &[
            "access-export",
            "--person",
            "00000000-0000-0000-0000-000000000000",
            "--out",
            zip.to_str().unwrap(),
        ],
    );
    assert_eq!(unknown.code, 1);
    assert_eq!(unknown.stderr.lines().count(), 1, "{}", unknown.stderr);

    // The first entry removed behind Carnet's back: --verify says so, exit 1.
    let raw = rusqlite::Connection::open(&db).unwrap();
    raw.execute(
        "DELETE FROM audit_entry WHERE seq = (SELECT min(seq) FROM audit_entry)",
        [],
    )
    .unwrap();
    drop(raw);
    let broken = carnet(&db, &["audit", "--verify"]);
    assert_eq!(broken.code, 1);
    assert!(
        broken.stderr.contains("le journal a été modifié"),
        "{}",
        broken.stderr
    );
}

/// `carnet import FILE [--dry-run] [--json]`: the contract scripts rely on (issue #17).
#[test]
fn import_dry_run_then_import_then_again_as_the_contract_says() {
    let (dir, db) = temp();
    ok(&db, &["init", "--territory", "Pays de Montbéliard"]);
    let sheet = dir.path().join("suivi.csv");
    // French Excel's CSV: `;`, Windows-1252 ("Prénom", "Né(e) le", "Inès" in Latin-1 bytes).
    std::fs::write(
        &sheet,
        b"Nom;Pr\xe9nom;N\xe9(e) le;Quartier;Date 1er contact;Orientation;Sortie;Date sortie\r\n\
          Haddad;In\xe8s;03/07/1985;Les Buis;12/01/2024;ADIE;Cr\xe9ation;15/06/2024\r\n\
          Diallo;Awa;31/02/1990;La Chiffogne;05/03/2024;;;\r\n\
          Kaya;Emre;;;14/03/2024;BGE;;\r\n",
    )
    .unwrap();
    let file = sheet.to_str().unwrap();
    let digest_before = ok(&db, &["digest"]);
    let dry = ok(&db, &["import", file, "--dry-run", "--json"]);
    assert_eq!(
        ok(&db, &["digest"]),
        digest_before,
        "--dry-run writes nothing"
    );
    let dry: serde_json::Value = serde_json::from_str(&dry).unwrap();
    let expected = serde_json::json!({
        "rows": 3,
        "persons": 2,
        "encounters": 2,
        "referrals": 2,
        "outcomes": 1,
        "rejected": [{
            "row": 3,
            "column": "Né(e) le",
            "message": "« 31/02/1990 » n'est pas une date (le 31 février 1990 n'existe pas)"
        }]
    });
    assert_eq!(dry, expected);

    let done = ok(&db, &["import", file, "--json"]);
    let done: serde_json::Value = serde_json::from_str(&done).unwrap();
    assert_eq!(done, expected, "the import wrote what the dry run said");
    let found = ok(&db, &["search", "ines"]);
    assert!(found.contains("Haddad"), "{found}");

    // Again: nothing new; the human summary says why.
    let again = ok(&db, &["import", file]);
    assert!(
        again.contains("Importées : 0 personne(s), 0 rencontre(s) de premier contact, 0 orientation(s), 0 sortie(s).")
            && again.contains("Déjà dans le carnet (import précédent ou personne effacée) : 2 ligne(s).")
            && again.contains("ligne 3, colonne « Né(e) le » : « 31/02/1990 »"),
        "{again}"
    );

    // A file that cannot be read: exit 1, one French line.
    let empty = dir.path().join("vide.csv");
    std::fs::write(&empty, b"").unwrap();
    fails(
        &db,
        &["import", empty.to_str().unwrap(), "--dry-run", "--json"],
        "Ce tableau ne peut pas être importé : il est vide.",
    );
    let no_names = dir.path().join("sans-nom.csv");
    std::fs::write(&no_names, b"Ville;Projet\nSochaux;Garage\n").unwrap();
    fails(
        &db,
        &["import", no_names.to_str().unwrap()],
        "aucune colonne de noms",
    );
    fails(
        &db,
        &["import", dir.path().join("absent.xlsx").to_str().unwrap()],
        "introuvable",
    );
}
