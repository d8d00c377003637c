//! Every way the engine can refuse or fail, with a stable machine `kind` and a French message.
//!
//! Why one enum: the CLI prints `Display` as one line, the desktop shell serialises
//! `{ kind, message, field }` and the UI switches on `kind` (never on the message text) to put
//! the message next to the right input. Messages never contain personal data (names, phone
//! numbers, e-mail addresses): only field labels, dates and identifiers, so an error that ends
//! up in a log or a bug report reveals nothing about the people in the notebook.

use crate::schema::field_label;

/// The engine's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An error the engine reports. Each variant has a stable [`Error::kind`].
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("Le champ « {} » est obligatoire.", field_label(.field))]
    Required { field: &'static str },

    #[error("Le champ « {} » est trop long : {max} caractères au plus (actuellement {len}).", field_label(.field))]
    TooLong {
        field: &'static str,
        max: usize,
        len: usize,
    },

    #[error("Le champ « {} » n'est pas une date valide : « {value} » (par exemple 25/11/2026, 25/11/26 ou « demain »).", field_label(.field))]
    InvalidDate { field: &'static str, value: String },

    #[error("Le champ « {} » n'est pas une heure valide : « {value} » (format attendu HH:MM).", field_label(.field))]
    InvalidTime { field: &'static str, value: String },

    #[error("Le champ « {} » : le {value} n'existe pas.", field_label(.field))]
    DateDoesNotExist { field: &'static str, value: String },

    #[error(
        "Le champ « {} » attend un nombre entier, sans virgule, point ni lettre (par exemple 3) : « {value} ».", field_label(.field)
    )]
    NotAnInteger { field: &'static str, value: String },

    #[error("La date de naissance ne peut pas être dans le futur.")]
    BirthDateInFuture { field: &'static str },

    #[error("La date de naissance indique plus de 120 ans : vérifiez l'année.")]
    BirthDateTooOld { field: &'static str },

    #[error("Le champ « {} » ne peut pas être plus d'un jour dans le futur ({value}).", field_label(.field))]
    DateTooFarAhead { field: &'static str, value: String },

    #[error("L'heure de fin doit être après l'heure de début.")]
    EndBeforeStart { field: &'static str },

    #[error("L'adresse e-mail n'est pas valide (exemple attendu : prenom.nom@exemple.fr).")]
    InvalidEmail { field: &'static str },

    #[error(
        "Le numéro de téléphone n'est pas valide (exemple attendu : 06 12 34 56 78 ou +33 6 12 34 56 78)."
    )]
    InvalidPhone { field: &'static str },

    #[error("Le SIRET n'est pas valide : 14 chiffres dont la clé de contrôle doit être juste.")]
    InvalidSiret { field: &'static str },

    #[error("Le champ « {} » doit être compris entre {min} et {max}.", field_label(.field))]
    OutOfRange {
        field: &'static str,
        min: i64,
        max: i64,
    },

    /// A rule of Carnet that the values given break (an anonymous encounter with a person, a
    /// merge of a record into itself…): the officer can correct what she typed.
    #[error("{message}")]
    Inconsistent {
        field: &'static str,
        message: &'static str,
    },

    /// A new record's id is already taken (a second territory of the same name, an import row
    /// already imported).
    #[error("Cet identifiant est déjà utilisé.")]
    IdTaken,

    /// What the notebook holds cannot be read as Carnet wrote it (the change log, a row, a
    /// letter's inputs, the journal): damaged or altered; `carnet check` says more.
    #[error("{message}")]
    Corrupt {
        what: &'static str,
        message: &'static str,
    },

    /// A programming error reached the user (a record that does not serialise, an unknown
    /// field name, a request the window should never send): nothing was written.
    #[error("{message} Rien n'a été enregistré ; merci de signaler le problème.")]
    Internal { message: &'static str },

    #[error(
        "Cette action ne peut plus être annulée : la fiche a changé depuis (autre modification ou synchronisation). Corrigez-la directement."
    )]
    UndoStale,

    #[error("Aucune fiche « {entity} » ne porte l'identifiant {id}.")]
    UnknownId { entity: &'static str, id: String },

    #[error("Identifiant mal formé : « {value} ».")]
    MalformedId { value: String },

    #[error("Valeur inconnue pour le champ « {} ».", field_label(.field))]
    UnknownValue { field: &'static str },

    #[error("Aucune base Carnet n'existe à l'emplacement {path} : lancez d'abord « carnet init ».")]
    NoDatabase { path: String },

    #[error("Une base Carnet existe déjà à l'emplacement {path}.")]
    DatabaseExists { path: String },

    #[error(
        "Impossible d'ouvrir ou de créer la base {path} : {reason}. Vérifiez que le dossier existe et que vous pouvez y écrire."
    )]
    CannotOpen { path: String, reason: String },

    #[error(
        "Cette base a été créée par une version plus récente de Carnet (schéma {found}, cette version connaît {known}). Mettez Carnet à jour."
    )]
    SchemaTooNew { found: i64, known: i64 },

    #[error("Ce fichier n'est pas une base Carnet.")]
    NotACarnetDatabase,

    #[error("Ce carnet est chiffré : il s'ouvre avec sa phrase de passe (ou sa clé de secours).")]
    NotebookEncrypted,

    #[error(
        "Cette clé n'ouvre pas ce carnet (ou le fichier est endommagé) : il n'a été ni ouvert ni modifié."
    )]
    WrongNotebookKey,

    #[error("{hint}")]
    NotebookPassphraseTooWeak { hint: String },

    #[error(
        "Phrase de passe incorrecte : le carnet reste fermé. Réessayez (majuscules, accents), ou utilisez la clé de secours."
    )]
    WrongNotebookPassphrase,

    #[error(
        "Clé de secours mal saisie : elle compte 52 caractères (chiffres et lettres), en 13 groupes de 4."
    )]
    RecoveryKeyMalformed,

    #[error("Cette clé de secours n'ouvre pas ce carnet : vérifiez chaque groupe de 4 caractères.")]
    WrongRecoveryKey,

    #[error(
        "Le fichier de clé du carnet est endommagé : le carnet n'a pas été ouvert ni modifié. Restaurez ce fichier depuis une sauvegarde."
    )]
    KeyFileDamaged,

    #[error(
        "Le fichier de clé du carnet est introuvable ({path}) : sans lui, le carnet chiffré ne peut pas s'ouvrir. Restaurez-le depuis une sauvegarde."
    )]
    KeyFileMissing { path: String },

    #[error("Ce carnet est déjà chiffré.")]
    NotebookAlreadyEncrypted,

    #[error(
        "Ce carnet n'est pas encore chiffré : choisissez d'abord sa phrase de passe (« carnet encrypt » en ligne de commande)."
    )]
    NotebookNotEncrypted,

    #[error(
        "La copie chiffrée ne correspond pas au carnet : elle a été supprimée et le carnet est resté tel quel. Réessayez ; si cela se reproduit, lancez « carnet check »."
    )]
    ConversionMismatch,

    #[error(
        "Le dossier partagé {path} est introuvable : branchez la clé USB ou reconnectez le lecteur, puis réessayez."
    )]
    SyncFolderMissing { path: String },

    #[error(
        "Le dossier partagé {path} contient déjà un carnet synchronisé : ouvrez-le avec sa phrase de passe."
    )]
    SyncAlreadyInitialised { path: String },

    #[error(
        "Le dossier {path} ne contient pas encore de carnet synchronisé : initialisez-le d'abord."
    )]
    SyncNotInitialised { path: String },

    #[error("Phrase de passe incorrecte pour ce dossier partagé. Rien n'a été modifié.")]
    SyncWrongPassphrase,

    #[error("{hint}")]
    SyncPassphraseTooWeak { hint: String },

    #[error(
        "La phrase de passe de l'équipe a changé : saisissez la nouvelle (demandez-la à une collègue). Rien n'a été modifié."
    )]
    SyncPassphraseChanged,

    #[error(
        "Le dossier partagé est endommagé ({reason}) : il n'a pas été utilisé. Vérifiez qu'il s'agit du bon dossier, ou restaurez-le depuis une sauvegarde."
    )]
    SyncDamaged { reason: String },

    #[error(
        "Le fichier FORMAT.json du dossier partagé a disparu alors que le dossier contient des fichiers Carnet : il n'a pas été recréé, pour ne pas séparer l'équipe. Restaurez-le (corbeille du service de partage, sauvegarde) ou demandez à une collègue de le remettre."
    )]
    SyncFormatLost,

    #[error(
        "Ce dossier partagé n'est pas celui de l'équipe de ce carnet (il a été recréé ou appartient à une autre équipe) : rien n'a été échangé. Choisissez le dossier de votre équipe, ou confirmez explicitement que vous rejoignez cette nouvelle équipe."
    )]
    SyncOtherTeam,

    #[error(
        "Le dossier partagé utilise un format que cette version de Carnet ne connaît pas ({version}) : mettez Carnet à jour."
    )]
    SyncFormat { version: u32 },

    #[error(
        "Impossible d'utiliser le dossier partagé {path} : {reason}. Vos données locales sont intactes ; réessayez quand le dossier sera accessible."
    )]
    SyncFolder { path: String, reason: String },

    #[error(
        "Le modèle de lettre utilise un champ de fusion inconnu : {{{name}}}. Choisissez-en un dans la liste à côté de l'éditeur."
    )]
    UnknownPlaceholder { field: &'static str, name: String },

    #[error(
        "Le modèle de lettre contient une accolade « {{ » sans « }} » : fermez-la, ou écrivez « {{{{ » pour une accolade seule."
    )]
    UnclosedPlaceholder { field: &'static str },

    #[error(
        "Pas de lettre sans accord : cette personne n'a pas accepté que ses coordonnées soient transmises aux partenaires. Recueillez son accord dans sa fiche, puis réessayez."
    )]
    NoConsentToShare,

    #[error(
        "Pas de lettre : cette personne a retiré son accord au partage de ses coordonnées avec les partenaires le {date}. Si elle le donne à nouveau, notez-le dans sa fiche."
    )]
    ConsentWithdrawn { date: String },

    #[error(
        "Renseignez d’abord votre profil dans Réglages (nom, structure, ville) : il signe les lettres."
    )]
    NoOfficerProfile,

    #[error("Aucun modèle de lettre : créez-en un dans Réglages → Lettres.")]
    NoLetterTemplate,

    #[error(
        "Impossible d’écrire le fichier {path} : {reason}. Vérifiez le dossier choisi et vos droits d’écriture."
    )]
    CannotWrite { path: String, reason: String },

    #[error("Le logo doit être une image PNG de 500 Ko au plus ({reason}).")]
    InvalidLogo { reason: String },

    #[error("Annulé : rien n'a été enregistré.")]
    Cancelled,

    #[error(
        "Le chiffrement a échoué : rien n'a été écrit. Réessayez ; si cela se reproduit, signalez-le."
    )]
    EncryptionFailed,

    #[error("Ce tableau ne peut pas être importé : {reason}.")]
    UnreadableSpreadsheet { reason: String },

    #[error("Erreur de la base de données : {0}")]
    Database(#[from] rusqlite::Error),

    #[error("Erreur d'entrée-sortie : {0}")]
    Io(#[from] std::io::Error),
}

impl Error {
    /// A stable identifier of the error, for programs (the UI, tests, `--json` output).
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Required { .. } => "required",
            Error::TooLong { .. } => "too_long",
            Error::InvalidDate { .. } => "invalid_date",
            Error::DateDoesNotExist { .. } => "date_does_not_exist",
            Error::NotAnInteger { .. } => "not_an_integer",
            Error::InvalidTime { .. } => "invalid_time",
            Error::BirthDateInFuture { .. } => "birth_date_in_future",
            Error::BirthDateTooOld { .. } => "birth_date_too_old",
            Error::DateTooFarAhead { .. } => "date_too_far_ahead",
            Error::EndBeforeStart { .. } => "end_before_start",
            Error::InvalidEmail { .. } => "invalid_email",
            Error::InvalidPhone { .. } => "invalid_phone",
            Error::InvalidSiret { .. } => "invalid_siret",
            Error::OutOfRange { .. } => "out_of_range",
            Error::Inconsistent { .. } => "inconsistent",
            Error::IdTaken => "id_taken",
            Error::Corrupt { .. } => "corrupt",
            Error::Internal { .. } => "internal",
            Error::UndoStale => "undo_stale",
            Error::UnknownId { .. } => "unknown_id",
            Error::MalformedId { .. } => "malformed_id",
            Error::UnknownValue { .. } => "unknown_value",
            Error::NoDatabase { .. } => "no_database",
            Error::DatabaseExists { .. } => "database_exists",
            Error::CannotOpen { .. } => "cannot_open",
            Error::SchemaTooNew { .. } => "schema_too_new",
            Error::NotACarnetDatabase => "not_a_carnet_database",
            Error::NotebookEncrypted => "notebook_encrypted",
            Error::WrongNotebookKey => "wrong_notebook_key",
            Error::NotebookAlreadyEncrypted => "notebook_already_encrypted",
            Error::NotebookNotEncrypted => "notebook_not_encrypted",
            Error::NotebookPassphraseTooWeak { .. } => "notebook_passphrase_too_weak",
            Error::WrongNotebookPassphrase => "wrong_notebook_passphrase",
            Error::RecoveryKeyMalformed => "recovery_key_malformed",
            Error::WrongRecoveryKey => "wrong_recovery_key",
            Error::KeyFileDamaged => "key_file_damaged",
            Error::KeyFileMissing { .. } => "key_file_missing",
            Error::ConversionMismatch => "conversion_mismatch",
            Error::SyncFolderMissing { .. } => "sync_folder_missing",
            Error::SyncAlreadyInitialised { .. } => "sync_already_initialised",
            Error::SyncNotInitialised { .. } => "sync_not_initialised",
            Error::SyncWrongPassphrase => "sync_wrong_passphrase",
            Error::SyncPassphraseTooWeak { .. } => "sync_passphrase_too_weak",
            Error::SyncPassphraseChanged => "sync_passphrase_changed",
            Error::SyncDamaged { .. } => "sync_damaged",
            Error::SyncFormatLost => "sync_format_lost",
            Error::SyncOtherTeam => "sync_other_team",
            Error::SyncFormat { .. } => "sync_format",
            Error::SyncFolder { .. } => "sync_folder",
            Error::UnknownPlaceholder { .. } => "unknown_placeholder",
            Error::UnclosedPlaceholder { .. } => "unclosed_placeholder",
            Error::NoConsentToShare => "no_consent_to_share",
            Error::ConsentWithdrawn { .. } => "consent_withdrawn",
            Error::NoOfficerProfile => "no_officer_profile",
            Error::CannotWrite { .. } => "cannot_write",
            Error::NoLetterTemplate => "no_letter_template",
            Error::InvalidLogo { .. } => "invalid_logo",
            Error::UnreadableSpreadsheet { .. } => "unreadable_spreadsheet",
            Error::Cancelled => "cancelled",
            Error::EncryptionFailed => "encryption_failed",
            Error::Database(_) => "database",
            Error::Io(_) => "io",
        }
    }

    /// The input field the error is about, so a form can show the message next to it.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Error::Required { field }
            | Error::TooLong { field, .. }
            | Error::InvalidDate { field, .. }
            | Error::DateDoesNotExist { field, .. }
            | Error::NotAnInteger { field, .. }
            | Error::InvalidTime { field, .. }
            | Error::BirthDateInFuture { field }
            | Error::BirthDateTooOld { field }
            | Error::DateTooFarAhead { field, .. }
            | Error::EndBeforeStart { field }
            | Error::InvalidEmail { field }
            | Error::InvalidPhone { field }
            | Error::InvalidSiret { field }
            | Error::OutOfRange { field, .. }
            | Error::Inconsistent { field, .. }
            | Error::UnknownValue { field }
            | Error::UnknownPlaceholder { field, .. }
            | Error::UnclosedPlaceholder { field } => Some(field),
            _ => None,
        }
    }

    /// True for errors caused by what the user typed (as opposed to the machine or the file).
    pub fn is_validation(&self) -> bool {
        self.field().is_some()
            || matches!(self, Error::UnknownId { .. } | Error::MalformedId { .. })
    }
}
