//! The shared folder as hostile ground: each test acts as an outsider (who can only touch
//! files) or a team member (who knows the passphrase and seals whatever they like) would, and
//! checks that the notebook survives, nothing vanishes silently and sync keeps working.

use std::path::{Path, PathBuf};

use carnet::person::Person;
use carnet::sync::{self, FreshSecrets, KdfParams, SyncFolder};
use carnet::{Store, Uuid};

use crate::fixture::{digest, person, today};
use crate::sync::{PASS, device, new_folder, run, secrets};

/// A team member's device id, for segments sealed by hand.
const MEMBER: u128 = 66;

fn devices_dir(shared: &Path) -> PathBuf {
    shared.join("carnet-sync/devices")
}

fn seg_path(shared: &Path, device: Uuid, seq: u64) -> PathBuf {
    devices_dir(shared)
        .join(device.to_string())
        .join(format!("{seq:012}.seg"))
}

/// A format-2 payload as a member could seal it, with `writes` as raw JSON.
fn payload(name: &str, count: u64, writes: &str) -> Vec<u8> {
    format!(
        r#"{{"v":2,"name":{},"count":{count},"prev":null,"seen":[],"former":[],"person_blocks":[],"writes":[{writes}]}}"#,
        serde_json::Value::from(name)
    )
    .into_bytes()
}

/// One person write stamped `(wall, counter, author)` with the given fields JSON.
fn person_write(row: Uuid, author: Uuid, wall: i64, counter: i64, fields: &str) -> String {
    format!(r#"{{"e":"person","i":"{row}","d":"{author}","w":{wall},"c":{counter},"f":{fields}}}"#)
}

/// Plants a member-sealed segment as `seq` of `device`.
fn plant(shared: &Path, folder: &SyncFolder, device: Uuid, seq: u64, plain: &[u8]) {
    let path = seg_path(shared, device, seq);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, folder.seal_as_member(device, seq, plain).unwrap()).unwrap();
}

fn now_ms(store: &Store) -> i64 {
    store.now_ms()
}

#[cfg(unix)]
#[test]
fn a_link_planted_at_a_temporary_name_never_overwrites_the_notebook() {
    let shared = tempfile::tempdir().unwrap();
    let folder = new_folder(shared.path());
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("carnet.db");
    let clock = Box::new(carnet::ManualClock::at_date(today()));
    let mut a = Store::init(&db, Uuid::from_u128(1), clock).unwrap();
    a.create(&person("Nadia", "Benali")).unwrap();
    let dir = devices_dir(shared.path()).join(a.device_id().to_string());
    std::fs::create_dir_all(&dir).unwrap();
    // Every temporary name Carnet could pick, and the segment's own name, point at the
    // notebook.
    std::os::unix::fs::symlink(&db, dir.join(".000000000001.seg.tmp")).unwrap();
    std::os::unix::fs::symlink(&db, dir.join(".000000000001.seg.1.tmp")).unwrap();
    let before = std::fs::read(&db).unwrap();
    let report = run(&mut a, &folder);
    assert_eq!(report.segments_sent, 1);
    assert!(carnet::check::check(&a).unwrap().is_ok());
    drop(a);
    let after = std::fs::read(&db).unwrap();
    assert!(after.starts_with(b"SQLite format 3\0"));
    assert!(before.len() <= after.len() || !after.is_empty());
    assert!(
        std::fs::symlink_metadata(dir.join("000000000001.seg"))
            .unwrap()
            .file_type()
            .is_file()
    );

    // A link at the next segment's own name: refused with a message, the notebook intact.
    let clock = Box::new(carnet::ManualClock::at_date(today()));
    let mut a = Store::open(&db, clock).unwrap();
    a.create(&person("Second", "Passage")).unwrap();
    std::os::unix::fs::symlink(&db, dir.join("000000000002.seg")).unwrap();
    let err = sync::sync(&mut a, &folder, None, &mut |_| {}).unwrap_err();
    assert_eq!(err.kind(), "sync_folder");
    assert!(err.to_string().contains("supprimez-le"), "{err}");
    assert!(carnet::check::check(&a).unwrap().is_ok());
    assert_eq!(carnet::person::all(&a).unwrap().len(), 2);
}

#[cfg(unix)]
#[test]
fn a_device_directory_replaced_by_a_link_is_refused_and_nothing_leaves_the_folder() {
    let shared = tempfile::tempdir().unwrap();
    let folder = new_folder(shared.path());
    let outside = tempfile::tempdir().unwrap();
    let (mut a, _) = device(1);
    a.create(&person("Lina", "Traoré")).unwrap();
    std::fs::create_dir_all(devices_dir(shared.path())).unwrap();
    let own = devices_dir(shared.path()).join(a.device_id().to_string());
    std::os::unix::fs::symlink(outside.path(), &own).unwrap();
    let err = sync::sync(&mut a, &folder, None, &mut |_| {}).unwrap_err();
    assert_eq!(err.kind(), "sync_folder");
    assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0);

    // Another device's directory as a link: reported, the rest of the sync goes on.
    std::fs::remove_file(&own).unwrap();
    let (mut b, _) = device(2);
    b.create(&person("Yanis", "Diallo")).unwrap();
    run(&mut b, &folder);
    let other = devices_dir(shared.path()).join(Uuid::from_u128(99).to_string());
    std::os::unix::fs::symlink(outside.path(), &other).unwrap();
    let report = run(&mut a, &folder);
    assert_eq!(report.segments_received, 1);
    assert!(
        report
            .skipped
            .iter()
            .any(|s| s.reason.contains("lien symbolique")),
        "{:?}",
        report.skipped
    );
    assert_eq!(carnet::person::all(&a).unwrap().len(), 2);
}

#[cfg(unix)]
#[test]
fn fifos_and_huge_sparse_files_named_like_segments_are_skipped_without_reading() {
    let shared = tempfile::tempdir().unwrap();
    let folder = new_folder(shared.path());
    let (mut a, _) = device(1);
    a.create(&person("Awa", "Koné")).unwrap();
    run(&mut a, &folder);
    let dir = devices_dir(shared.path()).join(a.device_id().to_string());
    let fifo = dir.join("000000000002.seg");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let big = std::fs::File::create(dir.join("000000000003.seg")).unwrap();
    big.set_len(2 << 30).unwrap();
    let start = std::time::Instant::now();
    let (mut b, _) = device(2);
    let report = run(&mut b, &folder);
    assert!(start.elapsed() < std::time::Duration::from_secs(20));
    assert_eq!(report.segments_received, 1);
    let reasons: Vec<&str> = report.skipped.iter().map(|s| s.reason.as_str()).collect();
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("pas un fichier ordinaire")),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|r| r.contains("trop gros")),
        "{reasons:?}"
    );
    assert!(
        report
            .skipped
            .iter()
            .all(|s| s.device == Some(a.device_id()))
    );
    assert!(
        report.missing.is_empty(),
        "file names prove nothing: {:?}",
        report.missing
    );
}

#[cfg(unix)]
#[test]
fn links_in_place_of_the_format_file_the_keys_or_the_whole_folder_are_refused() {
    let outside = tempfile::tempdir().unwrap();
    new_folder(outside.path());
    for what in ["FORMAT.json", "keys", ""] {
        let shared = tempfile::tempdir().unwrap();
        new_folder(shared.path());
        let path = shared.path().join("carnet-sync").join(what);
        let target = outside.path().join("carnet-sync").join(what);
        let path = if what.is_empty() {
            shared.path().join("carnet-sync")
        } else {
            path
        };
        let target = if what.is_empty() {
            outside.path().join("carnet-sync")
        } else {
            target
        };
        if path.is_dir() {
            std::fs::remove_dir_all(&path).unwrap();
        } else {
            std::fs::remove_file(&path).unwrap();
        }
        std::os::unix::fs::symlink(&target, &path).unwrap();
        let err = SyncFolder::open(shared.path(), PASS).unwrap_err();
        assert_eq!(err.kind(), "sync_damaged", "{what}: {err}");
    }
}

#[test]
fn key_derivation_costs_out_of_range_are_refused_at_once() {
    let shared = tempfile::tempdir().unwrap();
    new_folder(shared.path());
    let key = shared.path().join("carnet-sync/keys/000001.key");
    let mut bytes = std::fs::read(&key).unwrap();
    // m_cost (KiB) at offset 28: ask for 4 GiB.
    bytes[28..32].copy_from_slice(&(4u32 << 20).to_be_bytes());
    std::fs::write(&key, &bytes).unwrap();
    let start = std::time::Instant::now();
    let err = SyncFolder::open(shared.path(), PASS).unwrap_err();
    assert_eq!(err.kind(), "sync_damaged");
    assert!(start.elapsed() < std::time::Duration::from_secs(2));
    // A format-1 folder's FORMAT.json asking for a million passes.
    let old = tempfile::tempdir().unwrap();
    sync::create_v1_for_tests(
        old.path(),
        PASS,
        [3; 16],
        Uuid::from_u128(3),
        KdfParams::FAST_FOR_TESTS,
    )
    .unwrap();
    let format = old.path().join("carnet-sync/FORMAT.json");
    let text = std::fs::read_to_string(&format)
        .unwrap()
        .replace("\"t_cost\": 1", "\"t_cost\": 1000000");
    std::fs::remove_file(&format).unwrap();
    std::fs::write(&format, text).unwrap();
    assert_eq!(
        SyncFolder::open(old.path(), PASS).unwrap_err().kind(),
        "sync_damaged"
    );
}

#[test]
fn a_deleted_segment_is_reported_then_put_back_by_its_owner_byte_for_byte() {
    let shared = tempfile::tempdir().unwrap();
    let folder = new_folder(shared.path());
    let (mut a, clock_a) = device(1);
    let (mut b, _) = device(2);
    let (mut c, _) = device(3);
    for n in 0..3 {
        a.create(&person("Segment", &format!("N{n}"))).unwrap();
        sync::sync(&mut a, &folder, Some("Portable Sarah"), &mut |_| {}).unwrap();
        clock_a.advance(1000);
    }
    run(&mut b, &folder);
    let second = seg_path(shared.path(), a.device_id(), 2);
    let original = std::fs::read(&second).unwrap();
    std::fs::remove_file(&second).unwrap();
    // A device that never had it sees the gap (segment 3 is there).
    let report = run(&mut c, &folder);
    assert_eq!(report.missing.len(), 1, "{:?}", report.missing);
    assert_eq!(report.missing[0].segments, vec![2]);
    assert_eq!(
        report.missing[0].device_name.as_deref(),
        Some("Portable Sarah")
    );
    assert_ne!(digest(&c), digest(&a));
    // The owner puts it back, byte for byte, at its next sync.
    let healed = run(&mut a, &folder);
    assert_eq!(healed.restored, 1);
    assert_eq!(std::fs::read(&second).unwrap(), original);
    let report = run(&mut c, &folder);
    assert!(report.missing.is_empty());
    assert_eq!(digest(&c), digest(&a));

    // The whole directory rolled back to an older copy (the last segment gone): a device that
    // applied it puts it back for the others, even if the owner never syncs again.
    let third = seg_path(shared.path(), a.device_id(), 3);
    let original = std::fs::read(&third).unwrap();
    std::fs::remove_file(&third).unwrap();
    let healed_by_b = run(&mut b, &folder);
    assert_eq!(healed_by_b.restored, 1);
    assert_eq!(std::fs::read(&third).unwrap(), original);
}

#[test]
fn a_segment_named_as_seen_by_another_device_but_gone_is_reported_missing() {
    let shared = tempfile::tempdir().unwrap();
    let folder = new_folder(shared.path());
    let (mut a, _) = device(1);
    let (mut b, _) = device(2);
    let (mut c, _) = device(3);
    a.create(&person("Seule", "Trace")).unwrap();
    run(&mut a, &folder);
    run(&mut b, &folder); // b applied a's segment 1 and will say so
    b.create(&person("Autre", "Fiche")).unwrap();
    run(&mut b, &folder);
    // Everything of a is lost (a rolled-back folder); b is offline since.
    std::fs::remove_dir_all(devices_dir(shared.path()).join(a.device_id().to_string())).unwrap();
    let report = run(&mut c, &folder);
    assert_eq!(report.missing.len(), 1);
    assert_eq!(report.missing[0].device, a.device_id());
    assert_eq!(report.missing[0].count, 1);
}

#[test]
fn a_lost_format_file_is_never_recreated_and_another_team_is_refused() {
    let shared = tempfile::tempdir().unwrap();
    let folder = new_folder(shared.path());
    let (mut a, _) = device(1);
    a.create(&person("Maya", "Fofana")).unwrap();
    run(&mut a, &folder);
    let format = shared.path().join("carnet-sync/FORMAT.json");
    std::fs::remove_file(&format).unwrap();
    assert_eq!(
        SyncFolder::open(shared.path(), PASS).unwrap_err().kind(),
        "sync_format_lost"
    );
    assert!(SyncFolder::exists(shared.path()));
    let err = SyncFolder::create(
        shared.path(),
        PASS,
        &secrets(8),
        Uuid::from_u128(78),
        KdfParams::FAST_FOR_TESTS,
    )
    .unwrap_err();
    assert_eq!(err.kind(), "sync_already_initialised");
    assert!(!format.exists());
    // A sync on the folder opened before the loss stops with the same message.
    assert_eq!(
        sync::sync(&mut a, &folder, None, &mut |_| {})
            .unwrap_err()
            .kind(),
        "sync_format_lost"
    );
    // The folder replaced by a new team's: a notebook that synced before refuses it.
    std::fs::remove_dir_all(shared.path().join("carnet-sync")).unwrap();
    let other = SyncFolder::create(
        shared.path(),
        PASS,
        &secrets(9),
        Uuid::from_u128(79),
        KdfParams::FAST_FOR_TESTS,
    )
    .unwrap();
    let err = sync::sync(&mut a, &other, None, &mut |_| {}).unwrap_err();
    assert_eq!(err.kind(), "sync_other_team");
    assert!(
        !devices_dir(shared.path())
            .join(a.device_id().to_string())
            .exists()
    );
    // Only the officer's explicit choice joins it.
    sync::forget_team(&mut a).unwrap();
    assert_eq!(run(&mut a, &other).segments_sent, 1);
}

#[test]
fn bad_stamps_sealed_by_a_member_are_skipped_and_never_brick_sync() {
    let shared = tempfile::tempdir().unwrap();
    let folder = new_folder(shared.path());
    let (mut a, _) = device(1);
    let member = Uuid::from_u128(MEMBER);
    let row = Uuid::from_u128(500);
    let now = now_ms(&a);
    let cases = [
        (-5, 0, "horodatage hors limites"),
        (now, -3, "horodatage hors limites"),
        (now, i64::MAX, "horodatage hors limites"),
        (i64::MAX, 0, "horodatage hors limites"),
    ];
    for (seq, (wall, counter, _)) in cases.iter().enumerate() {
        let write = person_write(
            row,
            member,
            *wall,
            *counter,
            r#"[["first_name","Piège"],["last_name","Horloge"]]"#,
        );
        plant(
            shared.path(),
            &folder,
            member,
            seq as u64 + 1,
            &payload("Membre", 2, &write),
        );
    }
    // A good one after them from the same member.
    let good = person_write(
        Uuid::from_u128(501),
        member,
        now,
        0,
        r#"[["first_name","Bonne"],["last_name","Fiche"]]"#,
    );
    plant(
        shared.path(),
        &folder,
        member,
        5,
        &payload("Membre", 2, &good),
    );
    let report = run(&mut a, &folder);
    assert_eq!(report.segments_received, 1);
    assert_eq!(report.skipped.len(), 4, "{:?}", report.skipped);
    for (skipped, (_, _, why)) in report.skipped.iter().zip(cases) {
        assert!(skipped.reason.contains(why), "{skipped:?}");
        assert_eq!(skipped.device, Some(member));
        assert_eq!(
            skipped.device_name, None,
            "the name of a bad segment is not trusted"
        );
    }
    // Ordinary work goes on: a local edit, another sync, the check.
    let id = carnet::person::all(&a).unwrap()[0].id;
    let mut p: Person = a.get(id).unwrap();
    p.note = Some("vue au marché".into());
    a.update(id, &p).unwrap();
    run(&mut a, &folder);
    assert!(carnet::check::check(&a).unwrap().is_ok());
}

#[test]
fn wrong_typed_invalid_or_forged_values_are_skipped_and_reads_keep_working() {
    let shared = tempfile::tempdir().unwrap();
    let folder = new_folder(shared.path());
    let (mut a, _) = device(1);
    let member = Uuid::from_u128(MEMBER);
    let now = now_ms(&a);
    let fields = [
        r#"[["first_name",42],["last_name","Type"]]"#,
        r#"[["first_name","Date"],["last_name","Fausse"],["birth_date","pas une date"]]"#,
        r#"[["first_name","Choix"],["last_name","Inconnu"],["gender","robot"]]"#,
        &format!(
            r#"[["first_name","Note"],["last_name","Géante"],["note","{}"]]"#,
            "x".repeat(5_000_000)
        ),
        r#"[["first_name","Champ"],["last_name","Inconnu"],["salaire",1]]"#,
    ];
    for (k, f) in fields.iter().enumerate() {
        let count = f.matches("\",").count() as u64;
        let write = person_write(Uuid::from_u128(600 + k as u128), member, now, 0, f);
        plant(
            shared.path(),
            &folder,
            member,
            k as u64 + 1,
            &payload("Membre", count, &write),
        );
    }
    // A change signed by another device than the segment's.
    let forged = person_write(
        Uuid::from_u128(700),
        Uuid::from_u128(1234),
        now,
        0,
        r#"[["first_name","Faux"],["last_name","Auteur"]]"#,
    );
    plant(
        shared.path(),
        &folder,
        member,
        6,
        &payload("Membre", 2, &forged),
    );
    // A count that does not match, and a device name with control characters.
    let ok_write = person_write(
        Uuid::from_u128(701),
        member,
        now,
        0,
        r#"[["first_name","Compte"],["last_name","Faux"]]"#,
    );
    plant(
        shared.path(),
        &folder,
        member,
        7,
        &payload("Membre", 9, &ok_write),
    );
    plant(
        shared.path(),
        &folder,
        member,
        8,
        &payload("Portable\u{1b}[31m", 2, &ok_write),
    );
    let report = run(&mut a, &folder);
    assert_eq!(report.segments_received, 0, "{:?}", report.skipped);
    assert_eq!(report.skipped.len(), 8);
    let reasons: Vec<String> = report
        .skipped
        .iter()
        .map(|s| format!("{} {}", s.seq.unwrap(), s.reason))
        .collect();
    assert!(reasons[0].contains("valeur invalide"), "{reasons:?}");
    assert!(reasons[1].contains("date invalide"), "{reasons:?}");
    assert!(reasons[2].contains("valeur inconnue"), "{reasons:?}");
    assert!(reasons[3].contains("trop long"), "{reasons:?}");
    assert!(reasons[4].contains("illisible"), "{reasons:?}");
    assert!(reasons[5].contains("autre appareil"), "{reasons:?}");
    assert!(
        reasons[6].contains("nombre de modifications"),
        "{reasons:?}"
    );
    assert!(reasons[7].contains("contrôle"), "{reasons:?}");
    assert!(carnet::person::all(&a).unwrap().is_empty());
    assert!(carnet::check::check(&a).unwrap().is_ok());
}

#[test]
fn a_device_name_comes_only_from_its_own_authenticated_segments() {
    let shared = tempfile::tempdir().unwrap();
    let folder = new_folder(shared.path());
    let (mut a, _) = device(1);
    let (mut b, _) = device(2);
    a.create(&person("Nom", "Authentique")).unwrap();
    sync::sync(&mut a, &folder, Some("Portable Sarah"), &mut |_| {}).unwrap();
    // Anyone can drop a device.json: it is ignored.
    std::fs::write(
        devices_dir(shared.path())
            .join(a.device_id().to_string())
            .join("device.json"),
        r#"{"device":"x","name":"Pirate"}"#,
    )
    .unwrap();
    let segment = std::fs::read(seg_path(shared.path(), a.device_id(), 1)).unwrap();
    let text = String::from_utf8_lossy(&segment);
    assert!(
        !text.contains("Portable Sarah"),
        "the name travels encrypted"
    );
    let report = run(&mut b, &folder);
    assert!(report.skipped.is_empty());
    assert_eq!(
        sync::device_name_of(&b, a.device_id()).unwrap().as_deref(),
        Some("Portable Sarah")
    );
}

#[test]
fn a_new_passphrase_locks_out_a_departing_member_from_what_is_written_next() {
    let shared = tempfile::tempdir().unwrap();
    let mut folder = new_folder(shared.path());
    let (mut a, _) = device(1);
    let (mut b, _) = device(2);
    a.create(&person("Avant", "Départ")).unwrap();
    run(&mut a, &folder);
    // The member who leaves keeps a copy of the folder key as it was.
    let departing = SyncFolder::open(shared.path(), PASS).unwrap();
    let weak = folder.change_passphrase("court", &secrets(20), KdfParams::FAST_FOR_TESTS);
    assert_eq!(weak.unwrap_err().kind(), "sync_passphrase_too_weak");
    let new_pass = "Nouvelle phrase de passe : 2026 sans Karim !";
    assert_eq!(
        folder
            .change_passphrase(new_pass, &secrets(21), KdfParams::FAST_FOR_TESTS)
            .unwrap(),
        2
    );
    a.create(&person("Après", "Départ")).unwrap();
    run(&mut a, &folder);
    // The old passphrase no longer opens the folder, and says why.
    assert_eq!(
        SyncFolder::open(shared.path(), PASS).unwrap_err().kind(),
        "sync_passphrase_changed"
    );
    // What the departing member had in memory reads the old segment, not the new one.
    let (mut spy, _) = device(9);
    let report = run(&mut spy, &departing);
    assert_eq!(report.segments_received, 1);
    assert!(
        report
            .skipped
            .iter()
            .any(|s| s.reason.contains("clé d'équipe")),
        "{:?}",
        report.skipped
    );
    assert_eq!(carnet::person::all(&spy).unwrap().len(), 1);
    // A colleague who stays types the new passphrase and reads everything, old and new.
    let staying = SyncFolder::open(shared.path(), new_pass).unwrap();
    assert_eq!(staying.epoch(), 2);
    run(&mut b, &staying);
    assert_eq!(digest(&b), digest(&a));
}

#[test]
fn a_team_on_format_1_moves_to_format_2_without_losing_a_change() {
    let shared = tempfile::tempdir().unwrap();
    let team = Uuid::from_u128(42);
    let old_pass = "phrase de passe";
    let key = sync::create_v1_for_tests(
        shared.path(),
        old_pass,
        [5; 16],
        team,
        KdfParams::FAST_FOR_TESTS,
    )
    .unwrap();
    // A device not updated yet writes format-1 segments (payload as format 1 encoded it).
    let old_device = Uuid::from_u128(31);
    let (mut old, _) = device(31);
    old.create(&person("Ancienne", "Version")).unwrap();
    let writes = old.changes_since(0).unwrap();
    let plain = format!(
        "[{}]",
        writes
            .iter()
            .map(|(_, c)| format!(
                r#"{{"e":"{}","i":"{}","d":"{}","w":{},"c":{},"f":[["{}",{}]]}}"#,
                c.entity.name,
                c.row_id,
                c.hlc.device,
                c.hlc.wall_ms,
                c.hlc.counter,
                c.field,
                match &c.value {
                    rusqlite::types::Value::Text(t) =>
                        serde_json::Value::from(t.as_str()).to_string(),
                    rusqlite::types::Value::Integer(i) => i.to_string(),
                    _ => "null".into(),
                }
            ))
            .collect::<Vec<_>>()
            .join(",")
    );
    let dir = devices_dir(shared.path()).join(old_device.to_string());
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("000000000001.seg"),
        sync::seal_v1(
            team,
            &key,
            old_device,
            1,
            writes.len() as u32,
            plain.as_bytes(),
        )
        .unwrap(),
    )
    .unwrap();
    // An updated device opens the format-1 folder with the old (short) passphrase.
    let folder = SyncFolder::open(shared.path(), old_pass).unwrap();
    assert_eq!(folder.created_as(), 1);
    let (mut new, _) = device(32);
    new.create(&person("Nouvelle", "Version")).unwrap();
    let report = run(&mut new, &folder);
    assert_eq!((report.segments_received, report.segments_sent), (1, 1));
    assert_eq!(carnet::person::all(&new).unwrap().len(), 2);
    // Its own segment is of the current format, readable by any updated device.
    let written = std::fs::read(seg_path(shared.path(), new.device_id(), 1)).unwrap();
    assert_eq!(&written[..8], b"CRNTSEG4");
    let (mut third, _) = device(33);
    run(&mut third, &folder);
    assert_eq!(digest(&third), digest(&new));
    // The team then changes to a strong passphrase; format-1 segments stay readable.
    let mut folder = folder;
    let strong = "une phrase de passe bien plus longue pour toute l'équipe";
    folder
        .change_passphrase(strong, &secrets(30), KdfParams::FAST_FOR_TESTS)
        .unwrap();
    let reopened = SyncFolder::open(shared.path(), strong).unwrap();
    let (mut fourth, _) = device(34);
    run(&mut fourth, &reopened);
    assert_eq!(digest(&fourth), digest(&new));
}

#[test]
fn changes_from_far_ahead_wait_for_the_officer_to_accept_or_reject_them() {
    let shared = tempfile::tempdir().unwrap();
    let folder = new_folder(shared.path());
    let (mut ahead, clock) = device(1);
    clock.advance(3 * 24 * 3600 * 1000);
    ahead.create(&person("Futur", "Lointain")).unwrap();
    sync::sync(&mut ahead, &folder, Some("PC du bureau"), &mut |_| {}).unwrap();
    ahead.create(&person("Futur", "Second")).unwrap();
    sync::sync(&mut ahead, &folder, Some("PC du bureau"), &mut |_| {}).unwrap();
    let (mut b, clock_b) = device(2);
    let report = run(&mut b, &folder);
    assert_eq!(report.held.len(), 2);
    assert_eq!(report.held[0].device_name.as_deref(), Some("PC du bureau"));
    // Time catching up decides nothing.
    clock_b.advance(4 * 24 * 3600 * 1000);
    let report = run(&mut b, &folder);
    assert_eq!((report.segments_received, report.held.len()), (0, 2));
    let held = sync::held(&b).unwrap();
    assert_eq!(held[0].changes, 2);
    sync::accept_held(&mut b, &folder, held[0].device, held[0].seq).unwrap();
    sync::reject_held(&mut b, held[1].device, held[1].seq).unwrap();
    assert!(sync::held(&b).unwrap().is_empty());
    let names: Vec<String> = carnet::person::all(&b)
        .unwrap()
        .into_iter()
        .map(|p| p.data.last_name)
        .collect();
    assert_eq!(names, vec!["Lointain".to_string()]);
    let report = run(&mut b, &folder);
    assert!(report.held.is_empty() && report.missing.is_empty());
}

#[test]
fn conflict_cards_name_the_record_and_who_wrote_each_value() {
    let shared = tempfile::tempdir().unwrap();
    let folder = new_folder(shared.path());
    let (mut a, clock_a) = device(1);
    let (mut b, _) = device(2);
    let id = a.create(&person("Nour", "Hamidi")).unwrap();
    sync::sync(&mut a, &folder, Some("Portable Sarah"), &mut |_| {}).unwrap();
    sync::sync(&mut b, &folder, Some("PC du bureau"), &mut |_| {}).unwrap();
    clock_a.advance(1000);
    let mut on_a: Person = a.get(id).unwrap();
    on_a.phone = Some("06 11 11 11 11".into());
    a.update(id, &on_a).unwrap();
    let mut on_b: Person = b.get(id).unwrap();
    on_b.phone = Some("06 22 22 22 22".into());
    b.update(id, &on_b).unwrap();
    sync::sync(&mut a, &folder, Some("Portable Sarah"), &mut |_| {}).unwrap();
    sync::sync(&mut b, &folder, Some("PC du bureau"), &mut |_| {}).unwrap();
    let cards = sync::conflicts(&b).unwrap();
    assert_eq!(cards.len(), 1);
    let card = &cards[0];
    assert_eq!(card.record, "Nour Hamidi");
    assert_eq!(card.field_label, "Téléphone");
    let by = [card.kept_by.as_str(), card.lost_by.as_str()];
    assert!(
        by.contains(&"cet appareil") && by.contains(&"« Portable Sarah »"),
        "{by:?}"
    );
    assert!(card.kept_at_ms > 0 && card.lost_at_ms > 0);
}

#[test]
fn a_crash_after_writing_a_segment_then_more_edits_is_not_taken_for_a_copy() {
    let shared = tempfile::tempdir().unwrap();
    let folder = new_folder(shared.path());
    let (mut a, _) = device(1);
    a.create(&person("Avant", "Panne")).unwrap();
    run(&mut a, &folder);
    a.create(&person("Pendant", "Panne")).unwrap();
    // The segment is written, then the process dies before recording it: simulated by
    // running the export against a copy of the database state and discarding the record.
    let snapshot = tempfile::tempdir().unwrap();
    let db = snapshot.path().join("a.db");
    a.backup_to(&db).unwrap();
    {
        let clock = Box::new(carnet::ManualClock::at_date(today()));
        let mut crashed = Store::open(&db, clock).unwrap();
        run(&mut crashed, &folder);
    }
    // The officer goes on working before the next sync.
    a.create(&person("Après", "Panne")).unwrap();
    let report = run(&mut a, &folder);
    assert_eq!(report.new_device_id, None, "not a copy");
    assert_eq!(
        report.segments_sent, 2,
        "the file found is adopted, the rest follows"
    );
    let (mut b, _) = device(2);
    run(&mut b, &folder);
    assert_eq!(digest(&a), digest(&b));
    assert_eq!(carnet::person::all(&b).unwrap().len(), 3);
}

#[test]
fn fresh_secrets_do_not_show_in_debug_output() {
    let s = FreshSecrets {
        salt: [1; 16],
        key: [2; 32],
    };
    assert_eq!(format!("{s:?}"), "FreshSecrets(…)");
}

#[test]
fn a_notebook_file_keeps_its_copies_beside_it_and_heals_the_folder_from_them() {
    let shared = tempfile::tempdir().unwrap();
    let folder = new_folder(shared.path());
    let home = tempfile::tempdir().unwrap();
    let open = |name: &str, n: u128| {
        let clock = Box::new(carnet::ManualClock::at_date(today()));
        Store::init(&home.path().join(name), Uuid::from_u128(n), clock).unwrap()
    };
    let mut a = open("a.db", 1);
    let mut b = open("b.db", 2);
    a.create(&person("Copie", "Gardée")).unwrap();
    run(&mut a, &folder);
    run(&mut b, &folder);
    // One pack file per device beside the notebook, holding the segment's bytes as found.
    let pack = home
        .path()
        .join("b.db-segments")
        .join(format!("{}.pack", a.device_id()));
    let original = std::fs::read(seg_path(shared.path(), a.device_id(), 1)).unwrap();
    let kept = std::fs::read(&pack).unwrap();
    let at = kept
        .windows(original.len())
        .position(|w| w == original.as_slice())
        .expect("the copy is in the pack");
    // A torn copy is never written to the folder.
    std::fs::remove_file(seg_path(shared.path(), a.device_id(), 1)).unwrap();
    let mut torn = kept.clone();
    torn.truncate(at + 10);
    std::fs::write(&pack, &torn).unwrap();
    assert_eq!(run(&mut b, &folder).restored, 0);
    // Nor a changed one.
    let mut changed = kept.clone();
    changed[at + original.len() / 2] ^= 1;
    std::fs::write(&pack, &changed).unwrap();
    assert_eq!(run(&mut b, &folder).restored, 0);
    std::fs::write(&pack, &kept).unwrap();
    assert_eq!(run(&mut b, &folder).restored, 1);
    assert_eq!(
        std::fs::read(seg_path(shared.path(), a.device_id(), 1)).unwrap(),
        original
    );
    // A record torn at the end of the pack (a crash while appending) does not hide the
    // copies appended after it.
    let mut tail = std::fs::OpenOptions::new()
        .append(true)
        .open(&pack)
        .unwrap();
    std::io::Write::write_all(&mut tail, b"CARNETSG\x02\0\0\0\0\0\0\0\xff\xff").unwrap();
    drop(tail);
    a.create(&person("Deuxième", "Copie")).unwrap();
    run(&mut a, &folder);
    run(&mut b, &folder);
    let second = std::fs::read(seg_path(shared.path(), a.device_id(), 2)).unwrap();
    std::fs::remove_file(seg_path(shared.path(), a.device_id(), 2)).unwrap();
    // (The owner's own copy would heal it too: only b's is tested here.)
    let restored = run(&mut b, &folder).restored;
    assert_eq!(restored, 1);
    assert_eq!(
        std::fs::read(seg_path(shared.path(), a.device_id(), 2)).unwrap(),
        second
    );
    // And the owner's own copy, when the other device is gone too.
    std::fs::remove_file(seg_path(shared.path(), a.device_id(), 1)).unwrap();
    assert_eq!(run(&mut a, &folder).restored, 1);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&pack).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}

#[test]
fn copies_kept_one_file_each_by_an_earlier_version_still_heal_the_folder() {
    let shared = tempfile::tempdir().unwrap();
    let folder = new_folder(shared.path());
    let home = tempfile::tempdir().unwrap();
    let clock = || Box::new(carnet::ManualClock::at_date(today()));
    let mut a = Store::init(&home.path().join("a.db"), Uuid::from_u128(1), clock()).unwrap();
    let mut b = Store::init(&home.path().join("b.db"), Uuid::from_u128(2), clock()).unwrap();
    a.create(&person("Ancienne", "Copie")).unwrap();
    run(&mut a, &folder);
    run(&mut b, &folder);
    // As an earlier version left it: no pack, a file per segment, no offset recorded.
    let original = std::fs::read(seg_path(shared.path(), a.device_id(), 1)).unwrap();
    let segments = home.path().join("b.db-segments");
    std::fs::remove_dir_all(&segments).unwrap();
    let legacy = segments.join(a.device_id().to_string());
    std::fs::create_dir_all(&legacy).unwrap();
    std::fs::write(legacy.join("000000000001.seg"), &original).unwrap();
    drop(b);
    let conn = rusqlite::Connection::open(home.path().join("b.db")).unwrap();
    conn.execute("UPDATE sync_segment SET copy_at = NULL", [])
        .unwrap();
    drop(conn);
    let mut b = Store::open(&home.path().join("b.db"), clock()).unwrap();
    std::fs::remove_file(seg_path(shared.path(), a.device_id(), 1)).unwrap();
    assert_eq!(run(&mut b, &folder).restored, 1);
    assert_eq!(
        std::fs::read(seg_path(shared.path(), a.device_id(), 1)).unwrap(),
        original
    );
}
