// @ts-check
// The records the engine sends the window, as JSDoc types for `// @ts-check`. Written
// from the engine's catalogue (crates/carnet/src/schema.rs) by the test
// `the_windows_record_types_follow_the_catalogue` (src-tauri/src/commands/mod.rs):
// do not edit; run `CARNET_WRITE_UI_TYPES=1 cargo test -p carnet-desktop record_types`
// after changing the catalogue. Never loaded by the window: types only.

/**
 * A `territory` record (« territoire ») as the engine sends it; an `Entry` also has its `id`.
 * @typedef {object} Territory
 * @property {string} name Nom
 */

/**
 * A `quartier` record (« quartier ») as the engine sends it; an `Entry` also has its `id`.
 * @typedef {object} Quartier
 * @property {string} territory_id Territoire
 * @property {string} name Nom
 * @property {string | null} [commune] Commune
 * @property {boolean | null} [is_qpv] Quartier prioritaire (QPV)
 * @property {string | null} [qpv_code] Code QPV
 */

/**
 * A `place` record (« lieu ») as the engine sends it; an `Entry` also has its `id`.
 * @typedef {object} Place
 * @property {string} name Nom
 * @property {'centre_social' | 'maison_de_quartier' | 'mairie_annexe' | 'mediatheque' | 'marche' | 'snack' | 'autre' | null} [kind] Type
 * @property {string | null} [quartier_id] Quartier
 * @property {string | null} [address] Adresse
 */

/**
 * A `partner` record (« partenaire ») as the engine sends it; an `Entry` also has its `id`.
 * @typedef {object} Partner
 * @property {string} name Nom
 * @property {'microcredit' | 'support' | 'employment' | 'financing' | 'chamber' | 'cooperative' | 'youth' | 'other'} kind Type
 * @property {string | null} [description] Description
 * @property {string | null} [contact_name] Contact
 * @property {string | null} [address] Adresse
 * @property {string | null} [postcode] Code postal
 * @property {string | null} [city] Ville
 * @property {string | null} [phone] Téléphone
 * @property {string | null} [email] E-mail
 * @property {string | null} [note] Note
 */

/**
 * A `officer` record (« profil ») as the engine sends it; an `Entry` also has its `id`.
 * @typedef {object} Officer
 * @property {string} name Nom
 * @property {string | null} [title] Fonction
 * @property {string | null} [structure] Structure
 * @property {string | null} [phone] Téléphone
 * @property {string | null} [email] E-mail
 * @property {string | null} [signature] Bloc de signature
 * @property {string | null} [address] Adresse du bureau
 * @property {string | null} [postcode] Code postal
 * @property {string | null} [city] Ville
 * @property {string | null} [logo] Logo
 */

/**
 * A `person` record (« personne ») as the engine sends it; an `Entry` also has its `id`.
 * @typedef {object} Person
 * @property {string} first_name Prénom
 * @property {string} last_name Nom
 * @property {'female' | 'male' | 'unspecified' | null} [gender] Genre
 * @property {string | null} [birth_date] Date de naissance
 * @property {string | null} [phone] Téléphone
 * @property {string | null} [email] E-mail
 * @property {string | null} [address] Adresse
 * @property {string | null} [postcode] Code postal
 * @property {string | null} [city] Ville
 * @property {string | null} [quartier_id] Quartier
 * @property {boolean | null} [lives_in_qpv] Habite en QPV
 * @property {'job_seeker' | 'employed' | 'student' | 'inactive' | 'other' | null} [situation] Situation
 * @property {boolean | null} [france_travail] Inscrit·e à France Travail
 * @property {boolean | null} [rsa] Bénéficiaire du RSA
 * @property {'none' | 'level3' | 'level4' | 'level5' | 'level6' | 'level7' | null} [education] Niveau de formation
 * @property {string | null} [consent_date] Date du consentement
 * @property {boolean | null} [consent_contact] Accepte d’être recontacté·e
 * @property {boolean | null} [consent_partners] Accepte le partage avec les partenaires
 * @property {boolean | null} [consent_stats] Accepte l’usage statistique
 * @property {string | null} [project_title] Projet
 * @property {'commerce' | 'restauration' | 'services_personne' | 'beaute' | 'batiment' | 'transport' | 'numerique' | 'artisanat' | 'nettoyage' | 'culture' | 'autre' | null} [project_sector] Secteur du projet
 * @property {'idea' | 'maturing' | 'ready' | 'started' | null} [project_stage] Avancement du projet
 * @property {string | null} [note] Note
 */

/**
 * A `permanence` record (« permanence ») as the engine sends it; an `Entry` also has its `id`.
 * @typedef {object} Permanence
 * @property {string} quartier_id Quartier
 * @property {string | null} [place_id] Lieu
 * @property {string} date Date
 * @property {string | null} [start_time] Heure de début
 * @property {string | null} [end_time] Heure de fin
 * @property {'planned' | 'held' | 'cancelled'} status Statut
 * @property {string | null} [note] Note
 */

/**
 * A `encounter` record (« rencontre ») as the engine sends it; an `Entry` also has its `id`.
 * @typedef {object} Encounter
 * @property {string} date Date
 * @property {'permanence_visit' | 'interview' | 'market' | 'snack_bar' | 'street' | 'phone' | 'social_network' | 'partner_event'} kind Nature
 * @property {'sensibilisation' | 'detection' | 'amorcage' | null} [phase] Phase
 * @property {string | null} [person_id] Personne
 * @property {number | null} [head_count] Nombre de personnes
 * @property {string | null} [quartier_id] Quartier
 * @property {string | null} [permanence_id] Permanence
 * @property {string | null} [note] Note
 * @property {string | null} [follow_up] Date de relance
 * @property {boolean | null} [follow_up_done] Relance faite
 */

/**
 * A `meeting` record (« réunion collective ») as the engine sends it; an `Entry` also has its `id`.
 * @typedef {object} Meeting
 * @property {string} date Date
 * @property {string} title Titre
 * @property {'reunion' | 'atelier' | 'forum' | 'information'} kind Type
 * @property {string | null} [partner_id] Partenaire co-organisateur
 * @property {string | null} [quartier_id] Quartier
 * @property {number | null} [attendee_count] Nombre de participants
 * @property {string | null} [note] Note
 */

/**
 * A `attendance` record (« participation ») as the engine sends it; an `Entry` also has its `id`.
 * @typedef {object} Attendance
 * @property {string} meeting_id Réunion
 * @property {string} person_id Personne
 */

/**
 * A `referral` record (« orientation ») as the engine sends it; an `Entry` also has its `id`.
 * @typedef {object} Referral
 * @property {string} person_id Personne
 * @property {string} partner_id Partenaire
 * @property {string} date Date
 * @property {'financing' | 'support' | 'training' | 'legal_status' | 'employment' | 'other'} need Besoin
 * @property {string | null} [detail] Précisions
 * @property {'to_send' | 'sent' | 'appointment' | 'supported' | 'no_follow_up'} status Statut
 * @property {string | null} [status_date] Date du statut
 * @property {string | null} [follow_up] Date de relance
 */

/**
 * A `referral_event` record (« étape d'orientation ») as the engine sends it; an `Entry` also has its `id`.
 * @typedef {object} ReferralEvent
 * @property {string} referral_id Orientation
 * @property {'to_send' | 'sent' | 'appointment' | 'supported' | 'no_follow_up'} status Statut
 * @property {string} date Date
 * @property {string | null} [note] Note
 */

/**
 * A `outcome` record (« sortie ») as the engine sends it; an `Entry` also has its `id`.
 * @typedef {object} Outcome
 * @property {string} person_id Personne
 * @property {'business_created' | 'job' | 'training' | 'stopped'} kind Sortie
 * @property {string} date Date
 * @property {'micro' | 'ei' | 'eurl' | 'sasu' | 'sarl' | 'sas' | 'scop' | 'cae' | 'association' | 'other' | null} [legal_form] Forme juridique (création)
 * @property {string | null} [siret] SIRET (création)
 * @property {'commerce' | 'restauration' | 'services_personne' | 'beaute' | 'batiment' | 'transport' | 'numerique' | 'artisanat' | 'nettoyage' | 'culture' | 'autre' | null} [sector] Secteur (création)
 * @property {string | null} [note] Note
 */

/**
 * A `letter_template` record (« modèle de lettre ») as the engine sends it; an `Entry` also has its `id`.
 * @typedef {object} LetterTemplate
 * @property {string} name Nom du modèle
 * @property {'microcredit' | 'support' | 'employment' | 'financing' | 'chamber' | 'cooperative' | 'youth' | 'other' | null} [partner_kind] Par défaut pour les partenaires de type
 * @property {string} subject Objet
 * @property {string} body Texte de la lettre
 */

/**
 * A `letter` record (« lettre d'orientation ») as the engine sends it; an `Entry` also has its `id`.
 * @typedef {object} Letter
 * @property {string} referral_id Orientation
 * @property {string} person_id Personne
 * @property {string} date Date
 * @property {string} template_id Modèle de lettre
 * @property {string} template_version Version du modèle
 * @property {string} inputs Données de la lettre
 * @property {string} pdf_sha256 Empreinte du PDF
 */

/**
 * A `retention_extension` record (« prolongation de conservation ») as the engine sends it; an `Entry` also has its `id`.
 * @typedef {object} RetentionExtension
 * @property {string} person_id Personne
 * @property {string} until Jusqu'au
 * @property {string} reason Motif
 * @property {string} date Date
 */

/**
 * A `erasure` record (« effacement ») as the engine sends it; an `Entry` also has its `id`.
 * @typedef {object} Erasure
 * @property {string} person_id Personne
 * @property {'erase' | 'anonymise'} kind Type
 * @property {string} date Date
 * @property {string | null} [values_stamp] Valeurs anonymes
 */

/**
 * A `person_merge` record (« fusion ») as the engine sends it; an `Entry` also has its `id`.
 * @typedef {object} PersonMerge
 * @property {string} person_id Personne
 * @property {string} into_id Fusionnée dans
 * @property {string} date Date
 */

/**
 * A `not_duplicate` record (« paire écartée ») as the engine sends it; an `Entry` also has its `id`.
 * @typedef {object} NotDuplicate
 * @property {string} person_id Personne
 * @property {string} other_id Autre personne
 * @property {string} date Date
 */

/**
 * A `consent` record (« consentement ») as the engine sends it; an `Entry` also has its `id`.
 * @typedef {object} Consent
 * @property {string} person_id Personne
 * @property {'contact' | 'partners' | 'stats'} kind Type
 * @property {boolean} given Accord donné
 * @property {'oral' | 'written' | 'message' | null} [how] Recueilli
 * @property {string} date Date
 */

export {};
