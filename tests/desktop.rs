//! End-to-end scenarios in the real Carnet window (WebKitGTK under Xvfb, via tauri-driver).
//!
//! Each scenario starts the app on its own database, acts as the officer would (keyboard and
//! clicks), checks what the window shows, and reads the database back through the engine to
//! check what was saved. Every screen visited is saved under `target/e2e-screens/`.

// Test code: a failed unwrap is a failed test (production code refuses `unwrap()`).
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use carnet::person::Person;
use carnet::{ManualClock, Store, Uuid};
use carnet_e2e::{Session, keys};
use serde_json::json;

mod day;
mod duplicates;
mod import;
mod lock;
mod personal_data;
mod welcome;

/// One window at a time: tauri-driver serves a single session.
static WINDOW: Mutex<()> = Mutex::new(());

fn one_window() -> MutexGuard<'static, ()> {
    WINDOW
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn clock() -> Box<ManualClock> {
    Box::new(ManualClock::new(chrono::Utc::now().timestamp_millis()))
}

/// A notebook for Pays de Montbéliard with the default partners.
fn notebook(dir: &Path) -> PathBuf {
    let path = dir.join("carnet.db");
    let mut store = carnet_e2e::create_notebook(&path, Uuid::from_u128(7), clock());
    store
        .write(|w| carnet::notebook::start(w, Some("Sarah Martin"), Some("Pays de Montbéliard")))
        .unwrap();
    path
}

fn add_person(db: &Path, first: &str, last: &str) -> Uuid {
    let mut store = carnet_e2e::open_notebook(db, clock());
    store
        .create(&Person {
            first_name: first.into(),
            last_name: last.into(),
            ..Default::default()
        })
        .unwrap()
}

fn engine(db: &Path) -> Store {
    carnet_e2e::open_notebook(db, clock())
}

fn set_select(session: &Session, css: &str, option_text: &str) {
    let done = session
        .script(
            "const s = document.querySelector(arguments[0]);
             const o = [...s.options].find(o => o.textContent === arguments[1]);
             if (!o) return false;
             s.value = o.value; s.dispatchEvent(new Event('change', { bubbles: true }));
             return true;",
            json!([css, option_text]),
        )
        .unwrap();
    assert_eq!(done, json!(true), "option {option_text:?} in {css}");
}

#[test]
fn person_with_accents_is_found_by_typing_without_accents() {
    let _window = one_window();
    let dir = tempfile::tempdir().unwrap();
    let db = notebook(dir.path());
    let s = Session::start(&db).unwrap();

    s.go("#/personnes/nouvelle").unwrap();
    let first = s.wait_for("#person-form [name=first_name]").unwrap();
    s.type_into(&first, "Éloïse").unwrap();
    s.type_into(&s.find("#person-form [name=last_name]").unwrap(), "Ben Ali")
        .unwrap();
    s.type_into(
        &s.find("#person-form [name=phone]").unwrap(),
        "+33 6 39 98 12 34",
    )
    .unwrap();
    s.screenshot("personnes-nouvelle").unwrap();
    s.click(&s.find("#person-form button[type=submit]").unwrap())
        .unwrap();
    s.wait_until("the profile", Duration::from_secs(10), |s| {
        Ok(s.script("return location.hash", json!([]))?
            .as_str()
            .is_some_and(|h| h.len() > 20 && !h.ends_with("nouvelle")))
    })
    .unwrap();
    s.wait_for_text("06 39 98 12 34").unwrap();
    assert_eq!(
        s.text(&s.find("#person-name").unwrap()).unwrap(),
        "Éloïse Ben Ali"
    );
    s.screenshot("personne-profil").unwrap();

    s.go("#/personnes").unwrap();
    let search = s.wait_for("#person-search").unwrap();
    for query in ["eloise", "benali", "ELOISE BEN"] {
        s.clear(&search).unwrap();
        s.type_into(&search, query).unwrap();
        s.wait_until(&format!("results for {query}"), Duration::from_secs(10), |s| {
            Ok(s.script(
                "const r = document.getElementById('person-results');
                 return r.dataset.query === arguments[0] && r.innerText.includes('Ben Ali Éloïse');",
                json!([query]),
            )? == json!(true))
        })
        .unwrap();
    }
    s.screenshot("personnes-recherche").unwrap();
    s.quit().unwrap();
}

#[test]
fn quick_capture_records_a_market_encounter_with_the_keyboard_alone() {
    let _window = one_window();
    let dir = tempfile::tempdir().unwrap();
    let db = notebook(dir.path());
    let s = Session::start(&db).unwrap();
    s.go("#/aujourdhui").unwrap();
    s.wait_for("#quick-capture").unwrap();
    s.screenshot("aujourdhui-vide").unwrap();

    // The capture opens with the focus on "Nature" (Marché). Tab to the quartier and type
    // its first letters, Tab to the head count, type it, Enter.
    let focused = s
        .script("return document.activeElement.name", json!([]))
        .unwrap();
    assert_eq!(
        focused,
        json!("kind"),
        "the capture is ready for the keyboard"
    );
    let started = Instant::now();
    s.type_keys(keys::TAB).unwrap();
    s.type_keys("Cham").unwrap();
    s.type_keys(keys::TAB).unwrap();
    s.type_keys("3").unwrap();
    s.type_keys(keys::ENTER).unwrap();
    s.wait_until("the encounter to be saved", Duration::from_secs(10), |_| {
        let stats = carnet::stats::stats(&engine(&db)).map_err(|e| e.to_string())?;
        Ok(stats.encounters_by_kind["market"] == 1)
    })
    .unwrap();
    let elapsed = started.elapsed();
    assert!(
        elapsed < Duration::from_secs(15),
        "keyboard capture took {elapsed:?}"
    );
    let stats = carnet::stats::stats(&engine(&db)).unwrap();
    assert_eq!(stats.people_reached, 3, "three people, anonymously");
    let encounters = carnet::encounter::in_range(
        &engine(&db),
        chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap(),
        chrono::NaiveDate::from_ymd_opt(2100, 1, 1).unwrap(),
    )
    .unwrap();
    let champvallon = carnet::territory::quartiers(&engine(&db))
        .unwrap()
        .into_iter()
        .find(|q| q.data.name == "Champvallon")
        .unwrap()
        .id;
    assert_eq!(encounters[0].data.quartier_id, Some(champvallon));
    assert_eq!(encounters[0].data.date, chrono::Local::now().date_naive());
    s.wait_for(".toast.visible").unwrap();
    s.screenshot("aujourdhui-rencontre-enregistree").unwrap();
    s.quit().unwrap();
}

#[test]
fn referral_to_adie_moves_to_rdv_pris_and_survives_a_restart() {
    let _window = one_window();
    let dir = tempfile::tempdir().unwrap();
    let db = notebook(dir.path());
    let person = add_person(&db, "Inès", "Haddad");
    let s = Session::start(&db).unwrap();

    s.go(&format!("#/personnes/{person}")).unwrap();
    s.wait_for_text("Inès Haddad").unwrap();
    s.click(&s.find("#referral-form").unwrap()).ok();
    s.script(
        "document.querySelector('#referral-form').closest('details').open = true",
        json!([]),
    )
    .unwrap();
    let partner = s.find("#referral-form [name=partner_id]").unwrap();
    s.type_into(&partner, "adi").unwrap();
    s.type_into(&partner, keys::TAB).unwrap();
    set_select(&s, "#referral-form [name=need]", "Financement, microcrédit");
    s.type_into(
        &s.find("#referral-form [name=detail]").unwrap(),
        "Projet de food truck, besoin de 8 000 € pour le véhicule.",
    )
    .unwrap();
    s.screenshot("orientation-nouvelle").unwrap();
    s.click(&s.find("#referral-form button[type=submit]").unwrap())
        .unwrap();
    s.wait_for_text("Orientation vers ADIE").unwrap();

    s.go("#/orientations").unwrap();
    s.wait_for_text("Inès Haddad").unwrap();
    set_select(&s, "[data-referral] select", "RDV pris");
    s.click(&s.find("[data-referral] button").unwrap()).unwrap();
    s.wait_until("the new status", Duration::from_secs(10), |s| {
        Ok(s.script(
            "return [...document.querySelectorAll('.badge')].some(b => b.textContent === 'RDV pris')",
            json!([]),
        )? == json!(true))
    })
    .unwrap();
    s.screenshot("orientations").unwrap();
    s.quit().unwrap();

    // The referral is in the database with its history…
    let rows = carnet::referral::overview(&engine(&db), None, 10).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].partner_name.as_str(), rows[0].status.as_str()),
        ("ADIE", "appointment")
    );

    // …and the app shows everything again after a restart.
    let s = Session::start(&db).unwrap();
    s.go("#/orientations").unwrap();
    s.wait_for_text("Inès Haddad").unwrap();
    assert!(s.main_text().unwrap().contains("RDV pris"));
    s.go(&format!("#/personnes/{person}")).unwrap();
    s.wait_for_text("Orientation vers ADIE : RDV pris").unwrap();
    s.screenshot("personne-historique-apres-redemarrage")
        .unwrap();
    s.quit().unwrap();
}

#[test]
fn invalid_email_is_explained_next_to_the_field_and_nothing_typed_is_lost() {
    let _window = one_window();
    let dir = tempfile::tempdir().unwrap();
    let db = notebook(dir.path());
    let s = Session::start(&db).unwrap();
    s.go("#/personnes/nouvelle").unwrap();
    s.type_into(
        &s.wait_for("#person-form [name=first_name]").unwrap(),
        "Karim",
    )
    .unwrap();
    s.type_into(
        &s.find("#person-form [name=last_name]").unwrap(),
        "Mansouri",
    )
    .unwrap();
    s.type_into(
        &s.find("#person-form [name=project_title]").unwrap(),
        "Salon de coiffure",
    )
    .unwrap();
    s.type_into(&s.find("#person-form [name=email]").unwrap(), "karim@")
        .unwrap();
    s.click(&s.find("#person-form button[type=submit]").unwrap())
        .unwrap();
    let error = s
        .wait_for("[data-field=email] .field-error:not([hidden])")
        .unwrap();
    assert!(
        s.text(&error)
            .unwrap()
            .contains("L'adresse e-mail n'est pas valide"),
        "{}",
        s.text(&error).unwrap()
    );
    let state = s
        .script(
            "const f = document.getElementById('person-form');
             return [f.first_name.value, f.last_name.value, f.project_title.value, f.email.value,
                     f.email.getAttribute('aria-invalid'),
                     !document.querySelector('.error-summary').hidden,
                     document.activeElement.classList.contains('error-summary')];",
            json!([]),
        )
        .unwrap();
    assert_eq!(
        state,
        json!([
            "Karim",
            "Mansouri",
            "Salon de coiffure",
            "karim@",
            "true",
            true,
            true
        ])
    );
    s.screenshot("personne-erreur-email").unwrap();
    assert!(
        carnet::person::all(&engine(&db)).unwrap().is_empty(),
        "nothing saved"
    );

    // Leaving with unsaved changes asks first; staying keeps everything.
    s.script("location.hash = '#/partenaires'", json!([]))
        .unwrap();
    s.wait_for("dialog[open]").unwrap();
    s.screenshot("quitter-sans-enregistrer").unwrap();
    s.click(&s.find("#confirmation-non").unwrap()).unwrap();
    let kept = s
        .script(
            "return [location.hash, document.getElementById('person-form').first_name.value]",
            json!([]),
        )
        .unwrap();
    assert_eq!(kept, json!(["#/personnes/nouvelle", "Karim"]));

    // Fixing the address saves the person.
    let email = s.find("#person-form [name=email]").unwrap();
    s.clear(&email).unwrap();
    s.type_into(&email, "karim.mansouri@example.org").unwrap();
    s.click(&s.find("#person-form button[type=submit]").unwrap())
        .unwrap();
    s.wait_for_text("karim.mansouri@example.org").unwrap();
    assert_eq!(carnet::person::all(&engine(&db)).unwrap().len(), 1);
    s.quit().unwrap();
}

#[test]
fn a_hostile_name_is_shown_as_text_and_runs_nothing() {
    let _window = one_window();
    let dir = tempfile::tempdir().unwrap();
    let db = notebook(dir.path());
    let hostile = "<img src=x onerror=\"window.__pwned=1\">";
    let id = add_person(&db, hostile, "<b>Gras</b>");
    let s = Session::start(&db).unwrap();
    s.go(&format!("#/personnes/{id}")).unwrap();
    s.wait_for_text("Gras").unwrap();
    assert_eq!(
        s.text(&s.find("#person-name").unwrap()).unwrap(),
        format!("{hostile} <b>Gras</b>")
    );
    s.go("#/personnes").unwrap();
    let search = s.wait_for("#person-search").unwrap();
    s.type_into(&search, "img").unwrap();
    s.wait_for_text("<b>Gras</b>").unwrap();
    let inert = s
        .script(
            "return [window.__pwned === undefined,
                     document.querySelectorAll('main img, main b').length]",
            json!([]),
        )
        .unwrap();
    assert_eq!(inert, json!([true, 0]));
    s.screenshot("nom-hostile").unwrap();
    s.quit().unwrap();
}

#[test]
fn every_screen_on_demo_data_at_three_window_sizes_without_horizontal_overflow() {
    let _window = one_window();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let today = chrono::Local::now().date_naive();
    let mut store = carnet_e2e::create_notebook(&db, Uuid::from_u128(9), clock());
    carnet_demo::generate(
        &mut store,
        &carnet_demo::DemoOptions {
            seed: 1,
            years: 1,
            until: today,
        },
        &mut |_| {},
    )
    .unwrap();
    let person = carnet::person::search(&store, "", None, 1).unwrap()[0].id;
    let permanence = carnet::permanence::in_range(&store, today, today + chrono::Days::new(7))
        .unwrap()
        .first()
        .map(|p| p.id);
    let encounter = carnet::encounter::in_range(&store, today - chrono::Days::new(60), today)
        .unwrap()
        .last()
        .map(|e| e.id)
        .unwrap();
    let referral = carnet::referral::overview(&store, None, 1).unwrap()[0].id;
    let meeting = carnet::meeting::in_range(&store, today - chrono::Days::new(365), today)
        .unwrap()
        .last()
        .map(|m| m.id);
    drop(store);

    let s = Session::start(&db).unwrap();
    for (width, height) in [(1024, 640), (1366, 768), (1920, 1080)] {
        s.resize(width, height).unwrap();
        let mut screens = vec![
            ("aujourdhui", "#/aujourdhui".to_string()),
            ("permanences", "#/permanences".to_string()),
            ("personnes", "#/personnes".to_string()),
            ("personne", format!("#/personnes/{person}")),
            (
                "personne-modifier",
                format!("#/personnes/{person}/modifier"),
            ),
            ("orientations", "#/orientations".to_string()),
            (
                "orientation-etapes",
                format!("#/orientations/{referral}/etapes"),
            ),
            ("lettre", format!("#/orientations/{referral}/lettre")),
            ("rencontre", format!("#/rencontres/{encounter}")),
            ("relances", "#/relances".to_string()),
            ("a-verifier", "#/a-verifier".to_string()),
            ("collectives", "#/collectives".to_string()),
            ("partenaires", "#/partenaires".to_string()),
            ("bilan", "#/bilan".to_string()),
            ("reglages", "#/reglages".to_string()),
            ("importer", "#/importer".to_string()),
        ];
        if let Some(p) = permanence {
            screens.push(("permanence", format!("#/permanences/{p}")));
        }
        if let Some(m) = meeting {
            screens.push(("collective", format!("#/collectives/{m}")));
        }
        for (name, hash) in screens {
            s.go(&hash).unwrap();
            // Let data arrive and layout settle before the picture.
            s.wait_until("data", Duration::from_secs(10), |s| {
                Ok(!s.main_text()?.contains("Chargement"))
            })
            .unwrap();
            std::thread::sleep(Duration::from_millis(150));
            let text = s.main_text().unwrap();
            assert!(
                !text.contains("undefined") && !text.contains("NaN"),
                "{name}: {text}"
            );
            assert!(!text.contains("Une erreur inattendue"), "{name}: {text}");
            let broken = s
                .script(
                    "return !!document.querySelector('[data-screen-error]')",
                    json!([]),
                )
                .unwrap();
            assert_eq!(broken, json!(false), "{name} failed to render: {text}");
            // Nothing wider than the window, and the menu on one line.
            let layout = s
                .script(
                    "const d = document.documentElement;
                     const tops = new Set([...document.querySelectorAll('#nav a')].map(a => a.getBoundingClientRect().top));
                     const wide = [...document.querySelectorAll('main *')]
                       .filter(e => e.getBoundingClientRect().right > d.clientWidth + 1)
                       .slice(0, 3).map(e => e.tagName + '.' + e.className + ' ' + (e.textContent || '').slice(0, 40));
                     return [d.scrollWidth <= d.clientWidth, tops.size, wide];",
                    json!([]),
                )
                .unwrap();
            assert_eq!(
                (&layout[0], &layout[1]),
                (&json!(true), &json!(1)),
                "{name} at {width}x{height}: horizontal overflow or menu on two lines: {layout}"
            );
            s.screenshot(&format!("{name}-{width}x{height}")).unwrap();
        }
    }
    s.quit().unwrap();
}

#[test]
fn a_permanence_is_marked_held_and_its_hours_edited() {
    let _window = one_window();
    let dir = tempfile::tempdir().unwrap();
    let db = notebook(dir.path());
    let today = chrono::Local::now().date_naive();
    let id = {
        let mut store = engine(&db);
        let quartier = carnet::territory::quartiers(&store).unwrap()[0].id;
        store
            .create(&carnet::permanence::Permanence {
                quartier_id: quartier,
                place_id: None,
                date: today,
                start_time: Some("14:00".into()),
                end_time: Some("17:00".into()),
                status: "planned".into(),
                note: None,
            })
            .unwrap()
    };
    let s = Session::start(&db).unwrap();
    s.go(&format!("#/permanences/{id}")).unwrap();
    s.wait_for_text("Prévue").unwrap();
    let held = s
        .script(
            "return [...document.querySelectorAll('main button')].find(b => b.textContent === 'Marquer tenue')",
            json!([]),
        )
        .unwrap();
    assert!(held.is_object(), "button found");
    s.script(
        "[...document.querySelectorAll('main button')].find(b => b.textContent === 'Marquer tenue').click()",
        json!([]),
    )
    .unwrap();
    s.wait_for_text("Tenue").unwrap();
    s.script(
        "document.getElementById('permanence-edit').closest('details').open = true",
        json!([]),
    )
    .unwrap();
    let start = s.find("#permanence-edit [name=start_time]").unwrap();
    s.clear(&start).unwrap();
    s.type_into(&start, "9h30").unwrap();
    let end = s.find("#permanence-edit [name=end_time]").unwrap();
    s.clear(&end).unwrap();
    s.type_into(&end, "12h").unwrap();
    s.click(&s.find("#permanence-edit button[type=submit]").unwrap())
        .unwrap();
    s.wait_for_text("09:30–12:00").unwrap();
    let stored: carnet::permanence::Permanence = engine(&db).get(id).unwrap();
    assert_eq!(
        (
            stored.status.as_str(),
            stored.start_time.as_deref(),
            stored.end_time.as_deref()
        ),
        ("held", Some("09:30"), Some("12:00"))
    );
    s.screenshot("permanence-tenue").unwrap();
    s.quit().unwrap();
}

/// The team passphrase in these scenarios: strong enough for a new folder (CNIL rule).
pub(crate) const TEAM_PASSPHRASE: &str = "Phrase de l'équipe CitésLab 2026";

fn configure_sync(s: &Session, folder: &Path, device: &str) {
    s.go("#/reglages").unwrap();
    let path = s.wait_for("#sync-form [name=folder]").unwrap();
    s.clear(&path).unwrap();
    s.type_into(&path, &folder.display().to_string()).unwrap();
    s.type_into(
        &s.find("#sync-form [name=passphrase]").unwrap(),
        TEAM_PASSPHRASE,
    )
    .unwrap();
    let name = s.find("#sync-form [name=device_name]").unwrap();
    s.clear(&name).unwrap();
    s.type_into(&name, device).unwrap();
    s.click(&s.find("#sync-form button[type=submit]").unwrap())
        .unwrap();
    s.wait_until("the sync result", Duration::from_secs(30), |s| {
        Ok(s.script(
            "const r = document.getElementById('sync-result'); return !!r && r.textContent.length > 0",
            json!([]),
        )? == json!(true))
    })
    .unwrap();
}

#[test]
fn two_devices_share_a_person_through_the_folder_and_review_a_conflict() {
    let _window = one_window();
    let dir = tempfile::tempdir().unwrap();
    let shared = dir.path().join("partage");
    std::fs::create_dir(&shared).unwrap();
    let a_dir = dir.path().join("a");
    let b_dir = dir.path().join("b");
    std::fs::create_dir_all(&a_dir).unwrap();
    std::fs::create_dir_all(&b_dir).unwrap();
    let a = notebook(&a_dir);
    let b = {
        let path = b_dir.join("carnet.db");
        let mut store = carnet_e2e::create_notebook(&path, Uuid::from_u128(8), clock());
        store
            .write(|w| carnet::notebook::start(w, Some("Léa Girard"), Some("Pays de Montbéliard")))
            .unwrap();
        path
    };
    let person = add_person(&a, "Aminata", "Koné");

    // Device A opens the shared folder (it is initialised) and sends its notebook.
    let s = Session::start(&a).unwrap();
    configure_sync(&s, &shared, "Portable Sarah");
    assert!(
        s.main_text().unwrap().contains("1 envoi(s)"),
        "{}",
        s.main_text().unwrap()
    );
    s.screenshot("synchronisation").unwrap();
    s.quit().unwrap();

    // Device B opens the same folder with the same passphrase and finds the person; the
    // window hears how the sync goes, segment by segment, and says it.
    let s = Session::start(&b).unwrap();
    s.script(
        "window.__progress = []; window.__TAURI__.event.listen('sync-progress', (e) => window.__progress.push(e.payload));",
        json!([]),
    )
    .unwrap();
    configure_sync(&s, &shared, "PC du bureau");
    let heard = s.script("return window.__progress", json!([])).unwrap();
    let heard = heard.as_array().unwrap();
    let received = heard.iter().rfind(|p| p["step"] == "receiving").unwrap();
    assert_eq!(
        (
            &received["segments_done"],
            &received["segments_total"],
            &received["exact"]
        ),
        (&json!(1), &json!(1), &json!(true)),
        "{heard:?}"
    );
    assert!(received["changes_done"].as_u64().unwrap() > 0, "{heard:?}");
    assert_eq!(received["changes_done"], received["changes_total"]);
    let sent = heard.last().unwrap();
    assert_eq!(sent["step"], "sending", "{heard:?}");
    let said = s
        .script(
            "document.querySelector('.sync-progress').hidden = false; return document.getElementById('sync-progress-text').textContent",
            json!([]),
        )
        .unwrap();
    let said = said.as_str().unwrap();
    assert!(
        said.starts_with("Envoi : ") && said.ends_with("écrites dans le dossier partagé"),
        "{said}"
    );
    s.screenshot("synchronisation-progression").unwrap();
    s.go("#/personnes").unwrap();
    s.type_into(&s.wait_for("#person-search").unwrap(), "aminata")
        .unwrap();
    s.wait_for_text("Koné Aminata").unwrap();
    s.quit().unwrap();

    // Both change the phone number without seeing each other.
    let edit = |db: &Path, phone: &str, ahead: i64| {
        let clock = ManualClock::new(chrono::Utc::now().timestamp_millis() + ahead);
        let mut store = carnet_e2e::open_notebook(db, Box::new(clock));
        let mut p: Person = store.get(person).unwrap();
        p.phone = Some(phone.into());
        store.update(person, &p).unwrap();
        store
    };
    let mut on_a = edit(&a, "06 39 98 00 11", 1_000);
    let folder = carnet::sync::SyncFolder::open(&shared, TEAM_PASSPHRASE).unwrap();
    carnet::sync::sync(&mut on_a, &folder, Some("Portable Sarah"), &mut |_| {}).unwrap();
    drop(on_a);
    drop(edit(&b, "06 39 98 00 22", 0));

    // B syncs by itself once unlocked (the team's keys are kept in its encrypted notebook):
    // no second passphrase, and the conflict is there to review.
    let s = Session::start(&b).unwrap();
    s.go("#/a-verifier").unwrap();
    s.wait_until("the sync at start-up", Duration::from_secs(20), |s| {
        s.go("#/a-verifier")?;
        Ok(s.main_text()?.contains("06 39 98 00 11"))
    })
    .unwrap();
    let text = s.main_text().unwrap();
    assert!(
        text.contains("06 39 98 00 22") && text.contains("Aminata Koné — Téléphone"),
        "{text}"
    );
    assert!(
        text.contains("écrite par « Portable Sarah »") && text.contains("écrite par cet appareil"),
        "{text}"
    );
    s.screenshot("a-verifier").unwrap();
    s.script(
        "[...document.querySelectorAll('#conflicts button')].find(b => b.textContent === 'Garder la valeur actuelle').click()",
        json!([]),
    )
    .unwrap();
    s.wait_for_text("Rien à vérifier").unwrap();
    s.go("#/aujourdhui").unwrap();
    s.wait_for("#last-sync").unwrap();
    assert!(s.main_text().unwrap().contains("Dernière synchro"));
    s.quit().unwrap();
    assert!(carnet::sync::conflicts(&engine(&b)).unwrap().is_empty());
}

/// A notebook with a full profile and a referral to ADIE of a person who agreed to share her
/// details; returns the database and the referral's id.
fn notebook_with_referral(dir: &Path) -> (PathBuf, Uuid) {
    let db = notebook(dir);
    let mut store = engine(&db);
    let officer = carnet::officer::officers(&store).unwrap()[0].id;
    let adie = carnet::partner::partners(&store)
        .unwrap()
        .into_iter()
        .find(|p| p.data.name == "ADIE")
        .unwrap()
        .id;
    let referral = store
        .write(|w| {
            let mut profile: carnet::officer::Officer = w.get(officer)?;
            profile.title = Some("Cheffe de projet CitésLab".into());
            profile.structure = Some("CitésLab Pays de Montbéliard".into());
            profile.city = Some("Montbéliard".into());
            profile.postcode = Some("25200".into());
            w.update(officer, &profile)?;
            let person = w.create(&Person {
                first_name: "Éloïse".into(),
                last_name: "Ben Ali".into(),
                phone: Some("06 12 34 56 78".into()),
                consent_partners: Some(true),
                consent_date: Some(chrono::Local::now().date_naive()),
                project_title: Some("Épicerie fine".into()),
                ..Default::default()
            })?;
            carnet::referral::create(
                w,
                &carnet::referral::NewReferral {
                    person_id: person,
                    partner_id: adie,
                    date: chrono::Local::now().date_naive(),
                    need: "financing".into(),
                    detail: Some("Vitrine réfrigérée : 8 500 €.".into()),
                    follow_up: None,
                },
            )
        })
        .unwrap();
    (db, referral)
}

#[test]
fn orientation_letter_is_previewed_saved_and_marks_the_referral_sent() {
    let _window = one_window();
    let dir = tempfile::tempdir().unwrap();
    let (db, referral) = notebook_with_referral(dir.path());
    let s = Session::start(&db).unwrap();

    s.go("#/orientations").unwrap();
    s.wait_for_text("Éloïse Ben Ali").unwrap();
    s.click(&s.find("a[href$='/lettre']").unwrap()).unwrap();
    s.wait_for("#letter-preview svg text").unwrap();
    let preview = s
        .script(
            "return [...document.querySelectorAll('#letter-preview text')].map(t => t.textContent).join('\\n')",
            json!([]),
        )
        .unwrap();
    // No-break spaces (before « : », inside « ») are part of the layout; compare words.
    let preview = preview.as_str().unwrap().replace('\u{a0}', " ");
    for expected in [
        "CitésLab Pays de",
        "ADIE",
        "Objet :",
        "Orientation d’Éloïse Ben Ali pour une demande de microcrédit",
        "Personne orientée : Éloïse Ben Ali",
        "1/1",
    ] {
        assert!(preview.contains(expected), "{expected:?} in {preview}");
    }
    assert!(s.main_text().unwrap().contains("La lettre compte 1 page."));
    s.screenshot("lettre-apercu").unwrap();

    // The native "save as" dialog is outside the page: call what it leads to.
    let out = dir.path().join("lettre.pdf");
    let saved = s
        .script(
            "return window.__TAURI__.core.invoke('save_letter', { referral: arguments[0], template: null, date: arguments[1], path: arguments[2] })",
            json!([
                referral.to_string(),
                chrono::Local::now().date_naive().to_string(),
                out.display().to_string()
            ]),
        )
        .unwrap();
    assert_eq!(saved["sent"], json!(true), "{saved}");
    assert!(std::fs::read(&out).unwrap().starts_with(b"%PDF-"));
    s.go("#/orientations").unwrap();
    s.wait_until("the referral is sent", Duration::from_secs(10), |s| {
        Ok(s.script(
            "return [...document.querySelectorAll('.badge')].some(b => b.textContent === 'Envoyée')",
            json!([]),
        )? == json!(true))
    })
    .unwrap();
    s.screenshot("orientations-lettre-envoyee").unwrap();

    // The letterhead logo: a PNG is taken, anything else refused in French (the native file
    // dialog is outside the page: call what it leads to).
    let not_png = dir.path().join("logo.txt");
    std::fs::write(&not_png, "pas une image").unwrap();
    let refused = s
        .script(
            "return window.__TAURI__.core.invoke('set_letter_logo', { path: arguments[0] }).then(() => 'ok', e => e.message)",
            json!([not_png.display().to_string()]),
        )
        .unwrap();
    assert!(
        refused
            .as_str()
            .unwrap()
            .starts_with("Le logo doit être une image PNG"),
        "{refused}"
    );
    let png = Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/logo/carnet.png");
    s.script(
        "return window.__TAURI__.core.invoke('set_letter_logo', { path: arguments[0] })",
        json!([png.display().to_string()]),
    )
    .unwrap();
    s.go("#/reglages").unwrap();
    s.wait_for("img.logo-current").unwrap();
    s.script(
        "document.querySelector('img.logo-current').closest('section').scrollIntoView()",
        json!([]),
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    s.screenshot("reglages-logo").unwrap();

    // A template with an unknown placeholder is refused, naming it.
    s.go("#/aujourdhui").unwrap();
    s.go("#/reglages").unwrap();
    let body = s.wait_for("#template-form [name=body]").unwrap();
    s.type_into(&body, " {person.prenom}").unwrap();
    s.click(&s.find("#template-form button[type=submit]").unwrap())
        .unwrap();
    s.wait_for_text("{person.prenom}").unwrap();
    s.script(
        "document.querySelector('#templates').scrollIntoView()",
        json!([]),
    )
    .unwrap();
    s.screenshot("reglages-modele-refuse").unwrap();
    s.quit().unwrap();

    let store = engine(&db);
    let filed = carnet::letter::of_referral(&store, referral).unwrap();
    assert_eq!(filed.len(), 1);
    let templates = carnet::letter::template::templates(&store).unwrap();
    assert!(templates.iter().all(|t| !t.data.body.contains("prenom")));
}

#[test]
fn bilan_shows_the_engine_figures_and_exports_the_yearly_file() {
    let _window = one_window();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let today = chrono::Local::now().date_naive();
    let mut store = carnet_e2e::create_notebook(&db, Uuid::from_u128(11), clock());
    carnet_demo::generate(
        &mut store,
        &carnet_demo::DemoOptions {
            seed: 2,
            years: 2,
            until: today,
        },
        &mut |_| {},
    )
    .unwrap();
    let last_year = chrono::Datelike::year(&today) - 1;
    let expected = carnet::report::indicators(&store, last_year).unwrap();
    drop(store);

    let s = Session::start(&db).unwrap();
    s.go("#/bilan").unwrap();
    s.wait_for("#bilan-year").unwrap();
    set_select(&s, "#bilan-year", &last_year.to_string());
    s.wait_for_text(&format!("Bilan d’activité {last_year}"))
        .unwrap();
    // Numbers are shown the French way (narrow no-break space between thousands).
    let shown =
        |s: &Session| -> String { s.main_text().unwrap().replace(['\u{202f}', '\u{a0}'], " ") };
    let received = expected.persons_received.to_string();
    let received = if received.len() > 3 {
        format!(
            "{} {}",
            &received[..received.len() - 3],
            &received[received.len() - 3..]
        )
    } else {
        received
    };
    s.wait_until("the figures", Duration::from_secs(10), |s| {
        Ok(shown(s).contains(&format!("{received}\npersonnes accueillies")))
    })
    .unwrap();
    let charts = s
        .script(
            "return document.querySelectorAll('svg.chart rect').length",
            json!([]),
        )
        .unwrap();
    assert!(charts.as_u64().unwrap() > 12, "bars drawn: {charts}");
    s.screenshot("bilan").unwrap();
    s.resize(1920, 1080).unwrap();
    s.screenshot("bilan-1920x1080").unwrap();
    s.resize(1366, 768).unwrap();

    // The native "save as" dialog is outside the page: call what it leads to.
    let out = dir.path().join("bilan.xlsx");
    let exported = s
        .script(
            "return window.__TAURI__.core.invoke('export_report', { year: arguments[0], path: arguments[1], withNames: false })",
            json!([last_year, out.display().to_string()]),
        )
        .unwrap();
    assert_eq!(exported["format"], json!("xlsx"), "{exported}");
    assert!(std::fs::read(&out).unwrap().starts_with(b"PK"));
    s.script(
        "document.querySelector('#export').scrollIntoView()",
        json!([]),
    )
    .unwrap();
    s.screenshot("bilan-export").unwrap();
    s.quit().unwrap();
}

#[test]
fn a_missing_segment_is_reported_a_far_future_change_waits_and_the_passphrase_changes() {
    let _window = one_window();
    let dir = tempfile::tempdir().unwrap();
    let shared = dir.path().join("partage");
    std::fs::create_dir(&shared).unwrap();
    let folder = carnet::sync::SyncFolder::create(
        &shared,
        TEAM_PASSPHRASE,
        &carnet::sync::FreshSecrets {
            salt: [4; 16],
            key: [5; 32],
        },
        Uuid::from_u128(44),
        carnet::sync::KdfParams::STANDARD,
    )
    .unwrap();
    // A colleague's laptop sends three segments; the second one is lost from the folder.
    let now = chrono::Utc::now().timestamp_millis();
    let mut colleague =
        Store::open_in_memory(Uuid::from_u128(21), Box::new(ManualClock::new(now))).unwrap();
    for name in ["Un", "Deux", "Trois"] {
        colleague
            .create(&Person {
                first_name: name.into(),
                last_name: "Segment".into(),
                ..Default::default()
            })
            .unwrap();
        carnet::sync::sync(&mut colleague, &folder, Some("Portable Sarah"), &mut |_| {}).unwrap();
    }
    let lost = shared
        .join("carnet-sync/devices")
        .join(Uuid::from_u128(21).to_string())
        .join("000000000002.seg");
    std::fs::remove_file(&lost).unwrap();
    // The office PC's clock runs three days ahead.
    let mut office = Store::open_in_memory(
        Uuid::from_u128(22),
        Box::new(ManualClock::new(now + 3 * 24 * 3600 * 1000)),
    )
    .unwrap();
    office
        .create(&Person {
            first_name: "Futur".into(),
            last_name: "Lointain".into(),
            ..Default::default()
        })
        .unwrap();
    carnet::sync::sync(&mut office, &folder, Some("PC du bureau"), &mut |_| {}).unwrap();

    let db = notebook(dir.path());
    let s = Session::start(&db).unwrap();
    configure_sync(&s, &shared, "Portable Léa");
    let text = s.main_text().unwrap();
    assert!(
        text.contains("1 segment manquant de « Portable Sarah » (n° 2)"),
        "{text}"
    );
    assert!(text.contains("À vérifier (1)"), "{text}");
    s.screenshot("synchronisation-manquant-et-futur").unwrap();

    s.go("#/a-verifier").unwrap();
    s.wait_for_text("« PC du bureau » — segment n° 1").unwrap();
    s.screenshot("a-verifier-futur").unwrap();
    s.script(
        "[...document.querySelectorAll('#held button')].find(b => b.textContent === 'Accepter ces modifications').click()",
        json!([]),
    )
    .unwrap();
    s.wait_for_text("Rien à vérifier").unwrap();
    assert!(
        carnet::person::all(&engine(&db))
            .unwrap()
            .iter()
            .any(|p| p.data.last_name == "Lointain")
    );

    // The passphrase changes: a weak one is explained as it is typed, a strong one locks the
    // old one out.
    s.go("#/reglages").unwrap();
    s.click(&s.wait_for("#changer-phrase summary").unwrap())
        .unwrap();
    let input = s
        .wait_for("#sync-change-passphrase [name=new_passphrase]")
        .unwrap();
    s.type_into(&input, "court").unwrap();
    s.wait_for_text("Trop faible").unwrap();
    s.screenshot("reglages-phrase-faible").unwrap();
    s.clear(&input).unwrap();
    let new = "Une toute nouvelle phrase pour notre équipe";
    s.type_into(&input, new).unwrap();
    s.type_into(
        &s.find("#sync-change-passphrase [name=confirm]").unwrap(),
        new,
    )
    .unwrap();
    s.wait_for_text("assez robuste").unwrap();
    s.click(
        &s.find("#sync-change-passphrase button[type=submit]")
            .unwrap(),
    )
    .unwrap();
    s.wait_until(
        "the old passphrase to be refused",
        Duration::from_secs(30),
        |_| {
            Ok(carnet::sync::SyncFolder::open(&shared, TEAM_PASSPHRASE)
                .is_err_and(|e| e.kind() == "sync_passphrase_changed"))
        },
    )
    .unwrap();
    s.screenshot("reglages-phrase-changee").unwrap();
    s.quit().unwrap();
    assert!(carnet::sync::SyncFolder::open(&shared, new).is_ok());
}
