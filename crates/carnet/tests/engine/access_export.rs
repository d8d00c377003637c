//! The access export (issue #16): everything held on one person, for her. Read back as she
//! would: unzip, pdftotext of the letter addressed to her, the JSON, and the letters sent.

use std::path::{Path, PathBuf};
use std::process::Command;

use carnet::officer::Officer;
use carnet::person::Person;
use carnet::referral::NewReferral;
use carnet::{Store, Uuid};
use sha2::{Digest, Sha256};

use crate::fixture::{day, encounter_with, fixture, today};
use crate::sync::{device, new_folder, run};

fn unzip(zip: &[u8], dir: &Path) -> PathBuf {
    let path = dir.join("export.zip");
    std::fs::write(&path, zip).unwrap();
    let out = dir.join("export");
    let status = Command::new("unzip")
        .arg("-q")
        .arg(&path)
        .arg("-d")
        .arg(&out)
        .status()
        .expect("unzip is installed (cargo xtask test installs it)");
    assert!(status.success());
    out
}

fn pdf_text(path: &Path) -> String {
    let qpdf = Command::new("qpdf")
        .arg("--check")
        .arg(path)
        .output()
        .unwrap();
    assert!(
        qpdf.status.success(),
        "{}",
        String::from_utf8_lossy(&qpdf.stdout)
    );
    let text = Command::new("pdftotext")
        .args(["-enc", "UTF-8", "-layout"])
        .arg(path)
        .arg("-")
        .output()
        .unwrap();
    String::from_utf8(text.stdout)
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Zoubida, with two encounters, a meeting shared with another person, two referrals with
/// their letters, an outcome, a sync conflict on her phone and a withdrawn consent.
fn zoubida(store: &mut Store, adie: Uuid, bge: Uuid, quartier: Uuid) -> Uuid {
    let dir = tempfile::tempdir().unwrap();
    let person = store
        .write(|w| {
            w.create(&Officer {
                name: "Sarah Martin".into(),
                structure: Some("CitésLab Pays de Montbéliard".into()),
                phone: Some("03 81 00 00 00".into()),
                email: Some("sarah.martin@exemple.fr".into()),
                city: Some("Montbéliard".into()),
                ..Officer::default()
            })?;
            carnet::letter::template::seed_templates(w)?;
            let person = carnet::consent::create_person(
                w,
                &Person {
                    first_name: "Zoubida".into(),
                    last_name: "Kergoat".into(),
                    phone: Some("06 71 42 93 58".into()),
                    quartier_id: Some(quartier),
                    consent_date: Some(day(2026, 3, 2)),
                    consent_partners: Some(true),
                    consent_contact: Some(true),
                    ..Person::default()
                },
                Some("written"),
            )?;
            let mut e = encounter_with(person, day(2026, 3, 2), "market");
            e.note = Some("Projet de salon de coiffure afro".into());
            w.create(&e)?;
            w.create(&encounter_with(person, day(2026, 4, 14), "interview"))?;
            let other = w.create(&Person {
                first_name: "Albertine".into(),
                last_name: "Voisine".into(),
                ..Person::default()
            })?;
            let meeting = w.create(&carnet::meeting::Meeting {
                date: day(2026, 5, 20),
                title: "Atelier « Oser créer »".into(),
                kind: "atelier".into(),
                partner_id: None,
                quartier_id: Some(quartier),
                attendee_count: None,
                note: Some("Animé avec l'ADIE".into()),
            })?;
            carnet::meeting::attach(w, meeting, person)?;
            carnet::meeting::attach(w, meeting, other)?;
            w.create(&carnet::outcome::Outcome {
                person_id: person,
                kind: "business_created".into(),
                date: day(2026, 10, 1),
                legal_form: None,
                siret: None,
                sector: None,
                note: None,
            })?;
            Ok(person)
        })
        .unwrap();
    for (partner, date) in [(adie, day(2026, 6, 2)), (bge, day(2026, 7, 8))] {
        let referral = store
            .write(|w| {
                carnet::referral::create(
                    w,
                    &NewReferral {
                        person_id: person,
                        partner_id: partner,
                        date,
                        need: "financing".into(),
                        detail: None,
                        follow_up: None,
                    },
                )
            })
            .unwrap();
        carnet::letter::save(store, referral, None, date, &dir.path().join("l.pdf")).unwrap();
    }
    // A colleague's device and this one change her phone without seeing each other.
    let folder_dir = tempfile::tempdir().unwrap();
    let folder = new_folder(folder_dir.path());
    run(store, &folder);
    let (mut colleague, _) = device(2);
    run(&mut colleague, &folder);
    let mut p: Person = colleague.get(person).unwrap();
    p.phone = Some("07 00 00 00 02".into());
    colleague.update(person, &p).unwrap();
    let mut p: Person = store.get(person).unwrap();
    p.phone = Some("07 00 00 00 01".into());
    store.update(person, &p).unwrap();
    run(&mut colleague, &folder);
    run(store, &folder);
    assert!(!carnet::sync::conflicts(store).unwrap().is_empty());
    // She withdraws sharing with partners.
    let mut p: Person = store.get(person).unwrap();
    p.consent_partners = Some(false);
    store
        .write(|w| carnet::consent::update_person(w, person, &p, Some("message")))
        .unwrap();
    person
}

#[test]
#[cfg_attr(
    windows,
    ignore = "reads the export back with Linux tools (unzip, poppler, qpdf)"
)]
fn her_export_names_everything_of_hers_and_nobody_else() {
    let mut f = fixture();
    let bge = carnet::partner::partners(&f.store)
        .unwrap()
        .into_iter()
        .find(|p| p.data.name.starts_with("BGE"))
        .unwrap()
        .id;
    let person = zoubida(&mut f.store, f.adie, bge, f.quartier);
    let zip = carnet::access_export::export(&f.store, person, today()).unwrap();
    assert_eq!(
        zip,
        carnet::access_export::export(&f.store, person, today()).unwrap(),
        "same notebook and date, same bytes"
    );
    let dir = tempfile::tempdir().unwrap();
    let out = unzip(&zip, dir.path());

    let text = pdf_text(&out.join("courrier.pdf"));
    // Kept under target/letters to be looked at (pdftoppm).
    let look = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"))
        .join("letters");
    std::fs::create_dir_all(&look).unwrap();
    std::fs::copy(out.join("courrier.pdf"), look.join("acces-zoubida.pdf")).unwrap();
    for expected in [
        "Zoubida Kergoat",
        "Les données que nous conservons sur vous",
        "Marché",
        "Projet de salon de coiffure afro",
        "Entretien individuel",
        "Atelier « Oser créer »",
        "ADIE",
        "BGE",
        "Création d'entreprise",
        "lettre d’orientation à ADIE",
        "Partage avec les partenaires : non",
        "accord retiré ou refusé (par message)",
        "24 mois après votre dernier contact",
        "droit de rectification",
        "CNIL",
        "sarah.martin@exemple.fr",
    ] {
        assert!(text.contains(expected), "« {expected} » in: {text}");
    }
    assert!(
        !text.contains("Voisine") && !text.contains("Albertine"),
        "{text}"
    );

    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("donnees.json")).unwrap()).unwrap();
    let raw = json.to_string();
    assert!(!raw.contains("Voisine"));
    let fiche = &json["donnees"]["fiche"];
    assert_eq!(fiche["valeurs"]["first_name"], "Zoubida");
    let phones: Vec<&str> = fiche["historique"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|w| w["champs"]["phone"].as_str())
        .collect();
    assert!(
        phones.contains(&"06 71 42 93 58") && phones.len() >= 2,
        "{phones:?}"
    );
    assert!(fiche["historique"][0]["appareil"].as_str().is_some());
    assert_eq!(json["donnees"]["rencontres"].as_array().unwrap().len(), 2);
    assert_eq!(json["donnees"]["orientations"].as_array().unwrap().len(), 2);
    assert_eq!(
        json["donnees"]["consentements"].as_array().unwrap().len(),
        3
    );
    let meeting = &json["donnees"]["participations_aux_reunions"][0]["reunion"];
    assert_eq!(meeting["titre"], "Atelier « Oser créer »");
    let conflicts = json["valeurs_mises_de_cote_par_la_synchronisation"]
        .as_array()
        .unwrap();
    assert!(
        conflicts.iter().any(|c| c["champ"] == "phone"),
        "{conflicts:?}"
    );

    // The letters, re-made byte for byte as filed.
    let letters: Vec<_> = std::fs::read_dir(out.join("lettres"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(letters.len(), 2);
    let filed: Vec<String> = json["donnees"]["lettres"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["valeurs"]["pdf_sha256"].as_str().unwrap().to_string())
        .collect();
    for letter in letters {
        let hash: String = Sha256::digest(std::fs::read(&letter).unwrap())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert!(
            filed.contains(&hash),
            "{} re-made as filed",
            letter.display()
        );
    }
}

#[test]
#[cfg_attr(
    windows,
    ignore = "reads the export back with Linux tools (unzip, poppler, qpdf)"
)]
fn a_person_with_nothing_but_a_name_gets_a_short_valid_export() {
    let mut f = fixture();
    let person = f
        .store
        .write(|w| {
            w.create(&Officer {
                name: "Sarah Martin".into(),
                ..Officer::default()
            })?;
            w.create(&Person {
                first_name: "Inès".into(),
                last_name: "Haddad".into(),
                ..Person::default()
            })
        })
        .unwrap();
    let zip = carnet::access_export::export(&f.store, person, today()).unwrap();
    assert!(zip.len() < 60_000, "{} bytes", zip.len());
    let dir = tempfile::tempdir().unwrap();
    let out = unzip(&zip, dir.path());
    let text = pdf_text(&out.join("courrier.pdf"));
    assert!(text.contains("Inès Haddad") && text.contains("Aucune rencontre enregistrée"));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("donnees.json")).unwrap()).unwrap();
    assert_eq!(json["donnees"]["rencontres"].as_array().unwrap().len(), 0);
    assert!(!out.join("lettres").exists());
    // Writing it journals an access export.
    let path = dir.path().join("acces.zip");
    carnet::access_export::write(&f.store, person, today(), &path).unwrap();
    let journaled =
        carnet::audit::entries(&f.store, None, Some(carnet::audit::Action::AccessExport)).unwrap();
    assert_eq!(journaled.len(), 1);
    assert_eq!(journaled[0].record, Some(person));
}
