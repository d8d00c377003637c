//! `cargo xtask run | test | bench | dist | dist-check`: the project's two commands, on a fresh
//! Debian or Ubuntu, and the making and checking of the packages an officer installs.
//!
//! Why a Rust xtask rather than shell scripts: it runs wherever cargo runs, needs nothing
//! installed first, and keeps the list of system packages each step needs next to the step.
//! Missing packages are installed with apt when running as root; otherwise the exact command
//! to run is printed and the task stops. CI (`.ci/run`) calls `cargo xtask test` and nothing
//! else, so whatever the tests need must be installed from here.

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

mod dist;
mod dist_check;
mod wine;

/// Debian packages `run` needs: a C toolchain (SQLite is built from source by rusqlite's
/// `bundled` feature) and what Tauri links against on Linux (WebKitGTK 4.1, libxdo).
const RUN_PACKAGES: &[&str] = &[
    "build-essential",
    "libwebkit2gtk-4.1-dev",
    "libxdo-dev",
    // libsqlite3-sys's encrypted build names libcrypto at link time (the page cipher itself,
    // SQLite3 Multiple Ciphers, needs none: the programs do not load it).
    "libssl-dev",
];

/// Debian packages the tests need on top: the WebDriver server of WebKitGTK and a virtual
/// X display for the end-to-end tests.
const TEST_PACKAGES: &[&str] = &[
    "build-essential",
    "libwebkit2gtk-4.1-dev",
    "libxdo-dev",
    "libssl-dev",
    "webkit2gtk-driver",
    "xvfb",
    // Letters are checked as a recipient's machine reads them (pdftotext, pdftoppm,
    // pdfinfo) and for PDF structure (qpdf --check).
    "poppler-utils",
    "qpdf",
    // The access export's ZIP is opened as its recipient would (unzip).
    "unzip",
    // The OS keystore of a Linux session ("se souvenir sur cet ordinateur").
    "gnome-keyring",
    "dbus-bin",
    // The yearly workbook is read back by a real spreadsheet program (LibreOffice Calc).
    "libreoffice-calc-nogui",
];

/// tauri-driver, the WebDriver front for Tauri apps, installed from crates.io into
/// `target/tools` (pinned: its protocol must match Tauri 2).
const TAURI_DRIVER_VERSION: &str = "2.1.0";

/// The Rust release Carnet is built and checked with: CI, the packages and `cargo xtask`
/// use it (`rust-version` in Cargo.toml is the oldest release that compiles the code, which
/// cargo enforces). Checked here rather than pinned by a `rust-toolchain.toml`, which would
/// make rustup try to download the release on machines that cannot, instead of saying what
/// to do.
const RUST_RELEASE: &str = "1.95.0";

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => test(),
        Some("run") => run(args.iter().any(|a| a == "--demo")),
        Some("bench") => bench(),
        Some("bench-desktop") => bench_desktop(&args[1..]),
        Some("dist") => dist::dist(args.iter().any(|a| a == "--repack")),
        Some("dist-check") => dist_check::dist_check(
            args.iter()
                .skip_while(|a| *a != "--only")
                .nth(1)
                .map(String::as_str),
        ),
        _ => {
            eprintln!(
                "utilisation : cargo xtask <commande>\n\n  run [--demo]  construit et ouvre Carnet (--demo : sur des données fictives)\n  test          installe ce qu'il faut puis lance fmt, clippy et tous les tests\n  bench         lance les mesures de performance du moteur (criterion)\n  bench-desktop mesure l'application de bureau (démarrage, recherche, mémoire)\n  dist          fait les paquets d'installation dans target/dist (Debian/Ubuntu, Windows ;\n                --repack : refait le zip et l'installateur après signature)\n  dist-check    vérifie ces paquets (installation Debian, Windows sous Wine ; --only deb|windows)"
            );
            Err("commande manquante ou inconnue".into())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask : {message}");
            ExitCode::FAILURE
        }
    }
}

type Outcome = Result<(), String>;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// A cargo command at the workspace root. Every xtask build is one clean build, not an edit
/// loop, so incremental caches (gigabytes on a fresh clone) are turned off.
fn cargo() -> Command {
    let mut cmd = Command::new(env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(root()).env("CARGO_INCREMENTAL", "0");
    cmd
}

/// Runs a step, prints its name and duration, fails on a non-zero exit.
fn step(name: &str, cmd: Command) -> Outcome {
    run_step(name, cmd, None)
}

/// Runs a `cargo test` step and adds up its "test result" lines.
fn test_step(name: &str, cmd: Command, totals: &mut Totals) -> Outcome {
    run_step(name, cmd, Some(totals))
}

/// Test totals across every `cargo test` run of this task.
#[derive(Default)]
struct Totals {
    passed: u64,
    failed: u64,
}

/// Runs a step; with `totals`, echoes its output and adds up its "test result" lines.
fn run_step(name: &str, mut cmd: Command, totals: Option<&mut Totals>) -> Outcome {
    use std::io::BufRead;
    println!("==> {name}");
    let started = Instant::now();
    if totals.is_some() {
        cmd.stdout(std::process::Stdio::piped());
    }
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("{name} : impossible de lancer la commande ({e})"))?;
    if let (Some(out), Some(totals)) = (child.stdout.take(), totals) {
        for line in std::io::BufReader::new(out).lines().map_while(Result::ok) {
            println!("{line}");
            if let Some(rest) = line.strip_prefix("test result: ") {
                let count = |word: &str| {
                    rest.split(';')
                        .find_map(|part| part.trim().strip_suffix(word))
                        .and_then(|n| n.trim().rsplit(' ').next()?.parse::<u64>().ok())
                        .unwrap_or(0)
                };
                totals.passed += count(" passed");
                totals.failed += count(" failed");
            }
        }
    }
    let status = child
        .wait()
        .map_err(|e| format!("{name} : impossible d'attendre la commande ({e})"))?;
    println!("    {name} : {:.1} s", started.elapsed().as_secs_f64());
    if status.success() {
        Ok(())
    } else {
        Err(format!("échec de l'étape « {name} » ({status})"))
    }
}

/// Runs `cmd` and returns its standard output; a non-zero exit is an error that shows what
/// the command wrote.
fn output(name: &str, cmd: &mut Command) -> Result<String, String> {
    let out = cmd
        .output()
        .map_err(|e| format!("{name} : impossible de lancer la commande ({e})"))?;
    if !out.status.success() {
        return Err(format!(
            "{name} a échoué ({}) :\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn require(condition: bool, message: &str) -> Outcome {
    if condition {
        Ok(())
    } else {
        Err(message.to_string())
    }
}

/// Refuses to go on with another Rust release than [`RUST_RELEASE`].
fn check_toolchain() -> Outcome {
    let version = output("rustc --version", Command::new("rustc").arg("--version"))?;
    if version.split_whitespace().nth(1) == Some(RUST_RELEASE) {
        return Ok(());
    }
    Err(format!(
        "Carnet se construit avec Rust {RUST_RELEASE} (trouvé : {}). Installez-le avec :\n  rustup toolchain install {RUST_RELEASE} && rustup override set {RUST_RELEASE}",
        version.trim()
    ))
}

fn test() -> Outcome {
    let started = Instant::now();
    check_toolchain()?;
    ensure_packages(TEST_PACKAGES)?;
    let mut fmt = cargo();
    fmt.args(["fmt", "--all", "--check"]);
    step("cargo fmt --check", fmt)?;
    let mut clippy = cargo();
    clippy.args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--locked",
        "--",
        "-D",
        "warnings",
    ]);
    step("cargo clippy -D warnings", clippy)?;
    // The module docs are how a newcomer finds their way: a broken link fails the build.
    let mut doc = cargo();
    doc.args(["doc", "--no-deps", "--workspace", "--locked"])
        .env("RUSTDOCFLAGS", "-D warnings");
    step("cargo doc (liens et avertissements refusés)", doc)?;
    // The fuzz targets (run with cargo-fuzz on nightly, by hand) must at least still compile
    // against the engine they fuzz.
    let mut fuzz = cargo();
    fuzz.args([
        "check",
        "--locked",
        "--manifest-path",
        "crates/carnet/fuzz/Cargo.toml",
        "--bins",
    ]);
    step("cibles de fuzzing (compilation)", fuzz)?;
    ui_check()?;
    let mut tests = cargo();
    tests.args(["test", "--workspace", "--locked", "--exclude", "carnet-e2e"]);
    let mut totals = Totals::default();
    test_step(
        "cargo test (moteur, ligne de commande, application)",
        tests,
        &mut totals,
    )?;
    // "Se souvenir sur cet ordinateur" against a real Secret Service: a session bus of its
    // own with an unlocked gnome-keyring, as an officer's Linux session has (its keyrings in
    // a new folder: one left by an earlier run under another password would ask a prompt).
    let mut keystore = Command::new("dbus-run-session");
    keystore.env("CARGO_INCREMENTAL", "0").args([
        "--",
        "sh",
        "-c",
        "export XDG_DATA_HOME=\"$(mktemp -d)\" && \
         printf carnet | gnome-keyring-daemon --unlock --components=secrets >/dev/null && \
         exec \"${CARGO:-cargo}\" test --locked -p carnet-desktop --lib keystore -- --ignored",
    ]);
    test_step(
        "trousseau du système (Secret Service, gnome-keyring)",
        keystore,
        &mut totals,
    )?;
    engine_under_wine(&mut totals)?;
    let mut benches = cargo();
    // Benchmarks are compiled and run once each as tests, so they cannot rot unnoticed.
    benches.args(["test", "--locked", "-p", "carnet", "--benches"]);
    test_step("benchmarks (une itération)", benches, &mut totals)?;
    e2e(&mut totals)?;
    println!(
        "==> tout est passé en {:.0} s",
        started.elapsed().as_secs_f64()
    );
    println!("{} passed, {} failed", totals.passed, totals.failed);
    Ok(())
}

/// The window's JavaScript, which no Rust compiler sees: every catalogue text it reads exists
/// (`xtask/ui-check/catalogue.mjs`), and the modules marked `// @ts-check` agree with the
/// JSDoc types of the engine's payloads (`tsc --noEmit`, TypeScript pinned in
/// `xtask/ui-check/package-lock.json`, installed into `target/tools/ui-check`). No build step:
/// the window still loads the files as they are.
fn ui_check() -> Outcome {
    let node_found = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let npm_found = Command::new("npm")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !node_found || !npm_found {
        ensure_packages(&["nodejs", "npm"])?;
    }
    let mut catalogue = Command::new("node");
    catalogue
        .current_dir(root())
        .arg("xtask/ui-check/catalogue.mjs");
    step("interface : textes lus dans le catalogue", catalogue)?;

    let tools = root().join("target/tools/ui-check");
    let tsc = tools.join("node_modules/.bin/tsc");
    let lock = root().join("xtask/ui-check/package-lock.json");
    let installed_lock = tools.join("package-lock.json");
    let up_to_date = tsc.exists()
        && std::fs::read(&lock).ok().is_some_and(|wanted| {
            std::fs::read(&installed_lock).is_ok_and(|installed| installed == wanted)
        });
    if !up_to_date {
        std::fs::create_dir_all(&tools).map_err(|e| format!("{}: {e}", tools.display()))?;
        for name in ["package.json", "package-lock.json"] {
            std::fs::copy(root().join("xtask/ui-check").join(name), tools.join(name))
                .map_err(|e| format!("{name}: {e}"))?;
        }
        let mut install = Command::new("npm");
        install
            .current_dir(&tools)
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"]);
        step("interface : installation de TypeScript (npm ci)", install)?;
    }
    let mut check = Command::new(&tsc);
    check.current_dir(root()).args(["-p", "ui/jsconfig.json"]);
    step("interface : types JSDoc (tsc --noEmit)", check)
}

/// The engine's tests cross-built for Windows (where most officers work) and run under Wine:
/// paths, file replacement and locking behave as on Windows, and the build for the Windows
/// packages cannot break unnoticed.
fn engine_under_wine(totals: &mut Totals) -> Outcome {
    ensure_packages(wine::PACKAGES)?;
    dist::ensure_windows_target()?;
    let wine = wine::Wine::new(&root().join("target/wine-tests"))?;
    let mut tests = cargo();
    tests
        .args([
            "test",
            "--locked",
            "--target",
            dist::WINDOWS_TARGET,
            "-p",
            "carnet",
            "--lib",
            "--tests",
        ])
        .env("CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER", wine::WINE64)
        // insta would ask `cargo metadata` for the workspace, which a Windows process under
        // Wine cannot start.
        .env("INSTA_WORKSPACE_ROOT", wine::windows_path(&root()))
        .envs(wine.environment());
    test_step("moteur sous Windows (Wine)", tests, totals)
}

/// Builds the desktop app and drives it through WebDriver under a virtual display.
fn e2e(totals: &mut Totals) -> Outcome {
    let mut build = cargo();
    build.args(["build", "--locked", "-p", "carnet-desktop"]);
    step("construction de l'application de bureau", build)?;
    let (_xvfb, _driver, display, port) = webdriver_environment()?;
    let mut tests = cargo();
    tests
        .args([
            "test",
            "--locked",
            "-p",
            "carnet-e2e",
            "--",
            "--test-threads=1",
        ])
        .env("CARNET_WEBDRIVER", format!("http://127.0.0.1:{port}"))
        .env(
            "CARNET_DESKTOP_BIN",
            root().join("target/debug/carnet-desktop"),
        )
        .env("DISPLAY", format!(":{display}"));
    test_step("tests de bout en bout (fenêtre réelle)", tests, totals)?;
    println!(
        "    captures d'écran : {}",
        root().join("target/e2e-screens").display()
    );
    Ok(())
}

/// Xvfb on a free display and tauri-driver on a free port; both stop when dropped.
fn webdriver_environment() -> Result<(Background, Background, u32, u16), String> {
    let driver = ensure_tauri_driver()?;
    let display = free_display()?;
    let port = free_port()?;
    let xvfb = xvfb(display, "1920x1080x24")?;
    let mut driver_cmd = Command::new(driver);
    driver_cmd
        .args([
            "--port",
            &port.to_string(),
            "--native-port",
            &(port + 1).to_string(),
        ])
        .env("DISPLAY", format!(":{display}"))
        .env("NO_AT_BRIDGE", "1")
        .env("LANG", "C.UTF-8")
        // No session bus, so no Secret Service: the window is tested as on a machine without
        // a keystore, whatever the developer's desktop has.
        .env_remove("DBUS_SESSION_BUS_ADDRESS");
    let driver = Background::spawn("tauri-driver", &mut driver_cmd)?;
    wait_for_port(port)?;
    Ok((xvfb, driver, display, port))
}

/// Start-up, search latency and memory of the release app on the 10-year demo, next to a
/// bare Tauri window (numbers for docs/performance.md).
/// `extra`: `--first-sync FOLDER TEAM_PASSPHRASE_FILE` measures a new device's first sync of
/// that folder in the window instead (see `tests/src/bin/measure-desktop.rs`).
fn bench_desktop(extra: &[String]) -> Outcome {
    ensure_packages(TEST_PACKAGES)?;
    let mut build = cargo();
    build.args([
        "build",
        "--release",
        "--locked",
        "-p",
        "carnet-desktop",
        "-p",
        "carnet-bare-window",
        "-p",
        "carnet-cli",
        "-p",
        "carnet-e2e",
    ]);
    step("construction (release)", build)?;
    let db = root().join("target/demo/bench-10-ans.db");
    // Made again when missing, or left from before encryption (no key file beside it).
    if !db.exists() || !root().join("target/demo/bench-10-ans.db.key").exists() {
        demo_database(&db)?;
    }
    let (_xvfb, _driver, display, port) = webdriver_environment()?;
    let mut measure = Command::new(root().join("target/release/measure-desktop"));
    measure
        .arg(root().join("target/release/carnet-desktop"))
        .arg(root().join("target/release/carnet-bare-window"))
        .arg(&db)
        .args(extra)
        .env("CARNET_WEBDRIVER", format!("http://127.0.0.1:{port}"))
        .env("CARNET_PASSPHRASE_FILE", demo_passphrase_file()?)
        .env("DISPLAY", format!(":{display}"));
    step("mesures", measure)
}

/// A virtual X display `:display` of the given screen size, stopped when dropped.
fn xvfb(display: u32, screen: &str) -> Result<Background, String> {
    let xvfb = Background::spawn(
        "Xvfb",
        Command::new("Xvfb").args([
            &format!(":{display}"),
            "-screen",
            "0",
            screen,
            "-nolisten",
            "tcp",
        ]),
    )?;
    std::thread::sleep(std::time::Duration::from_millis(500));
    Ok(xvfb)
}

/// A helper process (Xvfb, tauri-driver) stopped when the task ends, even on failure.
struct Background(std::process::Child, &'static str);

impl Background {
    fn spawn(name: &'static str, cmd: &mut Command) -> Result<Background, String> {
        cmd.stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .map(|child| Background(child, name))
            .map_err(|e| format!("impossible de lancer {name} : {e}"))
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
        let _ = self.1;
    }
}

fn ensure_tauri_driver() -> Result<PathBuf, String> {
    let tools = root().join("target/tools");
    let driver = tools.join("bin/tauri-driver");
    let version_ok = Command::new(&driver)
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains(TAURI_DRIVER_VERSION))
        .unwrap_or(false);
    if !version_ok {
        let mut install = cargo();
        install.args([
            "install",
            "--locked",
            "--root",
            &tools.display().to_string(),
            "--version",
            TAURI_DRIVER_VERSION,
            "tauri-driver",
        ]);
        step("installation de tauri-driver", install)?;
    }
    Ok(driver)
}

/// An X display number nobody uses.
fn free_display() -> Result<u32, String> {
    (90..200)
        .find(|n| {
            !Path::new(&format!("/tmp/.X{n}-lock")).exists()
                && !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
        })
        .ok_or_else(|| "aucun écran virtuel libre (:90 à :199)".to_string())
}

/// A free TCP port on the loopback, with the next one free too (tauri-driver's native port).
fn free_port() -> Result<u16, String> {
    (4444..4544)
        .step_by(2)
        .find(|p| {
            std::net::TcpListener::bind(("127.0.0.1", *p)).is_ok()
                && std::net::TcpListener::bind(("127.0.0.1", p + 1)).is_ok()
        })
        .ok_or_else(|| "aucun port libre pour tauri-driver".to_string())
}

fn wait_for_port(port: u16) -> Outcome {
    let deadline = Instant::now() + std::time::Duration::from_secs(20);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    Err(format!("tauri-driver ne répond pas sur le port {port}"))
}

/// The passphrase of the demo notebooks (fictional data: it is no secret).
const DEMO_PASSPHRASE: &str = "démonstration de Carnet, personnes fictives";

/// The file holding [`DEMO_PASSPHRASE`], beside the demo notebooks.
fn demo_passphrase_file() -> Result<PathBuf, String> {
    let path = root().join("target/demo/phrase-de-passe-demo.txt");
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("dossier {dir:?} : {e}"))?;
    }
    std::fs::write(&path, DEMO_PASSPHRASE).map_err(|e| format!("{path:?} : {e}"))?;
    Ok(path)
}

/// A fresh 10-year fictional demo notebook at `db`, encrypted under [`DEMO_PASSPHRASE`],
/// made by the release `carnet`.
fn demo_database(db: &Path) -> Outcome {
    if let Some(dir) = db.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("dossier {dir:?} : {e}"))?;
    }
    for suffix in ["", "-wal", "-shm", ".key", ".remember"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    let mut generate = Command::new(root().join("target/release/carnet"));
    generate
        .arg("--db")
        .arg(db)
        .env("CARNET_PASSPHRASE_FILE", demo_passphrase_file()?)
        .args(["demo", "--seed", "1", "--years", "10"]);
    step("données de démonstration fictives (10 ans)", generate)
}

/// The release build of the desktop app and the `carnet` command, for `target` (the host's
/// when `None`).
fn release_build(target: Option<&str>) -> Command {
    let mut build = cargo();
    build.args(["build", "--release", "--locked"]);
    if let Some(target) = target {
        build.args(["--target", target]);
    }
    build.args(["-p", "carnet-desktop", "-p", "carnet-cli"]);
    build
}

fn run(demo: bool) -> Outcome {
    check_toolchain()?;
    ensure_packages(RUN_PACKAGES)?;
    step("construction de Carnet", release_build(None))?;
    let mut app = Command::new(root().join("target/release/carnet-desktop"));
    if demo {
        let db = root().join("target/demo/carnet-demo.db");
        demo_database(&db)?;
        app.arg("--db").arg(&db);
        println!("Phrase de passe du carnet de démonstration : {DEMO_PASSPHRASE}");
    }
    if env::var_os("DISPLAY").is_none() && env::var_os("WAYLAND_DISPLAY").is_none() {
        return Err(
            "aucun écran graphique (DISPLAY) : lancez « cargo xtask run » depuis une session de bureau."
                .into(),
        );
    }
    step("Carnet", app)
}

fn bench() -> Outcome {
    // The letter benchmark compares with LibreOffice headless, the way offices make letters.
    ensure_packages(&["libreoffice-writer-nogui", "sqlite3"])?;
    let mut bench = cargo();
    bench.args(["bench", "--locked", "-p", "carnet"]);
    step("cargo bench", bench)
}

/// Installs missing Debian packages (as root), or says exactly what to run.
fn ensure_packages(packages: &[&str]) -> Outcome {
    if !Path::new("/usr/bin/dpkg-query").exists() {
        println!("==> pas de dpkg : vérification des paquets système ignorée");
        return Ok(());
    }
    let missing: Vec<&str> = packages.iter().copied().filter(|p| !installed(p)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false);
    let command = format!(
        "apt-get update && apt-get install -y --no-install-recommends {}",
        missing.join(" ")
    );
    if !is_root {
        return Err(format!(
            "paquets système manquants : {}. Installez-les avec :\n  sudo sh -c '{command}'",
            missing.join(", ")
        ));
    }
    let mut apt = Command::new("sh");
    apt.args(["-c", &command])
        .env("DEBIAN_FRONTEND", "noninteractive");
    step(&format!("installation de {}", missing.join(", ")), apt)
}

fn installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        .unwrap_or(false)
}
