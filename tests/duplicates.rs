//! Duplicates at entry, in the window: a new person who looks like a record already there
//! brings up "Cette personne existe peut-être déjà" with the candidates; "C'est elle" uses
//! the existing record, "Créer quand même" creates the new one. On Personnes → nouvelle and
//! in the quick capture of Aujourd'hui.

use std::time::Duration;

use carnet::person::Person;
use carnet_e2e::{Session, keys};

use crate::{engine, notebook, one_window};

fn ines(store: &mut carnet::Store) -> carnet::Uuid {
    store
        .create(&Person {
            first_name: "Inès".into(),
            last_name: "Haddad".into(),
            phone: Some("06 12 34 56 78".into()),
            birth_date: chrono::NaiveDate::from_ymd_opt(1991, 7, 3),
            ..Default::default()
        })
        .unwrap()
}

fn count(db: &std::path::Path, name: &str) -> usize {
    carnet::person::search(&engine(db), name, None, 10)
        .unwrap()
        .len()
}

#[test]
fn a_new_person_like_an_existing_one_is_caught_before_saving() {
    let _window = one_window();
    let dir = tempfile::tempdir().unwrap();
    let db = notebook(dir.path());
    let existing = ines(&mut engine(&db));

    let s = Session::start(&db).unwrap();
    s.go("#/personnes/nouvelle").unwrap();
    let first = s.wait_for("#person-form [name=first_name]").unwrap();
    s.type_into(&first, "Ines").unwrap();
    s.type_into(&s.find("#person-form [name=last_name]").unwrap(), "HADDAD")
        .unwrap();
    s.type_into(&s.find("#person-form [name=phone]").unwrap(), "0612345678")
        .unwrap();
    s.type_into(&s.find("#person-form [name=phone]").unwrap(), keys::ENTER)
        .unwrap();
    s.wait_for("dialog#doublon[open]").unwrap();
    let dialog = s.text(&s.find("dialog#doublon").unwrap()).unwrap();
    assert!(
        dialog.contains("Cette personne existe peut-être déjà"),
        "{dialog}"
    );
    assert!(
        dialog.contains("Inès Haddad") && dialog.contains("très probable"),
        "{dialog}"
    );
    assert!(dialog.contains("naissance : 03/07/1991"), "{dialog}");
    assert!(dialog.contains("même téléphone"), "{dialog}");
    s.screenshot("doublon-a-la-saisie").unwrap();
    // "C'est elle": nothing is created, her record opens.
    s.click(
        &s.find(&format!("[data-candidate='{existing}'] button"))
            .unwrap(),
    )
    .unwrap();
    s.wait_until("her record opened", Duration::from_secs(10), |s| {
        Ok(s.script("return location.hash", serde_json::json!([]))?
            .as_str()
            .is_some_and(|h| h.ends_with(&existing.to_string())))
    })
    .unwrap();
    assert_eq!(count(&db, "haddad"), 1, "nothing created");

    // Again, and "Créer quand même": two records.
    s.go("#/personnes/nouvelle").unwrap();
    let first = s.wait_for("#person-form [name=first_name]").unwrap();
    s.type_into(&first, "Ines").unwrap();
    s.type_into(&s.find("#person-form [name=last_name]").unwrap(), "Haddad")
        .unwrap();
    s.type_into(
        &s.find("#person-form [name=last_name]").unwrap(),
        keys::ENTER,
    )
    .unwrap();
    s.wait_for("dialog#doublon[open]").unwrap();
    s.click(&s.find("#doublon-creer").unwrap()).unwrap();
    s.wait_for("#person-name").unwrap();
    assert_eq!(count(&db, "haddad"), 2, "created anyway");

    // The quick capture: a new person typed inline, "C'est elle" records the encounter on
    // the existing record.
    s.go("#/aujourdhui").unwrap();
    let first = s.wait_for("#quick-capture [name=new_first_name]").unwrap();
    s.type_into(&first, "Mohammed").unwrap();
    {
        let mut store = engine(&db);
        store
            .create(&Person {
                first_name: "Mohamed".into(),
                last_name: "Ben Ali".into(),
                ..Default::default()
            })
            .unwrap();
    }
    s.type_into(
        &s.find("#quick-capture [name=new_last_name]").unwrap(),
        "Benali",
    )
    .unwrap();
    s.type_into(
        &s.find("#quick-capture [name=new_last_name]").unwrap(),
        keys::ENTER,
    )
    .unwrap();
    s.wait_for("dialog#doublon[open]").unwrap();
    let dialog = s.text(&s.find("dialog#doublon").unwrap()).unwrap();
    assert!(
        dialog.contains("Mohamed Ben Ali") && dialog.contains("à vérifier"),
        "{dialog}"
    );
    // The dialog is in the DOM before it is painted: the screenshot waits for a frame.
    std::thread::sleep(Duration::from_millis(400));
    s.screenshot("doublon-saisie-rapide").unwrap();
    s.click(&s.find("#doublon-liste [data-candidate] button").unwrap())
        .unwrap();
    s.wait_until("the encounter recorded", Duration::from_secs(10), |s| {
        Ok(s.main_text()?.contains("Mohamed Ben Ali"))
    })
    .unwrap();
    assert_eq!(count(&db, "benali"), 1, "no second Mohamed");
    let store = engine(&db);
    let met = carnet::person::search(&store, "benali", None, 1).unwrap()[0].id;
    let today = carnet::encounter::of_day(&store, chrono::Local::now().date_naive()).unwrap();
    assert!(today.iter().any(|e| e.data.person_id == Some(met)));

    // The two Inès created on purpose are listed among the likely duplicates.
    s.go("#/personnes").unwrap();
    s.click(&s.wait_for("#duplicates-link").unwrap()).unwrap();
    s.wait_for("#duplicates-list").unwrap();
    let listed = s.main_text().unwrap();
    assert!(
        listed.contains("1 paire : 0 très probable, 1 à vérifier."),
        "{listed}"
    );
    assert!(
        listed.contains("Inès Haddad") && listed.contains("Ines Haddad"),
        "{listed}"
    );
    s.screenshot("doublons-probables").unwrap();
    s.quit().unwrap();
}

fn created(store: &mut carnet::Store, person: Person, met: chrono::NaiveDate) -> carnet::Uuid {
    store
        .write(|w| {
            let id = w.create(&person)?;
            let mut e = carnet::encounter::Encounter::new(met, "market");
            e.person_id = Some(id);
            w.create(&e)?;
            Ok(id)
        })
        .unwrap()
}

fn hash_ends_with(s: &Session, end: &str) {
    s.wait_until(&format!("#…{end}"), Duration::from_secs(10), |s| {
        Ok(s.script("return location.hash", serde_json::json!([]))?
            .as_str()
            .is_some_and(|h| h.ends_with(end)))
    })
    .unwrap();
}

#[test]
fn a_pair_is_compared_merged_separated_or_set_aside_in_the_window() {
    let _window = one_window();
    let dir = tempfile::tempdir().unwrap();
    let db = notebook(dir.path());
    let day = |m, d| chrono::NaiveDate::from_ymd_opt(2026, m, d).unwrap();
    let (keep, other) = {
        let mut store = engine(&db);
        let keep = created(
            &mut store,
            Person {
                first_name: "Inès".into(),
                last_name: "Haddad".into(),
                phone: Some("06 12 34 56 78".into()),
                birth_date: chrono::NaiveDate::from_ymd_opt(1991, 7, 3),
                ..Default::default()
            },
            day(9, 15),
        );
        let other = created(
            &mut store,
            Person {
                first_name: "Ines".into(),
                last_name: "HADDAD".into(),
                phone: Some("06 12 34 56 78".into()),
                email: Some("ines.haddad@example.org".into()),
                ..Default::default()
            },
            day(3, 2),
        );
        for (first, last) in [("Mohamed", "Benali"), ("Mohammed", "Ben Ali")] {
            created(
                &mut store,
                Person {
                    first_name: first.into(),
                    last_name: last.into(),
                    ..Default::default()
                },
                day(5, 5),
            );
        }
        (keep, other)
    };

    // The list names each pair smaller id first; which side the record to keep is on
    // depends on the ids drawn.
    let (a, b) = if keep < other {
        (keep, other)
    } else {
        (other, keep)
    };
    let (keep_side, other_side) = if keep == a { ("a", "b") } else { ("b", "a") };

    let s = Session::start(&db).unwrap();
    s.go("#/doublons").unwrap();
    s.wait_for("#duplicates-list").unwrap();
    let listed = s.main_text().unwrap();
    assert!(listed.contains("2 paires"), "{listed}");
    s.screenshot("doublons-liste").unwrap();

    // The namesakes are two persons: "Pas un doublon", and the pair is gone.
    s.click(
        &s.find(&format!(
            "[data-not-duplicate]:not([data-not-duplicate='{a} {b}'])"
        ))
        .unwrap(),
    )
    .unwrap();
    s.wait_until("the namesakes set aside", Duration::from_secs(10), |s| {
        Ok(s.main_text()?.contains("1 paire"))
    })
    .unwrap();
    let left = s.main_text().unwrap();
    assert!(
        left.contains("Inès Haddad") && !left.contains("Mohamed"),
        "{left}"
    );
    // The announcement comes with the redrawn list; under load, a moment after it.
    s.wait_until("the announcement", Duration::from_secs(10), |s| {
        Ok(s.script(
            "return document.getElementById('annonce')?.textContent ?? ''",
            serde_json::json!([]),
        )?
        .as_str()
        .unwrap_or_default()
        .contains("ne seront plus proposées"))
    })
    .unwrap();

    // Compare the two Inès: side by side, the market record kept, its empty e-mail taken.
    s.click(&s.find(&format!("[data-compare='{a} {b}']")).unwrap())
        .unwrap();
    let table = s.wait_for("#merge-fields").unwrap();
    let shown = s.text(&table).unwrap();
    for expected in [
        "Prénom",
        "Inès",
        "Ines",
        "HADDAD",
        "Date de naissance",
        "03/07/1991",
        "ines.haddad@example.org",
        "(vide)",
        "1 champ identique",
    ] {
        assert!(shown.contains(expected), "{expected} in {shown}");
    }
    let checked = |css: &str| {
        s.script(
            "return document.querySelector(arguments[0]).checked",
            serde_json::json!([css]),
        )
        .unwrap()
            == serde_json::json!(true)
    };
    if !checked(&format!("#keep-{keep_side}")) {
        s.click(&s.find(&format!("#keep-{keep_side}")).unwrap())
            .unwrap();
    }
    assert!(checked(&format!("#keep-{keep_side}")));
    assert!(
        checked(&format!("#field-first_name-{keep_side}"))
            && checked(&format!("#field-email-{other_side}"))
    );
    s.screenshot("doublons-comparer").unwrap();
    s.click(&s.find("#merge-submit").unwrap()).unwrap();
    hash_ends_with(&s, &keep.to_string());
    s.wait_for("#merged-from").unwrap();
    let page = s.main_text().unwrap();
    assert!(page.contains("Ines HADDAD"), "{page}");
    assert_eq!(
        s.script(
            "return document.querySelectorAll('#timeline li').length",
            serde_json::json!([])
        )
        .unwrap(),
        serde_json::json!(2),
        "both records' encounters on her timeline"
    );
    assert!(page.contains("ines.haddad@example.org") || page.contains("06 12 34 56 78"));
    s.screenshot("personne-fusionnee").unwrap();
    {
        let store = engine(&db);
        assert_eq!(count(&db, "haddad"), 1);
        let kept: Person = store.get(keep).unwrap();
        assert_eq!(kept.email.as_deref(), Some("ines.haddad@example.org"));
        assert_eq!(kept.first_name, "Inès");
        assert!(carnet::duplicates::pairs(&store).unwrap().is_empty());
    }

    // The old record says where she is now; "Séparer" after a confirmation.
    s.go(&format!("#/personnes/{other}")).unwrap();
    s.wait_for("#merged-into").unwrap();
    assert!(
        s.text(&s.find("#merged-into").unwrap())
            .unwrap()
            .contains("fusionnée dans celle de Inès Haddad")
    );
    s.screenshot("personne-fusionnee-dans").unwrap();
    s.click(&s.find("#person-separate").unwrap()).unwrap();
    s.wait_for("dialog#confirmation[open]").unwrap();
    std::thread::sleep(Duration::from_millis(400));
    s.screenshot("personne-separer-confirmation").unwrap();
    s.click(&s.find("#confirmation-oui").unwrap()).unwrap();
    s.wait_until("separated", Duration::from_secs(10), |s| {
        Ok(s.find("#merged-into").is_err() && s.main_text()?.contains("Ines HADDAD"))
    })
    .unwrap();
    assert_eq!(count(&db, "haddad"), 2);
    s.quit().unwrap();
}
