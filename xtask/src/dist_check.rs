//! `cargo xtask dist-check`: checks the files `cargo xtask dist` made, as far as these Debian
//! machines allow, and fails loudly at the first thing wrong (a missing file, a wrong
//! architecture, a non-zero exit, an unexpected output).
//!
//! - The `.deb`: its metadata and files (`dpkg-deb`), its menu entry (`desktop-file-validate`),
//!   then installed with apt into a clean Debian 12 root made by `debootstrap` (kept in
//!   `target/dist-check/debian-12` and copied for each run): `carnet --version` runs, the
//!   desktop app starts under Xvfb and shows its first screen (screenshot in
//!   `target/e2e-screens/`), start-up is timed against the checkout's release build, and
//!   `apt remove` leaves none of its files.
//! - Windows: every file is PE32+ x86-64 and needs no MinGW runtime DLL; under Wine (a fresh
//!   prefix, with the `ProcessPrng` stand-in of `xtask/wine/` as a system DLL: Debian 12's Wine
//!   lacks it) the portable `carnet.exe` runs `--version`, `demo`, `letter`, `export` and a
//!   `sync` between two notebooks, in folders named like `C:\users\Élodie N'Diaye\…`, and
//!   its default notebook lands in `%APPDATA%\fr.citeslab.carnet`; the installer installs
//!   silently (`/S`) into the per-user folder with its Start-menu shortcut, and its
//!   uninstaller removes them and leaves the officer's notebook. The window itself cannot be
//!   checked (no WebView2 under Wine). The engine's test suite runs under Wine in
//!   `cargo xtask test`, on every CI run.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::dist::{VERSION, deb_name, dist_dir, setup_name, zip_name};
use crate::wine::{Wine, windows_path};
use crate::{Outcome, ensure_packages, free_display, output, require, root, step, xvfb};

/// Debian packages the checks need.
const CHECK_PACKAGES: &[&str] = &[
    "debootstrap",
    "desktop-file-utils",
    "file",
    "unzip",
    "poppler-utils",
    "xvfb",
    // xwd (screenshot), xwininfo (is the window there?), netpbm (xwd to PNG).
    "x11-apps",
    "x11-utils",
    "netpbm",
];

/// The passphrase of the notebooks made under Wine (fictional data).
const PASSPHRASE: &str = "démonstration de Carnet, personnes fictives";
/// The team passphrase of the sync made under Wine.
const TEAM_PASSPHRASE: &str = "Équipe de démonstration : dossier partagé, 2026 !";

/// A user folder as found in the field: a space, an accent, an apostrophe.
const USER_FOLDER: &str = "Élodie N'Diaye";

/// Which packages to check: both, or only the one named by `--only deb|windows`.
pub fn dist_check(only: Option<&str>) -> Outcome {
    let (deb, windows) = match only {
        None => (true, true),
        Some("deb") => (true, false),
        Some("windows") => (false, true),
        Some(other) => {
            return Err(format!("--only {other} : attendu « deb » ou « windows »"));
        }
    };
    let started = Instant::now();
    ensure_packages(CHECK_PACKAGES)?;
    ensure_packages(crate::wine::PACKAGES)?;
    let dist = dist_dir();
    for name in [deb_name(), zip_name(), setup_name()] {
        if !dist.join(&name).is_file() {
            return Err(format!(
                "{name} manque dans {} : lancez d'abord « cargo xtask dist »",
                dist.display()
            ));
        }
    }
    let work = root().join("target/dist-check");
    std::fs::create_dir_all(&work).map_err(|e| format!("{} : {e}", work.display()))?;
    if deb {
        check_deb(&dist.join(deb_name()), &work)?;
    }
    if windows {
        check_windows(&dist, &work)?;
    }
    println!(
        "==> paquets vérifiés en {:.0} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Debian package

fn check_deb(deb: &Path, work: &Path) -> Outcome {
    println!("==> paquet Debian : {}", deb.display());
    let info = output(
        "dpkg-deb --info",
        Command::new("dpkg-deb").arg("--info").arg(deb),
    )?;
    for needle in [
        "Package: carnet".to_string(),
        format!("Version: {VERSION}"),
        "Architecture: amd64".into(),
        "libwebkit2gtk-4.1-0".into(),
        "libgtk-3-0".into(),
        "carnet de terrain hors ligne".into(),
    ] {
        require(
            info.contains(&needle),
            &format!("métadonnées : « {needle} » absent"),
        )?;
    }
    println!("{}", indent(&info));
    let contents = output(
        "dpkg-deb --contents",
        Command::new("dpkg-deb").arg("--contents").arg(deb),
    )?;
    let installed_files = [
        "/usr/bin/carnet",
        "/usr/bin/carnet-desktop",
        "/usr/share/applications/fr.citeslab.carnet.desktop",
        "/usr/share/icons/hicolor/32x32/apps/fr.citeslab.carnet.png",
        "/usr/share/icons/hicolor/128x128/apps/fr.citeslab.carnet.png",
        "/usr/share/icons/hicolor/256x256/apps/fr.citeslab.carnet.png",
        "/usr/share/doc/carnet/copyright",
    ];
    for file in installed_files {
        require(
            contents.contains(&format!(".{file}\n")),
            &format!("le paquet ne contient pas {file}"),
        )?;
    }
    require(
        contents.lines().all(|l| l.contains("root/root")),
        "des fichiers du paquet n'appartiennent pas à root",
    )?;
    output(
        "desktop-file-validate",
        Command::new("desktop-file-validate")
            .arg(root().join("packaging/linux/fr.citeslab.carnet.desktop")),
    )?;

    let base = clean_debian_root(work)?;
    let system = work.join("debian-12-essai");
    // A run stopped mid-way may have left /dev mounted in it: removing the folder then would
    // remove the machine's own /dev. Unmount first, and refuse if anything stays mounted.
    unmount_under(&system)?;
    remove_dir(&system)?;
    let mut copy = Command::new("cp");
    copy.arg("-a").arg(&base).arg(&system);
    step("copie de la racine Debian 12 propre", copy)?;
    let _mounts = Mounts::new(&system)?;
    std::fs::copy("/etc/resolv.conf", system.join("etc/resolv.conf"))
        .map_err(|e| format!("resolv.conf : {e}"))?;
    std::fs::copy(deb, system.join("tmp").join(deb_name()))
        .map_err(|e| format!("copie du paquet : {e}"))?;
    let mut install = in_root(&system);
    install
        .args(["apt-get", "install", "-y", "--no-install-recommends"])
        .arg(format!("/tmp/{}", deb_name()))
        .env("DEBIAN_FRONTEND", "noninteractive");
    step("apt install ./carnet.deb (Debian 12 propre)", install)?;
    let version = output(
        "carnet --version",
        in_root(&system).args(["carnet", "--version"]),
    )?;
    require(
        version.trim() == format!("carnet {VERSION}"),
        &format!("carnet --version a répondu « {} »", version.trim()),
    )?;
    println!("    carnet --version : {}", version.trim());

    let display = free_display()?;
    let _xvfb = xvfb(display, "1366x768x24")?;
    let screens = root().join("target/e2e-screens");
    std::fs::create_dir_all(&screens).map_err(|e| format!("{} : {e}", screens.display()))?;
    let installed = |n: usize| {
        let mut cmd = in_root(&system);
        cmd.env("HOME", "/root")
            .env("DISPLAY", format!(":{display}"))
            .env("LANG", "C.UTF-8")
            .env("NO_AT_BRIDGE", "1")
            .env("XDG_DATA_HOME", format!("/tmp/donnees-{n}"))
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .arg("carnet-desktop");
        cmd
    };
    let first = start_and_wait(installed(0), display)?;
    std::thread::sleep(Duration::from_secs(4));
    let screenshot = screens.join("paquet-debian-premier-ecran.png");
    take_screenshot(display, &screenshot)?;
    drop(first);
    println!("    capture : {}", screenshot.display());
    // The notebook went to the OS data folder of the (empty) profile, and nowhere else.
    let checkout = root().join("target/release/carnet-desktop");
    let mut installed_times = Vec::new();
    let mut checkout_times = Vec::new();
    for n in 1..=5 {
        let (app, elapsed) = timed_start(installed(n), display)?;
        drop(app);
        installed_times.push(elapsed);
        let mut from_checkout = Command::new(&checkout);
        from_checkout
            .env("DISPLAY", format!(":{display}"))
            .env("LANG", "C.UTF-8")
            .env("NO_AT_BRIDGE", "1")
            .env("XDG_DATA_HOME", work.join(format!("donnees-checkout-{n}")))
            .env_remove("DBUS_SESSION_BUS_ADDRESS");
        let (app, elapsed) = timed_start(from_checkout, display)?;
        drop(app);
        checkout_times.push(elapsed);
    }
    println!(
        "    démarrage jusqu'à la fenêtre affichée (médiane de 5) : paquet installé {} ms, construction release du dépôt {} ms",
        median_ms(&mut installed_times),
        median_ms(&mut checkout_times)
    );

    let mut remove = in_root(&system);
    remove
        .args(["apt-get", "purge", "-y", "carnet"])
        .env("DEBIAN_FRONTEND", "noninteractive");
    step("apt purge carnet", remove)?;
    for file in installed_files {
        require(
            !system.join(file.trim_start_matches('/')).exists(),
            &format!("{file} est resté après la désinstallation"),
        )?;
    }
    let status = in_root(&system)
        .args(["dpkg-query", "-W", "-f=${Status}", "carnet"])
        .output()
        .map_err(|e| format!("dpkg-query : {e}"))?;
    require(
        !String::from_utf8_lossy(&status.stdout).contains("install ok installed"),
        "dpkg dit encore carnet installé",
    )?;
    println!("    désinstallé : aucun fichier du paquet ne reste");
    Ok(())
}

/// A minimal Debian 12 made by debootstrap once, then kept (and copied for each run, so every
/// check starts from a root where nothing of Carnet or of WebKitGTK is installed).
fn clean_debian_root(work: &Path) -> Result<PathBuf, String> {
    let base = work.join("debian-12");
    let done = work.join("debian-12.complet");
    if done.exists() && base.join("usr/bin/apt-get").exists() {
        return Ok(base);
    }
    remove_dir(&base)?;
    let mut debootstrap = Command::new("debootstrap");
    debootstrap
        .args(["--variant=minbase", "bookworm"])
        .arg(&base)
        .arg("http://deb.debian.org/debian");
    step("debootstrap Debian 12 (une seule fois)", debootstrap)?;
    std::fs::write(&done, "").map_err(|e| format!("{} : {e}", done.display()))?;
    Ok(base)
}

/// Unmounts whatever is mounted under `dir`, and fails if something stays mounted there.
fn unmount_under(dir: &Path) -> Outcome {
    let mounted = || -> Vec<String> {
        let prefix = format!("{}/", dir.display());
        std::fs::read_to_string("/proc/self/mounts")
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.split(' ').nth(1))
            .filter(|point| point.starts_with(&prefix))
            .map(str::to_string)
            .collect()
    };
    for point in mounted().iter().rev() {
        let _ = Command::new("umount")
            .args(["-R", "-l"])
            .arg(point)
            .status();
    }
    let left = mounted();
    require(
        left.is_empty(),
        &format!("des systèmes de fichiers restent montés dans la racine d'essai : {left:?}"),
    )
}

/// A command run inside the root at `system`.
fn in_root(system: &Path) -> Command {
    let mut cmd = Command::new("chroot");
    cmd.arg(system).env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
    cmd
}

/// /proc and /dev mounted in the test root while it is used (WebKit and apt need them).
struct Mounts(Vec<PathBuf>);

impl Mounts {
    fn new(system: &Path) -> Result<Mounts, String> {
        let mut mounts = Mounts(Vec::new());
        for (what, args) in [
            ("proc", vec!["-t", "proc", "proc"]),
            ("dev", vec!["--rbind", "/dev"]),
        ] {
            let target = system.join(what);
            let status = Command::new("mount")
                .args(&args)
                .arg(&target)
                .status()
                .map_err(|e| format!("mount : {e}"))?;
            require(
                status.success(),
                &format!("impossible de monter /{what} dans la racine d'essai"),
            )?;
            mounts.0.push(target);
        }
        Ok(mounts)
    }
}

impl Drop for Mounts {
    fn drop(&mut self) {
        for target in self.0.iter().rev() {
            let _ = Command::new("umount")
                .args(["-R", "-l"])
                .arg(target)
                .status();
        }
    }
}

/// Starts the app and waits until its window "Carnet" is on the display.
fn start_and_wait(cmd: Command, display: u32) -> Result<App, String> {
    timed_start(cmd, display).map(|(app, _)| app)
}

/// Starts the app and measures the time until its window is mapped on the display.
fn timed_start(mut cmd: Command, display: u32) -> Result<(App, Duration), String> {
    let started = Instant::now();
    let child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("impossible de lancer carnet-desktop : {e}"))?;
    let mut app = App(child);
    let deadline = started + Duration::from_secs(30);
    loop {
        if let Some(status) = app.0.try_wait().map_err(|e| e.to_string())? {
            return Err(format!(
                "carnet-desktop s'est arrêté au démarrage ({status})"
            ));
        }
        let tree = Command::new("xwininfo")
            .args(["-root", "-tree", "-display", &format!(":{display}")])
            .output()
            .map_err(|e| format!("xwininfo : {e}"))?;
        if String::from_utf8_lossy(&tree.stdout).contains("\"Carnet\"") {
            return Ok((app, started.elapsed()));
        }
        if Instant::now() > deadline {
            return Err("la fenêtre « Carnet » n'est pas apparue en 30 s".into());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A running app, stopped when dropped.
struct App(std::process::Child);

impl Drop for App {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
        // WebKit's helper processes end with their parent; give them a moment.
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// The whole display as a PNG (xwd, then netpbm).
fn take_screenshot(display: u32, png: &Path) -> Outcome {
    let mut cmd = Command::new("sh");
    cmd.arg("-c").arg(format!(
        "xwd -root -silent -display :{display} | xwdtopnm 2>/dev/null | pnmtopng > '{}'",
        png.display()
    ));
    let status = cmd.status().map_err(|e| format!("capture : {e}"))?;
    let size = std::fs::metadata(png).map(|m| m.len()).unwrap_or(0);
    require(
        status.success() && size > 10_000,
        "la capture d'écran a échoué",
    )
}

fn median_ms(times: &mut [Duration]) -> u128 {
    times.sort();
    times.get(times.len() / 2).map_or(0, Duration::as_millis)
}

// ---------------------------------------------------------------------------------------
// Windows

fn check_windows(dist: &Path, work: &Path) -> Outcome {
    println!("==> Windows");
    let zip = dist.join(zip_name());
    let listing = output("unzip -Z1", Command::new("unzip").arg("-Z1").arg(&zip))?;
    let mut entries: Vec<&str> = listing.lines().collect();
    entries.sort_unstable();
    let expected = [
        "Carnet/",
        "Carnet/LISEZMOI.txt",
        "Carnet/WebView2Loader.dll",
        "Carnet/carnet-desktop.exe",
        "Carnet/carnet.exe",
        "Carnet/carnet.ico",
    ];
    require(
        entries == expected,
        &format!("contenu du zip inattendu : {entries:?}"),
    )?;

    let prefix = work.join("wine");
    remove_dir(&prefix)?;
    let user_dir = prefix.join("drive_c/users").join(USER_FOLDER);
    std::fs::create_dir_all(user_dir.join("Documents"))
        .map_err(|e| format!("{} : {e}", user_dir.display()))?;
    let mut unzip = Command::new("unzip");
    unzip.arg("-q").arg(&zip).arg("-d").arg(&user_dir);
    step("zip portable décompressé", unzip)?;
    let portable = user_dir.join("Carnet");
    for (file, kind) in [
        ("carnet-desktop.exe", "PE32+ executable (GUI) x86-64"),
        ("carnet.exe", "PE32+ executable (console) x86-64"),
        ("WebView2Loader.dll", "PE32+ executable (DLL)"),
    ] {
        let described = output(
            "file",
            Command::new("file").arg("-b").arg(portable.join(file)),
        )?;
        require(
            described.starts_with(kind) && described.contains("x86-64"),
            &format!("{file} : « {} » au lieu de « {kind} »", described.trim()),
        )?;
        println!("    {file} : {}", described.trim());
    }
    let setup = output(
        "file",
        Command::new("file").arg("-b").arg(dist.join(setup_name())),
    )?;
    require(
        setup.starts_with("PE32+ executable (GUI) x86-64"),
        &format!("installateur : « {} »", setup.trim()),
    )?;
    for exe in ["carnet-desktop.exe", "carnet.exe"] {
        let headers = output(
            "objdump -p",
            Command::new("x86_64-w64-mingw32-objdump")
                .arg("-p")
                .arg(portable.join(exe)),
        )?;
        for runtime in [
            "libgcc_s",
            "libwinpthread",
            "libstdc++",
            "libcrypto",
            "libssl",
            "bcryptprimitives",
        ] {
            let needs = headers
                .lines()
                .any(|l| l.contains("DLL Name:") && l.to_lowercase().contains(runtime));
            require(
                !needs || runtime == "bcryptprimitives",
                &format!("{exe} a besoin de {runtime}*.dll, qui n'est pas livrée"),
            )?;
        }
    }

    let wine = Wine::new(&prefix)?;
    let cli = portable.join("carnet.exe");
    let version = wine.run(&cli, &["--version"])?;
    require(
        version.trim() == format!("carnet {VERSION}"),
        &format!("carnet.exe --version a répondu « {} »", version.trim()),
    )?;
    println!("    carnet.exe --version : {}", version.trim());
    let passphrase = prefix.join("phrase.txt");
    let team = prefix.join("equipe.txt");
    std::fs::write(&passphrase, PASSPHRASE).map_err(|e| e.to_string())?;
    std::fs::write(&team, TEAM_PASSPHRASE).map_err(|e| e.to_string())?;
    let windows_user = format!("C:\\users\\{USER_FOLDER}");
    let notebook_a = format!("{windows_user}\\Documents\\Carnet de Sarah.db");
    let notebook_b = format!("{windows_user}\\Documents\\Carnet d'Élodie.db");
    let shared = format!("{windows_user}\\Dossier partagé de l'équipe");
    std::fs::create_dir_all(user_dir.join("Dossier partagé de l'équipe"))
        .map_err(|e| e.to_string())?;
    let as_officer = |notebook: &str, args: &[&str]| -> Result<String, String> {
        let mut all = vec!["--db", notebook];
        all.extend_from_slice(args);
        wine.run_with(&cli, &all, &[("CARNET_PASSPHRASE_FILE", &passphrase)])
    };
    let demo = as_officer(
        &notebook_a,
        &["demo", "--years", "1", "--until", "2026-11-20"],
    )?;
    require(demo.contains("Démo créée"), "carnet.exe demo n'a rien dit")?;
    println!("    carnet.exe demo : {}", first_line(&demo));
    let referrals = as_officer(&notebook_a, &["list", "referrals", "--json"])?;
    let ids: Vec<&str> = referrals
        .lines()
        .filter_map(|l| l.trim().strip_prefix("\"id\": \""))
        .filter_map(|l| l.strip_suffix("\","))
        .collect();
    require(!ids.is_empty(), "aucune orientation dans la démo")?;
    let letter = format!("{windows_user}\\Documents\\Lettre d'orientation.pdf");
    let sent = ids.iter().take(40).find(|id| {
        as_officer(&notebook_a, &["letter", "--referral", id, "--out", &letter]).is_ok()
    });
    require(
        sent.is_some(),
        "carnet.exe letter a échoué pour les 40 premières orientations",
    )?;
    let letter_file = user_dir.join("Documents/Lettre d'orientation.pdf");
    let text = output(
        "pdftotext",
        Command::new("pdftotext").arg(&letter_file).arg("-"),
    )?;
    require(
        text.contains("orientation") || text.contains("Orientation"),
        "la lettre faite sous Windows ne parle pas d'orientation",
    )?;
    println!("    carnet.exe letter : {} octets", file_size(&letter_file));
    let workbook = format!("{windows_user}\\Documents\\Bilan 2025.xlsx");
    as_officer(
        &notebook_a,
        &["export", "--year", "2025", "--out", &workbook],
    )?;
    let workbook_file = user_dir.join("Documents/Bilan 2025.xlsx");
    let sheets = output(
        "unzip -Z1",
        Command::new("unzip").arg("-Z1").arg(&workbook_file),
    )?;
    require(
        sheets.contains("xl/workbook.xml"),
        "le classeur fait sous Windows n'est pas un .xlsx",
    )?;
    println!(
        "    carnet.exe export : {} octets",
        file_size(&workbook_file)
    );
    as_officer(&notebook_b, &["init", "--officer", USER_FOLDER])?;
    let team_file = windows_path(&team);
    for notebook in [&notebook_a, &notebook_b, &notebook_a] {
        as_officer(
            notebook,
            &["--passphrase-file", &team_file, "sync", "--folder", &shared],
        )?;
    }
    let digest_a = as_officer(&notebook_a, &["digest"])?;
    let digest_b = as_officer(&notebook_b, &["digest"])?;
    require(
        digest_a == digest_b,
        "après la synchronisation, les deux carnets diffèrent",
    )?;
    println!("    carnet.exe sync : les deux carnets ont la même empreinte");
    // With no --db, the notebook goes to %APPDATA%\fr.citeslab.carnet (and stays there
    // when Carnet is uninstalled, below).
    wine.run_with(
        &cli,
        &["init", "--officer", USER_FOLDER],
        &[("CARNET_PASSPHRASE_FILE", &passphrase)],
    )?;
    let default_notebook = wine
        .profile()?
        .join("AppData/Roaming/fr.citeslab.carnet/carnet.db");
    require(
        default_notebook.is_file(),
        &format!("pas de carnet à {}", default_notebook.display()),
    )?;

    let installer = dist.join(setup_name());
    wine.run(&installer, &["/S"])?;
    wine.wait()?;
    let profile = wine.profile()?;
    let installed = profile.join("AppData/Local/Programs/Carnet");
    for file in [
        "carnet-desktop.exe",
        "carnet.exe",
        "WebView2Loader.dll",
        "desinstaller-carnet.exe",
    ] {
        require(
            installed.join(file).is_file(),
            &format!(
                "l'installateur n'a pas mis {file} dans {}",
                installed.display()
            ),
        )?;
    }
    let shortcut = profile.join("AppData/Roaming/Microsoft/Windows/Start Menu/Programs/Carnet.lnk");
    require(shortcut.is_file(), "pas de raccourci dans le menu Démarrer")?;
    let version = wine.run(&installed.join("carnet.exe"), &["--version"])?;
    require(
        version.trim() == format!("carnet {VERSION}"),
        "le carnet.exe installé ne répond pas",
    )?;
    println!(
        "    installé sans droits d'administrateur dans {}",
        installed.display()
    );
    wine.run(&installed.join("desinstaller-carnet.exe"), &["/S"])?;
    wine.wait()?;
    require(
        !installed.exists(),
        &format!("{} est resté après la désinstallation", installed.display()),
    )?;
    require(
        !shortcut.exists(),
        "le raccourci est resté après la désinstallation",
    )?;
    require(
        default_notebook.is_file(),
        "la désinstallation a supprimé le carnet de la cheffe de projet",
    )?;
    println!("    désinstallé : programme et raccourci supprimés, carnet conservé");
    println!(
        "    (la fenêtre de l'application ne peut pas être vérifiée sous Wine : pas de WebView2)"
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------

fn remove_dir(dir: &Path) -> Outcome {
    if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(|e| format!("{} : {e}", dir.display()))?;
    }
    Ok(())
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

fn file_size(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}
