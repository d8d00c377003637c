//! `cargo xtask run | test | bench`: the project's two commands, on a fresh Debian or Ubuntu.
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

/// Debian packages the tests need. The engine builds SQLite from source (rusqlite's `bundled`
/// feature), so a C toolchain is all it takes for now; the desktop app, letters and reports
/// add theirs here (WebKitGTK driver, Xvfb, poppler-utils…) when they arrive.
const TEST_PACKAGES: &[&str] = &["build-essential"];

/// Debian packages `run` needs.
const RUN_PACKAGES: &[&str] = &["build-essential"];

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => test(),
        Some("run") => run(args.iter().any(|a| a == "--demo")),
        Some("bench") => bench(),
        _ => {
            eprintln!(
                "utilisation : cargo xtask <commande>\n\n  run [--demo]  construit et ouvre Carnet (--demo : sur des données fictives)\n  test          installe ce qu'il faut puis lance fmt, clippy et tous les tests\n  bench         lance les mesures de performance (criterion)"
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

fn cargo() -> Command {
    let mut cmd = Command::new(env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(root());
    cmd
}

/// Runs a step, prints its name and duration, fails on a non-zero exit.
fn step(name: &str, mut cmd: Command) -> Outcome {
    println!("==> {name}");
    let started = Instant::now();
    let status = cmd
        .status()
        .map_err(|e| format!("{name} : impossible de lancer la commande ({e})"))?;
    println!("    {name} : {:.1} s", started.elapsed().as_secs_f64());
    if status.success() {
        Ok(())
    } else {
        Err(format!("échec de l'étape « {name} » ({status})"))
    }
}

fn test() -> Outcome {
    let started = Instant::now();
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
    let mut tests = cargo();
    tests.args(["test", "--workspace", "--locked"]);
    step("cargo test", tests)?;
    let mut benches = cargo();
    // Benchmarks are compiled and run once each as tests, so they cannot rot unnoticed.
    benches.args(["test", "--locked", "-p", "carnet", "--benches"]);
    step("benchmarks (une itération)", benches)?;
    println!(
        "==> tout est passé en {:.0} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn run(demo: bool) -> Outcome {
    ensure_packages(RUN_PACKAGES)?;
    let mut build = cargo();
    build.args(["build", "--release", "--locked", "-p", "carnet-cli"]);
    step("construction de carnet", build)?;
    let carnet = root().join("target/release/carnet");
    println!(
        "L'application de bureau arrive avec le ticket #3 ; en attendant, « run » ouvre le carnet en ligne de commande."
    );
    let mut args: Vec<String> = Vec::new();
    if demo {
        let db = root().join("target/demo/carnet-demo.db");
        if let Some(dir) = db.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("dossier {dir:?} : {e}"))?;
        }
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
        }
        args.extend(["--db".into(), db.display().to_string()]);
        let mut generate = Command::new(&carnet);
        generate
            .args(&args)
            .args(["demo", "--seed", "1", "--years", "10"]);
        step("données de démonstration (10 ans)", generate)?;
    } else {
        let mut stats = Command::new(&carnet);
        stats.arg("stats");
        if !stats.output().map(|o| o.status.success()).unwrap_or(false) {
            let mut init = Command::new(&carnet);
            init.arg("init");
            step("création du carnet", init)?;
        }
    }
    let mut stats = Command::new(&carnet);
    stats.args(&args).arg("stats");
    step("carnet stats", stats)?;
    println!(
        "Pour la suite : {} {}--help",
        carnet.display(),
        args.iter().map(|a| format!("{a} ")).collect::<String>()
    );
    Ok(())
}

fn bench() -> Outcome {
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
