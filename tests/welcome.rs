//! The first start's welcome ("Premiers pas", issue #17): a new notebook gets the officer's
//! profile, her territory and her partners' addresses in a few steps; an officer who joins a
//! team reaches a colleague's notebook through the shared folder, then fills in only her own
//! profile. Neither shows the welcome again.

use std::path::Path;
use std::time::Duration;

use carnet::Uuid;
use carnet_e2e::Session;
use serde_json::json;

use super::{clock, configure_sync, engine, notebook, one_window};

/// A notebook as the first start leaves it: partners and letter templates, nothing else.
fn new_notebook(dir: &Path, device: u128) -> std::path::PathBuf {
    let path = dir.join("carnet.db");
    let mut store = carnet_e2e::create_notebook(&path, Uuid::from_u128(device), clock());
    store
        .write(|w| carnet::notebook::start(w, None, None))
        .unwrap();
    path
}

fn fill(s: &Session, css: &str, text: &str) {
    let field = s.wait_for(css).unwrap();
    s.clear(&field).unwrap();
    s.type_into(&field, text).unwrap();
}

fn click(s: &Session, css: &str) {
    let el = s.wait_for(css).unwrap();
    s.click(&el).unwrap();
}

fn wait_step(s: &Session, step: &str) {
    if let Err(e) = s.wait_until(step, Duration::from_secs(10), |s| {
        Ok(s.main_text()?.contains(step))
    }) {
        panic!("{e}: {}", s.main_text().unwrap_or_default());
    }
}

#[test]
fn a_new_notebook_is_set_up_in_four_steps_and_the_welcome_never_returns() {
    let _window = one_window();
    let dir = tempfile::tempdir().unwrap();
    let db = new_notebook(dir.path(), 21);
    let s = Session::start(&db).unwrap();
    s.wait_for("#welcome-new").unwrap();
    s.screenshot("bienvenue").unwrap();
    click(&s, "#welcome-new");

    wait_step(&s, "Étape 1 sur 4");
    fill(&s, "#welcome-profile input[name=name]", "Nadia Ben Salah");
    fill(
        &s,
        "#welcome-profile input[name=title]",
        "Cheffe de projet CitésLab",
    );
    fill(
        &s,
        "#welcome-profile input[name=structure]",
        "CitésLab Grand Troyes",
    );
    fill(
        &s,
        "#welcome-profile input[name=address]",
        "12 rue de la Cité",
    );
    fill(&s, "#welcome-profile input[name=postcode]", "10000");
    fill(&s, "#welcome-profile input[name=city]", "Troyes");
    s.screenshot("bienvenue-profil").unwrap();
    click(&s, "#welcome-profile button[type=submit]");

    // Her territory: one Carnet knows, with its quartiers listed.
    wait_step(&s, "Étape 2 sur 4");
    let troyes = s
        .script(
            "const r = [...document.querySelectorAll('input[name=territory]')].find(r => r.value.startsWith('Troyes'));
             r.checked = true; r.dispatchEvent(new Event('change', { bubbles: true })); return r.value",
            json!([]),
        )
        .unwrap();
    assert_eq!(troyes, json!("Troyes Champagne Métropole"));
    assert!(s.main_text().unwrap().contains("Jules-Guesde (Troyes)"));
    s.screenshot("bienvenue-territoire").unwrap();
    click(&s, "#welcome-territory-save");

    // The partners she writes to: ADIE's local office; the others left empty.
    wait_step(&s, "Étape 3 sur 4");
    let adie = s
        .script(
            "return [...document.querySelectorAll('fieldset.partner-address')].findIndex(f => f.querySelector('legend').textContent === 'ADIE')",
            json!([]),
        )
        .unwrap()
        .as_u64()
        .unwrap();
    fill(
        &s,
        &format!("#welcome-p-address-{adie}"),
        "3 place Jean Moulin",
    );
    fill(&s, &format!("#welcome-p-postcode-{adie}"), "10000");
    fill(&s, &format!("#welcome-p-city-{adie}"), "Troyes");
    s.screenshot("bienvenue-partenaires").unwrap();
    click(&s, "#welcome-partners-save");

    wait_step(&s, "Étape 4 sur 4");
    s.wait_for("#welcome-done").unwrap();
    assert!(
        s.main_text()
            .unwrap()
            .contains("Bienvenue, Nadia Ben Salah : votre carnet est prêt (4 quartiers)."),
        "{}",
        s.main_text().unwrap()
    );
    s.screenshot("bienvenue-pret").unwrap();
    click(&s, "#welcome-today");
    s.wait_for("#quick-capture").unwrap();
    s.quit().unwrap();

    // What the welcome wrote is the notebook's, as Réglages would have written it.
    let store = engine(&db);
    let me = carnet::officer::own(&store).unwrap().unwrap();
    assert_eq!(me.data.name, "Nadia Ben Salah");
    assert_eq!(me.data.city.as_deref(), Some("Troyes"));
    assert_eq!(carnet::territory::quartiers(&store).unwrap().len(), 4);
    let adie = carnet::partner::partners(&store)
        .unwrap()
        .into_iter()
        .find(|p| p.data.name == "ADIE")
        .unwrap();
    assert_eq!(adie.data.address.as_deref(), Some("3 place Jean Moulin"));
    assert!(!carnet::welcome::is_due(&store).unwrap());
    drop(store);

    // A referral to ADIE: its letter carries the address typed in the welcome.
    let mut store = engine(&db);
    store
        .write(|w| {
            let person = w.create(&carnet::person::Person {
                first_name: "Awa".into(),
                last_name: "Diallo".into(),
                consent_partners: Some(true),
                consent_date: Some(chrono::Local::now().date_naive()),
                ..Default::default()
            })?;
            carnet::referral::create(
                w,
                &carnet::referral::NewReferral {
                    person_id: person,
                    partner_id: adie.id,
                    date: chrono::Local::now().date_naive(),
                    need: "financing".into(),
                    detail: None,
                    follow_up: None,
                },
            )
        })
        .unwrap();
    drop(store);

    // The next start opens Aujourd'hui, not the welcome.
    let s = Session::start(&db).unwrap();
    s.wait_for("#quick-capture").unwrap();
    assert!(s.script("return location.hash", json!([])).unwrap() != json!("#/bienvenue"));
    s.go("#/orientations").unwrap();
    s.wait_for_text("Awa Diallo").unwrap();
    s.click(&s.find("a[href$='/lettre']").unwrap()).unwrap();
    s.wait_for("#letter-preview svg text").unwrap();
    let preview = s
        .script(
            "return [...document.querySelectorAll('#letter-preview text')].map(t => t.textContent).join('\\n')",
            json!([]),
        )
        .unwrap();
    let preview = preview.as_str().unwrap().replace('\u{a0}', " ");
    for expected in [
        "ADIE",
        "3 place Jean Moulin",
        "10000 Troyes",
        "Nadia Ben Salah",
    ] {
        assert!(preview.contains(expected), "{expected:?} in {preview}");
    }
    s.screenshot("lettre-adresse-partenaire").unwrap();
    s.quit().unwrap();
}

#[test]
fn an_officer_joins_a_colleagues_team_through_the_folder_then_fills_in_her_profile() {
    let _window = one_window();
    let dir = tempfile::tempdir().unwrap();
    let shared = dir.path().join("partage");
    std::fs::create_dir(&shared).unwrap();
    let colleague_dir = dir.path().join("collegue");
    let new_dir = dir.path().join("nouvelle");
    std::fs::create_dir_all(&colleague_dir).unwrap();
    std::fs::create_dir_all(&new_dir).unwrap();
    // The colleague's notebook (Sarah Martin, Pays de Montbéliard) with a person, shared.
    let colleague = notebook(&colleague_dir);
    super::add_person(&colleague, "Aminata", "Koné");
    let s = Session::start(&colleague).unwrap();
    configure_sync(&s, &shared, "Portable Sarah");
    s.quit().unwrap();

    let db = new_notebook(&new_dir, 22);
    let s = Session::start(&db).unwrap();
    click(&s, "#welcome-join-team");
    wait_step(&s, "Étape 1 sur 3");
    fill(
        &s,
        "#welcome-join input[name=folder]",
        &shared.display().to_string(),
    );
    fill(
        &s,
        "#welcome-join input[name=passphrase]",
        super::TEAM_PASSPHRASE,
    );
    fill(
        &s,
        "#welcome-join input[name=device_name]",
        "Portable Nadia",
    );
    s.screenshot("bienvenue-equipe").unwrap();
    click(&s, "#welcome-join button[type=submit]");
    s.wait_for("#welcome-join-continue").unwrap();
    let text = s.main_text().unwrap();
    assert!(text.contains("1 réception(s)"), "{text}");
    s.screenshot("bienvenue-equipe-synchronisee").unwrap();
    click(&s, "#welcome-join-continue");

    // Only her own profile: the colleague's came with the team and is not hers.
    wait_step(&s, "Étape 2 sur 3");
    let name = s
        .script(
            "return document.querySelector('#welcome-profile input[name=name]').value",
            json!([]),
        )
        .unwrap();
    assert_eq!(name, json!(""), "Sarah's profile is not offered as hers");
    fill(&s, "#welcome-profile input[name=name]", "Nadia Ben Salah");
    click(&s, "#welcome-profile button[type=submit]");
    wait_step(&s, "Étape 3 sur 3");
    s.wait_for("#welcome-done").unwrap();
    s.screenshot("bienvenue-equipe-pret").unwrap();
    s.quit().unwrap();

    let store = engine(&db);
    assert_eq!(
        carnet::officer::own(&store).unwrap().unwrap().data.name,
        "Nadia Ben Salah"
    );
    assert_eq!(carnet::officer::officers(&store).unwrap().len(), 2);
    assert!(
        carnet::person::all(&store)
            .unwrap()
            .iter()
            .any(|p| p.data.last_name == "Koné"),
        "the team's work arrived"
    );
    assert_eq!(carnet::territory::quartiers(&store).unwrap().len(), 7);
}
