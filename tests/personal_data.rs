//! Personal data in the window. Retention: the home screen says how many persons are past the
//! period, "À réexaminer" lists them oldest first, "Prolonger…" needs a reason and takes the
//! person off the list, and Réglages → Données personnelles changes the period within its
//! bounds. Erasure: from the person page, a confirmation that names what will go, then no
//! trace of her in the notebook.

use std::time::Duration;

use carnet::encounter::Encounter;
use carnet::person::Person;
use carnet_e2e::Session;
use chrono::Months;

use crate::{engine, notebook, one_window};

fn met(store: &mut carnet::Store, first: &str, last: &str, on: chrono::NaiveDate) -> carnet::Uuid {
    let person = store
        .create(&Person {
            first_name: first.into(),
            last_name: last.into(),
            ..Default::default()
        })
        .unwrap();
    let mut e = Encounter::new(on, "market");
    e.person_id = Some(person);
    store.create(&e).unwrap();
    person
}

#[test]
fn persons_past_retention_are_listed_and_prolonged_with_a_reason() {
    let _window = one_window();
    let dir = tempfile::tempdir().unwrap();
    let db = notebook(dir.path());
    let today = chrono::Local::now().date_naive();
    let mut store = engine(&db);
    let oldest = met(
        &mut store,
        "Aïcha",
        "Benali",
        today.checked_sub_months(Months::new(40)).unwrap(),
    );
    met(
        &mut store,
        "Moussa",
        "Diallo",
        today.checked_sub_months(Months::new(30)).unwrap(),
    );
    met(
        &mut store,
        "Léa",
        "Petit",
        today.checked_sub_months(Months::new(1)).unwrap(),
    );
    drop(store);

    let s = Session::start(&db).unwrap();
    s.go("#/aujourdhui").unwrap();
    // Counted after the screen is drawn.
    s.wait_for("#retention-due:not([hidden]) a").unwrap();
    let due = s.find("#retention-due").unwrap();
    assert_eq!(
        s.text(&due).unwrap(),
        "2 personnes à réexaminer (durée de conservation dépassée)"
    );
    s.screenshot("aujourdhui-a-reexaminer").unwrap();
    let link = s.find("#retention-due a").unwrap();
    s.click(&link).unwrap();
    s.wait_for("#retention-list").unwrap();
    let items = s
        .script(
            "return [...document.querySelectorAll('#retention-list > li')].map(li => li.dataset.person)",
            serde_json::json!([]),
        )
        .unwrap();
    let ids: Vec<String> = serde_json::from_value(items).unwrap();
    assert_eq!(ids.len(), 2, "Léa, met last month, is not listed");
    assert_eq!(ids[0], oldest.to_string(), "oldest contact first");
    assert!(s.main_text().unwrap().contains("dernier contact le"));
    s.screenshot("a-reexaminer").unwrap();

    // "Prolonger…" without a reason is refused, and says why next to the field.
    let prolong = s
        .find(&format!(
            "li[data-person='{oldest}'] [data-action='prolong']"
        ))
        .unwrap();
    s.click(&prolong).unwrap();
    let form = format!("#prolong-{oldest}");
    s.wait_for(&format!("{form} textarea")).unwrap();
    let submit = s.find(&format!("{form} button[type='submit']")).unwrap();
    s.click(&submit).unwrap();
    s.wait_for(&format!("{form} .error-summary:not([hidden])"))
        .unwrap();
    assert!(s.main_text().unwrap().contains("« Motif » est obligatoire"));
    s.screenshot("a-reexaminer-prolonger-sans-motif").unwrap();
    let reason = s.find(&format!("{form} textarea")).unwrap();
    s.type_into(&reason, "Création d'entreprise en cours avec l'ADIE")
        .unwrap();
    let submit = s.find(&format!("{form} button[type='submit']")).unwrap();
    s.click(&submit).unwrap();
    s.wait_until("the list to drop her", Duration::from_secs(10), |s| {
        Ok(s.main_text()?.contains("1 personne à réexaminer."))
    })
    .unwrap();
    assert!(!s.main_text().unwrap().contains("Aïcha"));
    let kept = carnet::retention::due(&engine(&db), today, 24).unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].first_name, "Moussa");

    // Réglages → Données personnelles: the period, within 6 to 120 months.
    s.go("#/reglages").unwrap();
    let months = s.wait_for("#retention-form input").unwrap();
    s.clear(&months).unwrap();
    s.type_into(&months, "3").unwrap();
    let save = s.find("#retention-form button[type='submit']").unwrap();
    s.click(&save).unwrap();
    s.wait_for("#retention-form .error-summary:not([hidden])")
        .unwrap();
    assert!(s.main_text().unwrap().contains("entre 6 et 120"));
    let months = s.find("#retention-form input").unwrap();
    s.clear(&months).unwrap();
    s.type_into(&months, "48").unwrap();
    let save = s.find("#retention-form button[type='submit']").unwrap();
    s.click(&save).unwrap();
    s.wait_until("the period to be saved", Duration::from_secs(10), |_| {
        Ok(carnet::retention::period(&engine(&db)).map_err(|e| e.to_string())? == 48)
    })
    .unwrap();
    // The section is drawn again once the period is saved: wait for the new one.
    s.wait_until(
        "with 48 months nobody is due",
        Duration::from_secs(10),
        |s| {
            Ok(s.script(
                "return document.querySelector('#personal-data')?.textContent ?? ''",
                serde_json::json!([]),
            )?
            .as_str()
            .unwrap_or_default()
            .contains("Voir les personnes à réexaminer (aucune aujourd’hui)"))
        },
    )
    .unwrap();
    s.screenshot("reglages-donnees-personnelles").unwrap();
    s.quit().unwrap();
}

#[test]
fn a_person_is_erased_from_her_page_after_a_confirmation_that_names_what_goes() {
    let _window = one_window();
    let dir = tempfile::tempdir().unwrap();
    let db = notebook(dir.path());
    let today = chrono::Local::now().date_naive();
    let mut store = engine(&db);
    let person = met(&mut store, "Zoubida", "Ouattara", today);
    let mut e = Encounter::new(today, "interview");
    e.person_id = Some(person);
    e.note = Some("Projet de salon de coiffure".into());
    store.create(&e).unwrap();
    drop(store);

    let s = Session::start(&db).unwrap();
    s.go(&format!("#/personnes/{person}")).unwrap();
    let erase = s.wait_for("#person-erase").unwrap();
    s.click(&erase).unwrap();
    s.wait_for("dialog#confirmation[open]").unwrap();
    let text = s.text(&s.find("#confirmation-texte").unwrap()).unwrap();
    assert!(
        text.contains("0 orientation(s)")
            && text.contains("2 rencontre(s) resteront comme contacts anonymes"),
        "{text}"
    );
    assert!(text.contains("définitif"), "{text}");
    s.screenshot("personne-effacer-confirmation").unwrap();
    // "Garder" keeps her.
    let keep = s.find("#confirmation-non").unwrap();
    s.click(&keep).unwrap();
    assert_eq!(
        carnet::person::search(&engine(&db), "zoubida", None, 5)
            .unwrap()
            .len(),
        1
    );
    let erase = s.find("#person-erase").unwrap();
    s.click(&erase).unwrap();
    s.wait_for("dialog#confirmation[open]").unwrap();
    let yes = s.find("#confirmation-oui").unwrap();
    assert_eq!(s.text(&yes).unwrap(), "Effacer définitivement");
    s.click(&yes).unwrap();
    s.wait_until("the erasure", Duration::from_secs(10), |_| {
        Ok(carnet::person::search(&engine(&db), "zoubida", None, 5)
            .map_err(|e| e.to_string())?
            .is_empty())
    })
    .unwrap();
    let said = s.wait_for("#annonce.visible").unwrap();
    assert!(
        s.text(&said).unwrap().starts_with("Personne effacée."),
        "the officer is told"
    );
    s.screenshot("personne-effacee").unwrap();
    let encounters = carnet::encounter::of_day(&engine(&db), today).unwrap();
    assert_eq!(encounters.len(), 2, "her encounters stay, anonymous");
    assert!(
        encounters
            .iter()
            .all(|e| e.data.person_id.is_none() && e.data.note.is_none())
    );
    s.quit().unwrap();
}

#[test]
fn persons_past_retention_are_anonymised_one_by_one_or_all_at_once() {
    let _window = one_window();
    let dir = tempfile::tempdir().unwrap();
    let db = notebook(dir.path());
    let today = chrono::Local::now().date_naive();
    let long_ago = today.checked_sub_months(Months::new(36)).unwrap();
    let mut store = engine(&db);
    let first = met(&mut store, "Aïcha", "Benali", long_ago);
    for (f, l) in [("Moussa", "Diallo"), ("Emre", "Yılmaz"), ("Fatima", "Saïd")] {
        met(&mut store, f, l, long_ago);
    }
    drop(store);

    let s = Session::start(&db).unwrap();
    s.go("#/a-reexaminer").unwrap();
    s.wait_for("#retention-list").unwrap();
    let one = s
        .find(&format!(
            "li[data-person='{first}'] [data-action='anonymise']"
        ))
        .unwrap();
    s.click(&one).unwrap();
    s.wait_for("dialog#confirmation[open]").unwrap();
    assert!(
        s.text(&s.find("#confirmation-texte").unwrap())
            .unwrap()
            .contains("Restent, sans nom, ce que demande le bilan")
    );
    s.screenshot("a-reexaminer-anonymiser-confirmation")
        .unwrap();
    let yes = s.find("#confirmation-oui").unwrap();
    s.click(&yes).unwrap();
    s.wait_until("Aïcha anonymised", Duration::from_secs(10), |s| {
        Ok(s.main_text()?.contains("3 personnes à réexaminer."))
    })
    .unwrap();
    // Her record is gone; an anonymous copy keeps what the figures need.
    let store = engine(&db);
    assert!(store.get::<Person>(first).is_err());
    assert_eq!(
        carnet::person::search(&store, "anonymisée", None, 10)
            .unwrap()
            .len(),
        1
    );
    drop(store);

    let all = s.find("#anonymise-all").unwrap();
    assert_eq!(s.text(&all).unwrap(), "Anonymiser les 3 personnes…");
    s.click(&all).unwrap();
    s.wait_for("dialog#confirmation[open]").unwrap();
    let yes = s.find("#confirmation-oui").unwrap();
    s.click(&yes).unwrap();
    s.wait_until("the whole list anonymised", Duration::from_secs(20), |s| {
        Ok(s.main_text()?
            .contains("Aucune personne n’a dépassé la durée de conservation."))
    })
    .unwrap();
    s.screenshot("a-reexaminer-tout-anonymise").unwrap();
    let store = engine(&db);
    for name in ["moussa", "yilmaz", "said", "benali"] {
        assert!(
            carnet::person::search(&store, name, None, 5)
                .unwrap()
                .is_empty(),
            "{name} is still found"
        );
    }
    assert_eq!(
        carnet::person::search(&store, "anonymisée", None, 10)
            .unwrap()
            .len(),
        4
    );
    s.quit().unwrap();
}

#[test]
fn the_journal_lists_what_was_done_without_names_and_checks_itself() {
    let _window = one_window();
    let dir = tempfile::tempdir().unwrap();
    let db = notebook(dir.path());
    let today = chrono::Local::now().date_naive();
    let person = met(&mut engine(&db), "Zoubida", "Kergoat", today);

    let s = Session::start(&db).unwrap();
    s.go(&format!("#/personnes/{person}")).unwrap();
    s.wait_for("#person-name").unwrap();
    s.go("#/reglages").unwrap();
    s.click(&s.wait_for("#journal-link").unwrap()).unwrap();
    s.wait_for("#journal-count").unwrap();
    let shown = s.main_text().unwrap();
    for expected in ["Consultation", "Création", "Déverrouillage", "personne"] {
        assert!(shown.contains(expected), "{expected} in {shown}");
    }
    assert!(
        !shown.contains("Zoubida") && !shown.contains("Kergoat"),
        "no name in the journal: {shown}"
    );
    s.click(&s.find("#journal-verify").unwrap()).unwrap();
    s.wait_until("the verdict", Duration::from_secs(10), |s| {
        Ok(s.text(&s.find("#journal-verdict")?)?
            .contains("Journal intact"))
    })
    .unwrap();
    s.screenshot("reglages-journal").unwrap();

    // Only the consultations.
    s.script(
        "document.getElementById('journal-action').value = 'opened';
         document.getElementById('journal-filter').requestSubmit();",
        serde_json::json!([]),
    )
    .unwrap();
    s.wait_until("the filter", Duration::from_secs(10), |s| {
        let text = s.main_text()?;
        Ok(text.contains("Consultation") && !text.contains("Création"))
    })
    .unwrap();
    s.quit().unwrap();
}

#[test]
fn a_withdrawn_consent_stays_in_her_consent_history() {
    let _window = one_window();
    let dir = tempfile::tempdir().unwrap();
    let db = notebook(dir.path());
    let person = engine(&db)
        .write(|w| {
            carnet::consent::create_person(
                w,
                &Person {
                    first_name: "Zoubida".into(),
                    last_name: "Kergoat".into(),
                    consent_date: chrono::NaiveDate::from_ymd_opt(2026, 9, 1),
                    consent_contact: Some(true),
                    consent_partners: Some(true),
                    ..Default::default()
                },
                Some("written"),
            )
        })
        .unwrap();
    let s = Session::start(&db).unwrap();
    s.go(&format!("#/personnes/{person}/modifier")).unwrap();
    s.wait_for("#person-form [name=consent_partners]").unwrap();
    crate::set_select(&s, "#person-form [name=consent_partners]", "Non");
    crate::set_select(&s, "#person-form [name=consent_how]", "Par message");
    s.click(&s.find("#person-form button[type=submit]").unwrap())
        .unwrap();
    // The person page is drawn once saved: read its consents once they show the change.
    let complete = |history: &str| {
        history.contains("Partage avec les partenaires : accord donné")
            && history.contains("Par écrit")
            && history.contains("Partage avec les partenaires : accord retiré ou refusé")
            && history.contains("Par message")
    };
    let read = |s: &Session| -> String {
        s.script(
            "return document.getElementById('consents')?.textContent ?? ''",
            serde_json::json!([]),
        )
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
    };
    if s.wait_until("the consent history", Duration::from_secs(10), |s| {
        Ok(complete(&read(s)))
    })
    .is_err()
    {
        panic!("{}", read(&s));
    }
    s.script(
        "document.getElementById('consents').scrollIntoView()",
        serde_json::json!([]),
    )
    .unwrap();
    s.screenshot("personne-consentements").unwrap();

    // "Exporter ses données…": the native save dialog is outside the page, so the window's
    // one IPC module answers it with a path here; the rest is the real button, command and
    // file.
    let out = dir.path().join("export.zip");
    s.script(
        "const path = arguments[0];
         return import('./js/ipc.js').then((m) => {
           m.api.chooseExportDestination = async () => path;
           return 'ok';
         });",
        serde_json::json!([out.display().to_string()]),
    )
    .unwrap();
    s.click(&s.find("#person-export").unwrap()).unwrap();
    let waited = s.wait_until("the export", Duration::from_secs(20), |s| {
        Ok(s.text(&s.find("#annonce")?)?.contains("Données exportées"))
    });
    if waited.is_err() {
        s.screenshot("personne-export-echec").unwrap();
        panic!("annonce: {:?}", s.text(&s.find("#annonce").unwrap()));
    }
    let zip = std::fs::read(&out).unwrap();
    assert!(zip.starts_with(b"PK\x03\x04"));
    assert!(
        zip.windows(12).any(|w| w == b"courrier.pdf"),
        "the letter to her is in the archive"
    );
    s.screenshot("personne-export-donnees").unwrap();
    s.quit().unwrap();
}
