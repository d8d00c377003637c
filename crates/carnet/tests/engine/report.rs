//! The yearly activity figures on a small hand-built notebook whose every indicator was
//! counted by hand (see the comments), and the files read back by a real spreadsheet program.

use std::path::{Path, PathBuf};
use std::process::Command;

use carnet::encounter::Encounter;
use carnet::meeting::Meeting;
use carnet::outcome::Outcome;
use carnet::partner::Partner;
use carnet::permanence::Permanence;
use carnet::person::Person;
use carnet::referral::{self, NewReferral};
use carnet::report::{self, Indicators, Value};
use carnet::{Store, Uuid};

use crate::fixture::{day, fixture, person};

struct Book {
    store: Store,
}

fn quartier(store: &Store, name: &str) -> Uuid {
    carnet::territory::quartiers(store)
        .unwrap()
        .into_iter()
        .find(|q| q.data.name == name)
        .unwrap()
        .id
}

/// Persons A, B, C received in 2026 (A also in 2025), D only in 2025, E deleted.
fn hand_built() -> Book {
    let mut f = fixture();
    let chiffogne = f.quartier;
    let buis = quartier(&f.store, "Les Buis");
    let adie = f.adie;
    let bge = carnet::partner::partners(&f.store)
        .unwrap()
        .into_iter()
        .find(|p| p.data.name == "BGE")
        .unwrap()
        .id;
    f.store
        .write(|w| {
            // A: woman, 23 at her first 2026 contact, QPV, job seeker at France Travail, bac.
            let a = w.create(&Person {
                gender: Some("female".into()),
                birth_date: Some(day(2002, 3, 10)),
                quartier_id: Some(chiffogne),
                lives_in_qpv: Some(true),
                situation: Some("job_seeker".into()),
                france_travail: Some(true),
                rsa: Some(false),
                education: Some("level4".into()),
                ..person("Amina", "Arfaoui")
            })?;
            // B: man, 25 on 2026-05-10 (under 26, not under 25), QPV, employed, RSA, no diploma.
            let b = w.create(&Person {
                gender: Some("male".into()),
                birth_date: Some(day(2000, 6, 15)),
                quartier_id: Some(buis),
                lives_in_qpv: Some(true),
                situation: Some("employed".into()),
                rsa: Some(true),
                education: Some("none".into()),
                ..person("Bruno", "Bastien")
            })?;
            // C: nothing known but the name.
            let c = w.create(&person("Chloé", "Camus"))?;
            // D: seen only in 2025.
            let d = w.create(&Person {
                gender: Some("female".into()),
                ..person("Dounia", "Diallo")
            })?;
            // E: seen in 2026, then deleted.
            let e = w.create(&person("Émile", "Effacé"))?;

            let met = |w: &mut carnet::Writer<'_>,
                       p: Option<Uuid>,
                       date,
                       kind: &str,
                       heads: Option<i64>,
                       permanence: Option<Uuid>| {
                let mut enc = Encounter::new(date, kind);
                enc.person_id = p;
                enc.head_count = heads;
                enc.permanence_id = permanence;
                w.create(&enc)
            };
            met(w, Some(a), day(2025, 6, 1), "market", None, None)?;
            met(w, Some(d), day(2025, 9, 1), "interview", None, None)?;
            met(w, Some(a), day(2026, 2, 1), "interview", None, None)?;
            met(w, Some(a), day(2026, 3, 5), "market", None, None)?;
            met(w, None, day(2026, 3, 5), "market", Some(3), None)?;
            met(w, Some(e), day(2026, 4, 1), "interview", None, None)?;
            w.delete(&carnet::schema::PERSON, e)?;

            let held = w.create(&Permanence {
                quartier_id: chiffogne,
                place_id: None,
                date: day(2026, 7, 1),
                start_time: Some("14:00".into()),
                end_time: Some("17:00".into()),
                status: "held".into(),
                note: None,
            })?;
            w.create(&Permanence {
                quartier_id: buis,
                place_id: None,
                date: day(2026, 8, 1),
                start_time: None,
                end_time: None,
                status: "cancelled".into(),
                note: None,
            })?;
            met(
                w,
                Some(c),
                day(2026, 7, 1),
                "permanence_visit",
                None,
                Some(held),
            )?;
            met(
                w,
                None,
                day(2026, 7, 1),
                "permanence_visit",
                Some(2),
                Some(held),
            )?;

            let meeting = w.create(&Meeting {
                date: day(2026, 5, 10),
                title: "Atelier « Oser créer »".into(),
                kind: "atelier".into(),
                partner_id: None,
                quartier_id: Some(buis),
                attendee_count: Some(12),
                note: None,
            })?;
            carnet::meeting::attach(w, meeting, b)?;

            let to_adie = referral::create(
                w,
                &NewReferral {
                    person_id: a,
                    partner_id: adie,
                    date: day(2026, 3, 5),
                    need: "financing".into(),
                    detail: None,
                    follow_up: None,
                },
            )?;
            referral::move_to(w, to_adie, "sent", day(2026, 3, 6), None)?;
            referral::create(
                w,
                &NewReferral {
                    person_id: b,
                    partner_id: adie,
                    date: day(2026, 5, 10),
                    need: "support".into(),
                    detail: None,
                    follow_up: None,
                },
            )?;
            referral::create(
                w,
                &NewReferral {
                    person_id: d,
                    partner_id: bge,
                    date: day(2025, 9, 1),
                    need: "support".into(),
                    detail: None,
                    follow_up: None,
                },
            )?;
            w.create(&Outcome {
                person_id: a,
                kind: "business_created".into(),
                date: day(2026, 10, 1),
                legal_form: Some("micro".into()),
                siret: None,
                sector: Some("commerce".into()),
                note: None,
            })?;
            w.create(&Outcome {
                person_id: b,
                kind: "job".into(),
                date: day(2026, 9, 1),
                legal_form: None,
                siret: None,
                sector: None,
                note: None,
            })?;
            Ok(())
        })
        .unwrap();
    Book { store: f.store }
}

fn count(list: &[report::Count], label: &str) -> i64 {
    list.iter()
        .find(|c| c.label == label)
        .unwrap_or_else(|| panic!("{label} in {list:?}"))
        .count
}

#[test]
fn every_indicator_matches_the_hand_count() {
    let book = hand_built();
    let i = report::indicators(&book.store, 2026).unwrap();
    // A, B, C; D is 2025 only and E was deleted.
    assert_eq!(i.persons_received, 3);
    // B and C never came before 2026; A did in 2025.
    assert_eq!(i.persons_new, 2);
    assert_eq!((i.women, i.men, i.gender_unknown), (1, 1, 1));
    // A is 23, B 25 at their first 2026 contact; C's age is unknown.
    assert_eq!((i.under_25, i.under_26, i.age_unknown), (1, 2, 1));
    assert_eq!((i.living_in_qpv, i.qpv_unknown), (2, 1));
    assert_eq!(count(&i.by_quartier, "La Chiffogne"), 1);
    assert_eq!(count(&i.by_quartier, "Les Buis"), 1);
    assert_eq!(count(&i.by_quartier, "Quartier non renseigné"), 1);
    assert_eq!((i.job_seekers, i.france_travail, i.rsa), (1, 1, 1));
    assert_eq!(count(&i.education, "Baccalauréat (niveau 4)"), 1);
    assert_eq!(count(&i.education, "Sans diplôme"), 1);
    assert_eq!(count(&i.education, "Non renseigné"), 1);
    // Encounters: A ×2, anonymous market (3), E's interview (the contact happened, even if
    // her file was deleted since), C and an anonymous group (2) at the permanence.
    assert_eq!(i.encounters, 6);
    assert_eq!(i.people_reached, 1 + 1 + 3 + 1 + 1 + 2);
    assert_eq!(i.interviews, 2);
    assert_eq!(i.anonymous_people, 5);
    let kind = |code: &str| {
        let k = i
            .encounters_by_kind
            .iter()
            .find(|k| k.code == code)
            .unwrap();
        (k.encounters, k.people)
    };
    assert_eq!(kind("market"), (2, 4));
    assert_eq!(kind("permanence_visit"), (2, 3));
    assert_eq!(kind("phone"), (0, 0));
    assert_eq!((i.permanences_held, i.permanences_cancelled), (1, 1));
    assert_eq!((i.permanence_visits, i.permanence_visitors), (2, 3));
    assert_eq!(
        (i.meetings, i.meeting_attendees, i.meeting_named_attendances),
        (1, 12, 1)
    );
    assert_eq!(i.referrals, 2);
    assert_eq!(count(&i.referrals_by_status, "À envoyer"), 1);
    assert_eq!(count(&i.referrals_by_status, "Envoyée"), 1);
    assert_eq!(i.referrals_by_partner.len(), 1);
    assert_eq!(
        (
            i.referrals_by_partner[0].partner.as_str(),
            i.referrals_by_partner[0].total
        ),
        ("ADIE", 2)
    );
    assert_eq!(i.businesses_created, 1);
    assert_eq!(count(&i.businesses_by_legal_form, "Micro-entreprise"), 1);
    assert_eq!(count(&i.businesses_by_sector, "Commerce"), 1);
    assert_eq!(count(&i.outcomes_by_kind, "Emploi"), 1);
    assert!((i.creation_rate() - 1.0 / 3.0).abs() < 1e-12);
    // February: A; March: A + 3; April: E's encounter; May: the workshop's 12; July: C + 2.
    assert_eq!(
        i.contacts_per_month,
        vec![0, 1, 4, 1, 12, 0, 3, 0, 0, 0, 0, 0]
    );
}

#[test]
fn a_person_seen_in_two_years_counts_in_each_and_once_per_year() {
    let book = hand_built();
    let y2025 = report::indicators(&book.store, 2025).unwrap();
    // A (market, June) and D (interview, September), both first met in 2025.
    assert_eq!((y2025.persons_received, y2025.persons_new), (2, 2));
    assert_eq!(y2025.referrals, 1);
    let y2026 = report::indicators(&book.store, 2026).unwrap();
    // A again, once although she came twice in 2026, and no longer new.
    assert_eq!((y2026.persons_received, y2026.persons_new), (3, 2));
}

#[test]
fn an_empty_year_gives_zeros_never_nan() {
    let book = hand_built();
    let i = report::indicators(&book.store, 2031).unwrap();
    assert_eq!(i.persons_received, 0);
    assert_eq!(i.contacts_per_month, vec![0; 12]);
    for line in report::synthesis(&i) {
        match line.value {
            Value::Count(n) => assert_eq!(n, 0, "{}", line.label),
            Value::Share(s) => assert_eq!(s, 0.0, "{}", line.label),
        }
    }
    let csv = String::from_utf8(report::csv::synthesis_csv(&i, "CitésLab")).unwrap();
    assert!(
        !csv.contains("NaN") && !csv.lines().any(|l| l.ends_with("inf")),
        "{csv}"
    );
    assert_eq!(Indicators::share(0, 0), 0.0);
}

fn out_dir(name: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let dir = target.join("reports").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn options(year: i32, with_names: bool) -> carnet::report::xlsx::ExportOptions {
    carnet::report::xlsx::ExportOptions {
        year,
        with_names,
        made_on: day(2026, 11, 25),
        structure: "CitésLab Pays de Montbéliard".into(),
    }
}

/// Every sheet of `xlsx` as LibreOffice Calc reads it: (sheet name, rows of fields).
fn read_back(xlsx: &Path) -> Vec<(String, Vec<Vec<String>>)> {
    let dir = xlsx.parent().unwrap();
    let profile = format!("-env:UserInstallation=file://{}/lo-profile", dir.display());
    let out = Command::new("soffice")
        .args([
            profile.as_str(),
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):59,34,76,1,,0,false,true,false,false,false,-1",
            "--outdir",
        ])
        .arg(dir)
        .arg(xlsx)
        .output()
        .expect(
            "LibreOffice (soffice) is installed: cargo xtask test installs libreoffice-calc-nogui",
        );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stem = xlsx.file_stem().unwrap().to_str().unwrap();
    let mut sheets = Vec::new();
    for name in [
        "Synthèse",
        "Rencontres",
        "Permanences",
        "Réunions collectives",
        "Orientations",
        "Créations",
        "Personnes",
    ] {
        let path = dir.join(format!("{stem}-{name}.csv"));
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let rows = text.lines().map(parse_csv_line).collect::<Vec<_>>();
        sheets.push((name.to_string(), rows));
    }
    sheets
}

/// Splits one `;`-separated line with `"` quoting (no field here spans lines).
fn parse_csv_line(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ';' if !quoted => fields.push(std::mem::take(&mut field)),
            c => field.push(c),
        }
    }
    fields.push(field);
    fields
}

#[test]
#[cfg_attr(
    windows,
    ignore = "reads the file back with Linux tools (qpdf, poppler, LibreOffice)"
)]
fn the_workbook_read_back_by_libreoffice_matches_the_engine() {
    let book = hand_built();
    let dir = out_dir("readback");
    let path = dir.join("bilan-2026.xlsx");
    let exported =
        report::export(&book.store, &options(2026, false), &path, &mut |_, _| {}).unwrap();
    assert_eq!(exported.format, report::Format::Xlsx);
    let sheets = read_back(&path);
    let synthese = &sheets[0].1;
    let header = synthese
        .iter()
        .position(|r| r.first().map(String::as_str) == Some("Rubrique"))
        .unwrap();
    let i = report::indicators(&book.store, 2026).unwrap();
    let lines = report::synthesis(&i);
    let read: Vec<&Vec<String>> = synthese[header + 1..]
        .iter()
        .filter(|r| r.len() >= 3 && !r[1].is_empty())
        .collect();
    assert_eq!(read.len(), lines.len());
    for (row, line) in read.iter().zip(&lines) {
        assert_eq!(row[1], line.label);
        match line.value {
            Value::Count(n) => assert_eq!(row[2], n.to_string(), "{}", line.label),
            Value::Share(s) => {
                let shown: f64 = row[2].trim_end_matches('%').parse().unwrap();
                assert!(
                    (shown / 100.0 - s).abs() < 1e-9,
                    "{}: {} vs {s}",
                    line.label,
                    row[2]
                );
            }
        }
    }
    // Detail sheets: one row per item, dates as real dates, people as pseudonyms only.
    let sheet = |name: &str| &sheets.iter().find(|(n, _)| n == name).unwrap().1;
    assert_eq!(sheet("Rencontres").len(), 1 + 6);
    assert_eq!(sheet("Permanences").len(), 1 + 2);
    assert_eq!(sheet("Réunions collectives").len(), 1 + 1);
    assert_eq!(sheet("Orientations").len(), 1 + 2);
    assert_eq!(sheet("Créations").len(), 1 + 1);
    assert_eq!(sheet("Personnes").len(), 1 + 3);
    assert_eq!(
        sheet("Rencontres")[1][0],
        "02/01/2026",
        "a real date, read back by Calc"
    );
    let everything = format!("{sheets:?}");
    for name in ["Amina", "Arfaoui", "Bruno", "Chloé", "Camus"] {
        assert!(
            !everything.contains(name),
            "{name} must not appear without --with-names"
        );
    }
    let amina = &sheet("Personnes")[1][0];
    assert!(amina.starts_with("P-"), "{amina}");
    assert!(sheet("Orientations").iter().any(|r| r.contains(amina)));

    // With names, for the office's own use.
    let named = dir.join("bilan-2026-noms.xlsx");
    report::export(&book.store, &options(2026, true), &named, &mut |_, _| {}).unwrap();
    assert!(format!("{:?}", read_back(&named)).contains("Amina Arfaoui"));
    // Same notebook, year and options: the same bytes.
    let again = dir.join("encore.xlsx");
    report::export(&book.store, &options(2026, false), &again, &mut |_, _| {}).unwrap();
    assert_eq!(
        std::fs::read(&again).unwrap(),
        std::fs::read(&path).unwrap()
    );
}

#[test]
#[cfg_attr(
    windows,
    ignore = "reads the file back with Linux tools (qpdf, poppler, LibreOffice)"
)]
fn formula_like_names_stay_inert_in_xlsx_and_csv() {
    let mut book = hand_built();
    let adie = carnet::partner::partners(&book.store)
        .unwrap()
        .into_iter()
        .find(|p| p.data.name == "ADIE")
        .unwrap();
    let hostile = "=HYPERLINK(\"http://exemple.invalid\";\"clic\")";
    book.store
        .update(
            adie.id,
            &Partner {
                name: hostile.into(),
                ..adie.data
            },
        )
        .unwrap();
    let dir = out_dir("injection");
    let xlsx = dir.join("bilan.xlsx");
    report::export(&book.store, &options(2026, false), &xlsx, &mut |_, _| {}).unwrap();
    let sheets = read_back(&xlsx);
    let orientations = &sheets.iter().find(|(n, _)| n == "Orientations").unwrap().1;
    assert!(
        orientations.iter().any(|r| r.iter().any(|f| f == hostile)),
        "the name is read back as text, not evaluated: {orientations:?}"
    );
    let csv_path = dir.join("synthese.csv");
    report::export(
        &book.store,
        &options(2026, false),
        &csv_path,
        &mut |_, _| {},
    )
    .unwrap();
    let csv = std::fs::read_to_string(&csv_path).unwrap();
    assert!(csv.starts_with('\u{feff}'));
    assert!(
        csv.contains("Vers =HYPERLINK"),
        "inside a label, not at the start: {csv}"
    );
    assert!(csv.contains("\r\n") && csv.contains(";"));
    // A value that starts with "=" gets an apostrophe.
    assert_eq!(
        report::csv::field(hostile),
        format!("\"'{}\"", hostile.replace('"', "\"\""))
    );
}

#[test]
#[cfg_attr(
    windows,
    ignore = "reads the file back with Linux tools (qpdf, poppler, LibreOffice)"
)]
fn the_pdf_bilan_is_a_valid_two_page_file() {
    let book = hand_built();
    let dir = out_dir("bilan-pdf");
    for (year, name) in [(2026, "bilan-2026.pdf"), (2031, "bilan-vide.pdf")] {
        let path = dir.join(name);
        report::export(&book.store, &options(year, false), &path, &mut |_, _| {}).unwrap();
        let qpdf = Command::new("qpdf")
            .arg("--check")
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            qpdf.status.success(),
            "{}",
            String::from_utf8_lossy(&qpdf.stdout)
        );
        let text = Command::new("pdftotext")
            .args(["-enc", "UTF-8"])
            .arg(&path)
            .arg("-")
            .output()
            .unwrap();
        let text = String::from_utf8(text.stdout).unwrap();
        assert!(text.contains(&format!("Bilan d’activité {year}")), "{text}");
        assert!(
            text.contains("personnes accueillies") && text.contains("2/2"),
            "{text}"
        );
        assert!(!text.contains("NaN"));
        let png = Command::new("pdftoppm")
            .args(["-png", "-r", "60"])
            .arg(&path)
            .arg(dir.join(name.trim_end_matches(".pdf")))
            .status()
            .unwrap();
        assert!(png.success());
    }
    let text = std::fs::read(dir.join("bilan-2026.pdf")).unwrap();
    assert!(text.len() < 100 * 1024);
}

#[test]
fn a_failed_export_keeps_the_previous_file_in_every_format() {
    let book = hand_built();
    let dir = tempfile::tempdir().unwrap();
    for name in ["bilan.xlsx", "bilan.csv", "bilan.pdf"] {
        let path = dir.path().join(name);
        std::fs::write(&path, b"previous file").unwrap();
        // Something Carnet cannot remove at the temporary name makes the write fail.
        std::fs::create_dir(dir.path().join(format!(".{name}.tmp"))).unwrap();
        let err =
            report::export(&book.store, &options(2026, false), &path, &mut |_, _| {}).unwrap_err();
        assert_eq!(err.kind(), "cannot_write", "{name}: {err}");
        assert_eq!(std::fs::read(&path).unwrap(), b"previous file", "{name}");
    }
}

#[test]
fn persons_who_refused_statistical_use_are_left_out_of_the_persons_sheet() {
    use carnet::report::detail::{Cell, sheets};
    let mut f = fixture();
    for (last, consent) in [
        ("Accepte", Some(true)),
        ("Jamais", None),
        ("Refuse", Some(false)),
    ] {
        let id = f
            .store
            .create(&Person {
                consent_stats: consent,
                consent_date: consent.map(|_| day(2026, 3, 2)),
                ..person("Test", last)
            })
            .unwrap();
        let mut e = Encounter::new(day(2026, 3, 2), "interview");
        e.person_id = Some(id);
        f.store.create(&e).unwrap();
    }
    let book = sheets(&f.store, 2026, true).unwrap();
    let persons = book.iter().find(|s| s.name == "Personnes").unwrap();
    let names: Vec<String> = persons
        .rows
        .iter()
        .flat_map(|row| row.iter())
        .filter_map(|cell| match cell {
            Cell::Text(t) if t.starts_with("Test ") || t.ends_with(" Test") => Some(t.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(persons.rows.len(), 2, "{names:?}");
    assert!(names.iter().all(|n| !n.contains("Refuse")), "{names:?}");
    // The figures still count her: only her line in the detail is left out.
    assert_eq!(
        report::indicators(&f.store, 2026).unwrap().persons_received,
        3
    );
}
