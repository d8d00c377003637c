//! The `carnet` command line, run as a user would: a real process on a temporary database.

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

/// Runs `carnet` with extra environment variables and no standard input, as CI does.
fn carnet_with(db: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let output: Output = Command::new(env!("CARGO_BIN_EXE_carnet"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("CARNET_DB")
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
        &["followups", "--until", "31/12/2026"],
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
    for db in [&a, &b, &a] {
        let run = sync(db);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(
            run.stdout.contains("Synchronisation terminée"),
            "{}",
            run.stdout
        );
    }
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
    ok(&c, &["init"]);
    let first = with_passphrase(&b, &["sync", "--folder", &folder], pass);
    assert_eq!(first.code, 0, "{}", first.stderr);

    // Two devices sync into the same folder at the same time.
    let spawn = |db: &Path| {
        Command::new(env!("CARGO_BIN_EXE_carnet"))
            .arg("--db")
            .arg(db)
            .args(["sync", "--folder", &folder])
            .env("CARNET_SYNC_PASSPHRASE", pass)
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

    // A third device's sync is killed at various moments; each time the database stays
    // sound, and a last sync completes.
    for delay_ms in [5, 30, 80, 200] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_carnet"))
            .arg("--db")
            .arg(&c)
            .args(["sync", "--folder", &folder])
            .env("CARNET_SYNC_PASSPHRASE", pass)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        assert!(
            ok(&c, &["check"]).contains("Base intègre"),
            "after a kill at {delay_ms} ms"
        );
    }
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
