//! The encrypted notebook in the real window: the first start (choose a passphrase, the
//! recovery key shown once with its sheet), a notebook from before encryption protected at
//! start-up, "Déverrouiller le carnet" with a wrong passphrase then the right one, "J'ai oublié
//! ma phrase de passe", the lock after inactivity (shortened to seconds), and Réglages →
//! Sécurité. A locked window is checked to show nothing of the notebook.

use std::path::Path;
use std::time::Duration;

use carnet::key_file::RecoveryKey;
use carnet::notebook_key::{FileKind, file_kind};
use carnet::{Store, Uuid};
use carnet_e2e::{PASSPHRASE, RECOVERY_BYTES, Session, keys};
use serde_json::json;

use crate::{add_person, clock, notebook, one_window};

const NEW_PASSPHRASE: &str = "Une autre phrase pour le carnet de Sarah";

fn body_text(s: &Session) -> String {
    s.script("return document.body.innerText", json!([]))
        .unwrap()
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn wait_state(s: &Session, state: &str) {
    s.wait_until(
        &format!("window state {state}"),
        Duration::from_secs(30),
        |s| Ok(s.ready_state()? == state),
    )
    .unwrap_or_else(|e| panic!("{e}; window shows: {}", body_text(s)));
}

fn fill(s: &Session, css: &str, text: &str) {
    let field = s.wait_for(css).unwrap();
    s.clear(&field).unwrap();
    s.type_into(&field, text).unwrap();
}

fn submit(s: &Session, form: &str) {
    let button = s.find(&format!("#{form} button[type=submit]")).unwrap();
    s.click(&button).unwrap();
}

/// Every byte of every file under `dir`.
fn files_contain(dir: &Path, needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            stack.extend(
                std::fs::read_dir(&path)
                    .unwrap()
                    .flatten()
                    .map(|e| e.path()),
            );
        } else if std::fs::read(&path)
            .unwrap()
            .windows(needle.len())
            .any(|w| w == needle.as_bytes())
        {
            found.push(path.display().to_string());
        }
    }
    found
}

#[test]
fn the_first_start_chooses_a_passphrase_and_shows_the_recovery_key_once() {
    let _window = one_window();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("carnet.db");
    let s = Session::start_with(&carnet_e2e::app_binary(), &db, &[]).unwrap();
    wait_state(&s, "new");
    assert!(body_text(&s).contains("Bienvenue dans Carnet"));

    // A weak passphrase: the hint says so as it is typed, and it is refused.
    fill(
        &s,
        "#choose-passphrase input[name=passphrase]",
        "soleil2024",
    );
    s.wait_until("the strength hint", Duration::from_secs(5), |s| {
        Ok(s.main_text()?.contains("caractères"))
    })
    .unwrap();
    fill(&s, "#choose-passphrase input[name=confirm]", "soleil2024");
    submit(&s, "choose-passphrase");
    s.wait_for(".field.has-error").unwrap();
    assert!(!db.exists(), "nothing is created with a weak passphrase");
    s.screenshot("premier-demarrage").unwrap();

    fill(&s, "#choose-passphrase input[name=passphrase]", PASSPHRASE);
    fill(&s, "#choose-passphrase input[name=confirm]", PASSPHRASE);
    submit(&s, "choose-passphrase");
    wait_state(&s, "recovery");
    let key = s.text(&s.find("#recovery-key").unwrap()).unwrap();
    assert_eq!(key.split('-').count(), 13, "{key}");
    assert!(RecoveryKey::parse(&key).is_some(), "{key}");
    s.screenshot("cle-de-secours").unwrap();

    // The sheet (the save dialog is the system's: the command is called as it would be).
    let sheet = dir.path().join("feuille.pdf");
    let saved = s
        .script(
            "return window.__TAURI__.core.invoke('save_recovery_sheet', { path: arguments[0] }).then(() => 'ok', e => e.message)",
            json!([sheet.display().to_string()]),
        )
        .unwrap();
    assert_eq!(saved, json!("ok"));
    assert!(std::fs::read(&sheet).unwrap().starts_with(b"%PDF"));

    // Continue only once she says she keeps it.
    let next = s.find("#recovery-continue").unwrap();
    assert_eq!(
        s.script(
            "return document.getElementById('recovery-continue').disabled",
            json!([])
        )
        .unwrap(),
        json!(true)
    );
    s.click(&s.find("#recovery-noted").unwrap()).unwrap();
    s.click(&next).unwrap();
    wait_state(&s, "true");
    // A new notebook opens on its welcome ("Premiers pas", tests/welcome.rs).
    s.wait_for("#welcome-new").unwrap();
    assert!(s.main_text().unwrap().contains("Premiers pas"));
    // The key is not shown again: the sheet can no longer be made from memory.
    let again = s
        .script(
            "return window.__TAURI__.core.invoke('save_recovery_sheet', { path: arguments[0] }).then(() => 'ok', e => e.kind)",
            json!([dir.path().join("encore.pdf").display().to_string()]),
        )
        .unwrap();
    assert_eq!(again, json!("recovery_key_gone"));
    s.quit().unwrap();

    assert_eq!(file_kind(&db).unwrap(), FileKind::Encrypted);
    let typed_key = carnet::notebook_lock::key_from_recovery_key(&db, &key, clock()).unwrap();
    let from_passphrase = carnet::notebook_lock::key_from_passphrase(&db, PASSPHRASE).unwrap();
    assert_eq!(typed_key.as_bytes(), from_passphrase.as_bytes());
}

#[test]
fn a_wrong_passphrase_is_retried_the_window_locks_when_idle_and_the_recovery_key_opens_it() {
    let _window = one_window();
    let dir = tempfile::tempdir().unwrap();
    let db = notebook(dir.path());
    add_person(&db, "Inès", "Haddad");
    let s = Session::start_with(
        &carnet_e2e::app_binary(),
        &db,
        &["--auto-lock-seconds", "4"],
    )
    .unwrap();
    wait_state(&s, "locked");
    assert!(body_text(&s).contains("Déverrouiller le carnet"));
    s.screenshot("deverrouiller").unwrap();

    // Wrong, then wrong again: said each time, never locked out.
    for _ in 0..2 {
        s.unlock("une phrase qui n'est pas la bonne").unwrap();
        s.wait_for_text("Phrase de passe incorrecte").unwrap();
        assert_eq!(s.ready_state().unwrap(), "locked");
    }
    s.screenshot("phrase-incorrecte").unwrap();
    s.unlock(PASSPHRASE).unwrap();
    wait_state(&s, "true");
    s.go("#/personnes").unwrap();
    s.wait_for_text("Haddad").unwrap();

    // No activity for a few seconds: the window locks and shows nothing of the notebook.
    wait_state(&s, "locked");
    let shown = body_text(&s);
    assert!(!shown.contains("Haddad"), "{shown}");
    assert!(!shown.contains("Personnes"), "the menu is hidden: {shown}");
    let refused = s
        .script(
            "return window.__TAURI__.core.invoke('search_persons', { query: 'haddad', quartier: null, offset: 0, limit: 5 }).then(() => 'ok', e => e.kind)",
            json!([]),
        )
        .unwrap();
    assert_eq!(refused, json!("locked"));
    s.screenshot("verrouillage-automatique").unwrap();

    // "J'ai oublié ma phrase de passe": a wrong key is said, the right one opens it.
    s.click(&s.find("#forgot-passphrase").unwrap()).unwrap();
    fill(&s, "#recovery-form input[name=recovery_key]", "ABCD-EFGH");
    fill(
        &s,
        "#recovery-form input[name=new_passphrase]",
        NEW_PASSPHRASE,
    );
    fill(&s, "#recovery-form input[name=confirm]", NEW_PASSPHRASE);
    submit(&s, "recovery-form");
    s.wait_for_text("Clé de secours mal saisie").unwrap();
    s.screenshot("cle-de-secours-saisie").unwrap();
    let recovery = RecoveryKey::from_bytes(RECOVERY_BYTES)
        .display()
        .to_string();
    fill(
        &s,
        "#recovery-form input[name=recovery_key]",
        &recovery.to_lowercase(),
    );
    submit(&s, "recovery-form");
    wait_state(&s, "true");
    s.quit().unwrap();

    assert!(carnet::notebook_lock::key_from_passphrase(&db, PASSPHRASE).is_err());
    let key = carnet::notebook_lock::key_from_passphrase(&db, NEW_PASSPHRASE).unwrap();
    let store = Store::open_with(&db, Some(&key), clock()).unwrap();
    assert_eq!(
        carnet::person::search(&store, "haddad", None, 5)
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn a_notebook_from_before_encryption_is_protected_at_start_up_and_nothing_stays_in_clear() {
    let _window = one_window();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("carnet.db");
    {
        let mut store = Store::init(&db, Uuid::from_u128(5), clock()).unwrap();
        store
            .write(|w| carnet::notebook::start(w, Some("Sarah Martin"), Some("Grand Troyes")))
            .unwrap();
        store
            .create(&carnet::person::Person {
                first_name: "Moussa".into(),
                last_name: "Diakité".into(),
                phone: Some("06 12 34 56 78".into()),
                ..Default::default()
            })
            .unwrap();
    }
    let before = carnet::digest::digest(&Store::open(&db, clock()).unwrap()).unwrap();
    let s = Session::start_with(&carnet_e2e::app_binary(), &db, &[]).unwrap();
    wait_state(&s, "plaintext");
    s.screenshot("proteger-le-carnet").unwrap();
    fill(&s, "#choose-passphrase input[name=passphrase]", PASSPHRASE);
    fill(&s, "#choose-passphrase input[name=confirm]", PASSPHRASE);
    s.type_keys(keys::ENTER).unwrap();
    wait_state(&s, "recovery");
    s.click(&s.find("#recovery-noted").unwrap()).unwrap();
    s.click(&s.find("#recovery-continue").unwrap()).unwrap();
    wait_state(&s, "true");
    s.go("#/personnes").unwrap();
    s.wait_for_text("Diakité").unwrap();
    s.quit().unwrap();

    assert_eq!(file_kind(&db).unwrap(), FileKind::Encrypted);
    for secret in ["Diakité", "06 12 34 56 78"] {
        assert!(
            files_contain(dir.path(), secret).is_empty(),
            "{secret} in clear"
        );
    }
    let key = carnet::notebook_lock::key_from_passphrase(&db, PASSPHRASE).unwrap();
    let after = carnet::digest::digest(&Store::open_with(&db, Some(&key), clock()).unwrap());
    assert_eq!(after.unwrap(), before);
}

#[test]
fn security_settings_change_the_passphrase_refuse_a_missing_keystore_and_renew_the_sheet() {
    let _window = one_window();
    let dir = tempfile::tempdir().unwrap();
    let db = notebook(dir.path());
    let s = Session::start(&db).unwrap();
    s.go("#/reglages").unwrap();
    s.wait_for("#securite").unwrap();
    s.script(
        "document.getElementById('securite').scrollIntoView()",
        json!([]),
    )
    .unwrap();
    s.screenshot("reglages-securite").unwrap();

    // No keystore here (no session bus): remembering is refused, nothing is written.
    s.click(&s.find("#remember").unwrap()).unwrap();
    s.wait_until("the keystore's answer", Duration::from_secs(15), |s| {
        Ok(!s.text(&s.find("#remember-message")?)?.is_empty())
    })
    .unwrap();
    let said = s.text(&s.find("#remember-message").unwrap()).unwrap();
    assert!(said.contains("trousseau"), "{said}");
    assert_eq!(
        s.script(
            "return document.getElementById('remember').checked",
            json!([])
        )
        .unwrap(),
        json!(false)
    );
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.contains("remember")), "{names:?}");
    s.screenshot("reglages-securite-trousseau").unwrap();

    // The inactivity delay: 0 is refused, 5 is kept.
    fill(&s, "#auto-lock-form input[name=auto_lock_minutes]", "0");
    submit(&s, "auto-lock-form");
    s.wait_for_text("entre 1 et 240 minutes").unwrap();
    fill(&s, "#auto-lock-form input[name=auto_lock_minutes]", "5");
    submit(&s, "auto-lock-form");
    s.wait_until("the new delay", Duration::from_secs(5), |s| {
        Ok(s.script(
            "return document.getElementById('annonce').innerText",
            json!([]),
        )?
        .as_str()
        .unwrap_or_default()
        .contains("5 minutes"))
    })
    .unwrap();

    // A new passphrase, after the current one (a wrong current one is said).
    s.click(&s.find("#changer-phrase-carnet summary").unwrap())
        .unwrap();
    fill(
        &s,
        "#notebook-passphrase-form input[name=current]",
        "pas la bonne phrase du tout",
    );
    fill(
        &s,
        "#notebook-passphrase-form input[name=new_passphrase]",
        NEW_PASSPHRASE,
    );
    fill(
        &s,
        "#notebook-passphrase-form input[name=confirm]",
        NEW_PASSPHRASE,
    );
    submit(&s, "notebook-passphrase-form");
    s.wait_for_text("Phrase de passe incorrecte").unwrap();
    fill(
        &s,
        "#notebook-passphrase-form input[name=current]",
        PASSPHRASE,
    );
    submit(&s, "notebook-passphrase-form");
    s.wait_until("the change", Duration::from_secs(10), |s| {
        Ok(s.script(
            "return document.getElementById('annonce').innerText",
            json!([]),
        )?
        .as_str()
        .unwrap_or_default()
        .contains("changée"))
    })
    .unwrap();

    // A new recovery sheet: the old key no longer opens the notebook, the new one does.
    let sheet = dir.path().join("nouvelle-feuille.pdf");
    let new_key = s
        .script(
            "return window.__TAURI__.core.invoke('renew_recovery_sheet', { path: arguments[0] })",
            json!([sheet.display().to_string()]),
        )
        .unwrap();
    let new_key = new_key.as_str().unwrap().to_string();
    assert!(std::fs::read(&sheet).unwrap().starts_with(b"%PDF"));

    // "Verrouiller" in the bar: the unlock screen, and the new passphrase opens it.
    s.click(&s.find("#verrouiller").unwrap()).unwrap();
    wait_state(&s, "locked");
    s.unlock(NEW_PASSPHRASE).unwrap();
    wait_state(&s, "true");
    s.quit().unwrap();

    let old = RecoveryKey::from_bytes(RECOVERY_BYTES)
        .display()
        .to_string();
    assert!(carnet::notebook_lock::key_from_recovery_key(&db, &old, clock()).is_err());
    assert!(carnet::notebook_lock::key_from_recovery_key(&db, &new_key, clock()).is_ok());
    assert!(carnet::notebook_lock::key_from_passphrase(&db, PASSPHRASE).is_err());
}
