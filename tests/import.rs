//! The officer imports her existing spreadsheet from Réglages (issue #17): the preview with
//! the columns as understood, one column changed, the check listing a refused row, the
//! import with its result, and the persons found in Personnes.

use std::time::Duration;

use carnet_e2e::Session;
use serde_json::json;

use super::{engine, notebook, one_window, set_select};

#[test]
fn a_french_excel_csv_is_previewed_checked_and_imported() {
    let _window = one_window();
    let dir = tempfile::tempdir().unwrap();
    let db = notebook(dir.path());
    let sheet = dir.path().join("Suivi CitésLab.csv");
    // As French Excel saves it: `;` and Windows-1252 ("Prénom", "Né(e) le", "Inès"…).
    std::fs::write(
        &sheet,
        b"Nom;Pr\xe9nom;N\xe9(e) le;T\xe9l.;Quartier;Date 1er contact;Orientation;Pointure\r\n\
          Haddad;In\xe8s;03/07/1985;06 12 34 56 78;les buis;12/01/2024;ADIE;38\r\n\
          Diallo;Awa;31/02/1990;;La Chiffogne;05/03/2024;;39\r\n\
          BEN ALI;Mohamed;3/7/85;612345678;Petite Hollande;05/02/2024;BGE + P\xf4le emploi;42\r\n",
    )
    .unwrap();

    let s = Session::start(&db).unwrap();
    s.go("#/reglages").unwrap();
    s.wait_for("#import-link").unwrap();
    s.script(
        "document.querySelector('#import-section').scrollIntoView()",
        json!([]),
    )
    .unwrap();
    s.screenshot("import-reglages").unwrap();
    s.go("#/importer").unwrap();
    s.wait_for("#import-choose").unwrap();
    // The native open dialog is outside the page: it answers with the sheet's path.
    s.script(
        "return import('./js/ipc.js').then(m => { m.api.chooseSpreadsheet = async () => arguments[0]; })",
        json!([sheet.display().to_string()]),
    )
    .unwrap();
    let choose = s.find("#import-choose").unwrap();
    s.click(&choose).unwrap();
    s.wait_for("#import-preview").unwrap();
    let text = s.main_text().unwrap();
    assert!(text.contains("3 lignes en dessous"), "{text}");
    assert!(text.contains("Inès"), "{text}");
    let understood = s
        .script(
            "return [...document.querySelectorAll('#import-preview select')].map(s => s.options[s.selectedIndex].textContent)",
            json!([]),
        )
        .unwrap();
    assert_eq!(
        understood,
        json!([
            "Nom",
            "Prénom",
            "Date de naissance",
            "Téléphone",
            "Quartier",
            "Date du premier contact",
            "Orientation (partenaire)",
            "Garder en note"
        ])
    );
    // "Pointure" is of no use here: ignored.
    set_select(&s, "#import-column-7", "Ignorer");
    s.screenshot("import-apercu").unwrap();

    let check = s.find("#import-check").unwrap();
    s.click(&check).unwrap();
    s.wait_for("#import-rejected-count").unwrap();
    let text = s.main_text().unwrap();
    assert!(
        text.contains("Seraient importées : 2 personne(s), 2 rencontre(s) de premier contact, 3 orientation(s), 0 sortie(s)."),
        "{text}"
    );
    assert!(text.contains("1 ligne refusée"), "{text}");
    assert!(
        text.contains("« 31/02/1990 » n'est pas une date (le 31 février 1990 n'existe pas)"),
        "{text}"
    );
    assert!(
        carnet::person::all(&engine(&db)).unwrap().is_empty(),
        "the check writes nothing"
    );
    s.screenshot("import-verification").unwrap();

    let run = s.wait_for("#import-run").unwrap();
    assert!(s.text(&run).unwrap().contains("2 personnes"));
    s.click(&run).unwrap();
    s.wait_until("the import's result", Duration::from_secs(20), |s| {
        Ok(s.main_text()?.contains("Importées : 2 personne(s)"))
    })
    .unwrap();
    s.screenshot("import-resultat").unwrap();
    let store = engine(&db);
    let persons = carnet::person::all(&store).unwrap();
    assert_eq!(persons.len(), 2);
    let ines = persons
        .iter()
        .find(|p| p.data.first_name == "Inès")
        .unwrap();
    assert_eq!(ines.data.note, None, "the ignored column is not kept");
    drop(store);

    let link = s.find("#import-persons").unwrap();
    s.click(&link).unwrap();
    s.wait_for_text("Haddad").unwrap();
    s.screenshot("import-personnes").unwrap();
    s.quit().unwrap();
}
