//! Importing the officer's existing spreadsheet (issue #17), from files written as she has
//! them: CSVs from French Excel (Windows-1252, `;`) and others, `.xlsx` and `.ods` saved by
//! LibreOffice, and hostile sheets.

use std::path::{Path, PathBuf};
use std::process::Command;

use carnet::import::{self, Column, Summary};
use carnet::person::Person;

use crate::fixture::{day, digest, fixture};

/// The sheet most officers have: one row per person, French headers, values as typed.
const SHEET: &str = "\
Nom;Prénom;Né(e) le;Tél.;Mail;Adresse;CP;Ville;Quartier;QPV;Sexe;Situation;Projet;Date 1er contact;Orientation / Partenaire;Date orientation;Sortie;Date sortie;Suivi
Haddad;Inès;03/07/1985;06 12 34 56 78;ines.h@exemple.fr;12 rue des Buis;25700;Valentigney;les buis;oui;F;Demandeuse d'emploi;Salon de coiffure;12/01/2024;ADIE;20/01/2024;Création;15/06/2024;Très motivée
BEN ALI;Mohamed;3/7/85;612345678;;;25200;Montbéliard;Petite Hollande;x;M;CDI;Food truck;2024-02-05;BGE + Pôle emploi;;;;
Diallo;Awa;31/02/1990;07.11.22.33.44;;;;;La Chiffogne;;Mme;;;05/03/2024;;;;;
Kaya;Emre;;+33 6 98 76 54 32;;;;;Centre-ville;non;Monsieur;RSA;;14/03/2024;Mission locale;14/03/2024;Formation;;
;;;;;;;;;;;;;;;;;;
Nguyen;Linh;12/12/1992;;;;;;;;F;;;20/03/2024;Cabinet Dupont;21/03/2024;;;
";

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// `text` in Windows-1252, as French Excel saves a CSV.
fn windows_1252(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            '’' => 0x92,
            c if (c as u32) < 256 => c as u8,
            c => panic!("{c} is not in Windows-1252"),
        })
        .collect()
}

fn no_progress() -> impl FnMut(usize, usize) -> bool {
    |_, _| true
}

fn persons(store: &carnet::Store) -> Vec<Person> {
    carnet::person::all(store)
        .unwrap()
        .into_iter()
        .map(|p| p.data)
        .collect()
}

fn by_last_name<'p>(persons: &'p [Person], last: &str) -> &'p Person {
    persons
        .iter()
        .find(|p| p.last_name == last)
        .unwrap_or_else(|| panic!("{last} imported"))
}

#[test]
fn french_excel_csv_rows_become_persons_encounters_referrals_and_outcomes() {
    let mut f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "suivi.csv", &windows_1252(SHEET));

    let before = digest(&f.store);
    let dry = import::plan(&f.store, &file, None, &mut no_progress()).unwrap();
    assert_eq!(digest(&f.store), before, "a dry run writes nothing");
    // Diallo (31 February) and Nguyen (an unknown partner) are refused, with why.
    assert_eq!(
        (
            dry.rows,
            dry.persons,
            dry.encounters,
            dry.referrals,
            dry.outcomes
        ),
        (5, 3, 3, 4, 2)
    );
    let messages: Vec<String> = dry
        .rejected
        .iter()
        .map(|r| format!("ligne {}, colonne « {} » : {}", r.row, r.column, r.message))
        .collect();
    assert_eq!(
        messages,
        vec![
            "ligne 4, colonne « Né(e) le » : « 31/02/1990 » n'est pas une date (le 31 février 1990 n'existe pas)".to_string(),
            "ligne 7, colonne « Orientation / Partenaire » : « Cabinet Dupont » n'est pas un partenaire du carnet : ajoutez-le dans Partenaires, ou corrigez son nom".to_string(),
        ]
    );

    let done = import::import(&mut f.store, &file, None, &mut no_progress()).unwrap();
    assert_eq!(done, dry, "the import writes what the dry run said");
    let all = persons(&f.store);
    assert_eq!(all.len(), 3);
    let ines = by_last_name(&all, "Haddad");
    assert_eq!(ines.first_name, "Inès");
    assert_eq!(ines.birth_date, Some(day(1985, 7, 3)));
    assert_eq!(ines.phone.as_deref(), Some("06 12 34 56 78"));
    assert_eq!(ines.gender.as_deref(), Some("female"));
    assert_eq!(ines.situation.as_deref(), Some("job_seeker"));
    assert_eq!(ines.lives_in_qpv, Some(true));
    assert_eq!(ines.project_title.as_deref(), Some("Salon de coiffure"));
    assert_eq!(ines.note.as_deref(), Some("Suivi : Très motivée"));
    let buis = carnet::territory::quartiers(&f.store)
        .unwrap()
        .into_iter()
        .find(|q| q.data.name == "Les Buis")
        .unwrap()
        .id;
    assert_eq!(ines.quartier_id, Some(buis));

    let mohamed = by_last_name(&all, "BEN ALI");
    assert_eq!(mohamed.phone.as_deref(), Some("06 12 34 56 78"));
    assert_eq!(mohamed.birth_date, Some(day(1985, 7, 3)));
    assert_eq!(mohamed.situation.as_deref(), Some("employed"));
    assert_eq!(mohamed.postcode.as_deref(), Some("25200"));
    // "RSA" and "Centre-ville" have no code in Carnet: kept in the note, not lost.
    let emre = by_last_name(&all, "Kaya");
    assert_eq!(emre.lives_in_qpv, Some(false));
    assert_eq!(
        emre.note.as_deref(),
        Some("Quartier : Centre-ville\nSituation : RSA")
    );
    assert_eq!(emre.quartier_id, None);
    // …and "RSA" is also what the person record's own yes/no says.
    assert_eq!(emre.rsa, Some(true));
    assert_eq!(ines.rsa, None);

    // Mohamed's two referrals, BGE and France Travail ("Pôle emploi"), dated by his first
    // contact; sent, not waiting to be sent.
    let referrals =
        carnet::referral::in_range(&f.store, day(2024, 1, 1), day(2024, 12, 31)).unwrap();
    assert_eq!(referrals.len(), 4);
    assert!(referrals.iter().all(|r| r.data.status == "sent"));
    let partners = carnet::partner::partners(&f.store).unwrap();
    let name_of = |id| {
        partners
            .iter()
            .find(|p| p.id == id)
            .map(|p| p.data.name.clone())
            .unwrap()
    };
    let mut his: Vec<(String, chrono::NaiveDate)> = referrals
        .iter()
        .filter(|r| r.data.date == day(2024, 2, 5))
        .map(|r| (name_of(r.data.partner_id), r.data.date))
        .collect();
    his.sort();
    assert_eq!(
        his,
        vec![
            ("BGE".to_string(), day(2024, 2, 5)),
            ("France Travail".to_string(), day(2024, 2, 5))
        ]
    );

    // The first contacts count in the yearly figures of 2024.
    let figures = carnet::report::indicators(&f.store, 2024).unwrap();
    assert_eq!(
        (figures.persons_received, figures.persons_new),
        (3, 3),
        "{figures:?}"
    );
}

#[test]
fn importing_the_same_sheet_again_adds_nothing_and_an_erased_person_does_not_come_back() {
    let mut f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "suivi.csv", SHEET.as_bytes());
    import::import(&mut f.store, &file, None, &mut no_progress()).unwrap();
    let after_first = digest(&f.store);

    let again = import::import(&mut f.store, &file, None, &mut no_progress()).unwrap();
    assert_eq!(
        (
            again.persons,
            again.encounters,
            again.referrals,
            again.outcomes
        ),
        (0, 0, 0, 0)
    );
    assert_eq!(again.already_present, 3);
    assert_eq!(digest(&f.store), after_first);

    let ines = carnet::person::all(&f.store)
        .unwrap()
        .into_iter()
        .find(|p| p.data.last_name == "Haddad")
        .unwrap()
        .id;
    carnet::erasure::erase(&mut f.store, ines).unwrap();
    let third = import::import(&mut f.store, &file, None, &mut no_progress()).unwrap();
    assert_eq!(third.persons, 0);
    assert!(
        persons(&f.store).iter().all(|p| p.last_name != "Haddad"),
        "an erased person is not brought back by an import"
    );
}

#[test]
fn a_failing_or_cancelled_import_leaves_the_notebook_as_it_was() {
    let mut f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "suivi.csv", SHEET.as_bytes());
    let before = digest(&f.store);
    // The rows are read, then the write is cancelled at its first step.
    let cancelled = import::import(&mut f.store, &file, None, &mut |done, total| {
        done < total / 2
    });
    assert_eq!(cancelled.unwrap_err().kind(), "cancelled");
    assert_eq!(digest(&f.store), before);

    // A mapping that does not fit the sheet is refused in French, nothing written.
    let wrong = import::import(
        &mut f.store,
        &file,
        Some(&[Column::LastName]),
        &mut no_progress(),
    )
    .unwrap_err();
    assert!(wrong.to_string().contains("colonnes"), "{wrong}");
    assert_eq!(digest(&f.store), before);
}

#[test]
fn the_officer_can_change_the_mapping_keep_a_column_as_a_note_or_ignore_it() {
    let mut f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "autre.csv",
        "NOM,Prénom,Pointure,Remarques\nDiallo,Awa,38,vue au marché\n".as_bytes(),
    );
    let preview = import::preview(&file).unwrap();
    assert_eq!(
        preview.columns,
        vec![
            Column::LastName,
            Column::FirstName,
            Column::Note,
            Column::Note
        ]
    );
    assert_eq!(
        preview.sample[0].1,
        vec!["Diallo", "Awa", "38", "vue au marché"]
    );
    let mapping = [
        Column::LastName,
        Column::FirstName,
        Column::Ignore,
        Column::Note,
    ];
    import::import(&mut f.store, &file, Some(&mapping), &mut no_progress()).unwrap();
    let awa = &persons(&f.store)[0];
    assert_eq!(awa.note.as_deref(), Some("Remarques : vue au marché"));
}

#[test]
fn unreadable_files_are_refused_in_french() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<(PathBuf, &str)> = vec![
        (write(dir.path(), "vide.csv", b""), "vide"),
        (
            write(
                dir.path(),
                "sans-nom.csv",
                b"Ville;Projet\nSochaux;Garage\n",
            ),
            "colonne de noms",
        ),
        (
            write(dir.path(), "titres.csv", b"Nom;Pr\xe9nom\n"),
            "aucune ligne",
        ),
        (write(dir.path(), "image.png", b"\x89PNG"), ".xlsx"),
        (
            write(dir.path(), "faux.xlsx", b"ceci n'est pas un classeur"),
            "classeur",
        ),
        (dir.path().join("absent.csv"), "introuvable"),
    ];
    for (path, expected) in cases {
        let err = import::plan(&f.store, &path, None, &mut no_progress()).unwrap_err();
        assert_eq!(err.kind(), "unreadable_spreadsheet", "{path:?}");
        assert!(err.to_string().contains(expected), "{path:?}: {err}");
    }
}

#[test]
fn hostile_cells_are_text_too_long_cells_are_refused_and_nothing_panics() {
    let mut f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let long = "A".repeat(10_000);
    let text = format!(
        "Nom;Prénom;Commentaire\n\
         \"=HYPERLINK(\"\"http://exemple.invalid\"\";\"\"clic\"\")\";Zoé;=1+1\n\
         {long};Awa;\n\
         Diallo;Awa;{long}{long}{long}\n\
         ;;\n\
         Kaya;Emre;\"ligne 1\nligne 2\"\n"
    );
    let file = write(dir.path(), "hostile.csv", text.as_bytes());
    let summary = import::import(&mut f.store, &file, None, &mut no_progress()).unwrap();
    assert_eq!(summary.rows, 4);
    assert_eq!(summary.persons, 2, "{summary:?}");
    let rejected: Vec<(usize, &str)> = summary
        .rejected
        .iter()
        .map(|r| (r.row, r.column.as_str()))
        .collect();
    assert_eq!(rejected, vec![(3, "Nom"), (4, "Notes")]);
    let all = persons(&f.store);
    let formula = all.iter().find(|p| p.first_name == "Zoé").unwrap();
    assert_eq!(
        formula.last_name,
        "=HYPERLINK(\"http://exemple.invalid\";\"clic\")"
    );
    assert_eq!(formula.note.as_deref(), Some("Commentaire : =1+1"));
}

/// LibreOffice Calc (headless) converts `csv` to `format` (`xlsx`, `ods`), as if the officer
/// had saved her sheet from it.
fn saved_by_libreoffice(csv: &Path, format: &str) -> PathBuf {
    let dir = csv.parent().unwrap();
    let profile = format!("-env:UserInstallation=file://{}/lo-profile", dir.display());
    let out = Command::new("soffice")
        .args([
            profile.as_str(),
            "--headless",
            "--infilter=CSV:59,34,76,1",
            "--convert-to",
            format,
            "--outdir",
        ])
        .arg(dir)
        .arg(csv)
        .output()
        .expect(
            "LibreOffice (soffice) is installed: cargo xtask test installs libreoffice-calc-nogui",
        );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let path = csv.with_extension(format);
    assert!(path.exists(), "{}", String::from_utf8_lossy(&out.stderr));
    path
}

#[test]
#[cfg_attr(
    windows,
    ignore = "the files are written by LibreOffice, a Linux program here"
)]
fn xlsx_and_ods_saved_by_libreoffice_import_like_the_csv() {
    // ISO dates, which LibreOffice stores as date cells whatever its locale, and phones it
    // turns into numbers (the leading 0 lost, as in real sheets).
    // LibreOffice evaluates "=1/0" and "=NA()" while reading the CSV: a column of errors.
    let csv = "\
Nom;Prénom;Date de naissance;Portable;Quartier;Date 1er contact;Orientation;Date orientation;Âge
Haddad;Inès;1985-07-03;0612345678;Les Buis;2024-01-12;ADIE;2024-01-20;=1/0
Diallo;Awa;1990-02-28;0711223344;la chiffogne;2024-03-05;;;=NA()
";
    let mut reference: Option<Summary> = None;
    for format in ["xlsx", "ods"] {
        let mut f = fixture();
        let dir = tempfile::tempdir().unwrap();
        let source = write(dir.path(), "suivi.csv", csv.as_bytes());
        let file = saved_by_libreoffice(&source, format);
        std::fs::remove_file(&source).unwrap();
        let summary = import::import(&mut f.store, &file, None, &mut no_progress()).unwrap();
        assert!(
            summary.rejected.is_empty(),
            "{format}: {:?}",
            summary.rejected
        );
        assert_eq!(
            (summary.persons, summary.encounters, summary.referrals),
            (2, 2, 1),
            "{format}"
        );
        let all = persons(&f.store);
        let ines = by_last_name(&all, "Haddad");
        assert_eq!(ines.birth_date, Some(day(1985, 7, 3)), "{format}");
        assert_eq!(ines.phone.as_deref(), Some("06 12 34 56 78"), "{format}");
        assert_eq!(by_last_name(&all, "Diallo").quartier_id, Some(f.quartier));
        // The column of errors leaves nothing behind.
        assert!(all.iter().all(|p| p.note.is_none()), "{format}: {all:?}");
        if let Some(reference) = &reference {
            assert_eq!(&summary, reference, "{format} reads as xlsx does");
        }
        reference = Some(summary);
    }
}

#[test]
#[cfg_attr(
    windows,
    ignore = "the files are written by LibreOffice, a Linux program here"
)]
fn a_second_sheet_a_title_row_and_merged_headers() {
    // Written with rust_xlsxwriter, then saved again by LibreOffice.
    let dir = tempfile::tempdir().unwrap();
    let written = dir.path().join("classeur-source.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let notes = book.add_worksheet();
    notes.set_name("Notes").unwrap();
    notes.write_string(0, 0, "Rien à importer ici").unwrap();
    let sheet = book.add_worksheet();
    sheet.set_name("Suivi 2024").unwrap();
    let plain = rust_xlsxwriter::Format::new();
    sheet
        .merge_range(0, 0, 0, 3, "Suivi CitésLab — Pays de Montbéliard", &plain)
        .unwrap();
    sheet.merge_range(1, 0, 1, 1, "Identité", &plain).unwrap();
    sheet
        .merge_range(1, 2, 1, 3, "Orientation", &plain)
        .unwrap();
    for (col, title) in ["Nom", "Prénom", "Partenaire", "Date", "Âge"]
        .iter()
        .enumerate()
    {
        sheet.write_string(2, col as u16, *title).unwrap();
    }
    sheet.write_string(3, 0, "Haddad").unwrap();
    sheet.write_string(3, 1, "Inès").unwrap();
    sheet.write_string(3, 2, "BGE").unwrap();
    sheet.write_string(3, 3, "2024-01-20").unwrap();
    sheet.write_number(3, 4, 38.0).unwrap();
    sheet.write_string(4, 0, "Kaya").unwrap();
    sheet.write_string(4, 1, "Emre").unwrap();
    book.save(&written).unwrap();
    let csv_free = saved_by_libreoffice_again(&written);

    let mut f = fixture();
    let preview = import::preview(&csv_free).unwrap();
    assert_eq!(preview.sheet.as_deref(), Some("Suivi 2024"));
    assert_eq!(preview.header_line, 3);
    assert_eq!(
        &preview.columns[..4],
        &[
            Column::LastName,
            Column::FirstName,
            Column::Partner,
            Column::ReferralDate
        ]
    );
    let summary = import::import(&mut f.store, &csv_free, None, &mut no_progress()).unwrap();
    assert!(summary.rejected.is_empty(), "{:?}", summary.rejected);
    assert_eq!((summary.persons, summary.referrals), (2, 1));
    // "Âge" is unknown: kept as a note where it has a value.
    let mut notes: Vec<Option<String>> = persons(&f.store).into_iter().map(|p| p.note).collect();
    notes.sort();
    assert_eq!(notes, vec![None, Some("Âge : 38".to_string())]);
}

/// An xlsx opened and saved again by LibreOffice.
fn saved_by_libreoffice_again(xlsx: &Path) -> PathBuf {
    let dir = xlsx.parent().unwrap().join("relu");
    std::fs::create_dir_all(&dir).unwrap();
    let profile = format!("-env:UserInstallation=file://{}/lo-profile", dir.display());
    let out = Command::new("soffice")
        .args([
            profile.as_str(),
            "--headless",
            "--convert-to",
            "xlsx",
            "--outdir",
        ])
        .arg(&dir)
        .arg(xlsx)
        .output()
        .expect("LibreOffice (soffice) is installed");
    assert!(out.status.success());
    dir.join(xlsx.file_name().unwrap())
}

#[test]
fn the_rejected_rows_report_opens_in_french_excel() {
    let report = import::rejections_csv(&[carnet::import::Rejection {
        row: 4,
        column: "Né(e) le".into(),
        message: "« 31/02/1990 » n'est pas une date".into(),
    }]);
    assert_eq!(
        report,
        "\u{feff}Ligne;Colonne;Problème\r\n4;\"Né(e) le\";\"« 31/02/1990 » n'est pas une date\"\r\n"
    );
}

#[test]
fn the_same_sheet_in_every_encoding_and_separator_imports_alike() {
    let sheet = "Nom;Prénom;Né(e) le;Quartier;Date 1er contact;Orientation\n\
                 Haddad;Inès;03/07/1985;Les Évoironnes;12/01/2024;ADIE\n\
                 N'Diaye;Zoé;;Champvallon;05/03/2024;\n";
    let comma = sheet.replace(';', ",");
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("utf8-pointvirgule.csv", sheet.as_bytes().to_vec()),
        (
            "utf8-bom-pointvirgule.csv",
            [b"\xEF\xBB\xBF".as_slice(), sheet.as_bytes()].concat(),
        ),
        ("utf8-virgule.csv", comma.as_bytes().to_vec()),
        (
            "utf8-bom-virgule.csv",
            [b"\xEF\xBB\xBF".as_slice(), comma.as_bytes()].concat(),
        ),
        ("windows-1252-pointvirgule.csv", windows_1252(sheet)),
        ("windows-1252-virgule.csv", windows_1252(&comma)),
        ("crlf.csv", windows_1252(&sheet.replace('\n', "\r\n"))),
    ];
    let mut reference = None;
    for (name, bytes) in files {
        let mut f = fixture();
        let dir = tempfile::tempdir().unwrap();
        let file = write(dir.path(), name, &bytes);
        let summary = import::import(&mut f.store, &file, None, &mut no_progress()).unwrap();
        assert!(
            summary.rejected.is_empty(),
            "{name}: {:?}",
            summary.rejected
        );
        let mut names: Vec<(String, String, Option<String>)> = persons(&f.store)
            .into_iter()
            .map(|p| {
                (
                    p.first_name,
                    p.last_name,
                    p.quartier_id.map(|q| q.to_string()),
                )
            })
            .collect();
        names.sort();
        assert_eq!(names[0].0, "Inès", "{name}");
        assert_eq!(names[1].1, "N'Diaye", "{name}");
        assert!(names.iter().all(|n| n.2.is_some()), "{name}: {names:?}");
        let seen = (summary, names);
        if let Some(reference) = &reference {
            assert_eq!(&seen, reference, "{name}");
        }
        reference = Some(seen);
    }
}

/// Five thousand rows, as the speed target counts them: read, checked and written whole.
#[test]
fn a_sheet_of_five_thousand_rows_is_imported_whole() {
    let mut text = String::from("Nom;Prénom;Né(e) le;Date 1er contact;Orientation\n");
    for k in 0..5_000 {
        text.push_str(&format!(
            "Nom{k};Prénom{k};{:02}/{:02}/{};{:02}/03/2024;BGE\n",
            1 + k % 28,
            1 + k % 12,
            1950 + k % 50,
            1 + k % 28
        ));
    }
    let mut f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "gros.csv", text.as_bytes());
    let summary = import::import(&mut f.store, &file, None, &mut no_progress()).unwrap();
    assert_eq!(
        (
            summary.rows,
            summary.persons,
            summary.encounters,
            summary.referrals
        ),
        (5_000, 5_000, 5_000, 5_000)
    );
    assert_eq!(carnet::person::all(&f.store).unwrap().len(), 5_000);
}

#[test]
fn a_row_like_a_person_typed_by_hand_is_named_and_the_pair_goes_to_doublons() {
    let mut f = fixture();
    let typed = f
        .store
        .create(&Person {
            first_name: "Inès".into(),
            last_name: "Haddad".into(),
            birth_date: Some(day(1985, 7, 3)),
            phone: Some("06 12 34 56 78".into()),
            ..Person::default()
        })
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "suivi.csv",
        "Nom;Prénom;Né(e) le;Tél.\nHADDAD;Ines;03/07/1985;0612345678\nKaya;Emre;;\n".as_bytes(),
    );
    let summary = import::import(&mut f.store, &file, None, &mut no_progress()).unwrap();
    assert_eq!(summary.persons, 2);
    assert_eq!(summary.look_like_existing, vec![(2, typed)]);
    let pairs = carnet::duplicates::pairs(&f.store).unwrap();
    assert!(
        pairs.iter().any(|p| p.a == typed || p.b == typed),
        "{pairs:?}"
    );
}
