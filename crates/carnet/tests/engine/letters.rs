//! Orientation letters: the text a partner reads, valid PDF files, hostile data, refusals,
//! byte-identical output, and filing on the referral.
//!
//! The PDFs are checked with the tools a recipient's machine would use: `pdftotext` and
//! `pdftoppm` (poppler) and `qpdf --check`, which `cargo xtask test` installs. Every letter
//! produced here is kept under `target/letters/` to be looked at.

use std::path::PathBuf;
use std::process::Command;

use carnet::Uuid;
use carnet::letter::{self, LetterTemplate};
use carnet::officer::Officer;
use carnet::partner::Partner;
use carnet::person::Person;
use carnet::referral::{self, NewReferral, Referral};

use crate::fixture::{Fixture, day, fixture, person};

fn out_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let dir = target.join("letters");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes `pdf` under `target/letters/NAME.pdf`, checks it with `qpdf --check` and returns
/// its text as `pdftotext` reads it.
fn checked(name: &str, pdf: &[u8]) -> String {
    let path = out_dir().join(format!("{name}.pdf"));
    std::fs::write(&path, pdf).unwrap();
    let qpdf = Command::new("qpdf")
        .arg("--check")
        .arg(&path)
        .output()
        .expect("qpdf is installed (cargo xtask test installs it)");
    assert!(
        qpdf.status.success(),
        "qpdf --check {name}: {}{}",
        String::from_utf8_lossy(&qpdf.stdout),
        String::from_utf8_lossy(&qpdf.stderr)
    );
    let text = Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext is installed (cargo xtask test installs poppler-utils)");
    assert!(text.status.success(), "pdftotext {name}");
    String::from_utf8(text.stdout).unwrap()
}

/// Collapses every run of white space (no-break spaces included) to one space.
fn words(text: &str) -> String {
    text.split(|c: char| c.is_whitespace())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn page_count(pdf: &[u8]) -> usize {
    let path = out_dir().join("page-count.pdf");
    std::fs::write(&path, pdf).unwrap();
    let info = Command::new("pdfinfo").arg(&path).output().unwrap();
    let info = String::from_utf8(info.stdout).unwrap();
    info.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

struct LetterCase {
    f: Fixture,
    person: Uuid,
    referral: Uuid,
}

fn officer() -> Officer {
    Officer {
        name: "Sarah Martin".into(),
        title: Some("Cheffe de projet CitésLab".into()),
        structure: Some("CitésLab Pays de Montbéliard".into()),
        phone: Some("03 81 00 00 00".into()),
        email: Some("sarah.martin@exemple.fr".into()),
        signature: None,
        address: Some("8 avenue des Alliés".into()),
        postcode: Some("25200".into()),
        city: Some("Montbéliard".into()),
        logo: None,
    }
}

fn case_with(p: Person, detail: &str) -> LetterCase {
    let mut f = fixture();
    let adie = f.adie;
    let (person, referral) = f
        .store
        .write(|w| {
            w.create(&officer())?;
            letter::template::seed_templates(w)?;
            let mut partner: Partner = w.get(adie)?;
            partner.contact_name = Some("Mme Durand, conseillère".into());
            partner.address = Some("2 rue de la République".into());
            partner.postcode = Some("25000".into());
            partner.city = Some("Besançon".into());
            w.update(adie, &partner)?;
            let person = w.create(&p)?;
            let referral = referral::create(
                w,
                &NewReferral {
                    person_id: person,
                    partner_id: adie,
                    date: day(2026, 11, 23),
                    need: "financing".into(),
                    detail: Some(detail.into()),
                    follow_up: None,
                },
            )?;
            Ok((person, referral))
        })
        .unwrap();
    LetterCase {
        f,
        person,
        referral,
    }
}

fn eloise() -> Person {
    Person {
        gender: Some("female".into()),
        phone: Some("06 12 34 56 78".into()),
        email: Some("eloise.benali@exemple.fr".into()),
        address: Some("12 rue des Fougères".into()),
        postcode: Some("25200".into()),
        city: Some("Montbéliard".into()),
        consent_partners: Some(true),
        consent_date: Some(day(2026, 10, 2)),
        project_title: Some("Épicerie fine « Les Saveurs d’Œlia »".into()),
        ..person("Éloïse", "Ben Ali")
    }
}

const DETAIL: &str = "Besoin de 8 500 € pour le matériel (vitrine réfrigérée, caisse) ; apport personnel : 1 200 €. Ça démarre dès que possible : « elle est prête ».";

fn adie_case() -> LetterCase {
    case_with(eloise(), DETAIL)
}

#[test]
#[cfg_attr(
    windows,
    ignore = "reads the file back with Linux tools (qpdf, poppler, LibreOffice)"
)]
fn default_adie_letter_reads_exactly_as_written() {
    let mut c = adie_case();
    let (_, pdf) = letter::make(&mut c.f.store, c.referral, None, day(2026, 11, 23)).unwrap();
    let text = words(&checked("adie", &pdf));
    for expected in [
        "CitésLab Pays de Montbéliard",
        "Sarah Martin Cheffe de projet CitésLab 8 avenue des Alliés 25200 Montbéliard Tél. 03 81 00 00 00 sarah.martin@exemple.fr",
        "ADIE À l’attention de Mme Durand, conseillère 2 rue de la République 25000 Besançon",
        "Montbéliard, le 23 novembre 2026",
        "Objet : Orientation d’Éloïse Ben Ali pour une demande de microcrédit",
        "Personne orientée : Éloïse Ben Ali Tél. 06 12 34 56 78 · eloise.benali@exemple.fr 12 rue des Fougères, 25200 Montbéliard",
        "Madame, Monsieur,",
        "Dans le cadre de ma mission CitésLab, j’accompagne Éloïse Ben Ali, qui porte le projet « Épicerie fine « Les Saveurs d’Œlia » ».",
        "Besoin identifié : financement, microcrédit.",
        "Besoin de 8 500 € pour le matériel (vitrine réfrigérée, caisse) ; apport personnel : 1 200 €. Ça démarre dès que possible : « elle est prête ».",
        "Je vous prie d’agréer, Madame, Monsieur, l’expression de mes salutations distinguées.",
        "Sarah Martin Cheffe de projet CitésLab",
        "1/1",
    ] {
        assert!(text.contains(expected), "missing «{expected}» in:\n{text}");
    }
    assert!(
        pdf.len() <= 60 * 1024,
        "one-page letter is {} bytes",
        pdf.len()
    );
}

#[test]
#[cfg_attr(
    windows,
    ignore = "reads the file back with Linux tools (qpdf, poppler, LibreOffice)"
)]
fn letter_pdf_renders_to_a_png_to_look_at() {
    let mut c = adie_case();
    let (_, pdf) = letter::make(&mut c.f.store, c.referral, None, day(2026, 11, 23)).unwrap();
    let path = out_dir().join("adie-render.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let status = Command::new("pdftoppm")
        .args(["-png", "-r", "80"])
        .arg(&path)
        .arg(out_dir().join("adie"))
        .status()
        .expect("pdftoppm is installed");
    assert!(status.success());
    let png = std::fs::read(out_dir().join("adie-1.png")).unwrap();
    assert!(png.starts_with(b"\x89PNG"));
}

#[test]
fn layout_snapshot_of_the_default_adie_letter() {
    let c = adie_case();
    let draft = letter::draft(&c.f.store, c.referral, None, day(2026, 11, 23)).unwrap();
    let layout = letter::lay_out(&draft.content, Some(&draft.logo));
    insta::assert_snapshot!(layout.describe());
}

#[test]
fn same_data_template_and_date_give_identical_bytes() {
    let mut a = adie_case();
    let mut b = adie_case();
    let (id, first) = letter::make(&mut a.f.store, a.referral, None, day(2026, 11, 23)).unwrap();
    let (_, again) = letter::make(&mut a.f.store, a.referral, None, day(2026, 11, 23)).unwrap();
    let (_, other_store) =
        letter::make(&mut b.f.store, b.referral, None, day(2026, 11, 23)).unwrap();
    assert_eq!(first, again);
    assert_eq!(first, other_store);
    // Filed letters are made again byte for byte, even after the person's file changed.
    let mut p: Person = a.f.store.get(a.person).unwrap();
    p.last_name = "Benali-Martin".into();
    a.f.store.update(a.person, &p).unwrap();
    assert_eq!(letter::remake(&a.f.store, id).unwrap(), first);
    // Another date is another letter.
    let (_, later) = letter::make(&mut b.f.store, b.referral, None, day(2026, 11, 24)).unwrap();
    assert_ne!(first, later);
}

#[test]
#[cfg_attr(
    windows,
    ignore = "reads the file back with Linux tools (qpdf, poppler, LibreOffice)"
)]
fn hostile_names_do_not_break_the_file_or_the_layout() {
    let hostile = person("Zoé (dite « Zo ») \\ )>> endobj %%EOF", "Nour 😀 אבגד عربي");
    let long = person(&"Maximilienne".repeat(16), &"X".repeat(200));
    for (name, p) in [("hostile", hostile), ("long-name", long)] {
        let p = Person {
            consent_partners: Some(true),
            consent_date: Some(day(2026, 11, 1)),
            ..p
        };
        let mut c = case_with(p, "(\\) <<>> [ ] { } % stream endstream");
        let (_, pdf) = letter::make(&mut c.f.store, c.referral, None, day(2026, 11, 23)).unwrap();
        let text = words(&checked(name, &pdf));
        assert!(text.contains("Objet : Orientation de"), "{text}");
        assert!(text.contains("1/1") || text.contains("1/2"), "{text}");
    }
}

#[test]
#[cfg_attr(
    windows,
    ignore = "reads the file back with Linux tools (qpdf, poppler, LibreOffice)"
)]
fn a_long_need_flows_to_a_second_page() {
    let sentence =
        "Le projet demande un accompagnement renforcé sur le prévisionnel et le choix du statut. ";
    let mut detail = String::new();
    while detail.chars().count() + sentence.len() < 5000 {
        detail.push_str(sentence);
    }
    let mut c = case_with(eloise(), &detail);
    let (_, pdf) = letter::make(&mut c.f.store, c.referral, None, day(2026, 11, 23)).unwrap();
    let text = words(&checked("long-need", &pdf));
    assert_eq!(page_count(&pdf), 2);
    assert!(text.contains("1/2") && text.contains("2/2"), "{text}");
    assert!(text.contains("(suite)"));
    assert!(text.contains("salutations distinguées."));
}

#[test]
fn no_letter_without_consent_to_share_with_partners() {
    // Refused ("Non") and never asked (nothing recorded) alike.
    for consent in [Some(false), None] {
        let mut c = case_with(
            Person {
                consent_partners: consent,
                ..eloise()
            },
            "",
        );
        let before = crate::fixture::digest(&c.f.store);
        let err = letter::make(&mut c.f.store, c.referral, None, day(2026, 11, 23)).unwrap_err();
        assert_eq!(err.kind(), "no_consent_to_share", "{consent:?}");
        assert!(err.to_string().starts_with("Pas de lettre sans accord"));
        assert_eq!(crate::fixture::digest(&c.f.store), before, "nothing filed");
        // The day's batch skips it too, with the reason.
        let batch = letter::make_batch(&mut c.f.store, day(2026, 11, 23), |_, _| {}).unwrap();
        assert!(batch.letters.is_empty(), "{consent:?}");
        assert_eq!(batch.skipped.len(), 1, "{consent:?}");
        assert_eq!(crate::fixture::digest(&c.f.store), before, "nothing filed");
    }
}

#[test]
fn unknown_placeholder_is_refused_when_saving_a_template() {
    let mut c = adie_case();
    let (id, mut template) = letter::template::templates(&c.f.store)
        .unwrap()
        .into_iter()
        .map(|e| (e.id, e.data))
        .next()
        .unwrap();
    template.body.push_str("\n\nÀ bientôt {person.prenom} !");
    let err = c.f.store.update(id, &template).unwrap_err();
    assert_eq!(err.kind(), "unknown_placeholder");
    assert!(err.to_string().contains("{person.prenom}"), "{err}");
    let stored: LetterTemplate = c.f.store.get(id).unwrap();
    assert!(!stored.body.contains("prenom"));
}

#[test]
fn making_a_letter_files_it_and_printing_marks_the_referral_sent() {
    let mut c = adie_case();
    let (letter_id, pdf) =
        letter::make(&mut c.f.store, c.referral, None, day(2026, 11, 23)).unwrap();
    let filed = letter::of_referral(&c.f.store, c.referral).unwrap();
    assert_eq!(filed.len(), 1);
    assert_eq!(filed[0].id, letter_id);
    assert_eq!(filed[0].data.template_version.len(), 12);
    let timeline = carnet::timeline::of_person(&c.f.store, c.person).unwrap();
    assert!(
        timeline
            .iter()
            .any(|t| t.kind == "letter" && t.summary == "Lettre d’orientation pour ADIE"),
        "{timeline:?}"
    );
    let r: Referral = c.f.store.get(c.referral).unwrap();
    assert_eq!(r.status, "to_send", "making a letter does not send it");
    assert!(letter::mark_sent(&mut c.f.store, c.referral, day(2026, 11, 23)).unwrap());
    let r: Referral = c.f.store.get(c.referral).unwrap();
    assert_eq!(
        (r.status.as_str(), r.status_date),
        ("sent", Some(day(2026, 11, 23)))
    );
    assert!(!letter::mark_sent(&mut c.f.store, c.referral, day(2026, 11, 24)).unwrap());
    assert!(!pdf.is_empty());
}

#[test]
#[cfg_attr(
    windows,
    ignore = "reads the file back with Linux tools (qpdf, poppler, LibreOffice)"
)]
fn the_day_batch_puts_every_letter_in_one_pdf_and_reports_the_rest() {
    let mut c = adie_case();
    let adie = c.f.adie;
    let others: Vec<Uuid> =
        c.f.store
            .write(|w| {
                let mut ids = Vec::new();
                for (i, consent) in [true, false, true].into_iter().enumerate() {
                    let p = w.create(&Person {
                        consent_partners: Some(consent),
                        consent_date: Some(day(2026, 11, 1)),
                        ..person(&format!("Personne{i}"), "Test")
                    })?;
                    ids.push(referral::create(
                        w,
                        &NewReferral {
                            person_id: p,
                            partner_id: adie,
                            date: day(2026, 11, 23),
                            need: "support".into(),
                            detail: None,
                            follow_up: None,
                        },
                    )?);
                }
                Ok(ids)
            })
            .unwrap();
    let mut seen = Vec::new();
    let batch = letter::make_batch(&mut c.f.store, day(2026, 11, 23), |done, total| {
        seen.push((done, total))
    })
    .unwrap();
    assert_eq!(seen.last(), Some(&(4, 4)));
    assert_eq!(batch.letters.len(), 3);
    assert_eq!(batch.skipped.len(), 1);
    assert_eq!(batch.skipped[0].referral_id, others[1]);
    let text = checked("batch", &batch.pdf);
    assert_eq!(page_count(&batch.pdf), 3);
    assert_eq!(text.matches("Objet").count(), 3);
    // Each filed letter is made again alone with the hash it recorded.
    for id in &batch.letters {
        let filed: letter::Letter = c.f.store.get(*id).unwrap();
        let single = letter::remake(&c.f.store, *id).unwrap();
        let sha: String = sha_hex(&single);
        assert_eq!(filed.pdf_sha256, sha);
    }
}

fn sha_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A write that fails (here: something Carnet cannot remove sits at the temporary name, as a
/// full disk or a read-only folder would make the write fail) keeps the previous file and
/// files or marks nothing, for one letter and for the day's batch.
#[test]
fn a_failed_write_keeps_the_previous_file_and_files_nothing() {
    let mut c = adie_case();
    let dir = tempfile::tempdir().unwrap();
    for (name, batch) in [("lettre.pdf", false), ("lettres-du-jour.pdf", true)] {
        let path = dir.path().join(name);
        std::fs::write(&path, b"previous file").unwrap();
        std::fs::create_dir(dir.path().join(format!(".{name}.tmp"))).unwrap();
        let before = crate::fixture::digest(&c.f.store);
        let result = if batch {
            letter::save_batch(&mut c.f.store, day(2026, 11, 23), &path, |_, _| {}).map(|_| ())
        } else {
            letter::save(&mut c.f.store, c.referral, None, day(2026, 11, 23), &path).map(|_| ())
        };
        let err = result.unwrap_err();
        assert_eq!(err.kind(), "cannot_write", "{name}: {err}");
        assert_eq!(std::fs::read(&path).unwrap(), b"previous file", "{name}");
        assert_eq!(
            crate::fixture::digest(&c.f.store),
            before,
            "{name}: nothing filed"
        );
        assert!(
            letter::of_referral(&c.f.store, c.referral)
                .unwrap()
                .is_empty()
        );
        let r: Referral = c.f.store.get(c.referral).unwrap();
        assert_eq!(r.status, "to_send", "{name}: not marked sent");
    }
}

/// "Ouvrir / imprimer": a letter no viewer could open is filed (it is on disk) but its referral
/// stays "à envoyer"; once a viewer opens it, the referral is sent.
#[test]
fn a_letter_is_sent_only_once_a_viewer_opened_it() {
    let mut c = adie_case();
    let folder = tempfile::tempdir().unwrap();
    let no_viewer = letter::save_in_folder(
        &mut c.f.store,
        c.referral,
        None,
        day(2026, 11, 23),
        folder.path(),
        |path| {
            assert!(
                path.is_file(),
                "the file is written before it is handed over"
            );
            false
        },
    )
    .unwrap();
    assert!(!no_viewer.sent);
    let r: Referral = c.f.store.get(c.referral).unwrap();
    assert_eq!(r.status, "to_send");
    assert_eq!(
        letter::of_referral(&c.f.store, c.referral).unwrap().len(),
        1
    );
    let opened = letter::save_in_folder(
        &mut c.f.store,
        c.referral,
        None,
        day(2026, 11, 23),
        folder.path(),
        |_| true,
    )
    .unwrap();
    assert!(opened.sent);
    let r: Referral = c.f.store.get(c.referral).unwrap();
    assert_eq!(r.status, "sent");
}

#[test]
fn a_letter_file_names_no_one_and_the_print_folder_is_emptied() {
    let mut c = adie_case();
    let preview = letter::preview(&mut c.f.store, c.referral, None, day(2026, 11, 23)).unwrap();
    let name = preview.file_name;
    assert!(
        name.starts_with("Lettre d’orientation - ADIE - 2026-11-23 - "),
        "{name}"
    );
    assert!(name.ends_with(".pdf"), "{name}");
    for personal in ["Éloïse", "Ben Ali", "Eloise"] {
        assert!(!name.contains(personal), "{name}");
    }

    // "Ouvrir / imprimer" puts letters in a folder that Carnet empties at start and close.
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("Lettres");
    let saved = letter::save_in_folder(
        &mut c.f.store,
        c.referral,
        None,
        day(2026, 11, 23),
        &folder,
        |_| true,
    )
    .unwrap();
    assert!(std::path::Path::new(&saved.path).exists());
    let kept = dir.path().join("ailleurs.pdf");
    std::fs::write(&kept, b"a file of the officer's").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(&kept, folder.join("lien.pdf")).unwrap();
    std::fs::create_dir(folder.join("sous-dossier")).unwrap();
    let removed = letter::clear_print_folder(&folder).unwrap();
    assert_eq!(removed, 1, "the letter, not the link nor the folder");
    assert!(!std::path::Path::new(&saved.path).exists());
    assert!(kept.exists(), "a link's target is never touched");
    assert!(folder.join("sous-dossier").exists());
    assert_eq!(
        letter::clear_print_folder(&dir.path().join("absent")).unwrap(),
        0
    );
}
