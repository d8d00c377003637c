//! Sync through a shared folder: convergence, conflicts, damaged files, wrong passphrases.

use std::path::Path;
use std::sync::Arc;

use carnet::person::Person;
use carnet::sync::{self, FreshSecrets, KdfParams, SyncFolder};
use carnet::{ManualClock, Store, Uuid};
use proptest::prelude::*;

use crate::fixture::{digest, person, today};

pub const PASS: &str = "phrase de passe de toute l'équipe Carnet";

pub fn device(n: u128) -> (Store, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::at_date(today()));
    let store = Store::open_in_memory(Uuid::from_u128(n), Box::new(clock.clone())).unwrap();
    (store, clock)
}

pub fn secrets(n: u8) -> FreshSecrets {
    FreshSecrets {
        salt: [n; 16],
        key: [n.wrapping_add(100); 32],
    }
}

pub fn new_folder(dir: &Path) -> SyncFolder {
    SyncFolder::create(
        dir,
        PASS,
        &secrets(7),
        Uuid::from_u128(77),
        KdfParams::FAST_FOR_TESTS,
    )
    .unwrap()
}

pub fn run(store: &mut Store, folder: &SyncFolder) -> sync::SyncReport {
    sync::sync(store, folder, Some("Portable"), &mut |_| {}).unwrap()
}

pub fn listing(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in walk(dir) {
        out.push(entry);
    }
    out.sort();
    out
}

fn walk(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            out.push(format!(
                "{} {}",
                p.display(),
                p.metadata().map(|m| m.len()).unwrap_or(0)
            ));
            if p.is_dir() {
                out.extend(walk(&p));
            }
        }
    }
    out
}

#[test]
fn a_person_created_on_one_device_appears_on_the_other() {
    let dir = tempfile::tempdir().unwrap();
    let folder = new_folder(dir.path());
    let (mut a, _) = device(1);
    let (mut b, _) = device(2);
    let id = a.create(&person("Éloïse", "Ben Ali")).unwrap();
    let sent = run(&mut a, &folder);
    assert_eq!((sent.segments_sent, sent.changes_sent), (1, 2));
    let got = run(&mut b, &folder);
    assert_eq!((got.segments_received, got.changes_applied), (1, 2));
    assert_eq!(b.get::<Person>(id).unwrap().last_name, "Ben Ali");
    assert_eq!(digest(&a), digest(&b));
    // Nothing new: nothing sent, nothing received.
    let again = run(&mut b, &folder);
    assert_eq!((again.segments_sent, again.segments_received), (0, 0));
    // Another folder opened with the same passphrase reads the same files.
    let reopened = SyncFolder::open(dir.path(), PASS).unwrap();
    let (mut c, _) = device(3);
    run(&mut c, &reopened);
    assert_eq!(digest(&c), digest(&a));
}

#[test]
fn concurrent_edits_keep_the_losing_value_for_review() {
    let dir = tempfile::tempdir().unwrap();
    let folder = new_folder(dir.path());
    let (mut a, clock_a) = device(1);
    let (mut b, _) = device(2);
    let id = a.create(&person("Nour", "Hamidi")).unwrap();
    run(&mut a, &folder);
    run(&mut b, &folder);
    // Both edit the first name without seeing each other.
    clock_a.advance(1_000);
    let mut on_a: Person = a.get(id).unwrap();
    on_a.first_name = "Noura".into();
    a.update(id, &on_a).unwrap();
    let mut on_b: Person = b.get(id).unwrap();
    on_b.first_name = "Nora".into();
    b.update(id, &on_b).unwrap();
    run(&mut a, &folder);
    let on_b_report = run(&mut b, &folder);
    run(&mut a, &folder);
    assert_eq!(digest(&a), digest(&b), "both show the same winner");
    assert_eq!(on_b_report.conflicts, 1);
    let conflicts = sync::conflicts(&b).unwrap();
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].field, "first_name");
    let values = [
        conflicts[0].kept_value.clone(),
        conflicts[0].lost_value.clone(),
    ];
    assert!(values.contains(&"Noura".into()) && values.contains(&"Nora".into()));
    assert_eq!(
        sync::conflicts(&a).unwrap().len(),
        1,
        "the other device sees it too"
    );

    // A later edit that had seen the other value is not a conflict.
    let mut again: Person = b.get(id).unwrap();
    again.first_name = "Nour".into();
    b.update(id, &again).unwrap();
    run(&mut b, &folder);
    run(&mut a, &folder);
    assert_eq!(a.get::<Person>(id).unwrap().first_name, "Nour");
    assert_eq!(sync::conflicts(&a).unwrap().len(), 1);
}

#[test]
fn a_wrong_passphrase_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    new_folder(dir.path());
    let before = listing(dir.path());
    let err = SyncFolder::open(dir.path(), "mauvaise phrase").unwrap_err();
    assert_eq!(err.kind(), "sync_wrong_passphrase");
    assert!(err.to_string().contains("Phrase de passe incorrecte"));
    assert_eq!(listing(dir.path()), before);
    let missing = SyncFolder::open(&dir.path().join("absent"), PASS).unwrap_err();
    assert_eq!(missing.kind(), "sync_folder_missing");
    let empty = tempfile::tempdir().unwrap();
    assert_eq!(
        SyncFolder::open(empty.path(), PASS).unwrap_err().kind(),
        "sync_not_initialised"
    );
    assert_eq!(
        SyncFolder::create(
            dir.path(),
            PASS,
            &secrets(1),
            Uuid::from_u128(1),
            KdfParams::FAST_FOR_TESTS
        )
        .unwrap_err()
        .kind(),
        "sync_already_initialised"
    );
}

fn only_segment(dir: &Path, device: Uuid) -> std::path::PathBuf {
    dir.join("carnet-sync/devices")
        .join(device.to_string())
        .join("000000000001.seg")
}

#[test]
fn truncated_or_flipped_segments_are_skipped_then_accepted_whole() {
    let dir = tempfile::tempdir().unwrap();
    let folder = new_folder(dir.path());
    let (mut a, _) = device(1);
    a.create(&person("Karim", "Mansouri")).unwrap();
    run(&mut a, &folder);
    let path = only_segment(dir.path(), a.device_id());
    let whole = std::fs::read(&path).unwrap();
    // Every truncation is refused without panic.
    for len in 0..whole.len() {
        let (mut b, _) = device(2);
        std::fs::write(&path, &whole[..len]).unwrap();
        let report = run(&mut b, &folder);
        assert_eq!(report.segments_received, 0, "length {len}");
        assert_eq!(report.skipped.len(), 1, "length {len}");
    }
    // A sample of bit flips, header and payload.
    for i in (0..whole.len()).step_by(7) {
        let mut flipped = whole.clone();
        flipped[i] ^= 0x10;
        std::fs::write(&path, &flipped).unwrap();
        let (mut b, _) = device(2);
        let report = run(&mut b, &folder);
        assert_eq!(report.segments_received, 0, "flip at {i}");
    }
    // Once the whole file is there, it is applied (and the bad tries left no mark).
    std::fs::write(&path, &whole).unwrap();
    let (mut b, _) = device(2);
    std::fs::write(&path, &whole[..whole.len() / 2]).unwrap();
    assert_eq!(run(&mut b, &folder).skipped.len(), 1);
    std::fs::write(&path, &whole).unwrap();
    let report = run(&mut b, &folder);
    assert_eq!((report.segments_received, report.skipped.len()), (1, 0));
    assert_eq!(digest(&a), digest(&b));
}

#[test]
fn junk_in_the_folder_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let folder = new_folder(dir.path());
    let (mut a, _) = device(1);
    a.create(&person("Samira", "Keita")).unwrap();
    run(&mut a, &folder);
    let device_dir = only_segment(dir.path(), a.device_id())
        .parent()
        .unwrap()
        .to_path_buf();
    let seg = std::fs::read(device_dir.join("000000000001.seg")).unwrap();
    for name in [
        "000000000002 (conflicted copy).seg",
        "000000000001.sync-conflict-20261125-1.seg",
        "Copie de 000000000001.seg",
        "000000000003.seg~",
        ".000000000004.seg.tmp",
        "notes.txt",
    ] {
        std::fs::write(device_dir.join(name), &seg).unwrap();
    }
    std::fs::write(device_dir.join("000000000005.seg"), b"").unwrap();
    std::fs::create_dir_all(dir.path().join("carnet-sync/devices/pas-un-appareil")).unwrap();
    std::fs::write(
        dir.path()
            .join("carnet-sync/devices/pas-un-appareil/000000000001.seg"),
        &seg,
    )
    .unwrap();
    let (mut b, _) = device(2);
    let report = run(&mut b, &folder);
    assert_eq!(report.segments_received, 1);
    assert_eq!(
        report.skipped.len(),
        1,
        "only the empty 000000000005.seg is reported"
    );
    assert_eq!(digest(&a), digest(&b));
}

#[test]
fn changes_from_a_clock_far_ahead_are_held_aside_with_the_device_name() {
    let dir = tempfile::tempdir().unwrap();
    let folder = new_folder(dir.path());
    let (mut ahead, clock) = device(1);
    clock.advance(3 * 24 * 3600 * 1000);
    ahead.create(&person("Futur", "Lointain")).unwrap();
    sync::sync(&mut ahead, &folder, Some("PC du bureau"), &mut |_| {}).unwrap();
    let (mut b, _) = device(2);
    let report = run(&mut b, &folder);
    assert_eq!(report.segments_received, 0);
    assert_eq!(report.held.len(), 1);
    assert!(
        report.held[0].reason.contains("PC du bureau"),
        "{:?}",
        report.held
    );
    assert!(carnet::person::all(&b).unwrap().is_empty());
}

#[test]
fn a_copied_database_takes_a_new_device_id_and_nothing_is_lost() {
    let dir = tempfile::tempdir().unwrap();
    let folder = new_folder(dir.path());
    let files = tempfile::tempdir().unwrap();
    let original = files.path().join("a.db");
    let copy = files.path().join("copie.db");
    let clock = || Box::new(ManualClock::at_date(today()));
    {
        let mut a = Store::init(&original, Uuid::from_u128(1), clock()).unwrap();
        a.create(&person("Avant", "Copie")).unwrap();
        run(&mut a, &folder);
    }
    std::fs::copy(&original, &copy).unwrap();
    // The binaries salt new ids with fresh random bytes at each opening.
    let mut a = Store::open(&original, clock()).unwrap();
    a.set_id_salt([1; 16]);
    let mut b = Store::open(&copy, clock()).unwrap();
    b.set_id_salt([2; 16]);
    assert_eq!(a.device_id(), b.device_id());
    a.create(&person("Sur", "Original")).unwrap();
    b.create(&person("Sur", "Copie")).unwrap();
    run(&mut a, &folder);
    let report = run(&mut b, &folder);
    let new_id = report.new_device_id.expect("the copy is detected");
    assert_ne!(new_id, a.device_id());
    assert_eq!(b.device_id(), new_id);
    run(&mut a, &folder);
    run(&mut b, &folder);
    assert_eq!(digest(&a), digest(&b));
    assert_eq!(carnet::person::all(&a).unwrap().len(), 3);
}

#[test]
fn the_same_stamp_with_two_values_resolves_alike_everywhere() {
    // Without salted ids, a copy's first write reuses the original's id and stamps: both
    // devices must still agree on one value and keep the other for review.
    let dir = tempfile::tempdir().unwrap();
    let folder = new_folder(dir.path());
    let files = tempfile::tempdir().unwrap();
    let original = files.path().join("a.db");
    let copy = files.path().join("copie.db");
    let clock = || Box::new(ManualClock::at_date(today()));
    drop(Store::init(&original, Uuid::from_u128(1), clock()).unwrap());
    std::fs::copy(&original, &copy).unwrap();
    let mut a = Store::open(&original, clock()).unwrap();
    let mut b = Store::open(&copy, clock()).unwrap();
    a.create(&person("Sur", "Original")).unwrap();
    b.create(&person("Sur", "Copie")).unwrap();
    run(&mut a, &folder);
    run(&mut b, &folder);
    run(&mut a, &folder);
    assert_eq!(digest(&a), digest(&b));
    assert!(sync::conflicts(&a).unwrap().len() + sync::conflicts(&b).unwrap().len() >= 1);
    // `carnet check` keeps the value the merge keeps under one stamp, on both devices.
    for store in [&a, &b] {
        let report = carnet::check::check(store).unwrap();
        assert!(report.is_ok(), "{:?}", report.problems);
    }
}

#[derive(Debug, Clone)]
enum Step {
    Create(usize, u8),
    Edit(usize, usize, u8),
    Delete(usize, usize),
    Restore(usize, usize),
    Sync(usize),
    Tick(usize, i64),
    /// A segment file disappears from the folder (deleted, rolled back).
    Lose(usize),
    /// A team member plants a segment with an invalid value.
    Plant(u8),
    /// A person is erased (the order races edits, deletions and restorations elsewhere).
    Erase(usize, usize),
    /// A person is anonymised (likewise; an erasure elsewhere wins over it).
    Anonymise(usize, usize),
}

/// Plays one step of a random history on `stores` (a device index wraps around).
fn play(stores: &mut [(Store, Arc<ManualClock>)], step: Step, folder: &SyncFolder, shared: &Path) {
    let devices = stores.len();
    match step {
        Step::Create(d, n) => {
            let (store, _) = &mut stores[d % devices];
            store.create(&person(&format!("P{n}"), "Test")).unwrap();
        }
        Step::Edit(d, p, n) => {
            let (store, _) = &mut stores[d % devices];
            let all = carnet::person::all(store).unwrap();
            if let Some(entry) = all.get(p % all.len().max(1)) {
                let mut changed = entry.data.clone();
                changed.first_name = format!("E{n}");
                // An anonymised person's name is refused, with a message that says why.
                if let Err(e) = store.update(entry.id, &changed) {
                    assert!(e.to_string().contains("anonymisée"), "{e}");
                }
            }
        }
        Step::Delete(d, p) => {
            let (store, _) = &mut stores[d % devices];
            let all = carnet::person::all(store).unwrap();
            if let Some(entry) = all.get(p % all.len().max(1)) {
                store.delete::<Person>(entry.id).unwrap();
            }
        }
        Step::Restore(d, p) => {
            let (store, _) = &mut stores[d % devices];
            let deleted: Vec<Uuid> = store
                .changes_since(0)
                .unwrap()
                .into_iter()
                .filter(|(_, c)| {
                    c.field == "deleted" && c.value == rusqlite::types::Value::Integer(1)
                })
                .map(|(_, c)| c.row_id)
                .collect();
            if let Some(id) = deleted.get(p % deleted.len().max(1)) {
                let _ = store.write(|w| w.restore(&carnet::schema::PERSON, *id));
            }
        }
        Step::Erase(d, p) => {
            let (store, _) = &mut stores[d % devices];
            let all = carnet::person::all(store).unwrap();
            if let Some(entry) = all.get(p % all.len().max(1)) {
                carnet::erasure::erase(store, entry.id).unwrap();
            }
        }
        Step::Anonymise(d, p) => {
            let (store, _) = &mut stores[d % devices];
            let all = carnet::person::all(store).unwrap();
            if let Some(entry) = all.get(p % all.len().max(1)) {
                carnet::erasure::anonymise(store, entry.id).unwrap();
            }
        }
        Step::Sync(d) => {
            let (store, _) = &mut stores[d % devices];
            run(store, folder);
        }
        Step::Tick(d, ms) => stores[d % devices].1.advance(ms),
        Step::Lose(n) => lose_segment(shared, n),
        Step::Plant(n) => plant_invalid(shared, folder, n % 8),
    }
}

/// Cases for the convergence property: 24 in every `cargo xtask test`; set `PROPTEST_CASES`
/// for a longer run (see `docs/sync-format.md`).
fn convergence_cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(24)
}

/// Deletes the `n`-th segment file of the folder (in name order), if any.
fn lose_segment(shared: &Path, n: usize) {
    let mut files: Vec<std::path::PathBuf> = Vec::new();
    if let Ok(devices) = std::fs::read_dir(shared.join("carnet-sync/devices")) {
        for d in devices.flatten() {
            if let Ok(segs) = std::fs::read_dir(d.path()) {
                files.extend(
                    segs.flatten()
                        .map(|e| e.path())
                        .filter(|p| p.extension().is_some_and(|e| e == "seg")),
                );
            }
        }
    }
    files.sort();
    if !files.is_empty() {
        let _ = std::fs::remove_file(&files[n % files.len()]);
    }
}

/// A member's segment carrying a value no form accepts.
fn plant_invalid(shared: &Path, folder: &SyncFolder, n: u8) {
    let member = Uuid::from_u128(4242);
    let plain = format!(
        r#"{{"v":2,"name":"Membre","count":2,"prev":null,"seen":[],"former":[],"person_blocks":[],"writes":[{{"e":"person","i":"{}","d":"{member}","w":1000,"c":0,"f":[["first_name","X"],["gender","robot{n}"]]}}]}}"#,
        Uuid::from_u128(9000 + u128::from(n))
    );
    let dir = shared.join("carnet-sync/devices").join(member.to_string());
    std::fs::create_dir_all(&dir).unwrap();
    let seq = u64::from(n) + 1;
    let _ = std::fs::write(
        dir.join(format!("{seq:012}.seg")),
        folder
            .seal_as_member(member, seq, plain.as_bytes())
            .unwrap(),
    );
}

fn step(devices: usize) -> impl Strategy<Value = Step> {
    prop_oneof![
        2 => (0..devices, any::<u8>()).prop_map(|(d, n)| Step::Create(d, n)),
        3 => (0..devices, 0..6usize, any::<u8>()).prop_map(|(d, p, n)| Step::Edit(d, p, n)),
        1 => (0..devices, 0..6usize).prop_map(|(d, p)| Step::Delete(d, p)),
        1 => (0..devices, 0..6usize).prop_map(|(d, p)| Step::Restore(d, p)),
        3 => (0..devices).prop_map(Step::Sync),
        1 => (0..devices, -60_000..600_000i64).prop_map(|(d, ms)| Step::Tick(d, ms)),
        1 => (0..64usize).prop_map(Step::Lose),
        1 => any::<u8>().prop_map(Step::Plant),
        1 => (0..devices, 0..6usize).prop_map(|(d, p)| Step::Erase(d, p)),
        1 => (0..devices, 0..6usize).prop_map(|(d, p)| Step::Anonymise(d, p)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(convergence_cases()))]

    #[test]
    fn devices_converge_whatever_the_order_of_syncs(
        devices in 3usize..=5,
        steps in proptest::collection::vec(step(5), 10..50),
        skews in proptest::collection::vec(-3_600_000i64..3_600_000, 5),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let folder = new_folder(dir.path());
        let mut stores: Vec<(Store, Arc<ManualClock>)> = (0..devices).map(|n| device(n as u128 + 1)).collect();
        for (n, (_, clock)) in stores.iter().enumerate() {
            clock.advance(skews[n]);
        }
        for step in steps {
            play(&mut stores, step, &folder, dir.path());
        }
        // Two full rounds: everyone sends (putting back what it lost), then everyone receives
        // everything. Nothing is missing at the end: every lost segment had a device to heal it.
        for round in 0..2 {
            for (store, _) in stores.iter_mut() {
                let report = run(store, &folder);
                if round == 1 {
                    // Only the member's invalid segments, which nobody applied, can stay lost.
                    prop_assert!(report.missing.iter().all(|m| m.device == Uuid::from_u128(4242)), "{:?}", report.missing);
                    prop_assert!(report.skipped.iter().all(|s| s.device == Some(Uuid::from_u128(4242))), "{:?}", report.skipped);
                }
            }
        }
        let first = digest(&stores[0].0);
        for (store, _) in &stores {
            prop_assert_eq!(digest(store), first.clone());
            prop_assert!(carnet::check::check(store).unwrap().is_ok());
        }
        // An erased person left nothing: no row, and no change about her in any log; an
        // anonymised one kept no name but the anonymous one.
        let orders = carnet::erasure::erased_ids(&stores[0].0).unwrap();
        for (store, _) in &stores {
            for id in &orders {
                if carnet::erasure::is_erased(store, *id).unwrap() {
                    prop_assert!(store.get::<Person>(*id).is_err());
                    for (_, change) in store.changes_since(0).unwrap() {
                        prop_assert!(
                            change.entity.name == "erasure" || change.row_id != *id,
                            "a change about an erased person stayed: {:?}", change
                        );
                    }
                } else {
                    for (_, change) in store.changes_since(0).unwrap() {
                        if change.row_id == *id && change.field == "first_name" {
                            prop_assert_eq!(&change.value, &rusqlite::types::Value::Text("Personne".into()));
                        }
                    }
                }
            }
        }
        // Nothing is lost: every value ever written is current, or kept for review, or was
        // replaced by a write made with knowledge of it (an ancestor of one of those).
        let changes: Vec<carnet::Change> = stores[0].0.changes_since(0).unwrap().into_iter().map(|(_, c)| c).collect();
        let prev: std::collections::HashMap<carnet::Hlc, Option<carnet::Hlc>> =
            changes.iter().map(|c| (c.hlc, c.prev)).collect();
        let mut winners: std::collections::HashMap<(Uuid, &str), carnet::Hlc> = Default::default();
        for c in &changes {
            let w = winners.entry((c.row_id, c.field)).or_insert(c.hlc);
            if c.hlc > *w { *w = c.hlc; }
        }
        let mut roots: Vec<carnet::Hlc> = winners.values().copied().collect();
        for (store, _) in &stores {
            for conflict in sync::conflicts(store).unwrap() {
                roots.push(conflict.kept_stamp.parse().unwrap());
                roots.push(conflict.lost_stamp.parse().unwrap());
            }
        }
        let mut safe = std::collections::HashSet::new();
        for root in roots {
            let mut at = Some(root);
            while let Some(stamp) = at {
                if !safe.insert(stamp) { break; }
                at = prev.get(&stamp).copied().flatten();
            }
        }
        // A value written twice concurrently (two devices deleting the same person) survives
        // in its twin: what counts is the value, per field.
        let kept_values: std::collections::HashSet<(Uuid, &str, String)> = changes
            .iter()
            .filter(|c| safe.contains(&c.hlc))
            .map(|c| (c.row_id, c.field, format!("{:?}", c.value)))
            .collect();
        for c in &changes {
            prop_assert!(
                safe.contains(&c.hlc) || kept_values.contains(&(c.row_id, c.field, format!("{:?}", c.value))),
                "value {:?} of {}.{} was lost", c.value, c.entity.name, c.field
            );
        }
    }
}

#[test]
fn the_officer_settles_a_conflict_and_every_device_follows() {
    let dir = tempfile::tempdir().unwrap();
    let folder = new_folder(dir.path());
    let (mut a, clock_a) = device(1);
    let (mut b, _) = device(2);
    let id = a.create(&person("Hakim", "Demir")).unwrap();
    run(&mut a, &folder);
    run(&mut b, &folder);
    clock_a.advance(1_000);
    let mut on_a: Person = a.get(id).unwrap();
    on_a.phone = Some("06 39 98 00 01".into());
    a.update(id, &on_a).unwrap();
    let mut on_b: Person = b.get(id).unwrap();
    on_b.phone = Some("06 39 98 00 02".into());
    b.update(id, &on_b).unwrap();
    run(&mut a, &folder);
    run(&mut b, &folder);
    let conflict = &sync::conflicts(&b).unwrap()[0];
    let lost = conflict.lost_value.clone();
    sync::resolve(&mut b, conflict.id, true).unwrap();
    assert!(sync::conflicts(&b).unwrap().is_empty());
    assert_eq!(serde_json::json!(b.get::<Person>(id).unwrap().phone), lost);
    run(&mut b, &folder);
    run(&mut a, &folder);
    assert_eq!(digest(&a), digest(&b));
    assert_eq!(
        sync::resolve(&mut b, conflict.id, true).unwrap_err().kind(),
        "unknown_id"
    );
}

#[test]
fn a_crash_between_writing_a_segment_and_recording_it_reuses_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let folder = new_folder(dir.path());
    let files = tempfile::tempdir().unwrap();
    let path = files.path().join("a.db");
    let mut a = Store::init(
        &path,
        Uuid::from_u128(1),
        Box::new(ManualClock::at_date(today())),
    )
    .unwrap();
    a.create(&person("Avant", "Panne")).unwrap();
    run(&mut a, &folder);
    let segment = only_segment(dir.path(), a.device_id());
    let bytes = std::fs::read(&segment).unwrap();
    // The crash: the file is in the folder, the database never recorded it. A temporary
    // file of an interrupted earlier write lies around too.
    drop(a);
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute("DELETE FROM sync_segment WHERE direction = 'out'", [])
        .unwrap();
    drop(conn);
    std::fs::write(segment.with_file_name(".000000000002.seg.tmp"), b"moitie").unwrap();
    let mut a = Store::open(&path, Box::new(ManualClock::at_date(today()))).unwrap();
    let report = run(&mut a, &folder);
    assert_eq!(report.new_device_id, None, "not mistaken for a copy");
    assert_eq!(report.segments_sent, 1);
    assert_eq!(
        std::fs::read(&segment).unwrap(),
        bytes,
        "same number, same bytes"
    );
    assert!(
        !only_segment(dir.path(), a.device_id())
            .with_file_name("000000000002.seg")
            .exists()
    );
    let (mut b, _) = device(2);
    run(&mut b, &folder);
    assert_eq!(digest(&a), digest(&b));
    assert!(carnet::check::check(&a).unwrap().is_ok());
}

#[test]
fn a_folder_that_disappears_gives_a_clear_error_and_the_next_sync_completes() {
    let dir = tempfile::tempdir().unwrap();
    let shared = dir.path().join("cle-usb");
    std::fs::create_dir(&shared).unwrap();
    let folder = new_folder(&shared);
    let (mut a, _) = device(1);
    a.create(&person("Inès", "Haddad")).unwrap();
    run(&mut a, &folder);
    let before = digest(&a);
    // The USB key is pulled out.
    let away = dir.path().join("ailleurs");
    std::fs::rename(&shared, &away).unwrap();
    a.create(&person("Rayan", "Sow")).unwrap();
    let err = sync::sync(&mut a, &folder, None, &mut |_| {}).unwrap_err();
    assert_eq!(err.kind(), "sync_folder");
    assert!(
        err.to_string()
            .contains("Vos données locales sont intactes"),
        "{err}"
    );
    assert_ne!(digest(&a), before, "the local write is still there");
    assert!(carnet::check::check(&a).unwrap().is_ok());
    // Plugged back in: the pending change goes out.
    std::fs::rename(&away, &shared).unwrap();
    let report = run(&mut a, &folder);
    assert_eq!(report.segments_sent, 1);
    let (mut b, _) = device(2);
    run(&mut b, &folder);
    assert_eq!(digest(&a), digest(&b));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    /// Whatever bytes a segment holds, reading it never panics; only the true file opens.
    #[test]
    fn any_bytes_are_refused_without_panic(
        garbage in proptest::collection::vec(any::<u8>(), 0..400),
        cut in 0usize..2000,
        flip in any::<(usize, u8)>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let folder = new_folder(dir.path());
        let device = Uuid::from_u128(1);
        prop_assert!(folder.open_segment(&garbage, device, 1).is_err());
        let (mut a, _) = self::device(1);
        a.create(&person("Zoé", "Faure")).unwrap();
        run(&mut a, &folder);
        let whole = std::fs::read(only_segment(dir.path(), a.device_id())).unwrap();
        let mut damaged = whole.clone();
        let at = flip.0 % damaged.len();
        damaged[at] ^= flip.1.max(1);
        prop_assert!(folder.open_segment(&damaged, device, 1).is_err());
        let cut = cut % whole.len();
        prop_assert!(folder.open_segment(&whole[..cut], device, 1).is_err());
        prop_assert!(folder.open_segment(&whole, device, 1).is_ok());
    }
}

/// Makes a directory unwritable for everyone, root included (`chattr +i` where the file
/// system allows it, else read-only permissions), and writable again when dropped. Unix only:
/// Windows' read-only attribute does not stop writes into a folder.
#[cfg(unix)]
struct Unwritable(std::path::PathBuf);

#[cfg(unix)]
impl Unwritable {
    fn new(dir: &Path) -> Unwritable {
        let immutable = std::process::Command::new("chattr")
            .arg("+i")
            .arg(dir)
            .status()
            .is_ok_and(|s| s.success());
        if !immutable {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o555)).unwrap();
        }
        assert!(
            std::fs::write(dir.join("essai"), b"x").is_err(),
            "the directory must refuse writes for this test"
        );
        Unwritable(dir.to_path_buf())
    }
}

#[cfg(unix)]
impl Drop for Unwritable {
    fn drop(&mut self) {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::process::Command::new("chattr")
            .arg("-i")
            .arg(&self.0)
            .status();
        let _ = std::fs::set_permissions(&self.0, std::fs::Permissions::from_mode(0o755));
    }
}

#[cfg(unix)]
#[test]
fn a_read_only_folder_gives_a_clear_error_and_the_next_sync_completes() {
    let dir = tempfile::tempdir().unwrap();
    let folder = new_folder(dir.path());
    let (mut a, _) = device(1);
    a.create(&person("Hafsa", "Bensaïd")).unwrap();
    run(&mut a, &folder);
    let device_dir = only_segment(dir.path(), a.device_id())
        .parent()
        .unwrap()
        .to_path_buf();
    a.create(&person("Grégory", "Lacroix")).unwrap();
    {
        let _locked = Unwritable::new(&device_dir);
        let err = sync::sync(&mut a, &folder, None, &mut |_| {}).unwrap_err();
        assert_eq!(err.kind(), "sync_folder");
        assert!(
            err.to_string()
                .contains("Vos données locales sont intactes"),
            "{err}"
        );
        assert!(carnet::check::check(&a).unwrap().is_ok());
        assert_eq!(carnet::person::all(&a).unwrap().len(), 2);
    }
    let report = run(&mut a, &folder);
    assert_eq!(report.segments_sent, 1);
    let (mut b, _) = device(2);
    run(&mut b, &folder);
    assert_eq!(carnet::person::all(&b).unwrap().len(), 2);
    assert_eq!(digest(&a), digest(&b));
}

/// Histories where devices often edit the same few persons over each other's values: what
/// the fast path's guards are for.
fn merge_step(devices: usize) -> impl Strategy<Value = Step> {
    prop_oneof![
        1 => (0..devices, any::<u8>()).prop_map(|(d, n)| Step::Create(d, n)),
        4 => (0..devices, 0..2usize, any::<u8>()).prop_map(|(d, p, n)| Step::Edit(d, p, n)),
        1 => (0..devices, 0..2usize).prop_map(|(d, p)| Step::Delete(d, p)),
        4 => (0..devices).prop_map(Step::Sync),
        1 => (0..devices, 1..600_000i64).prop_map(|(d, ms)| Step::Tick(d, ms)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(convergence_cases()))]

    /// The merge's fast path for new rows gives exactly what the general merge gives: the same
    /// digest, the same conflicts, the same counts, for the same random multi-device histories
    /// delivered as per-device batches in random order, with duplicates.
    #[test]
    fn the_fast_path_and_the_general_merge_agree(
        devices in 2usize..=3,
        steps in proptest::collection::vec(merge_step(3), 10..40),
        order in proptest::collection::vec((0usize..3, 0usize..4), 0..6),
    ) {
        let mut stores: Vec<(Store, Arc<ManualClock>)> = (0..devices).map(|n| device(n as u128 + 1)).collect();
        let dir = tempfile::tempdir().unwrap();
        let folder = new_folder(dir.path());
        for step in steps {
            play(&mut stores, step, &folder, dir.path());
        }
        // Each device's own changes, in its log order: all of them (batch 0, where whole row
        // histories take the fast path), its first and second half, and its whole log with
        // what it received (as a replay delivers it).
        let batches: Vec<Vec<Vec<carnet::Change>>> = stores.iter().map(|(store, _)| {
            let own: Vec<carnet::Change> = store.changes_since(0).unwrap().into_iter()
                .map(|(_, c)| c)
                .filter(|c| c.hlc.device == store.device_id())
                .collect();
            let size = own.len().div_ceil(2).max(1);
            let whole_log: Vec<carnet::Change> = store.changes_since(0).unwrap().into_iter().map(|(_, c)| c).collect();
            std::iter::once(own.clone())
                .chain(own.chunks(size).map(<[carnet::Change]>::to_vec))
                .chain(std::iter::once(whole_log))
                .collect()
        }).collect();
        // Each device's whole history first in turn (where the fast path is taken for every
        // row it created), then the random deliveries, then everything.
        for first in 0..devices {
            let (mut fast, _) = device(50);
            let (mut general, _) = device(50);
            general.set_merge_fast_path(false);
            let mut totals = [carnet::store::ApplyReport::default(); 2];
            let deliveries: Vec<(usize, usize)> = std::iter::once((first, 0))
                .chain(order.iter().copied())
                .chain((0..devices).map(|d| (d, 0)))
                .collect();
            for (d, b) in deliveries {
                let Some(batch) = batches[d % devices].get(b) else { continue };
                for (k, store) in [&mut fast, &mut general].into_iter().enumerate() {
                    let r = store.apply_changes(batch).unwrap();
                    totals[k].inserted += r.inserted;
                    totals[k].won += r.won;
                    totals[k].duplicates += r.duplicates;
                    totals[k].conflicts += r.conflicts;
                }
            }
            prop_assert_eq!(digest(&fast), digest(&general));
            prop_assert_eq!(totals[0], totals[1]);
            let cards = |s: &Store| {
                let mut c: Vec<(String, String)> = sync::conflicts(s).unwrap().into_iter().map(|c| (c.kept_stamp, c.lost_stamp)).collect();
                c.sort();
                c
            };
            prop_assert_eq!(cards(&fast), cards(&general));
            prop_assert!(carnet::check::check(&fast).unwrap().is_ok());
        }
    }
}

#[test]
fn a_crash_in_the_middle_of_an_import_leaves_nothing_half_applied() {
    let dir = tempfile::tempdir().unwrap();
    let folder = new_folder(dir.path());
    let (mut a, clock_a) = device(1);
    for n in 0..6 {
        a.create(&person(&format!("Prénom{n}"), "Import")).unwrap();
        clock_a.advance(10);
    }
    run(&mut a, &folder);
    let files = tempfile::tempdir().unwrap();
    let db = files.path().join("b.db");
    let clock = || Box::new(ManualClock::at_date(today()));
    let mut b = Store::init(&db, Uuid::from_u128(2), clock()).unwrap();
    // The disk fails on the third row the import writes into the change log.
    let side = rusqlite::Connection::open(&db).unwrap();
    side.execute_batch(
        "CREATE TABLE crash_counter (n INTEGER);
         INSERT INTO crash_counter VALUES (0);
         CREATE TRIGGER crash BEFORE INSERT ON change_log WHEN NEW.received = 1 BEGIN
             UPDATE crash_counter SET n = n + 1;
             SELECT RAISE(ABORT, 'panne simulée') WHERE (SELECT n FROM crash_counter) >= 3;
         END;",
    )
    .unwrap();
    assert!(sync::sync(&mut b, &folder, None, &mut |_| {}).is_err());
    assert!(
        carnet::person::all(&b).unwrap().is_empty(),
        "nothing half-applied"
    );
    side.execute_batch("DROP TRIGGER crash;").unwrap();
    let report = run(&mut b, &folder);
    assert_eq!(report.segments_received, 1, "applied on the retry");
    assert_eq!(report.duplicates, 0, "and only once");
    assert_eq!(digest(&b), digest(&a));
    assert_eq!(b.change_count().unwrap(), a.change_count().unwrap());
    assert!(carnet::check::check(&b).unwrap().is_ok());
}

/// The two histories the fast path's guards exist for, fixed so that removing either guard
/// fails every run (the property test above finds them only now and then).
#[test]
fn the_fast_path_declines_what_only_the_general_merge_can_decide() {
    let dir = tempfile::tempdir().unwrap();
    let folder = new_folder(dir.path());
    let (mut a, clock_a) = device(1);
    let (mut b, clock_b) = device(2);
    // Guard 2: a's edit replaces b's value, which the receiver has not seen yet.
    let id = a.create(&person("Awa", "Sy")).unwrap();
    run(&mut a, &folder);
    run(&mut b, &folder);
    clock_b.advance(10);
    let mut p: Person = b.get(id).unwrap();
    p.first_name = "Awa-B".into();
    b.update(id, &p).unwrap();
    run(&mut b, &folder);
    run(&mut a, &folder);
    clock_a.advance(20);
    let mut p: Person = a.get(id).unwrap();
    p.first_name = "Awa-A".into();
    a.update(id, &p).unwrap();
    let own: Vec<carnet::Change> = a
        .changes_since(0)
        .unwrap()
        .into_iter()
        .map(|(_, c)| c)
        .filter(|c| c.hlc.device == a.device_id())
        .collect();
    // Guard 1: stamps out of order within one row (a replayed, damaged log).
    let mut later = own[0].clone();
    later.hlc.wall_ms += 1_000_000;
    later.prev = None;
    later.row_id = Uuid::from_u128(777);
    let mut earlier = later.clone();
    earlier.hlc.wall_ms -= 500_000;
    earlier.prev = Some(later.hlc);
    earlier.value = rusqlite::types::Value::Text("Plus ancien".into());
    for batch in [own, vec![later, earlier]] {
        let (mut fast, _) = device(50);
        let (mut general, _) = device(50);
        general.set_merge_fast_path(false);
        let f = fast.apply_changes(&batch).unwrap();
        let g = general.apply_changes(&batch).unwrap();
        assert_eq!(f, g);
        assert_eq!(digest(&fast), digest(&general));
        assert_eq!(
            sync::conflicts(&fast).unwrap().len(),
            sync::conflicts(&general).unwrap().len()
        );
    }
}

/// In a team, colleagues' profiles arrive by sync: each device's letters, files and journal
/// are signed by the profile made on it, and a device that joined without making one signs
/// nothing until its officer fills hers in.
#[test]
fn each_device_signs_with_its_own_officer_profile() {
    use carnet::officer::{Officer, own, save_profile};
    let dir = tempfile::tempdir().unwrap();
    let folder = new_folder(dir.path());
    let profile = |name: &str| Officer {
        name: name.into(),
        title: None,
        structure: Some(format!("CitésLab {name}")),
        phone: None,
        email: None,
        signature: None,
        address: None,
        postcode: None,
        city: None,
        logo: None,
    };
    let (mut a, _) = device(1);
    let (mut b, _) = device(2);
    // On A, « Amel Zaoui » comes first by name: she must not sign A's letters.
    save_profile(&mut a, None, &profile("Sarah Martin")).unwrap();
    save_profile(&mut b, None, &profile("Amel Zaoui")).unwrap();
    run(&mut a, &folder);
    run(&mut b, &folder);
    run(&mut a, &folder);
    assert_eq!(carnet::officer::officers(&a).unwrap().len(), 2);
    assert_eq!(own(&a).unwrap().unwrap().data.name, "Sarah Martin");
    assert_eq!(own(&b).unwrap().unwrap().data.name, "Amel Zaoui");
    assert_eq!(carnet::letter::profile(&b).unwrap().data.name, "Amel Zaoui");
    assert_eq!(
        carnet::report::structure_name(&a).unwrap(),
        "CitésLab Sarah Martin"
    );

    let (mut c, _) = device(3);
    run(&mut c, &folder);
    assert_eq!(carnet::officer::officers(&c).unwrap().len(), 2);
    assert!(own(&c).unwrap().is_none());
    assert_eq!(
        carnet::letter::profile(&c).unwrap_err().kind(),
        "no_officer_profile"
    );
    let p = c
        .create(&carnet::person::Person {
            first_name: "Awa".into(),
            last_name: "Diallo".into(),
            ..Default::default()
        })
        .unwrap();
    let entry = carnet::audit::entries(&c, None, Some(carnet::audit::Action::Created))
        .unwrap()
        .into_iter()
        .find(|e| e.record == Some(p))
        .unwrap();
    assert_eq!(
        entry.officer, None,
        "no colleague signs this device's journal"
    );
    let mine = save_profile(&mut c, None, &profile("Nadia Ben Salah")).unwrap();
    assert_eq!(own(&c).unwrap().unwrap().id, mine);
}

/// The welcome is due on a device until its officer has a profile of her own there or passes
/// it; a colleague's profile arriving by sync does not count as hers.
#[test]
fn the_welcome_is_due_until_this_device_has_its_own_profile_or_passes_it() {
    use carnet::officer::{Officer, save_profile};
    use carnet::welcome::{finish, is_due};
    let dir = tempfile::tempdir().unwrap();
    let folder = new_folder(dir.path());
    let (mut a, _) = device(1);
    assert!(is_due(&a).unwrap());
    save_profile(
        &mut a,
        None,
        &Officer {
            name: "Sarah Martin".into(),
            title: None,
            structure: None,
            phone: None,
            email: None,
            signature: None,
            address: None,
            postcode: None,
            city: None,
            logo: None,
        },
    )
    .unwrap();
    assert!(!is_due(&a).unwrap());
    run(&mut a, &folder);
    let (mut b, _) = device(2);
    run(&mut b, &folder);
    assert_eq!(carnet::officer::officers(&b).unwrap().len(), 1);
    assert!(is_due(&b).unwrap(), "Sarah's profile is not this device's");
    finish(&mut b).unwrap();
    assert!(!is_due(&b).unwrap());
    assert_eq!(
        carnet::welcome::known_territories()
            .iter()
            .map(|t| (t.name.as_str(), t.quartiers.len()))
            .collect::<Vec<_>>(),
        vec![
            ("Pays de Montbéliard", 7),
            ("Troyes Champagne Métropole", 4)
        ]
    );
}

#[test]
fn each_damage_to_a_segment_is_refused_for_its_own_reason() {
    use carnet::sync::Refusal;
    let dir = tempfile::tempdir().unwrap();
    let folder = new_folder(dir.path());
    let (mut a, _) = self::device(1);
    a.create(&person("Zoé", "Faure")).unwrap();
    run(&mut a, &folder);
    let device = a.device_id();
    let whole = std::fs::read(only_segment(dir.path(), device)).unwrap();
    let refused = |bytes: &[u8], seq: u64| folder.open_segment(bytes, device, seq).err();
    assert_eq!(refused(&whole, 1), None);
    assert_eq!(refused(&whole[..10], 1), Some(Refusal::Truncated));
    assert_eq!(
        refused(&whole[..whole.len() - 1], 1),
        Some(Refusal::Incomplete)
    );
    assert_eq!(refused(&whole, 2), Some(Refusal::HeaderMismatch));
    let mut altered = whole.clone();
    let last = altered.len() - 1;
    altered[last] ^= 1;
    assert_eq!(refused(&altered, 1), Some(Refusal::Altered));
    let mut foreign = whole.clone();
    foreign[0] ^= 0xff;
    assert_eq!(refused(&foreign, 1), Some(Refusal::NotASegment));
    // What the officer reads stays the same sentence.
    assert_eq!(
        Refusal::Altered.to_string(),
        "contenu altéré ou d'une autre équipe"
    );
}

/// A copy of the shared folder written by the version before format 4 (README beside it).
fn format_3_folder(dir: &Path) -> SyncFolder {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap().flatten() {
            if entry.path().is_dir() {
                copy(&entry.path(), &to.join(entry.file_name()));
            } else {
                std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
            }
        }
    }
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/format3-folder");
    copy(&fixture.join("carnet-sync"), &dir.join("carnet-sync"));
    SyncFolder::open(dir, "équipe des quartiers nord fixture format trois").unwrap()
}

#[test]
fn a_folder_written_in_format_3_is_read_whole_and_the_erased_person_stays_unreadable() {
    let shared = tempfile::tempdir().unwrap();
    let folder = format_3_folder(shared.path());
    // The fixture was written on 2026-11-26: a clock from the day after.
    let clock = Arc::new(ManualClock::at_date(
        chrono::NaiveDate::from_ymd_opt(2026, 11, 27).unwrap(),
    ));
    let mut new = Store::open_in_memory(Uuid::from_u128(90), Box::new(clock)).unwrap();
    let report = run(&mut new, &folder);
    assert_eq!(report.segments_received, 4, "{report:?}");
    assert!(report.skipped.is_empty(), "{:?}", report.skipped);
    assert!(
        report.held.is_empty() && report.missing.is_empty(),
        "{report:?}"
    );
    assert_eq!(
        digest(&new),
        "3bee1f21be8477948b8a4bfd023e3240605f11c0895247d66ac8a293a2f0f8b6"
    );
    let names: Vec<String> = carnet::person::all(&new)
        .unwrap()
        .iter()
        .map(|p| format!("{} {}", p.data.first_name, p.data.last_name))
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.contains(&"Yasmina Belkacem".to_string()), "{names:?}");
    assert!(names.contains(&"Karim Haddad".to_string()), "{names:?}");
    // Nadia's key was destroyed by the erasure: nothing of her reads, even with the team key.
    for bytes in folder.readable_with_team_key() {
        let text = String::from_utf8_lossy(&bytes);
        for trace in ["Nadia", "Efface", "98 76 54 32", "Note de Nadia"] {
            assert!(!text.contains(trace), "{trace} readable");
        }
    }
    // What this device sends now is format 4, and a device reading both formats agrees.
    assert_eq!(
        carnet::person::search(&new, "yasmina", None, 1)
            .unwrap()
            .len(),
        1
    );
    new.create(&person("Nouvelle", "Format")).unwrap();
    run(&mut new, &folder);
    let written = std::fs::read_dir(shared.path().join("carnet-sync/devices"))
        .unwrap()
        .flatten()
        .map(|d| d.path().join("000000000001.seg"))
        .filter_map(|p| std::fs::read(p).ok())
        .filter(|bytes| &bytes[..8] == b"CRNTSEG4")
        .count();
    assert_eq!(written, 1);
    let clock = Arc::new(ManualClock::at_date(
        chrono::NaiveDate::from_ymd_opt(2026, 11, 27).unwrap(),
    ));
    let mut other = Store::open_in_memory(Uuid::from_u128(91), Box::new(clock)).unwrap();
    run(&mut other, &folder);
    assert_eq!(digest(&other), digest(&new));
}

#[test]
fn the_fuzzing_seeds_are_valid_payloads_so_that_mutations_start_past_the_validation() {
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/payload");
    let mut formats = Vec::new();
    for entry in std::fs::read_dir(seeds).unwrap().flatten() {
        let bytes = std::fs::read(entry.path()).unwrap();
        // As the target reads them: the first byte picks the format.
        let version = 2 + u16::from(bytes[0] % 3);
        let contents = sync::decode_and_validate(version, &bytes[1..], Uuid::from_u128(1)).unwrap();
        assert_eq!(contents.changes.len(), 5);
        formats.push(version);
    }
    formats.sort_unstable();
    assert_eq!(formats, [2, 4]);
}

#[test]
fn a_segment_too_large_to_share_the_batch_is_applied_between_small_ones() {
    let shared = tempfile::tempdir().unwrap();
    let folder = new_folder(shared.path());
    // Segments are read device by device: 59's, then 60's (large), then 61's.
    let (mut before, _) = device(59);
    before.create(&person("Avant", "Lot")).unwrap();
    run(&mut before, &folder);
    // More than the 5,000 changes a segment may apply inside a batch's savepoint.
    let (mut large, _) = device(60);
    large
        .write(|w| {
            for n in 0..2_600 {
                w.create(&person(&format!("Prénom{n}"), "Nombreux"))?;
            }
            Ok(())
        })
        .unwrap();
    run(&mut large, &folder);
    let (mut after, _) = device(61);
    after.create(&person("Après", "Lot")).unwrap();
    run(&mut after, &folder);
    let (mut new, _) = device(63);
    let report = run(&mut new, &folder);
    assert_eq!(report.segments_received, 3, "{report:?}");
    assert!(report.changes_applied > 5_000);
    assert_eq!(carnet::person::all(&new).unwrap().len(), 2_602);
    for other in [&mut before, &mut large, &mut after] {
        run(other, &folder);
    }
    for other in [&before, &large, &after] {
        assert_eq!(digest(&new), digest(other));
    }
    // The batch went on after the large segment: a later sync starts from a clean state.
    new.create(&person("Encore", "Une")).unwrap();
    assert_eq!(run(&mut new, &folder).segments_sent, 1);
}

#[test]
fn a_first_sync_reports_segments_and_changes_until_every_one_is_read() {
    let shared = tempfile::tempdir().unwrap();
    let folder = new_folder(shared.path());
    // Three segments of different sizes from one device, then a planted one that cannot open.
    let (mut a, _) = device(71);
    for round in 1..=3 {
        a.write(|w| {
            for n in 0..round * 40 {
                w.create(&person(&format!("Prénom{round}x{n}"), "Progrès"))?;
            }
            Ok(())
        })
        .unwrap();
        run(&mut a, &folder);
    }
    let planted = segments_dir(shared.path(), a.device_id()).join("000000000004.seg");
    std::fs::write(&planted, vec![0x42; 4_000]).unwrap();

    let (mut b, _) = device(72);
    let mut heard = Vec::new();
    let report = sync::sync(&mut b, &folder, Some("Neuf"), &mut |p| heard.push(p)).unwrap();
    assert_eq!(report.segments_received, 3, "{report:?}");
    assert_eq!(report.skipped.len(), 1, "{report:?}");
    let receiving: Vec<_> = heard
        .iter()
        .filter(|p| p.step == sync::SyncStep::Receiving)
        .collect();
    // One report before the first segment, one after each of the four.
    assert_eq!(
        receiving
            .iter()
            .map(|p| (p.segments_done, p.segments_total))
            .collect::<Vec<_>>(),
        [(0, 4), (1, 4), (2, 4), (3, 4), (4, 4)]
    );
    assert!(
        receiving
            .windows(2)
            .all(|w| w[0].changes_done <= w[1].changes_done)
    );
    assert!(receiving.iter().all(|p| p.changes_done <= p.changes_total));
    // The total is estimated while a segment is unread (the planted file's bytes among them),
    // and counted at the end: the planted file adds nothing.
    assert!(receiving[..3].iter().all(|p| !p.exact));
    let last = receiving[4];
    assert!(last.exact);
    assert_eq!(last.changes_done, last.changes_total);
    assert_eq!(last.changes_done, report.changes_applied as u64);
    // This new notebook had nothing of its own to send: no report of sending.
    assert!(heard.iter().all(|p| p.step == sync::SyncStep::Receiving));

    // A device with writes to send reports them, counted before the first segment.
    b.create(&person("Nouvelle", "Fiche")).unwrap();
    let mut heard = Vec::new();
    let report = sync::sync(&mut b, &folder, Some("Neuf"), &mut |p| heard.push(p)).unwrap();
    let sending: Vec<_> = heard
        .iter()
        .filter(|p| p.step == sync::SyncStep::Sending)
        .map(|p| (p.segments_done, p.changes_done, p.changes_total))
        .collect();
    let sent = report.changes_sent as u64;
    assert!(sent > 0);
    assert_eq!(sending, [(0, 0, sent), (1, sent, sent)]);
}

fn segments_dir(dir: &Path, device: Uuid) -> std::path::PathBuf {
    dir.join("carnet-sync/devices").join(device.to_string())
}

/// A sync applies persons with the search index paused and caught up before it commits: what
/// arrives, is renamed or erased in one go is found (or not) exactly as on the writer.
#[test]
fn the_search_index_learns_what_a_sync_applies() {
    let shared = tempfile::tempdir().unwrap();
    let folder = new_folder(shared.path());
    let (mut a, _) = device(81);
    let mut ids = Vec::new();
    a.write(|w| {
        for n in 0..40 {
            ids.push(w.create(&person(&format!("Prénom{n}"), "Indexé"))?);
        }
        Ok(())
    })
    .unwrap();
    run(&mut a, &folder);
    // C reads the creations now, the renames and the erasure later.
    let (mut c, _) = device(83);
    run(&mut c, &folder);
    for (k, id) in ids.iter().take(5).enumerate() {
        let mut p: Person = a.get(*id).unwrap();
        p.first_name = format!("Renommée{k}");
        a.update(*id, &p).unwrap();
    }
    carnet::erasure::erase(&mut a, ids[7]).unwrap();
    run(&mut a, &folder);
    // B reads everything in one sync.
    let (mut b, _) = device(82);
    run(&mut b, &folder);
    run(&mut c, &folder);
    for store in [&a, &b, &c] {
        let found = |q: &str| -> Vec<String> {
            carnet::person::search(store, q, None, 100)
                .unwrap()
                .iter()
                .map(|p| p.data.first_name.clone())
                .collect()
        };
        assert_eq!(found("renommee").len(), 5);
        assert!(found("prenom0").is_empty(), "renamed");
        assert!(found("prenom7").is_empty(), "erased");
        assert_eq!(found("prenom12 indexe"), ["Prénom12"]);
        assert_eq!(found("indexe").len(), 39);
        let check = carnet::check::check(store).unwrap();
        assert!(check.is_ok(), "{:?}", check.problems);
    }
}

/// Two segments wait for a person's key: the first for a person erased by an order in the
/// second, the second for a person anonymised by an order in a third. All of them are applied
/// in the same sync (a single pass over the waiting ones, in folder order, skipped the first
/// until the next sync: the property test above found it).
#[test]
fn a_segment_waiting_for_an_order_in_another_waiting_one_is_applied_in_the_same_sync() {
    let dir = tempfile::tempdir().unwrap();
    let folder = new_folder(dir.path());
    let (mut writer, _) = device(1);
    let (mut reader, _) = device(2);
    let first = writer.create(&person("Une", "Effacée")).unwrap();
    run(&mut writer, &folder);
    carnet::erasure::erase(&mut writer, first).unwrap();
    let second = writer.create(&person("Deux", "Anonymisée")).unwrap();
    run(&mut writer, &folder);
    carnet::erasure::anonymise(&mut writer, second).unwrap();
    run(&mut writer, &folder);

    let report = run(&mut reader, &folder);
    assert!(report.skipped.is_empty(), "{:?}", report.skipped);
    assert_eq!(report.segments_received, 3);
    assert!(carnet::erasure::is_erased(&reader, first).unwrap());
    assert_eq!(digest(&reader), digest(&writer));
}

/// The tables' indexes of the notebook at `path`, read from another connection (what the
/// sync has committed), with their `CREATE` statements.
fn indexes_of(path: &Path) -> Vec<(String, String)> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL
              ORDER BY name",
        )
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// A sync that brings more than the notebook holds applies its rows with the tables'
/// secondary indexes set aside (`store::index_set_aside`; forced here, the data being small)
/// and builds them again at its end: the notebook is the same as one synced with them kept,
/// every index is back as it was, and an erasure received in the same sync is carried out.
#[test]
fn a_sync_with_the_indexes_set_aside_gives_the_same_notebook_and_every_index_back() {
    use carnet::store::SetAside;
    use carnet::sync::SyncStep;

    let shared = tempfile::tempdir().unwrap();
    let folder = new_folder(shared.path());
    let devices = tempfile::tempdir().unwrap();
    let mut a = crate::fixture::fixture_for(95);
    let mut ids = Vec::new();
    a.store
        .write(|w| {
            for n in 0..30 {
                let mut p = person(&format!("Prénom{n}"), "Rangé");
                p.quartier_id = Some(a.quartier);
                let id = w.create(&p)?;
                for d in 1..=3 {
                    let date = crate::fixture::day(2026, d, 1 + n as u32 % 28);
                    w.create(&crate::fixture::encounter_with(id, date, "interview"))?;
                }
                ids.push(id);
            }
            Ok(())
        })
        .unwrap();
    run(&mut a.store, &folder);
    let fresh = devices.path().join("fresh.db");
    drop(Store::init(&fresh, Uuid::from_u128(90), Box::new(ManualClock::new(0))).unwrap());
    let schema = indexes_of(&fresh);
    assert!(schema.iter().any(|(n, _)| n == "encounter_by_person"));

    // A new device's sync: whether the indexes were gone when the reception began, and the
    // steps it reported.
    let first_sync = |name: &str, n: u128, when: SetAside| {
        let path = devices.path().join(name);
        let mut store = Store::init(
            &path,
            Uuid::from_u128(n),
            Box::new(ManualClock::at_date(today())),
        )
        .unwrap();
        store.set_index_set_aside(when);
        let mut aside_while_receiving = None;
        let mut steps = Vec::new();
        sync::sync(&mut store, &folder, Some("Neuf"), &mut |p| {
            if aside_while_receiving.is_none() && p.step == SyncStep::Receiving {
                let names = indexes_of(&path);
                aside_while_receiving =
                    Some(!names.iter().any(|(n, _)| n == "encounter_by_person"));
            }
            steps.push(p.step);
        })
        .unwrap();
        (store, path, aside_while_receiving, steps)
    };
    let (b, b_path, aside, steps) = first_sync("b.db", 96, SetAside::Always);
    assert_eq!(aside, Some(true), "set aside while receiving");
    assert!(steps.contains(&SyncStep::Indexing), "{steps:?}");
    assert_eq!(indexes_of(&b_path), schema);
    let (kept, kept_path, aside, steps) = first_sync("kept.db", 97, SetAside::Never);
    assert_eq!(aside, Some(false));
    assert!(!steps.contains(&SyncStep::Indexing), "{steps:?}");
    assert_eq!(indexes_of(&kept_path), schema);
    assert_eq!(digest(&b), digest(&kept));
    assert_eq!(digest(&b), digest(&a.store));
    // The index answers like the table: a person's encounters, by person.
    let timeline = |store: &Store| carnet::timeline::of_person(store, ids[4]).unwrap().len();
    assert!(timeline(&b) >= 3);
    assert_eq!(timeline(&b), timeline(&kept));

    // An erasure order and the rows it purges, in the same sync as everything else.
    carnet::erasure::erase(&mut a.store, ids[3]).unwrap();
    run(&mut a.store, &folder);
    let (c, c_path, aside, _) = first_sync("c.db", 98, SetAside::Always);
    assert_eq!(aside, Some(true));
    let (kept, _, _, _) = first_sync("kept2.db", 99, SetAside::Never);
    assert_eq!(indexes_of(&c_path), schema);
    assert_eq!(digest(&c), digest(&kept));
    assert_eq!(digest(&c), digest(&a.store));
    let year = carnet::encounter::in_range(&c, crate::fixture::day(2026, 1, 1), today()).unwrap();
    // Detached from her, kept for the yearly figures.
    assert_eq!(year.len(), 30 * 3);
    assert!(year.iter().all(|e| e.data.person_id != Some(ids[3])));
    for store in [&b, &c] {
        let check = carnet::check::check(store).unwrap();
        assert!(check.is_ok(), "{:?}", check.problems);
    }
}
