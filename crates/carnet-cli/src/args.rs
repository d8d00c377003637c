//! Command-line arguments, with help and usage errors in French.
//!
//! clap writes its own messages in English; [`parse`] turns a usage error into one French
//! line and exit code 1 (help and version still print normally and exit 0).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};

use crate::CliError;
use carnet::encounter::Encounter;
use carnet::person::Person;

const HELP_TEMPLATE: &str = "\
{about}

Utilisation : {usage}

{all-args}";

/// Carnet : le carnet hors ligne des cheffes et chefs de projet CitésLab.
#[derive(Debug, Parser)]
#[command(
    name = "carnet",
    version,
    help_template = HELP_TEMPLATE,
    disable_help_flag = true,
    disable_version_flag = true,
    disable_help_subcommand = true,
    subcommand_help_heading = "Commandes",
    next_help_heading = "Options"
)]
pub struct Cli {
    /// Fichier de la base (par défaut : dossier de données de l'utilisateur).
    #[arg(long, global = true, env = "CARNET_DB", value_name = "CHEMIN")]
    pub db: Option<PathBuf>,

    /// Fichier contenant la phrase de passe du carnet chiffré (première ligne) ; sinon le
    /// fichier nommé par CARNET_PASSPHRASE_FILE, sinon elle est demandée. Pour « sync », c'est
    /// la phrase de passe de l'équipe (celle du carnet vient alors de CARNET_PASSPHRASE_FILE).
    #[arg(long, global = true, value_name = "FICHIER")]
    pub passphrase_file: Option<PathBuf>,

    /// Affiche l'aide.
    #[arg(short, long, global = true, action = ArgAction::Help)]
    help: Option<bool>,

    /// Affiche la version.
    #[arg(short = 'V', long, action = ArgAction::Version)]
    version: Option<bool>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
#[command(help_template = HELP_TEMPLATE)]
pub enum Command {
    /// Crée une base neuve avec la liste des partenaires.
    #[command(help_template = HELP_TEMPLATE)]
    Init {
        /// Nom de la cheffe ou du chef de projet.
        #[arg(long, value_name = "NOM")]
        officer: Option<String>,
        /// Territoire (Pays de Montbéliard et Troyes sont connus : leurs quartiers sont créés).
        #[arg(long, value_name = "NOM")]
        territory: Option<String>,
        /// Écrit aussi la feuille de la clé de secours à imprimer (PDF).
        #[arg(long, value_name = "FICHIER.pdf")]
        recovery_sheet: Option<PathBuf>,
    },
    /// Remplit une base neuve de données fictives réalistes.
    #[command(help_template = HELP_TEMPLATE)]
    Demo {
        /// Graine : la même graine donne les mêmes données.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Nombre d'années d'activité.
        #[arg(long, default_value_t = 2)]
        years: u32,
        /// Dernier jour d'activité (AAAA-MM-JJ ; par défaut aujourd'hui).
        #[arg(long, value_name = "DATE")]
        until: Option<String>,
        /// Résumé en JSON.
        #[arg(long)]
        json: bool,
        /// Crée la démo sans chiffrement (données fictives seulement : mesures, essais de
        /// l'application de bureau).
        #[arg(long)]
        plaintext: bool,
    },
    /// Compte les fiches par type et les rencontres par nature.
    #[command(help_template = HELP_TEMPLATE)]
    Stats {
        /// Sortie en JSON.
        #[arg(long)]
        json: bool,
    },
    /// Liste des personnes, rencontres, permanences, orientations ou partenaires.
    #[command(help_template = HELP_TEMPLATE)]
    List {
        #[arg(value_enum)]
        what: ListTarget,
        /// Limite à une année (personnes : vues dans l'année).
        #[arg(long, value_name = "ANNÉE")]
        year: Option<i32>,
        /// Sortie en JSON.
        #[arg(long)]
        json: bool,
    },
    /// Empreinte du contenu : deux appareils qui ont les mêmes données affichent la même.
    #[command(help_template = HELP_TEMPLATE)]
    Digest,
    /// Vérifie l'intégrité de la base et les invariants de Carnet.
    #[command(help_template = HELP_TEMPLATE)]
    Check {
        /// Rapport en JSON.
        #[arg(long)]
        json: bool,
    },
    /// Recherche une personne (sans tenir compte des accents ni des majuscules).
    #[command(help_template = HELP_TEMPLATE)]
    Search {
        #[arg(value_name = "TEXTE")]
        text: String,
        /// Sortie en JSON.
        #[arg(long)]
        json: bool,
    },
    /// Tout ce que le carnet contient sur une personne, pour elle (droit d'accès, art. 15 du
    /// RGPD) : une archive ZIP avec un courrier qui lui est adressé (PDF), le détail de ses
    /// données et de leur historique (JSON) et les lettres envoyées aux partenaires.
    #[command(help_template = HELP_TEMPLATE, name = "access-export")]
    AccessExport {
        /// Identifiant de la personne (voir « carnet search »).
        #[arg(long, value_name = "ID_PERSONNE")]
        person: String,
        /// Fichier ZIP à écrire.
        #[arg(long, value_name = "FICHIER.zip")]
        out: std::path::PathBuf,
    },
    /// Importe un tableau existant (.xlsx, .ods ou .csv) : chaque ligne devient une personne
    /// et, selon les colonnes, sa rencontre de premier contact, ses orientations et sa
    /// sortie.
    ///
    /// Les colonnes sont reconnues par leur titre (Nom, Prénom, Date de naissance, Tél.,
    /// Quartier, Date 1er contact, Orientation…) ; une colonne inconnue est gardée en note.
    /// Une ligne qui a un problème n'est pas importée, et le problème est dit (ligne, colonne,
    /// raison). Tout est écrit d'un coup ; importer de nouveau le même tableau n'ajoute rien.
    /// Code de sortie 1 si le fichier ne peut pas être lu.
    #[command(help_template = HELP_TEMPLATE)]
    Import {
        #[arg(value_name = "FICHIER")]
        file: std::path::PathBuf,
        /// N'écrit rien : dit ce qui serait importé et chaque problème.
        #[arg(long)]
        dry_run: bool,
        /// Sortie en JSON : { rows, persons, encounters, referrals, outcomes, rejected }.
        #[arg(long)]
        json: bool,
    },
    /// Journal de cet ordinateur : qui a consulté, créé, modifié, supprimé, effacé, exporté,
    /// imprimé, déverrouillé ou synchronisé quoi, et quand (jamais de nom ni de valeur).
    ///
    /// --verify recalcule la chaîne des entrées : code de sortie 1 et un message clair si une
    /// entrée a été retirée ou modifiée.
    #[command(help_template = HELP_TEMPLATE)]
    Audit {
        /// Seulement les entrées depuis cette date.
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
        /// Sortie en JSON.
        #[arg(long)]
        json: bool,
        /// Vérifie que le journal est intact.
        #[arg(long, conflicts_with_all = ["since", "json"])]
        verify: bool,
    },
    /// Historique d'une personne : rencontres, réunions, orientations, sorties.
    #[command(help_template = HELP_TEMPLATE)]
    Timeline {
        #[arg(value_name = "ID_PERSONNE")]
        person: String,
        /// Sortie en JSON.
        #[arg(long)]
        json: bool,
    },
    /// Doublons probables : les paires de fiches qui sont peut-être la même personne, les plus
    /// sûres d'abord, avec leur niveau (« très probable » ou « à vérifier ») et les raisons.
    #[command(help_template = HELP_TEMPLATE)]
    Duplicates {
        /// Sortie en JSON.
        #[arg(long)]
        json: bool,
    },
    /// Fusionne deux fiches de la même personne : la seconde est désormais lue comme la
    /// première (rencontres, orientations, lettres, sorties et réunions comprises, comptées
    /// une fois dans le bilan).
    ///
    /// Les champs vides de la fiche gardée prennent la valeur de l'autre ; --take CHAMP prend
    /// la valeur de l'autre fiche pour ce champ (phone, birth_date, address…). La fusion part
    /// avec la prochaine synchronisation ; « carnet separate » la défait.
    #[command(help_template = HELP_TEMPLATE)]
    Merge {
        /// La fiche gardée.
        #[arg(value_name = "ID_GARDÉE")]
        keep: String,
        /// La fiche fusionnée dans la première.
        #[arg(value_name = "ID_FUSIONNÉE")]
        other: String,
        /// Prend la valeur de la fiche fusionnée pour ce champ (répétable, ou séparé par des
        /// virgules).
        #[arg(long, value_name = "CHAMP", value_delimiter = ',')]
        take: Vec<String>,
    },
    /// Sépare une fiche fusionnée dans une autre : elle redevient une personne à part, avec
    /// ses rencontres, orientations et sorties.
    #[command(help_template = HELP_TEMPLATE)]
    Separate {
        /// La fiche fusionnée à séparer.
        #[arg(value_name = "ID_PERSONNE")]
        person: String,
    },
    /// « Pas un doublon » : ces deux fiches sont deux personnes différentes ; la paire n'est
    /// plus proposée, sur aucun appareil de l'équipe.
    #[command(help_template = HELP_TEMPLATE, name = "not-duplicate")]
    NotDuplicate {
        #[arg(value_name = "ID_PERSONNE")]
        first: String,
        #[arg(value_name = "ID_PERSONNE")]
        second: String,
    },
    /// Personnes à réexaminer : dernier contact plus ancien que la durée de conservation
    /// (24 mois par défaut), la plus ancienne d'abord.
    ///
    /// Le dernier contact est la date la plus récente parmi les rencontres, réunions
    /// collectives, orientations (et leurs étapes), sorties et lettres ; sans aucun contact,
    /// c'est le jour où la personne a été enregistrée.
    #[command(help_template = HELP_TEMPLATE)]
    Retention {
        /// Sortie en JSON.
        #[arg(long)]
        json: bool,
        /// Change la durée de conservation de ce carnet, en mois (de 6 à 120).
        #[arg(long, value_name = "MOIS")]
        set_months: Option<u32>,
        /// Prolonge la conservation d'une personne (avec --until et --reason).
        #[arg(long, value_name = "ID_PERSONNE", requires_all = ["until", "reason"])]
        prolong: Option<String>,
        /// Date de fin de la prolongation.
        #[arg(long, value_name = "DATE", requires = "prolong")]
        until: Option<String>,
        /// Motif de la prolongation (obligatoire, enregistré).
        #[arg(long, value_name = "MOTIF", requires = "prolong")]
        reason: Option<String>,
    },
    /// Relances à faire jusqu'à une date (par défaut aujourd'hui).
    #[command(help_template = HELP_TEMPLATE)]
    Followups {
        #[arg(long, value_name = "DATE")]
        until: Option<String>,
        /// Sortie en JSON.
        #[arg(long)]
        json: bool,
    },
    /// Synchronise avec un dossier partagé (clé USB, lecteur réseau, dossier Nextcloud…).
    ///
    /// La phrase de passe de l'équipe est lue dans le fichier --passphrase-file (conseillé pour
    /// les scripts), sinon dans CARNET_SYNC_PASSPHRASE, sinon demandée. Un dossier qui ne
    /// contient encore aucun fichier Carnet est initialisé avec cette phrase (au moins 12
    /// caractères de 4 sortes, 14 de 3 sortes, ou 7 mots).
    #[command(help_template = HELP_TEMPLATE)]
    Sync {
        /// Le dossier partagé.
        #[arg(long, value_name = "DOSSIER")]
        folder: PathBuf,
        /// Nom de cet appareil, vu des autres (ex. « Portable Sarah », 64 caractères au plus).
        #[arg(long, value_name = "NOM")]
        device_name: Option<String>,
        /// Rapport en JSON.
        #[arg(long)]
        json: bool,
        /// Change la phrase de passe de l'équipe avant de synchroniser : ce qui sera écrit
        /// ensuite ne se lira plus avec l'ancienne. La nouvelle est lue dans
        /// --new-passphrase-file, sinon CARNET_SYNC_NEW_PASSPHRASE, sinon demandée deux fois.
        #[arg(long)]
        new_passphrase: bool,
        /// Fichier contenant la nouvelle phrase de passe (avec --new-passphrase).
        #[arg(long, value_name = "FICHIER", requires = "new_passphrase")]
        new_passphrase_file: Option<PathBuf>,
        /// Rejoint l'équipe de ce dossier même si ce carnet a déjà synchronisé avec une autre
        /// équipe (ou si le dossier a été recréé).
        #[arg(long)]
        new_team: bool,
    },
    /// Écrit la lettre d'orientation d'une orientation en PDF et la classe dans le carnet.
    ///
    /// L'orientation passe de « à envoyer » à « envoyée ». La personne doit avoir accepté
    /// le partage de ses coordonnées avec les partenaires.
    #[command(help_template = HELP_TEMPLATE)]
    Letter {
        /// Identifiant de l'orientation.
        #[arg(long, value_name = "ID")]
        referral: String,
        /// Fichier PDF à écrire.
        #[arg(long, value_name = "FICHIER.pdf")]
        out: PathBuf,
        /// Date de la lettre, AAAA-MM-JJ (par défaut aujourd'hui).
        #[arg(long, value_name = "DATE")]
        date: Option<String>,
        /// Identifiant du modèle de lettre (par défaut celui du type de partenaire).
        #[arg(long, value_name = "ID")]
        template: Option<String>,
    },
    /// Exporte le bilan d'activité d'une année : classeur .xlsx (synthèse et détails),
    /// synthèse .csv (Excel en français) ou bilan .pdf, selon l'extension du fichier.
    ///
    /// Les feuilles de détail sont pseudonymisées (ni noms, ni téléphones, ni adresses) ;
    /// --with-names ajoute les noms, pour un usage interne.
    #[command(help_template = HELP_TEMPLATE)]
    Export {
        /// Année du bilan.
        #[arg(long, value_name = "ANNÉE")]
        year: i32,
        /// Fichier à écrire : .xlsx, .csv ou .pdf.
        #[arg(long, value_name = "FICHIER")]
        out: PathBuf,
        /// Ajoute les noms dans les feuilles de détail (usage interne seulement).
        #[arg(long)]
        with_names: bool,
    },
    /// Ajoute une personne ou une rencontre.
    #[command(subcommand, help_template = HELP_TEMPLATE)]
    Add(AddCommand),
    /// Efface une personne partout : sa fiche, son historique, ses orientations, lettres,
    /// sorties et participations ; ses rencontres restent comme contacts anonymes.
    ///
    /// L'ordre d'effacement (l'identifiant seulement) part avec la prochaine synchronisation
    /// et chaque appareil de l'équipe l'applique. Définitif : sans --yes, la commande dit ce
    /// qui serait effacé et n'efface rien.
    #[command(help_template = HELP_TEMPLATE)]
    Erase {
        /// Identifiant de la personne (voir « carnet search »).
        #[arg(long, value_name = "ID_PERSONNE")]
        person: String,
        /// Confirme l'effacement, qui ne peut pas être annulé.
        #[arg(long)]
        yes: bool,
    },
    /// Anonymise une personne partout : son identité, ses coordonnées, ses notes et ses
    /// lettres disparaissent ; ce que demande le bilan annuel reste (genre, tranche d'âge,
    /// quartier, QPV, situation, rencontres, orientations, sorties).
    ///
    /// L'ordre (l'identifiant seulement) part avec la prochaine synchronisation. Définitif :
    /// sans --yes, la commande n'anonymise rien.
    #[command(help_template = HELP_TEMPLATE)]
    Anonymise {
        /// Identifiant de la personne (voir « carnet search » ou « carnet retention »).
        #[arg(long, value_name = "ID_PERSONNE")]
        person: String,
        /// Confirme l'anonymisation, qui ne peut pas être annulée.
        #[arg(long)]
        yes: bool,
    },
    /// Chiffre un carnet créé par une version précédente de Carnet (non chiffré).
    ///
    /// La phrase de passe choisie est lue dans --passphrase-file, sinon CARNET_PASSPHRASE_FILE,
    /// sinon demandée deux fois ; la clé de secours est affichée une seule fois.
    #[command(help_template = HELP_TEMPLATE)]
    Encrypt,
    /// Phrase de passe du carnet.
    #[command(subcommand, help_template = HELP_TEMPLATE)]
    Passphrase(PassphraseCommand),
    /// Fait une nouvelle clé de secours et sa feuille à imprimer (PDF) ; l'ancienne clé
    /// n'ouvre plus le carnet.
    #[command(help_template = HELP_TEMPLATE)]
    RecoverySheet {
        /// Fichier PDF à écrire.
        #[arg(long, value_name = "FICHIER.pdf")]
        out: PathBuf,
    },
    /// Ouvre le carnet avec sa clé de secours et choisit une nouvelle phrase de passe.
    #[command(help_template = HELP_TEMPLATE)]
    Unlock {
        /// La clé de secours (13 groupes de 4 caractères) ; sans valeur, elle est lue dans
        /// CARNET_RECOVERY_KEY ou demandée.
        #[arg(long, value_name = "CLÉ", num_args = 0..=1, default_missing_value = "")]
        recovery_key: Option<String>,
        /// Fichier contenant la nouvelle phrase de passe (sinon CARNET_NEW_PASSPHRASE_FILE,
        /// sinon demandée deux fois).
        #[arg(long, value_name = "FICHIER")]
        new_passphrase_file: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum PassphraseCommand {
    /// Change la phrase de passe du carnet (le carnet n'est pas rechiffré ; la clé de secours
    /// reste valable).
    #[command(help_template = HELP_TEMPLATE)]
    Change {
        /// Fichier contenant la nouvelle phrase de passe (sinon CARNET_NEW_PASSPHRASE_FILE,
        /// sinon demandée deux fois).
        #[arg(long, value_name = "FICHIER")]
        new_passphrase_file: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListTarget {
    #[value(name = "persons", alias = "personnes")]
    Persons,
    #[value(name = "encounters", alias = "rencontres")]
    Encounters,
    #[value(name = "permanences")]
    Permanences,
    #[value(name = "referrals", alias = "orientations")]
    Referrals,
    #[value(name = "partners", alias = "partenaires")]
    Partners,
}

#[derive(Debug, Subcommand)]
pub enum AddCommand {
    /// Ajoute une personne ; affiche son identifiant.
    #[command(help_template = HELP_TEMPLATE)]
    Person(PersonArgs),
    /// Ajoute une rencontre ; affiche son identifiant.
    #[command(help_template = HELP_TEMPLATE)]
    Encounter(EncounterArgs),
}

#[derive(Debug, Args)]
pub struct PersonArgs {
    #[arg(long, value_name = "PRÉNOM")]
    first_name: String,
    #[arg(long, value_name = "NOM")]
    last_name: String,
    /// female, male ou unspecified.
    #[arg(long)]
    gender: Option<String>,
    #[arg(long, value_name = "DATE")]
    birth_date: Option<String>,
    #[arg(long)]
    phone: Option<String>,
    #[arg(long)]
    email: Option<String>,
    /// Crée la personne même si une fiche « très probable » existe déjà.
    #[arg(long)]
    pub even_if_duplicate: bool,
}

impl PersonArgs {
    pub fn into_person(self) -> Result<Person, CliError> {
        Ok(Person {
            first_name: self.first_name,
            last_name: self.last_name,
            gender: self.gender,
            birth_date: self
                .birth_date
                .map(|d| carnet::validate::date("birth_date", &d))
                .transpose()?,
            phone: self.phone,
            email: self.email,
            ..Default::default()
        })
    }
}

#[derive(Debug, Args)]
pub struct EncounterArgs {
    /// market, snack_bar, street, interview, permanence_visit, phone, social_network, partner_event.
    #[arg(long)]
    kind: String,
    #[arg(long, value_name = "DATE")]
    date: String,
    #[arg(long, value_name = "ID")]
    person: Option<String>,
    #[arg(long, value_name = "N")]
    head_count: Option<i64>,
    #[arg(long, value_name = "ID")]
    quartier: Option<String>,
    #[arg(long)]
    note: Option<String>,
}

impl EncounterArgs {
    pub fn into_encounter(self) -> Result<Encounter, CliError> {
        let id = |text: Option<String>| text.map(|t| carnet::validate::id(&t)).transpose();
        let mut e = Encounter::new(carnet::validate::date("date", &self.date)?, &self.kind);
        e.person_id = id(self.person)?;
        e.quartier_id = id(self.quartier)?;
        e.head_count = self.head_count;
        e.note = self.note;
        Ok(e)
    }
}

/// Parses the command line; on a usage error prints one French line and returns exit code 1.
pub fn parse() -> Result<Cli, ExitCode> {
    Cli::try_parse().map_err(|err| match err.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = err.print();
            ExitCode::SUCCESS
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = err.print();
            ExitCode::FAILURE
        }
        _ => {
            eprintln!("carnet : {}", french_usage_error(&err));
            ExitCode::FAILURE
        }
    })
}

fn french_usage_error(err: &clap::Error) -> String {
    let context = |kind: ContextKind| match err.get(kind) {
        Some(ContextValue::String(s)) => s.clone(),
        Some(ContextValue::Strings(v)) => v.join(", "),
        _ => String::new(),
    };
    let arg = context(ContextKind::InvalidArg);
    let value = context(ContextKind::InvalidValue);
    let message = match err.kind() {
        ErrorKind::UnknownArgument => format!("argument inconnu : {arg}"),
        ErrorKind::InvalidSubcommand => format!("commande inconnue : {value}"),
        ErrorKind::MissingRequiredArgument => format!("argument obligatoire manquant : {arg}"),
        ErrorKind::MissingSubcommand => "commande manquante".to_string(),
        ErrorKind::InvalidValue => {
            let valid = context(ContextKind::ValidValue);
            if valid.is_empty() {
                format!("valeur invalide « {value} » pour {arg}")
            } else {
                format!("valeur invalide « {value} » pour {arg} (valeurs possibles : {valid})")
            }
        }
        ErrorKind::ValueValidation => format!("valeur invalide « {value} » pour {arg}"),
        ErrorKind::ArgumentConflict => format!("argument incompatible ou répété : {arg}"),
        ErrorKind::TooManyValues => {
            format!("argument répété ou en trop : {arg}")
        }
        _ => "arguments invalides".to_string(),
    };
    format!("{message}. Voir « carnet --help ».")
}
