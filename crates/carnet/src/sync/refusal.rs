//! Why something read from the shared folder is not applied: one variant per reason.
//!
//! Why a type rather than French text built where the check fails: the reasons are part of
//! what sync guarantees (every refused file is reported with why, and never stops the others),
//! so tests and callers match on the reason, not on a sentence; the sentence the officer reads
//! in the sync summary is this type's `Display`, kept in one place.

use thiserror::Error;

/// Why a segment, or a person's block in it, is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Refusal {
    #[error("fichier incomplet")]
    Truncated,
    #[error("ce n'est pas un segment Carnet")]
    NotASegment,
    #[error("format de segment inconnu ({0}) : mettez Carnet à jour")]
    UnknownFormat(u16),
    #[error("en-tête illisible")]
    UnreadableHeader,
    #[error("l'en-tête ne correspond pas au nom du fichier")]
    HeaderMismatch,
    #[error("fichier incomplet (copie en cours ?)")]
    Incomplete,
    #[error(
        "scellé avec une clé d'équipe que cet appareil ne connaît pas (époque {0}) : saisissez la phrase de passe actuelle de l'équipe"
    )]
    UnknownEpoch(u32),
    #[error("contenu altéré ou d'une autre équipe")]
    Altered,
    #[error("contenu compressé illisible ou trop grand")]
    BadCompression,
    #[error("contenu illisible")]
    Unreadable,
    #[error(
        "contient des données chiffrées par personne que cette version ne lit pas : mettez Carnet à jour"
    )]
    NeedsNewerCarnet,
    #[error("numéro de segment hors limites")]
    SeqOutOfRange,
    #[error("horodatage hors limites")]
    StampOutOfRange,
    #[error("nombre de modifications annoncé faux")]
    CountWrong,
    #[error("modification signée par un autre appareil que celui du segment")]
    ForeignAuthor,
    #[error("modification qui en remplace une plus récente qu'elle")]
    ReplacesNewer,
    /// A value a local write could not have stored (`label`: the field's French label).
    #[error("valeur invalide ({label} : {problem})")]
    InvalidValue {
        label: &'static str,
        problem: &'static str,
    },
    /// The device name the segment carries (the problem, in French).
    #[error("{0}")]
    DeviceName(String),
    #[error("ne suit pas la chaîne des segments de cet appareil (fichier remplacé ?) : ignoré")]
    NotInChain,
    #[error("bloc illisible")]
    BlockUnreadable,
    #[error("bloc d'une personne altéré")]
    BlockAltered,
    #[error("nombre de modifications d'un bloc annoncé faux")]
    BlockCountWrong,
    #[error("bloc d'une personne qui contient autre chose que ses données")]
    BlockNotHers,
}
