//! `carnet`: the command line over the Carnet engine.
//!
//! Thin by design: it parses arguments, supplies what the engine must not decide by itself
//! (the system clock, a new device id, the database path) and prints results. Every error,
//! including a bad argument, ends as one French line on stderr and exit code 1; a panic is
//! caught by a hook that prints a short French line instead of a backtrace.

mod args;
mod commands;
mod notebook_access;
mod output;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use carnet::Error;

use crate::args::Cli;

/// An error of the command line: the engine's, or one of the CLI's own.
#[derive(Debug)]
enum CliError {
    Engine(Error),
    Usage(String),
    Io(std::io::Error),
}

impl From<Error> for CliError {
    fn from(e: Error) -> Self {
        CliError::Engine(e)
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError::Io(e)
    }
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CliError::Engine(e) => write!(f, "{e}"),
            CliError::Usage(m) => write!(f, "{m}"),
            CliError::Io(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            CliError::Io(e) => write!(f, "erreur d'écriture : {e}"),
        }
    }
}

fn main() -> ExitCode {
    carnet_heap::return_freed_memory_at_once();
    std::panic::set_hook(Box::new(|_| {
        eprintln!(
            "carnet : erreur interne inattendue. Aucune donnée n'a été modifiée par l'opération en cours ; merci de signaler le problème."
        );
    }));
    let cli = match args::parse() {
        Ok(cli) => cli,
        Err(exit) => return exit,
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError::Io(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("carnet : {e}");
            ExitCode::FAILURE
        }
    }
}

/// The default database: the desktop app's, in the OS data folder (never a shared folder).
fn default_db() -> Result<PathBuf, CliError> {
    directories::BaseDirs::new()
        .map(|dirs| carnet::notebook_location::default_in(dirs.data_dir()))
        .ok_or_else(|| {
            CliError::Usage(
                "impossible de trouver le dossier de données de l'utilisateur : indiquez la base avec --db CHEMIN.".into(),
            )
        })
}

fn db_path(cli: &Cli) -> Result<PathBuf, CliError> {
    match &cli.db {
        Some(path) => Ok(path.clone()),
        None => default_db(),
    }
}

fn run(cli: Cli) -> Result<(), CliError> {
    let mut ctx = commands::Context {
        path: db_path(&cli)?,
        default_location: cli.db.is_none(),
        passphrase_file: cli.passphrase_file.clone(),
        out: std::io::stdout().lock(),
    };
    commands::run(&mut ctx, cli.command)?;
    ctx.out.flush()?;
    Ok(())
}
