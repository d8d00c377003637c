//! Windows programs run here under Wine, for `cargo xtask test` (the engine's tests
//! cross-built for Windows) and `cargo xtask dist-check` (the packaged programs).
//!
//! Each use gets a fresh prefix (a Windows installation in a folder), quiet (no debug
//! output, no Mono or Gecko prompts) and with one fix: Debian 12's Wine 8 has no
//! `bcryptprimitives.dll`, from which Rust's standard library imports `ProcessPrng`, so no
//! Rust program starts under it. The stand-in of `xtask/wine/` is built with mingw-w64 into
//! the prefix's system32, as Windows 10 and 11 have the real one there: it is a fixture of
//! these checks, never shipped.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{Outcome, output, require, root, step};

/// Wine's 64-bit loader, as Debian's `wine64` package installs it.
pub const WINE64: &str = "/usr/lib/wine/wine64";

/// Debian packages for running Windows programs here: Wine, and mingw-w64 to cross-build
/// them (and the stand-in DLL).
pub const PACKAGES: &[&str] = &["wine", "wine64", "mingw-w64"];

/// A fresh Wine prefix, with the `ProcessPrng` stand-in as a system DLL.
pub struct Wine {
    prefix: PathBuf,
}

impl Wine {
    pub fn new(prefix: &Path) -> Result<Wine, String> {
        let wine = Wine {
            prefix: prefix.to_path_buf(),
        };
        if prefix.exists() {
            std::fs::remove_dir_all(prefix).map_err(|e| format!("{} : {e}", prefix.display()))?;
        }
        let mut boot = Command::new(WINE64);
        boot.arg("wineboot").arg("--init").envs(wine.environment());
        step("préfixe Wine neuf", boot)?;
        wine.wait()?;
        let dll = prefix.join("drive_c/windows/system32/bcryptprimitives.dll");
        let mut gcc = Command::new("x86_64-w64-mingw32-gcc");
        gcc.args(["-shared", "-O2", "-o"])
            .arg(&dll)
            .arg(root().join("xtask/wine/bcryptprimitives.c"));
        step(
            "bcryptprimitives.dll de remplacement (pour Wine seulement)",
            gcc,
        )?;
        Ok(wine)
    }

    pub fn environment(&self) -> Vec<(String, String)> {
        vec![
            ("WINEPREFIX".into(), self.prefix.display().to_string()),
            ("WINEDEBUG".into(), "-all".into()),
            // No Mono or Gecko install prompts: Carnet needs neither.
            ("WINEDLLOVERRIDES".into(), "mscoree,mshtml=".into()),
            ("LANG".into(), "C.UTF-8".into()),
        ]
    }

    pub fn run(&self, exe: &Path, args: &[&str]) -> Result<String, String> {
        self.run_with(exe, args, &[])
    }

    /// Runs `exe` under Wine; Unix paths in `env` are given as Windows paths (Z:).
    pub fn run_with(
        &self,
        exe: &Path,
        args: &[&str],
        env: &[(&str, &Path)],
    ) -> Result<String, String> {
        let mut cmd = Command::new(WINE64);
        cmd.arg(exe).args(args).envs(self.environment());
        for (name, path) in env {
            cmd.env(name, windows_path(path));
        }
        let shown = format!(
            "{} {}",
            exe.file_name().unwrap_or_default().to_string_lossy(),
            args.join(" ")
        );
        output(&shown, &mut cmd)
    }

    /// Waits until every program of the prefix has ended (an uninstaller restarts itself).
    pub fn wait(&self) -> Outcome {
        let status = Command::new("wineserver")
            .arg("-w")
            .envs(self.environment())
            .status()
            .map_err(|e| format!("wineserver : {e}"))?;
        require(status.success(), "wineserver -w a échoué")
    }

    /// The Wine user's profile folder (`C:\users\<user>`).
    pub fn profile(&self) -> Result<PathBuf, String> {
        let users = self.prefix.join("drive_c/users");
        let user = std::env::var("USER").unwrap_or_else(|_| "root".into());
        let profile = users.join(user);
        require(
            profile.is_dir(),
            &format!("profil Wine introuvable : {}", profile.display()),
        )?;
        Ok(profile)
    }
}

/// A Unix path as Windows programs under Wine see it (drive Z: is the Unix root).
pub fn windows_path(path: &Path) -> String {
    format!("Z:{}", path.display().to_string().replace('/', "\\"))
}
