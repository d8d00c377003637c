//! The catalogue of entities and fields: what may be written, how it is checked and stored.
//!
//! Why a catalogue rather than hand-written SQL per entity: the change log is field-level
//! (`entity, id, field, value`), so one write path must know, for any entity, which fields
//! exist, their kind (text, date, reference…), their limits and their SQL column. Generic
//! validation (lengths, dates, phone and e-mail formats, SIRET, references), materialisation,
//! replay, `digest` and `check` all read this table; the SQL migrations must match it, and a
//! test (and `carnet check`) verifies that they do.
//!
//! Field names are also the keys of the domain structs' serde form, checked by a test per
//! entity, so a struct can never write a field the catalogue does not know.
//!
//! It is also where things get their French names: entity nouns, field labels and the closed
//! lists' labels, which the window's forms receive from here ([`vocabulary`]) rather than keep
//! copies of their own.

use std::collections::BTreeMap;

/// Maximum length of a name or short text, in characters.
pub const NAME_MAX: usize = 200;
/// Maximum length of a note, in characters.
pub const NOTE_MAX: usize = 20_000;
/// Maximum length of the letterhead logo, a PNG in base64 (about 500 KB of image).
pub const LOGO_MAX: usize = 700_000;

/// How a field is validated and stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// One-line text, at most [`NAME_MAX`] characters, trimmed.
    Text,
    /// Multi-line text, at most [`NOTE_MAX`] characters.
    Note,
    /// Machine-written text of up to `max` characters (a letter's inputs, a logo in base64).
    Long { max: usize },
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    /// A time of day, `HH:MM`.
    Time,
    /// A whole number within bounds.
    Int { min: i64, max: i64 },
    /// Yes or no.
    Bool,
    /// One of a closed list of codes.
    Enum(&'static [(&'static str, &'static str)]),
    /// The id of a live row of another entity.
    Ref(&'static str),
    /// A French or international phone number, normalised.
    Phone,
    /// An e-mail address.
    Email,
    /// A SIRET number (14 digits, Luhn key).
    Siret,
}

impl FieldKind {
    /// The SQLite column type that stores this kind.
    pub fn sql_type(self) -> &'static str {
        match self {
            FieldKind::Int { .. } | FieldKind::Bool => "INTEGER",
            _ => "TEXT",
        }
    }
}

/// One field of an entity.
#[derive(Debug)]
pub struct FieldSpec {
    pub name: &'static str,
    pub kind: FieldKind,
    pub required: bool,
}

/// One entity: a table of the materialised store and a stream of field changes.
#[derive(Debug)]
pub struct EntitySpec {
    /// Entity name, also the table name.
    pub name: &'static str,
    /// French noun for messages ("personne", "orientation").
    pub label: &'static str,
    pub fields: &'static [FieldSpec],
}

/// Entities are identified by name: two specs are equal if they describe the same entity.
impl PartialEq for EntitySpec {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl EntitySpec {
    /// Looks a field up by name.
    pub fn field(&self, name: &str) -> Option<&'static FieldSpec> {
        self.fields.iter().find(|f| f.name == name)
    }
}

/// The tombstone field every entity has: `1` when deleted, `0` when live.
pub const DELETED: FieldSpec = FieldSpec {
    name: "deleted",
    kind: FieldKind::Bool,
    required: false,
};

const fn f(name: &'static str, kind: FieldKind) -> FieldSpec {
    FieldSpec {
        name,
        kind,
        required: false,
    }
}

const fn req(name: &'static str, kind: FieldKind) -> FieldSpec {
    FieldSpec {
        name,
        kind,
        required: true,
    }
}

use FieldKind::*;

pub const PERMANENCE_STATUS: &[(&str, &str)] = &[
    ("planned", "Prévue"),
    ("held", "Tenue"),
    ("cancelled", "Annulée"),
];

pub const ENCOUNTER_KIND: &[(&str, &str)] = &[
    ("permanence_visit", "Visite en permanence"),
    ("interview", "Entretien individuel"),
    ("market", "Marché"),
    ("snack_bar", "Snack / stand de restauration"),
    ("street", "Rue et autres lieux informels"),
    ("phone", "Téléphone"),
    ("social_network", "Message sur un réseau social"),
    ("partner_event", "Événement ou forum partenaire"),
];

pub const PHASE: &[(&str, &str)] = &[
    ("sensibilisation", "Sensibilisation"),
    ("detection", "Détection"),
    ("amorcage", "Amorçage"),
];

pub const MEETING_KIND: &[(&str, &str)] = &[
    ("reunion", "Réunion collective"),
    ("atelier", "Atelier"),
    ("forum", "Forum"),
    ("information", "Réunion d'information"),
];

pub const PLACE_KIND: &[(&str, &str)] = &[
    ("centre_social", "Centre social"),
    ("maison_de_quartier", "Maison de quartier"),
    ("mairie_annexe", "Mairie annexe"),
    ("mediatheque", "Médiathèque"),
    ("marche", "Marché"),
    ("snack", "Snack"),
    ("autre", "Autre lieu"),
];

pub const GENDER: &[(&str, &str)] = &[
    ("female", "Femme"),
    ("male", "Homme"),
    ("unspecified", "Non précisé"),
];

pub const SITUATION: &[(&str, &str)] = &[
    ("job_seeker", "Demandeur ou demandeuse d'emploi"),
    ("employed", "En emploi"),
    ("student", "Étudiant·e ou en formation"),
    ("inactive", "Sans activité"),
    ("other", "Autre"),
];

pub const EDUCATION: &[(&str, &str)] = &[
    ("none", "Sans diplôme"),
    ("level3", "CAP, BEP (niveau 3)"),
    ("level4", "Baccalauréat (niveau 4)"),
    ("level5", "Bac + 2 (niveau 5)"),
    ("level6", "Bac + 3 ou 4 (niveau 6)"),
    ("level7", "Bac + 5 et plus (niveau 7-8)"),
];

pub const SECTOR: &[(&str, &str)] = &[
    ("commerce", "Commerce"),
    ("restauration", "Restauration"),
    ("services_personne", "Services à la personne"),
    ("beaute", "Beauté, bien-être"),
    ("batiment", "Bâtiment"),
    ("transport", "Transport, livraison"),
    ("numerique", "Numérique"),
    ("artisanat", "Artisanat"),
    ("nettoyage", "Nettoyage"),
    ("culture", "Culture, événementiel"),
    ("autre", "Autre"),
];

pub const PROJECT_STAGE: &[(&str, &str)] = &[
    ("idea", "Idée"),
    ("maturing", "En réflexion"),
    ("ready", "Prêt à lancer"),
    ("started", "Activité démarrée"),
];

pub const PARTNER_KIND: &[(&str, &str)] = &[
    ("microcredit", "Microcrédit"),
    ("support", "Accompagnement à la création"),
    ("employment", "Emploi"),
    ("financing", "Financement"),
    ("chamber", "Chambre consulaire"),
    ("cooperative", "Coopérative d'activité et d'emploi"),
    ("youth", "Jeunesse"),
    ("other", "Autre"),
];

pub const NEED: &[(&str, &str)] = &[
    ("financing", "Financement, microcrédit"),
    ("support", "Accompagnement à la création"),
    ("training", "Formation"),
    ("legal_status", "Statut juridique"),
    ("employment", "Emploi"),
    ("other", "Autre"),
];

pub const REFERRAL_STATUS: &[(&str, &str)] = &[
    ("to_send", "À envoyer"),
    ("sent", "Envoyée"),
    ("appointment", "RDV pris"),
    ("supported", "Accompagnée"),
    ("no_follow_up", "Sans suite"),
];

pub const OUTCOME_KIND: &[(&str, &str)] = &[
    ("business_created", "Création d'entreprise"),
    ("job", "Emploi"),
    ("training", "Formation"),
    ("stopped", "Projet arrêté"),
];

pub const LEGAL_FORM: &[(&str, &str)] = &[
    ("micro", "Micro-entreprise"),
    ("ei", "Entreprise individuelle"),
    ("eurl", "EURL"),
    ("sasu", "SASU"),
    ("sarl", "SARL"),
    ("sas", "SAS"),
    ("scop", "SCOP"),
    ("cae", "Entrepreneur salarié (CAE)"),
    ("association", "Association"),
    ("other", "Autre"),
];

pub static TERRITORY: EntitySpec = EntitySpec {
    name: "territory",
    label: "territoire",
    fields: &[req("name", Text)],
};

pub static QUARTIER: EntitySpec = EntitySpec {
    name: "quartier",
    label: "quartier",
    fields: &[
        req("territory_id", Ref("territory")),
        req("name", Text),
        f("commune", Text),
        f("is_qpv", Bool),
        f("qpv_code", Text),
    ],
};

pub static PLACE: EntitySpec = EntitySpec {
    name: "place",
    label: "lieu",
    fields: &[
        req("name", Text),
        f("kind", Enum(PLACE_KIND)),
        f("quartier_id", Ref("quartier")),
        f("address", Text),
    ],
};

pub static PERMANENCE: EntitySpec = EntitySpec {
    name: "permanence",
    label: "permanence",
    fields: &[
        req("quartier_id", Ref("quartier")),
        f("place_id", Ref("place")),
        req("date", Date),
        f("start_time", Time),
        f("end_time", Time),
        req("status", Enum(PERMANENCE_STATUS)),
        f("note", Note),
    ],
};

pub static ENCOUNTER: EntitySpec = EntitySpec {
    name: "encounter",
    label: "rencontre",
    fields: &[
        req("date", Date),
        req("kind", Enum(ENCOUNTER_KIND)),
        f("phase", Enum(PHASE)),
        f("person_id", Ref("person")),
        f("head_count", Int { min: 1, max: 500 }),
        f("quartier_id", Ref("quartier")),
        f("permanence_id", Ref("permanence")),
        f("note", Note),
        f("follow_up", Date),
        f("follow_up_done", Bool),
    ],
};

pub static MEETING: EntitySpec = EntitySpec {
    name: "meeting",
    label: "réunion collective",
    fields: &[
        req("date", Date),
        req("title", Text),
        req("kind", Enum(MEETING_KIND)),
        f("partner_id", Ref("partner")),
        f("quartier_id", Ref("quartier")),
        f("attendee_count", Int { min: 0, max: 1000 }),
        f("note", Note),
    ],
};

pub static ATTENDANCE: EntitySpec = EntitySpec {
    name: "attendance",
    label: "participation",
    fields: &[
        req("meeting_id", Ref("meeting")),
        req("person_id", Ref("person")),
    ],
};

pub static PERSON: EntitySpec = EntitySpec {
    name: "person",
    label: "personne",
    fields: &[
        req("first_name", Text),
        req("last_name", Text),
        f("gender", Enum(GENDER)),
        f("birth_date", Date),
        f("phone", Phone),
        f("email", Email),
        f("address", Text),
        f("postcode", Text),
        f("city", Text),
        f("quartier_id", Ref("quartier")),
        f("lives_in_qpv", Bool),
        f("situation", Enum(SITUATION)),
        f("france_travail", Bool),
        f("rsa", Bool),
        f("education", Enum(EDUCATION)),
        f("consent_date", Date),
        f("consent_contact", Bool),
        f("consent_partners", Bool),
        f("consent_stats", Bool),
        f("project_title", Text),
        f("project_sector", Enum(SECTOR)),
        f("project_stage", Enum(PROJECT_STAGE)),
        f("note", Note),
    ],
};

pub static PARTNER: EntitySpec = EntitySpec {
    name: "partner",
    label: "partenaire",
    fields: &[
        req("name", Text),
        req("kind", Enum(PARTNER_KIND)),
        f("description", Text),
        f("contact_name", Text),
        f("address", Text),
        f("postcode", Text),
        f("city", Text),
        f("phone", Phone),
        f("email", Email),
        f("note", Note),
    ],
};

pub static REFERRAL: EntitySpec = EntitySpec {
    name: "referral",
    label: "orientation",
    fields: &[
        req("person_id", Ref("person")),
        req("partner_id", Ref("partner")),
        req("date", Date),
        req("need", Enum(NEED)),
        f("detail", Note),
        req("status", Enum(REFERRAL_STATUS)),
        f("status_date", Date),
        f("follow_up", Date),
    ],
};

pub static REFERRAL_EVENT: EntitySpec = EntitySpec {
    name: "referral_event",
    label: "étape d'orientation",
    fields: &[
        req("referral_id", Ref("referral")),
        req("status", Enum(REFERRAL_STATUS)),
        req("date", Date),
        f("note", Note),
    ],
};

pub static OUTCOME: EntitySpec = EntitySpec {
    name: "outcome",
    label: "sortie",
    fields: &[
        req("person_id", Ref("person")),
        req("kind", Enum(OUTCOME_KIND)),
        req("date", Date),
        f("legal_form", Enum(LEGAL_FORM)),
        f("siret", Siret),
        f("sector", Enum(SECTOR)),
        f("note", Note),
    ],
};

pub static OFFICER: EntitySpec = EntitySpec {
    name: "officer",
    label: "profil",
    fields: &[
        req("name", Text),
        f("title", Text),
        f("structure", Text),
        f("phone", Phone),
        f("email", Email),
        f("signature", Note),
        f("address", Text),
        f("postcode", Text),
        f("city", Text),
        f("logo", Long { max: LOGO_MAX }),
    ],
};

pub static LETTER_TEMPLATE: EntitySpec = EntitySpec {
    name: "letter_template",
    label: "modèle de lettre",
    fields: &[
        req("name", Text),
        f("partner_kind", Enum(PARTNER_KIND)),
        req("subject", Text),
        req("body", Note),
    ],
};

pub static LETTER: EntitySpec = EntitySpec {
    name: "letter",
    label: "lettre d'orientation",
    fields: &[
        req("referral_id", Ref("referral")),
        req("person_id", Ref("person")),
        req("date", Date),
        req("template_id", Ref("letter_template")),
        req("template_version", Text),
        req("inputs", Long { max: 200_000 }),
        req("pdf_sha256", Text),
    ],
};

pub static RETENTION_EXTENSION: EntitySpec = EntitySpec {
    name: "retention_extension",
    label: "prolongation de conservation",
    fields: &[
        req("person_id", Ref("person")),
        req("until", Date),
        req("reason", Note),
        req("date", Date),
    ],
};

pub const ERASURE_KIND: &[(&str, &str)] =
    &[("erase", "Effacement"), ("anonymise", "Anonymisation")];

/// An erasure order (see `erasure.rs`). The person is named by id only, as text: the row it
/// names is gone, or anonymous.
pub static ERASURE: EntitySpec = EntitySpec {
    name: "erasure",
    label: "effacement",
    fields: &[
        req("person_id", Text),
        req("kind", Enum(ERASURE_KIND)),
        req("date", Date),
        f("values_stamp", Text),
    ],
};

pub const CONSENT_KIND: &[(&str, &str)] = &[
    ("contact", "Être recontacté·e"),
    ("partners", "Partage avec les partenaires"),
    ("stats", "Usage statistique"),
];

pub const CONSENT_HOW: &[(&str, &str)] = &[
    ("oral", "À l'oral"),
    ("written", "Par écrit"),
    ("message", "Par message"),
];

/// One consent given or withdrawn (see `consent.rs`).
pub static CONSENT: EntitySpec = EntitySpec {
    name: "consent",
    label: "consentement",
    fields: &[
        req("person_id", Ref("person")),
        req("kind", Enum(CONSENT_KIND)),
        req("given", Bool),
        f("how", Enum(CONSENT_HOW)),
        req("date", Date),
    ],
};

/// A merged-away person (see `person_merge.rs`): `person_id` now reads as `into_id`. Its id
/// is derived from `person_id`, so a person has one pointer whichever device merged her.
pub static PERSON_MERGE: EntitySpec = EntitySpec {
    name: "person_merge",
    label: "fusion",
    fields: &[
        req("person_id", Ref("person")),
        req("into_id", Ref("person")),
        req("date", Date),
    ],
};

/// "Pas un doublon": two persons the officer said are different. Its id is derived from the
/// pair, so two devices saying it write the same row.
pub static NOT_DUPLICATE: EntitySpec = EntitySpec {
    name: "not_duplicate",
    label: "paire écartée",
    fields: &[
        req("person_id", Ref("person")),
        req("other_id", Ref("person")),
        req("date", Date),
    ],
};

/// Every entity, in dependency order (referenced before referencing).
pub static ENTITIES: &[&EntitySpec] = &[
    &TERRITORY,
    &QUARTIER,
    &PLACE,
    &PARTNER,
    &OFFICER,
    &PERSON,
    &PERMANENCE,
    &ENCOUNTER,
    &MEETING,
    &ATTENDANCE,
    &REFERRAL,
    &REFERRAL_EVENT,
    &OUTCOME,
    &LETTER_TEMPLATE,
    &LETTER,
    &RETENTION_EXTENSION,
    &ERASURE,
    &PERSON_MERGE,
    &NOT_DUPLICATE,
    &CONSENT,
];

/// Looks a field of `entity` up by name, the tombstone field included.
pub fn field_of(entity: &EntitySpec, name: &str) -> Option<&'static FieldSpec> {
    if name == DELETED.name {
        Some(&DELETED)
    } else {
        entity.field(name)
    }
}

/// Looks an entity up by name.
pub fn entity(name: &str) -> Option<&'static EntitySpec> {
    ENTITIES.iter().copied().find(|e| e.name == name)
}

/// The French label of an enum code, or the code itself if unknown.
pub fn enum_label(values: &[(&'static str, &'static str)], code: &str) -> String {
    values
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, l)| (*l).to_string())
        .unwrap_or_else(|| code.to_string())
}

/// The French label of a field, for messages and forms.
pub fn field_label(field: &str) -> &'static str {
    match field {
        "name" => "Nom",
        "first_name" => "Prénom",
        "last_name" => "Nom",
        "gender" => "Genre",
        "birth_date" => "Date de naissance",
        "phone" => "Téléphone",
        "email" => "E-mail",
        "address" => "Adresse",
        "postcode" => "Code postal",
        "city" => "Ville",
        "commune" => "Commune",
        "quartier_id" => "Quartier",
        "territory_id" => "Territoire",
        "place_id" => "Lieu",
        "is_qpv" => "Quartier prioritaire (QPV)",
        "qpv_code" => "Code QPV",
        "lives_in_qpv" => "Habite en QPV",
        "situation" => "Situation",
        "france_travail" => "Inscrit·e à France Travail",
        "rsa" => "Bénéficiaire du RSA",
        "education" => "Niveau de formation",
        "consent_date" => "Date du consentement",
        "consent_contact" => "Accepte d’être recontacté·e",
        "consent_partners" => "Accepte le partage avec les partenaires",
        "consent_stats" => "Accepte l’usage statistique",
        "project_title" => "Projet",
        "project_sector" => "Secteur du projet",
        "project_stage" => "Avancement du projet",
        "note" => "Note",
        "date" => "Date",
        "start_time" => "Heure de début",
        "end_time" => "Heure de fin",
        "status" => "Statut",
        "status_date" => "Date du statut",
        "kind" => "Type",
        "phase" => "Phase",
        "person_id" => "Personne",
        "head_count" => "Nombre de personnes",
        "permanence_id" => "Permanence",
        "follow_up" => "Date de relance",
        "follow_up_done" => "Relance faite",
        "title" => "Titre",
        "partner_id" => "Partenaire",
        "attendee_count" => "Nombre de participants",
        "meeting_id" => "Réunion",
        "description" => "Description",
        "contact_name" => "Contact",
        "need" => "Besoin",
        "detail" => "Précisions",
        "referral_id" => "Orientation",
        "legal_form" => "Forme juridique",
        "siret" => "SIRET",
        "sector" => "Secteur",
        "structure" => "Structure",
        "signature" => "Signature",
        "logo" => "Logo",
        "partner_kind" => "Type de partenaire",
        "subject" => "Objet",
        "body" => "Texte de la lettre",
        "template_id" => "Modèle de lettre",
        "template_version" => "Version du modèle",
        "inputs" => "Données de la lettre",
        "pdf_sha256" => "Empreinte du PDF",
        "deleted" => "Supprimé",
        "year" => "Année",
        "device_name" => "Nom de l'appareil",
        "sync_folder" => "Dossier partagé",
        "sync_last" => "Dernière synchronisation",
        "sync_summary" => "Résumé de la synchronisation",
        "until" => "Jusqu'au",
        "into_id" => "Fusionnée dans",
        "given" => "Accord donné",
        "how" => "Recueilli",
        "other_id" => "Autre personne",
        "reason" => "Motif",
        "values_stamp" => "Valeurs anonymes",
        "retention_months" => "Durée de conservation (mois)",
        "out" => "Fichier de sortie",
        _ => "champ",
    }
}

/// The French label of `field` as `entity`'s forms and messages show it: the few fields whose
/// meaning depends on the entity (the officer's "title" is her job) have their own, the others
/// share [`field_label`]'s.
pub fn label_in(entity: &EntitySpec, field: &str) -> &'static str {
    match (entity.name, field) {
        ("officer", "title") => "Fonction",
        ("officer", "address") => "Adresse du bureau",
        ("officer", "signature") => "Bloc de signature",
        ("letter_template", "name") => "Nom du modèle",
        ("letter_template", "partner_kind") => "Par défaut pour les partenaires de type",
        ("encounter", "kind") => "Nature",
        ("meeting", "partner_id") => "Partenaire co-organisateur",
        ("outcome", "kind") => "Sortie",
        ("outcome", "legal_form") => "Forme juridique (création)",
        ("outcome", "siret") => "SIRET (création)",
        ("outcome", "sector") => "Secteur (création)",
        _ => field_label(field),
    }
}

/// What the window's forms and lists name things by, from the one place they are defined:
/// every closed list (code and French label) by name, each entity's French noun, and each
/// entity's fields with their labels ([`label_in`]).
#[derive(Debug, serde::Serialize)]
pub struct Vocabulary {
    #[serde(flatten)]
    pub lists: BTreeMap<&'static str, &'static [(&'static str, &'static str)]>,
    pub entity_labels: BTreeMap<&'static str, &'static str>,
    pub field_labels: BTreeMap<&'static str, BTreeMap<&'static str, &'static str>>,
}

/// See [`Vocabulary`].
pub fn vocabulary() -> Vocabulary {
    let lists = [
        ("permanence_status", PERMANENCE_STATUS),
        ("encounter_kind", ENCOUNTER_KIND),
        ("phase", PHASE),
        ("meeting_kind", MEETING_KIND),
        ("place_kind", PLACE_KIND),
        ("gender", GENDER),
        ("situation", SITUATION),
        ("education", EDUCATION),
        ("sector", SECTOR),
        ("project_stage", PROJECT_STAGE),
        ("partner_kind", PARTNER_KIND),
        ("need", NEED),
        ("referral_status", REFERRAL_STATUS),
        ("outcome_kind", OUTCOME_KIND),
        ("legal_form", LEGAL_FORM),
        ("consent_kind", CONSENT_KIND),
        ("consent_how", CONSENT_HOW),
    ];
    Vocabulary {
        lists: lists.into_iter().collect(),
        entity_labels: ENTITIES.iter().map(|e| (e.name, e.label)).collect(),
        field_labels: ENTITIES
            .iter()
            .map(|e| {
                let fields = e.fields.iter().map(|f| (f.name, label_in(e, f.name)));
                (e.name, fields.collect())
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_has_a_french_label() {
        for e in ENTITIES {
            for field in e.fields {
                assert_ne!(
                    field_label(field.name),
                    "champ",
                    "{}.{}",
                    e.name,
                    field.name
                );
            }
        }
    }

    #[test]
    fn the_vocabulary_names_every_entity_and_field_once_for_the_forms() {
        let v = vocabulary();
        assert_eq!(v.entity_labels.len(), ENTITIES.len());
        for e in ENTITIES {
            let fields = &v.field_labels[e.name];
            assert_eq!(fields.len(), e.fields.len(), "{}", e.name);
            for field in e.fields {
                assert_ne!(fields[field.name], "champ", "{}.{}", e.name, field.name);
            }
        }
        // A field named by its entity, and the same name elsewhere.
        assert_eq!(v.field_labels["officer"]["title"], "Fonction");
        assert_eq!(v.field_labels["meeting"]["title"], "Titre");
        assert_eq!(v.field_labels["encounter"]["kind"], "Nature");
        // The closed lists are still at the top level, where the forms read them.
        let json = serde_json::to_value(&v).unwrap();
        assert_eq!(json["gender"][0][0], "female");
        assert_eq!(json["field_labels"]["person"]["first_name"], "Prénom");
    }

    #[test]
    fn references_point_to_known_entities() {
        for e in ENTITIES {
            for field in e.fields {
                if let FieldKind::Ref(target) = field.kind {
                    assert!(entity(target).is_some(), "{}.{}", e.name, field.name);
                }
            }
        }
    }
}
