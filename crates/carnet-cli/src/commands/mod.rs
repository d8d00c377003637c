//! One function per subcommand, grouped by what they do to the notebook: making and opening
//! it ([`notebook`]), reading it ([`reading`]), changing it ([`writing`]), the documents the
//! officer hands out ([`documents`]), and the shared folder ([`sync_folder`]). [`run`] only
//! dispatches; every subcommand gets the same [`Context`].

mod documents;
mod notebook;
pub(crate) mod reading;
mod sync_folder;
mod writing;

use std::path::PathBuf;

use carnet::Store;

use crate::args::{Command, PassphraseCommand};
use crate::{CliError, notebook_access};

/// What every subcommand gets: the notebook's path (and whether it is the default one), the
/// file holding its passphrase if one was named, and standard output.
pub(crate) struct Context {
    pub path: PathBuf,
    pub default_location: bool,
    pub passphrase_file: Option<PathBuf>,
    pub out: std::io::StdoutLock<'static>,
}

impl Context {
    /// Opens the notebook, asking for its passphrase if it is encrypted.
    pub fn open(&self) -> Result<Store, CliError> {
        notebook_access::open(&self.path, self.passphrase_file.as_deref())
    }
}

/// Runs `command`.
pub(crate) fn run(ctx: &mut Context, command: Command) -> Result<(), CliError> {
    match command {
        Command::Init {
            officer,
            territory,
            recovery_sheet,
        } => notebook::init(ctx, officer, territory, recovery_sheet),
        Command::Demo {
            seed,
            years,
            until,
            json,
            plaintext,
        } => notebook::demo(ctx, seed, years, until, json, plaintext),
        Command::Stats { json } => reading::stats(ctx, json),
        Command::List { what, year, json } => reading::list(ctx, what, year, json),
        Command::Digest => reading::digest(ctx),
        Command::Check { json } => reading::check(ctx, json),
        Command::Search { text, json } => reading::search(ctx, text, json),
        Command::Timeline { person, json } => reading::timeline(ctx, person, json),
        Command::AccessExport { person, out: file } => reading::access_export(ctx, person, file),
        Command::Audit {
            since,
            json,
            verify,
        } => reading::audit(ctx, since, json, verify),
        Command::Followups { until, json } => reading::followups(ctx, until, json),
        Command::Import {
            file,
            dry_run,
            json,
        } => writing::import(ctx, file, dry_run, json),
        Command::Duplicates { json } => reading::duplicates(ctx, json),
        Command::Merge { keep, other, take } => writing::merge(ctx, keep, other, take),
        Command::Separate { person } => writing::separate(ctx, person),
        Command::NotDuplicate { first, second } => writing::not_duplicate(ctx, first, second),
        Command::Retention {
            json,
            set_months,
            prolong,
            until,
            reason,
        } => writing::retention(ctx, json, set_months, prolong, until, reason),
        Command::Sync {
            folder,
            device_name,
            json,
            new_passphrase,
            new_passphrase_file,
            new_team,
        } => sync_folder::sync(
            ctx,
            folder,
            device_name,
            json,
            new_passphrase,
            new_passphrase_file,
            new_team,
        ),
        Command::Letter {
            referral,
            out: file,
            date,
            template,
        } => documents::letter(ctx, referral, file, date, template),
        Command::Export {
            year,
            out: file,
            with_names,
        } => documents::export(ctx, year, file, with_names),
        Command::RecoverySheet { out: sheet } => notebook::recovery_sheet(ctx, sheet),
        Command::Erase { person, yes } => writing::erase(ctx, person, yes),
        Command::Anonymise { person, yes } => writing::anonymise(ctx, person, yes),
        Command::Encrypt => notebook::encrypt(ctx),
        Command::Unlock {
            recovery_key,
            new_passphrase_file,
        } => notebook::unlock(ctx, recovery_key, new_passphrase_file),
        Command::Add(add) => writing::add(ctx, add),
        Command::Passphrase(PassphraseCommand::Change {
            new_passphrase_file,
        }) => notebook::change_passphrase(ctx, new_passphrase_file),
    }
}
