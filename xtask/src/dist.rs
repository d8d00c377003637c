//! `cargo xtask dist`: the files an officer installs Carnet from, made here on Debian with no
//! download beyond the package registries, into `target/dist/`:
//!
//! - `carnet_<version>_amd64.deb` for Debian 12 and Ubuntu 22.04 or later: the desktop app
//!   with its menu entry and icon, and the `carnet` command. Built with `dpkg-deb` from a tree
//!   laid out here, its dependencies computed by `dpkg-shlibdeps` from the binaries
//!   themselves (so WebKitGTK 4.1, GTK and libssl are declared at the versions the build
//!   linked against). Tauri's bundler would do the same with one more tool to install; an
//!   AppImage needs downloads at build time and is left out.
//! - `carnet-<version>-windows-x86_64.zip`, the portable folder, and
//!   `carnet-<version>-setup.exe`, the per-user installer (`packaging/windows/carnet.nsi`,
//!   Debian's makensis): both cross-built with the `x86_64-pc-windows-gnu` target and
//!   Debian's mingw-w64. Tauri's own NSIS bundler downloads a plug-in while building, which
//!   these machines cannot.
//!
//! Binaries are stripped copies of the release builds (the release builds keep their symbols
//! for profiling). What is made is checked by `cargo xtask dist-check` (`dist_check.rs`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::{Outcome, ensure_packages, release_build, root, step};

/// The Windows target, cross-built with mingw-w64.
pub const WINDOWS_TARGET: &str = "x86_64-pc-windows-gnu";

/// Debian packages `dist` needs: what `run` needs to build the Linux app, `dpkg-shlibdeps`,
/// the Windows cross toolchain (mingw-w64, whose windres compiles the .exe resources),
/// makensis and zip.
const DIST_PACKAGES: &[&str] = &[
    "build-essential",
    "libwebkit2gtk-4.1-dev",
    "libxdo-dev",
    "libssl-dev",
    "dpkg-dev",
    "mingw-w64",
    "nsis",
    "zip",
];

/// Carnet's version, from the workspace (the xtask shares it).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Reproducible file dates inside the packages: 2026-01-01 00:00 UTC (the package is the
/// same for the same sources, whenever it is made).
const SOURCE_DATE_EPOCH: &str = "1767225600";

/// `target/dist`.
pub fn dist_dir() -> PathBuf {
    root().join("target/dist")
}

/// The .deb's file name.
pub fn deb_name() -> String {
    format!("carnet_{VERSION}_amd64.deb")
}

/// The portable zip's file name.
pub fn zip_name() -> String {
    format!("carnet-{VERSION}-windows-x86_64.zip")
}

/// The installer's file name.
pub fn setup_name() -> String {
    format!("carnet-{VERSION}-setup.exe")
}

/// Everything: both builds, then the three files. With `repack`, only the zip and the
/// installer again, from `target/dist/windows/Carnet` as it is (after a structure signed the
/// two programs there: README, "Signing for Windows").
pub fn dist(repack: bool) -> Outcome {
    let started = Instant::now();
    if repack {
        ensure_packages(&["nsis", "zip"])?;
        let out = dist_dir();
        let folder = out.join("windows/Carnet");
        if !folder.join("carnet-desktop.exe").is_file() {
            return Err(format!(
                "{} est vide : lancez d'abord « cargo xtask dist »",
                folder.display()
            ));
        }
        for file in [out.join(zip_name()), out.join(setup_name())] {
            if file.exists() {
                std::fs::remove_file(&file).map_err(|e| format!("{} : {e}", file.display()))?;
            }
        }
        let zip = windows_zip(&out, &folder)?;
        let setup = windows_installer(&out, &folder)?;
        for file in [zip, setup] {
            println!("    {:>8.1} Mo  {}", megabytes(&file)?, file_name(&file));
        }
        return Ok(());
    }
    ensure_packages(DIST_PACKAGES)?;
    ensure_windows_target()?;
    step("construction pour Linux (release)", release_build(None))?;
    step(
        "construction pour Windows (release, mingw-w64)",
        release_build(Some(WINDOWS_TARGET)),
    )?;
    let out = dist_dir();
    recreate(&out)?;
    let deb = deb(&out)?;
    let folder = windows_folder(&out)?;
    let zip = windows_zip(&out, &folder)?;
    let setup = windows_installer(&out, &folder)?;
    println!("==> paquets dans {}", out.display());
    for file in [deb, zip, setup] {
        println!("    {:>8.1} Mo  {}", megabytes(&file)?, file_name(&file));
    }
    println!(
        "==> cargo xtask dist : {:.0} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Adds the Windows target to the toolchain when it is missing (rustup fetches its standard
/// library from the Rust project's registry of toolchains).
pub fn ensure_windows_target() -> Outcome {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains(WINDOWS_TARGET))
        .unwrap_or(false);
    if installed {
        return Ok(());
    }
    let mut add = Command::new("rustup");
    add.args(["target", "add", WINDOWS_TARGET]);
    step("ajout de la cible Windows à Rust", add)
}

/// The Debian package, from a tree laid out as installed.
fn deb(out: &Path) -> Result<PathBuf, String> {
    println!("==> paquet Debian");
    let tree = out.join("deb-root");
    let release = root().join("target/release");
    let packaging = root().join("packaging/linux");
    let icons = root().join("src-tauri/icons");
    for binary in ["carnet", "carnet-desktop"] {
        stripped_copy(
            "strip",
            &release.join(binary),
            &tree.join("usr/bin").join(binary),
        )?;
    }
    copy(
        &packaging.join("fr.citeslab.carnet.desktop"),
        &tree.join("usr/share/applications/fr.citeslab.carnet.desktop"),
    )?;
    for (size, file) in [
        ("32x32", "32x32.png"),
        ("128x128", "128x128.png"),
        ("256x256", "icon.png"),
    ] {
        copy(
            &icons.join(file),
            &tree
                .join("usr/share/icons/hicolor")
                .join(size)
                .join("apps/fr.citeslab.carnet.png"),
        )?;
    }
    let license = read(&root().join("LICENSE"))?;
    write(
        &tree.join("usr/share/doc/carnet/copyright"),
        &format!(
            "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\
             Upstream-Name: Carnet\n\n\
             Files: *\nCopyright: Carnet\nLicense: EUPL-1.2\n\n\
             License: EUPL-1.2\n{}",
            license
                .lines()
                .map(|l| if l.trim().is_empty() {
                    " .".to_string()
                } else {
                    format!(" {l}")
                })
                .collect::<Vec<_>>()
                .join("\n")
                + "\n"
        ),
    )?;
    let depends = shared_library_depends(out, &tree)?;
    let control = read(&packaging.join("control.in"))?
        .replace("@VERSION@", VERSION)
        .replace("@INSTALLED_SIZE@", &kibibytes(&tree)?.to_string())
        .replace("@DEPENDS@", &depends);
    write(&tree.join("DEBIAN/control"), &control)?;
    normalise_dates(&tree)?;
    let deb = out.join(deb_name());
    let mut build = Command::new("dpkg-deb");
    build
        .args(["--root-owner-group", "-Zxz", "--build"])
        .arg(&tree)
        .arg(&deb)
        .env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH);
    step("dpkg-deb --build", build)?;
    Ok(deb)
}

/// The package's `Depends`, from the shared libraries its binaries link against
/// (`dpkg-shlibdeps`, which needs a `debian/control` naming the package).
fn shared_library_depends(out: &Path, tree: &Path) -> Result<String, String> {
    let work = out.join("shlibdeps");
    write(
        &work.join("debian/control"),
        "Source: carnet\n\nPackage: carnet\nArchitecture: amd64\n",
    )?;
    let output = Command::new("dpkg-shlibdeps")
        .current_dir(&work)
        .arg("-O")
        .arg(format!("-e{}", tree.join("usr/bin/carnet").display()))
        .arg(format!(
            "-e{}",
            tree.join("usr/bin/carnet-desktop").display()
        ))
        .output()
        .map_err(|e| format!("dpkg-shlibdeps : {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "dpkg-shlibdeps a échoué : {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let _ = std::fs::remove_dir_all(&work);
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("shlibs:Depends="))
        .map(str::to_string)
        .filter(|d| d.contains("libwebkit2gtk-4.1"))
        .ok_or_else(|| "dpkg-shlibdeps n'a pas trouvé WebKitGTK 4.1 parmi les dépendances".into())
}

/// The folder both Windows files are made from: the two stripped programs, the WebView2
/// loader they need beside them, the icon and a short French read-me.
fn windows_folder(out: &Path) -> Result<PathBuf, String> {
    println!("==> dossier Windows");
    let folder = out.join("windows/Carnet");
    let release = root().join("target").join(WINDOWS_TARGET).join("release");
    for binary in ["carnet.exe", "carnet-desktop.exe"] {
        stripped_copy(
            "x86_64-w64-mingw32-strip",
            &release.join(binary),
            &folder.join(binary),
        )?;
    }
    copy(&webview2_loader()?, &folder.join("WebView2Loader.dll"))?;
    copy(
        &root().join("src-tauri/icons/icon.ico"),
        &folder.join("carnet.ico"),
    )?;
    // Windows line ends, for Notepad of any age.
    let readme = read(&root().join("packaging/windows/LISEZMOI.txt"))?.replace('\n', "\r\n");
    write(&folder.join("LISEZMOI.txt"), &readme)?;
    normalise_dates(&folder)?;
    Ok(folder)
}

/// `WebView2Loader.dll` as the webview2-com-sys crate ships it for x64, from the latest
/// release build (a GNU-target Tauri app loads it at run time; MSVC builds link it in).
fn webview2_loader() -> Result<PathBuf, String> {
    let build = root()
        .join("target")
        .join(WINDOWS_TARGET)
        .join("release/build");
    let entries = std::fs::read_dir(&build).map_err(|e| format!("{} : {e}", build.display()))?;
    entries
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("webview2-com-sys-")
        })
        .map(|e| e.path().join("out/x64/WebView2Loader.dll"))
        .filter(|p| p.is_file())
        .max_by_key(|p| p.metadata().and_then(|m| m.modified()).ok())
        .ok_or_else(|| {
            format!(
                "WebView2Loader.dll introuvable sous {} (construction Windows incomplète ?)",
                build.display()
            )
        })
}

/// The portable zip: the `Carnet` folder, to unpack anywhere and open.
fn windows_zip(out: &Path, folder: &Path) -> Result<PathBuf, String> {
    let zip = out.join(zip_name());
    let parent = folder
        .parent()
        .ok_or_else(|| "dossier Windows sans parent".to_string())?;
    let mut cmd = Command::new("zip");
    cmd.current_dir(parent)
        .args(["-X", "-r", "-9", "-q"])
        .arg(&zip)
        .arg("Carnet");
    step("zip portable", cmd)?;
    Ok(zip)
}

/// The per-user installer, from `packaging/windows/carnet.nsi`.
fn windows_installer(out: &Path, folder: &Path) -> Result<PathBuf, String> {
    let setup = out.join(setup_name());
    let mut cmd = Command::new("makensis");
    cmd.arg("-V2")
        .arg(format!("-DVERSION={VERSION}"))
        .arg(format!("-DSOURCE={}", folder.display()))
        .arg(format!("-DOUTFILE={}", setup.display()))
        .arg(root().join("packaging/windows/carnet.nsi"))
        .env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH);
    step("installateur (makensis)", cmd)?;
    Ok(setup)
}

fn recreate(dir: &Path) -> Outcome {
    if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(|e| format!("{} : {e}", dir.display()))?;
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("{} : {e}", dir.display()))
}

fn create_parent(path: &Path) -> Outcome {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("{} : {e}", parent.display()))?;
    }
    Ok(())
}

fn copy(from: &Path, to: &Path) -> Outcome {
    create_parent(to)?;
    std::fs::copy(from, to)
        .map(|_| ())
        .map_err(|e| format!("copie de {} : {e}", from.display()))
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{} : {e}", path.display()))
}

fn write(path: &Path, text: &str) -> Outcome {
    create_parent(path)?;
    std::fs::write(path, text).map_err(|e| format!("{} : {e}", path.display()))
}

/// A stripped copy of `from` at `to` (mode 0755 on Unix), by `strip`, the toolchain's strip.
fn stripped_copy(strip: &str, from: &Path, to: &Path) -> Outcome {
    if !from.is_file() {
        return Err(format!(
            "{} manque : la construction a-t-elle eu lieu ?",
            from.display()
        ));
    }
    create_parent(to)?;
    let mut cmd = Command::new(strip);
    cmd.arg("--strip-unneeded").arg("-o").arg(to).arg(from);
    let status = cmd
        .status()
        .map_err(|e| format!("impossible de lancer {strip} : {e}"))?;
    if !status.success() {
        return Err(format!("{strip} {} a échoué ({status})", from.display()));
    }
    set_mode(to, 0o755)
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> Outcome {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(|e| format!("{} : {e}", path.display()))
}

#[cfg(not(unix))]
fn set_mode(_: &Path, _: u32) -> Outcome {
    Ok(())
}

/// Every file and folder under `dir` dated [`SOURCE_DATE_EPOCH`], and readable by all.
fn normalise_dates(dir: &Path) -> Outcome {
    let mut touch = Command::new("sh");
    touch.arg("-c").arg(format!(
        "find '{}' -exec touch -h -d @{SOURCE_DATE_EPOCH} {{}} + && chmod -R u+rwX,go+rX,go-w '{}'",
        dir.display(),
        dir.display()
    ));
    let status = touch.status().map_err(|e| format!("touch : {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "dates des fichiers de {} ({status})",
            dir.display()
        ))
    }
}

/// Size of the files under `dir` but its `DEBIAN` folder, in KiB (the control file's
/// `Installed-Size`).
fn kibibytes(dir: &Path) -> Result<u64, String> {
    fn walk(dir: &Path, total: &mut u64) -> std::io::Result<()> {
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            if entry.file_name() == "DEBIAN" {
                continue;
            }
            let kind = entry.file_type()?;
            if kind.is_dir() {
                walk(&entry.path(), total)?;
            } else {
                *total += entry.metadata()?.len().div_ceil(1024);
            }
        }
        Ok(())
    }
    let mut total = 0;
    walk(dir, &mut total).map_err(|e| format!("{} : {e}", dir.display()))?;
    Ok(total)
}

/// Size of `path` in MB.
pub fn megabytes(path: &Path) -> Result<f64, String> {
    std::fs::metadata(path)
        .map(|m| m.len() as f64 / 1_000_000.0)
        .map_err(|e| format!("{} : {e}", path.display()))
}

pub fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}
