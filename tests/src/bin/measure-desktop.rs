//! Measures the desktop app as the officer feels it, for `docs/performance.md`:
//! start-up to an interactive home screen (Carnet on the 10-year demo, next to a bare Tauri
//! window built the same way), search-as-you-type latency including IPC and rendering, and
//! resident memory. Run through `cargo xtask bench-desktop`, which provides the display, the
//! WebDriver server, both binaries, the encrypted demo notebook and its passphrase (the file
//! named by `CARNET_PASSPHRASE_FILE`). Carnet's start-up is measured in two parts: the window
//! up to its unlock screen (compared with the bare window), then unlocking (key derivation,
//! opening, first screen).
//!
//! With `--first-sync FOLDER TEAM_PASSPHRASE_FILE`, it measures instead a new device's first
//! sync of a team's folder in the window: time, the app process's peak resident memory, and
//! what the window holds afterwards over a bare Tauri window (`docs/performance.md`, #18).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use carnet_e2e::Session;
use serde_json::json;

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values[values.len() / 2]
}

/// Memory of every process whose command line contains `needle` (this program excepted):
/// (name, resident kB, proportional kB — shared pages split between the processes using them).
fn rss_kb(needle: &str) -> Vec<(String, u64, u64)> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return out;
    };
    for entry in entries.flatten() {
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        if !cmdline.contains(needle) || cmdline.contains("measure-desktop") {
            continue;
        }
        let status = std::fs::read_to_string(entry.path().join("status")).unwrap_or_default();
        let rss = status
            .lines()
            .find(|l| l.starts_with("VmRSS:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        let rollup = std::fs::read_to_string(entry.path().join("smaps_rollup")).unwrap_or_default();
        let pss = rollup
            .lines()
            .find(|l| l.starts_with("Pss:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        let name = cmdline
            .split_whitespace()
            .next()
            .and_then(|p| p.rsplit('/').next())
            .unwrap_or("")
            .to_string();
        out.push((name, rss, pss));
    }
    out
}

/// The app process (Carnet or the bare window) and WebKit's helper processes.
fn memory() -> Vec<(String, u64, u64)> {
    [
        "carnet-desktop",
        "carnet-bare-window",
        "WebKitWebProcess",
        "WebKitNetworkProcess",
    ]
    .iter()
    .flat_map(|needle| rss_kb(needle))
    .collect()
}

/// Milliseconds from launch to the first interactive page (the bare window's, or Carnet's
/// unlock screen), then, for Carnet, from the unlock to the home screen painted.
fn start_up(app: &Path, db: &Path, passphrase: &str, runs: usize) -> (Vec<f64>, Vec<f64>) {
    (0..runs)
        .map(|_| {
            let started = Instant::now();
            let session = Session::start_with(app, db, &[]).expect("window starts");
            let window = started.elapsed().as_secs_f64() * 1000.0;
            let mut unlock = 0.0;
            if session.ready_state().expect("state") == "locked" {
                let unlocking = Instant::now();
                session.unlock(passphrase).expect("unlock");
                session
                    .wait_until("the home screen", Duration::from_secs(30), |s| {
                        Ok(s.ready_state()? == "true")
                    })
                    .expect("home screen");
                unlock = unlocking.elapsed().as_secs_f64() * 1000.0;
            }
            session.quit().expect("window closes");
            std::thread::sleep(Duration::from_millis(300));
            (window, unlock)
        })
        .unzip()
}

/// The window unlocked with `passphrase`.
fn unlocked(app: &Path, db: &Path, passphrase: &str) -> Session {
    let session = Session::start_with(app, db, &[]).expect("window starts");
    if session.ready_state().expect("state") == "locked" {
        session.unlock(passphrase).expect("unlock");
    }
    session
        .wait_until("the home screen", Duration::from_secs(30), |s| {
            Ok(s.ready_state()? == "true")
        })
        .expect("home screen");
    session
}

fn main() {
    let args: Vec<PathBuf> = std::env::args().skip(1).map(PathBuf::from).collect();
    let passphrase = std::env::var_os("CARNET_PASSPHRASE_FILE")
        .and_then(|file| std::fs::read_to_string(file).ok())
        .and_then(|text| text.lines().next().map(str::to_string))
        .expect("CARNET_PASSPHRASE_FILE names the demo's passphrase");
    if let [carnet, bare, db, flag, folder, team] = args.as_slice()
        && flag.as_os_str() == "--first-sync"
    {
        first_sync(carnet, bare, db, &passphrase, folder, team);
        return;
    }
    let [carnet, bare, db] = args.as_slice() else {
        eprintln!(
            "usage: measure-desktop CARNET_BIN BARE_BIN DEMO_DB [--first-sync FOLDER TEAM_PASSPHRASE_FILE]"
        );
        std::process::exit(2);
    };
    let runs = 7;
    let (bare_ms, _) = start_up(bare, db, &passphrase, runs);
    let (carnet_ms, unlock_ms) = start_up(carnet, db, &passphrase, runs);
    println!("start-up to interactive, {runs} runs each (ms)");
    println!(
        "  bare Tauri window : median {:.0}  all {bare_ms:.0?}",
        median(bare_ms.clone())
    );
    println!(
        "  Carnet, unlock screen : median {:.0}  all {carnet_ms:.0?}",
        median(carnet_ms.clone())
    );
    println!(
        "  ratio (Carnet's window / bare window) : {:.2}",
        median(carnet_ms) / median(bare_ms)
    );
    println!(
        "  unlock on the 10-year demo (derivation, opening, home screen painted) : median {:.0}  all {unlock_ms:.0?}",
        median(unlock_ms.clone())
    );

    let session = unlocked(carnet, db, &passphrase);
    let after_start = memory();
    session.go("#/personnes").expect("Personnes");
    println!("search as you type: engine + IPC + rendering (ms, median of 15)");
    for query in ["e", "el", "elo", "eloi", "eloise", "eloise ben", "benali"] {
        let mut times = Vec::new();
        for _ in 0..15 {
            let value = session
                .script(
                    "const input = document.getElementById('person-search');
                     const results = document.getElementById('person-results');
                     input.value = '';
                     results.dataset.query = '';
                     return new Promise((resolve) => {
                       const started = performance.now();
                       const watch = new MutationObserver(() => {
                         if (results.dataset.query === arguments[0]) {
                           watch.disconnect();
                           requestAnimationFrame(() => resolve(performance.now() - started));
                         }
                       });
                       watch.observe(results, { attributes: true, childList: true, subtree: true });
                       input.value = arguments[0];
                       input.dispatchEvent(new Event('input'));
                     });",
                    json!([query]),
                )
                .expect("search runs");
            times.push(value.as_f64().unwrap_or(f64::NAN));
        }
        println!("  {query:<12} {:.1}", median(times));
    }
    let after_search = memory();

    // Every screen, from the click to the painted frame, at 1366x768.
    session.resize(1366, 768).expect("resize");
    let ids = session
        .script(
            "const invoke = window.__TAURI__.core.invoke;
             return Promise.all([
               invoke('search_persons', { query: 'eloise', quartier: null, offset: 0, limit: 1 }),
               invoke('list_referrals', { filter: {}, offset: 0, limit: 1 }),
             ]).then(([p, r]) => [p.hits[0].id, r.rows[0].id]);",
            json!([]),
        )
        .expect("ids");
    let (person, referral) = (ids[0].as_str().unwrap_or(""), ids[1].as_str().unwrap_or(""));
    println!("screens at 1366x768: hash change to painted frame (ms, median of 5)");
    for (name, hash) in [
        ("Aujourd'hui", "#/aujourdhui".to_string()),
        ("Permanences", "#/permanences".to_string()),
        ("Personnes", "#/personnes".to_string()),
        ("Personne", format!("#/personnes/{person}")),
        (
            "Modifier la personne",
            format!("#/personnes/{person}/modifier"),
        ),
        ("Orientations", "#/orientations".to_string()),
        (
            "Étapes d'une orientation",
            format!("#/orientations/{referral}/etapes"),
        ),
        ("Lettre", format!("#/orientations/{referral}/lettre")),
        ("Relances", "#/relances".to_string()),
        ("Rencontres collectives", "#/collectives".to_string()),
        ("Partenaires", "#/partenaires".to_string()),
        ("Bilan", "#/bilan".to_string()),
        ("À vérifier", "#/a-verifier".to_string()),
        ("Réglages", "#/reglages".to_string()),
    ] {
        let mut times = Vec::new();
        for _ in 0..5 {
            // From another screen, so that the hash changes.
            let from = if hash == "#/partenaires" {
                "#/reglages"
            } else {
                "#/partenaires"
            };
            session.go(from).expect("reset");
            let value = session
                .script(
                    "return new Promise((resolve) => {
                       document.body.dataset.ready = '';
                       const started = performance.now();
                       const watch = new MutationObserver(() => {
                         if (document.body.dataset.ready === 'true') {
                           watch.disconnect();
                           requestAnimationFrame(() => resolve(performance.now() - started));
                         }
                       });
                       watch.observe(document.body, { attributes: true });
                       location.hash = arguments[0];
                     });",
                    json!([hash]),
                )
                .expect("screen renders");
            times.push(value.as_f64().unwrap_or(f64::NAN));
        }
        println!("  {name:<26} {:.0}", median(times));
    }
    session.quit().expect("window closes");
    std::thread::sleep(Duration::from_millis(500));
    let bare_session = unlocked(bare, db, &passphrase);
    let bare_memory = memory();
    bare_session.quit().expect("bare window closes");
    for (label, list) in [
        ("bare Tauri window", bare_memory),
        ("Carnet after start-up", after_start),
        ("Carnet after the searches", after_search),
    ] {
        let rss: u64 = list.iter().map(|(_, kb, _)| kb).sum();
        let pss: u64 = list.iter().map(|(_, _, kb)| kb).sum();
        println!(
            "memory, {label}: resident {} MB, proportional {} MB",
            rss / 1024,
            pss / 1024
        );
        for (name, rss, pss) in list {
            println!(
                "  {name}: resident {} MB, proportional {} MB",
                rss / 1024,
                pss / 1024
            );
        }
    }
}

/// Peak resident memory of the process whose command line contains `needle` (kB): the
/// kernel's high-water mark, which no sampling can miss.
fn peak_kb(needle: &str) -> u64 {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    entries
        .flatten()
        .filter(|entry| {
            let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            cmdline.contains(needle) && !cmdline.contains("measure-desktop")
        })
        .filter_map(|entry| {
            let status = std::fs::read_to_string(entry.path().join("status")).ok()?;
            status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .max()
        .unwrap_or(0)
}

fn total(list: &[(String, u64, u64)]) -> (u64, u64) {
    (
        list.iter().map(|(_, kb, _)| kb).sum::<u64>() / 1024,
        list.iter().map(|(_, _, kb)| kb).sum::<u64>() / 1024,
    )
}

/// A new notebook joins the team of `folder` in the window and syncs it whole.
fn first_sync(carnet: &Path, bare: &Path, db: &Path, passphrase: &str, folder: &Path, team: &Path) {
    let team = std::fs::read_to_string(team)
        .ok()
        .and_then(|text| text.lines().next().map(str::to_string))
        .expect("the team's passphrase file");
    let bare_session = unlocked(bare, db, passphrase);
    std::thread::sleep(Duration::from_secs(2));
    let bare_memory = memory();
    bare_session.quit().expect("bare window closes");
    std::thread::sleep(Duration::from_millis(500));

    let dir = std::env::temp_dir().join(format!("carnet-first-sync-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary folder");
    let new = dir.join("nouveau.db");
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    drop(carnet_e2e::create_notebook(
        &new,
        carnet::Uuid::from_u128(u128::from(std::process::id()) << 64 | 0x5eed),
        Box::new(carnet::ManualClock::new(now_ms)),
    ));
    let session = unlocked(carnet, &new, carnet_e2e::PASSPHRASE);
    std::thread::sleep(Duration::from_secs(2));
    let before = memory();
    let started = Instant::now();
    session
        .script(
            "const invoke = window.__TAURI__.core.invoke;
             window.__firstSync = null;
             window.__heard = 0;
             window.__TAURI__.event.listen('sync-progress', () => { window.__heard += 1; });
             invoke('configure_sync', { folder: arguments[0], passphrase: arguments[1], deviceName: 'Mesure', newTeam: false })
               .then(() => invoke('sync_now', { now: new Date().toISOString() }))
               .then((r) => { window.__firstSync = { ok: r.changes_applied }; },
                     (e) => { window.__firstSync = { error: String(e && e.message || e) }; });
             return true;",
            json!([folder.display().to_string(), team]),
        )
        .expect("sync started");
    let outcome = loop {
        let value = session
            .script("return window.__firstSync", json!([]))
            .expect("sync state");
        if !value.is_null() {
            break value;
        }
        std::thread::sleep(Duration::from_millis(200));
        assert!(
            started.elapsed() < Duration::from_secs(900),
            "the first sync did not end in 15 minutes"
        );
    };
    let took = started.elapsed().as_secs_f64();
    let heard = session
        .script("return window.__heard", json!([]))
        .expect("events");
    let peak = peak_kb("carnet-desktop");
    std::thread::sleep(Duration::from_secs(2));
    let after = memory();
    println!(
        "first sync of {} in the window: {outcome} in {took:.1} s, {heard} progress events",
        folder.display()
    );
    println!(
        "  carnet-desktop peak resident during it: {} MB",
        peak / 1024
    );
    for (label, list) in [
        ("bare Tauri window", &bare_memory),
        ("Carnet before the sync", &before),
        ("Carnet after the sync", &after),
    ] {
        let (rss, pss) = total(list);
        println!("memory, {label}: resident {rss} MB, proportional {pss} MB");
        for (name, rss, pss) in list.iter() {
            println!(
                "  {name}: resident {} MB, proportional {} MB",
                rss / 1024,
                pss / 1024
            );
        }
    }
    let (after_rss, after_pss) = total(&after);
    let (bare_rss, bare_pss) = total(&bare_memory);
    println!(
        "added over the bare window after the sync: resident {} MB, proportional {} MB",
        after_rss as i64 - bare_rss as i64,
        after_pss as i64 - bare_pss as i64
    );
    session.quit().expect("window closes");
    let _ = std::fs::remove_dir_all(&dir);
}
