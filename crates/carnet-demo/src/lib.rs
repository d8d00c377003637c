//! Realistic, entirely fictional demo data for the two reference territories.
//!
//! Why: the officer's real notebook holds personal data of vulnerable people and can never be
//! used to show, test or measure Carnet. The demo reproduces the shape of the work instead:
//! weekly permanences in each quartier of Pays de Montbéliard (7 QPV) and Troyes (4), market
//! and snack-bar contacts (many anonymous head counts), individual interviews, collective
//! meetings, referrals to ADIE, BGE and the others moving through their statuses, and about
//! thirty business creations a year. Every write goes through the ordinary write path, so the
//! demo also exercises the change log (and is the bulk-load benchmark).
//!
//! Guarantees: the same seed, number of years and end date give the same content (same
//! [`digest`](carnet::digest)), on any device: the generator uses a portable seeded RNG
//! (ChaCha8), a simulated clock, and ids derived from the seed. Names are drawn from common
//! first and last names; phone numbers use the range ARCEP reserves for fiction (06 39 98 …),
//! e-mail addresses the `example.org` domain, SIRET numbers are random with a valid key.
//!
//! Why a crate of its own: the engine holds what the officer's notebook needs and nothing
//! else (it no longer depends on a random generator); the demo writes through the engine's
//! public API like any front end. Used by `carnet demo`, the benchmarks and the tests.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{Datelike, Days, Duration, NaiveDate};
use rand::seq::IndexedRandom;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use uuid::Uuid;

use carnet::clock::ManualClock;
use carnet::encounter::Encounter;
use carnet::error::{Error, Result};
use carnet::meeting::{self, Meeting};
use carnet::officer::Officer;
use carnet::outcome::Outcome;
use carnet::partner;
use carnet::permanence::Permanence;
use carnet::person::Person;
use carnet::referral::{self, NewReferral};
use carnet::store::{Store, Writer};
use carnet::territory::{self, Place};
use carnet::validate;

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct DemoOptions {
    pub seed: u64,
    pub years: u32,
    /// Last day of the generated activity; permanences after it are "planned".
    pub until: NaiveDate,
}

/// Progress of a long generation, reported every few simulated weeks.
#[derive(Debug, Clone, Copy)]
pub struct DemoProgress {
    pub weeks_done: u32,
    pub weeks_total: u32,
}

/// What was generated.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DemoSummary {
    pub persons: u64,
    pub encounters: u64,
    pub permanences: u64,
    pub meetings: u64,
    pub attendances: u64,
    pub referrals: u64,
    pub businesses_created: u64,
}

const FIRST_FEMALE: &[&str] = &[
    "Fatima",
    "Aïcha",
    "Yasmine",
    "Éloïse",
    "Inès",
    "Nadia",
    "Samira",
    "Aminata",
    "Léa",
    "Chloé",
    "Hélène",
    "Zoé",
    "Nour",
    "Mélissa",
    "Ayşe",
    "Elif",
    "Sarah",
    "Khadija",
    "Mariam",
    "Fatoumata",
    "Laetitia",
    "Sandrine",
    "Nathalie",
    "Céline",
    "Manon",
    "Océane",
    "Lina",
    "Salomé",
    "Amel",
    "Hafsa",
    "Ophélie",
    "Maëlys",
    "Anaïs",
    "Noémie",
    "Jessica",
    "Kadiatou",
    "Djamila",
    "Rachida",
    "Leïla",
    "Sonia",
];
const FIRST_MALE: &[&str] = &[
    "Mohamed",
    "Mamadou",
    "Kévin",
    "Ibrahim",
    "Karim",
    "Moussa",
    "Théo",
    "Rayan",
    "Sofiane",
    "Youssef",
    "Mehmet",
    "Emre",
    "Jérôme",
    "Loïc",
    "Anthony",
    "Mickaël",
    "Bilal",
    "Hamza",
    "Ousmane",
    "Souleymane",
    "Nicolas",
    "Julien",
    "Stéphane",
    "Cédric",
    "Yanis",
    "Adam",
    "Mathéo",
    "Ilyes",
    "Amine",
    "Walid",
    "Thierry",
    "Franck",
    "Grégory",
    "Hakim",
    "Samir",
    "Abdoulaye",
    "Hugo",
    "Enzo",
    "Lucas",
    "François",
];
const LAST: &[&str] = &[
    "Martin",
    "Bernard",
    "Ben Ali",
    "Benali",
    "N'Diaye",
    "Diallo",
    "Traoré",
    "Haddad",
    "Yılmaz",
    "Kaya",
    "Çakır",
    "Da Silva",
    "Pereira",
    "Nguyen",
    "Lefèvre",
    "Girard",
    "Mercier",
    "Bouaziz",
    "Cherif",
    "Koné",
    "Camara",
    "Dupont",
    "Moreau",
    "Rousseau",
    "Lambert",
    "Faure",
    "Bonnet",
    "Garnier",
    "Chevalier",
    "François",
    "Gauthier",
    "Perrin",
    "Robin",
    "Clément",
    "Morin",
    "Masson",
    "Marchand",
    "Duval",
    "Dumont",
    "Lemaire",
    "Noël",
    "Meyer",
    "Dufour",
    "Meunier",
    "Brun",
    "Giraud",
    "Joly",
    "Rivière",
    "Brunet",
    "Barbier",
    "Arnaud",
    "Schmitt",
    "Roy",
    "Colin",
    "Vidal",
    "Caron",
    "Picard",
    "Aubert",
    "Renaud",
    "Dumas",
    "Lacroix",
    "Bourgeois",
    "Benoît",
    "Leclerc",
    "Lopez",
    "Dupuy",
    "Hubert",
    "Berger",
    "Sanchez",
    "Moulin",
    "Huet",
    "Perez",
    "Fleury",
    "Klein",
    "Jacquet",
    "Marty",
    "Carré",
    "Ménard",
    "Bensaïd",
    "Belkacem",
    "Mansouri",
    "Hamidi",
    "Ouédraogo",
    "Sow",
    "Sylla",
    "Keita",
    "Demir",
    "Öztürk",
    "Ferreira",
    "Gonçalves",
    "Tran",
    "Le Gall",
    "Lévêque",
    "Étienne",
];

const PROJECTS: &[(&str, &[&str])] = &[
    (
        "commerce",
        &[
            "Épicerie de quartier",
            "Vente de vêtements en ligne",
            "Boutique de cosmétiques",
            "Commerce de produits exotiques",
        ],
    ),
    (
        "restauration",
        &[
            "Food truck",
            "Traiteur africain",
            "Snack halal",
            "Pâtisserie orientale",
            "Restaurant libanais",
        ],
    ),
    (
        "services_personne",
        &[
            "Aide à domicile",
            "Garde d'enfants",
            "Accompagnement de personnes âgées",
        ],
    ),
    (
        "beaute",
        &[
            "Salon de coiffure",
            "Onglerie",
            "Esthétique à domicile",
            "Barbier",
        ],
    ),
    (
        "batiment",
        &[
            "Plomberie",
            "Peinture et rénovation",
            "Électricité générale",
            "Carrelage",
        ],
    ),
    (
        "transport",
        &[
            "VTC",
            "Livraison à vélo",
            "Déménagement",
            "Transport de marchandises",
        ],
    ),
    (
        "numerique",
        &[
            "Réparation de téléphones",
            "Création de sites web",
            "Community management",
        ],
    ),
    (
        "artisanat",
        &["Couture et retouches", "Bijoux faits main", "Menuiserie"],
    ),
    (
        "nettoyage",
        &["Nettoyage de bureaux", "Nettoyage automobile"],
    ),
    (
        "culture",
        &[
            "Organisation de mariages",
            "Photographie",
            "DJ et sonorisation",
        ],
    ),
];

/// Partner names as in the default list, with how often the officer refers people to each.
const REFERRAL_WEIGHTS: &[(&str, u32)] = &[
    ("ADIE", 30),
    ("BGE", 25),
    ("France Travail", 10),
    ("Initiative France", 9),
    ("France Active", 5),
    ("CCI", 5),
    ("CMA", 7),
    ("Coopilote", 6),
    ("Mission locale", 3),
];

struct Area {
    quartiers: Vec<(Uuid, Uuid)>, // (quartier, place)
    /// Persons met in this territory, most recent last: (id, quartier index).
    people: Vec<(Uuid, usize)>,
}

struct Pending {
    referral: Uuid,
    person: Uuid,
    status: &'static str,
}

struct Generator {
    rng: ChaCha8Rng,
    until: NaiveDate,
    areas: Vec<Area>,
    partners: BTreeMap<String, Uuid>,
    /// Referral moves and outcomes scheduled for later weeks.
    moves: BTreeMap<NaiveDate, Vec<Pending>>,
    creations: BTreeMap<NaiveDate, Vec<Uuid>>,
    summary: DemoSummary,
}

/// Fills an empty notebook with demo data. Refuses a notebook that already holds persons or
/// encounters, so that real data is never mixed with fiction.
pub fn generate(
    store: &mut Store,
    options: &DemoOptions,
    progress: &mut dyn FnMut(DemoProgress),
) -> Result<DemoSummary> {
    let held = carnet::stats::stats(store)?;
    let busy = ["person", "encounter"]
        .iter()
        .map(|entity| held.entities.get(entity).copied().unwrap_or(0))
        .sum::<i64>();
    if busy > 0 {
        return Err(Error::Inconsistent {
            field: "db",
            message: "Cette base contient déjà des personnes ou des rencontres : la démo s'écrit dans une base neuve (choisissez un autre fichier avec --db).",
        });
    }
    if !(1..=30).contains(&options.years) {
        return Err(Error::OutOfRange {
            field: "years",
            min: 1,
            max: 30,
        });
    }
    let clock = Arc::new(ManualClock::at_date(options.until));
    let previous = store.replace_clock(Box::new(clock.clone()));
    store.set_id_namespace(Some(Uuid::from_u64_pair(DEMO_NAMESPACE, options.seed)));
    // Fictional persons: a million changes need no journal.
    let audited = store.audits();
    store.set_audit(false);
    let result = run(store, options, &clock, progress);
    store.set_audit(audited);
    store.set_id_namespace(None);
    store.replace_clock(previous);
    result
}

/// Tag of demo id namespaces (the seed fills the other half).
const DEMO_NAMESPACE: u64 = 0x0d3e_0000_ca4e_7000;

fn run(
    store: &mut Store,
    options: &DemoOptions,
    clock: &ManualClock,
    progress: &mut dyn FnMut(DemoProgress),
) -> Result<DemoSummary> {
    let until = options.until;
    // Whole weeks, Monday to Sunday, ending with the week that contains `until`.
    let last_monday = until - Days::new(u64::from(until.weekday().num_days_from_monday()));
    let weeks_total = options.years * 52;
    let first_monday = last_monday - Days::new(7 * u64::from(weeks_total - 1));
    clock.set(midday(first_monday));

    let mut generator = store.write(|w| Generator::setup(w, options))?;
    // Four weeks per transaction: bulk loading commits rarely, progress still moves monthly.
    const WEEKS_PER_WRITE: u32 = 4;
    let mut week = 0;
    while week < weeks_total {
        let weeks = WEEKS_PER_WRITE.min(weeks_total - week);
        let first = first_monday + Days::new(7 * u64::from(week));
        // The clock reads the last Sunday evening of the batch (or `until`, if earlier), so
        // that validation ("no encounter more than a day ahead") sees those weeks as past.
        let last_sunday = first + Days::new(7 * u64::from(weeks) - 1);
        clock.set(midday(last_sunday.min(until)) + 6 * 3_600_000);
        store.write(|w| {
            (0..weeks).try_for_each(|k| generator.week(w, first + Days::new(7 * u64::from(k))))
        })?;
        week += weeks;
        progress(DemoProgress {
            weeks_done: week,
            weeks_total,
        });
    }
    Ok(generator.summary)
}

fn midday(date: NaiveDate) -> i64 {
    date.and_hms_opt(12, 0, 0)
        .map(|t| t.and_utc().timestamp_millis())
        .unwrap_or(0)
}

impl Generator {
    fn setup(w: &mut Writer<'_>, options: &DemoOptions) -> Result<Generator> {
        let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
        w.create(&Officer {
            name: "Sarah Martin".into(),
            title: Some("Cheffe de projet CitésLab".into()),
            structure: Some("CitésLab Pays de Montbéliard".into()),
            phone: Some("03 53 01 12 34".into()),
            email: Some("sarah.martin@example.org".into()),
            signature: Some("Sarah Martin\nCheffe de projet CitésLab".into()),
            address: Some("8 avenue des Alliés".into()),
            postcode: Some("25200".into()),
            city: Some("Montbéliard".into()),
            logo: None,
        })?;
        let mut areas = Vec::new();
        for name in territory::known_territory_names() {
            let territory_id = territory::create_territory(w, &name)?;
            let quartiers = territory::quartiers_of(w, territory_id)?;
            let mut with_places = Vec::new();
            for (i, (quartier_name, quartier_id)) in quartiers.into_iter().enumerate() {
                let (kind, prefix) = [
                    ("centre_social", "Centre social"),
                    ("maison_de_quartier", "Maison de quartier"),
                    ("mairie_annexe", "Mairie annexe"),
                ][i % 3];
                let place = w.create(&Place {
                    name: format!("{prefix} {quartier_name}"),
                    kind: Some(kind.into()),
                    quartier_id: Some(quartier_id),
                    address: Some(format!("{} rue des Écoles", rng.random_range(1..60))),
                })?;
                with_places.push((quartier_id, place));
            }
            areas.push(Area {
                quartiers: with_places,
                people: Vec::new(),
            });
        }
        let partners = partner::default_partners()
            .into_iter()
            .map(|p| p.name)
            .zip(partner::seed_partners(w)?)
            .collect();
        carnet::letter::template::seed_templates(w)?;
        Ok(Generator {
            rng,
            until: options.until,
            areas,
            partners,
            moves: BTreeMap::new(),
            creations: BTreeMap::new(),
            summary: DemoSummary::default(),
        })
    }

    fn week(&mut self, w: &mut Writer<'_>, monday: NaiveDate) -> Result<()> {
        for area in 0..self.areas.len() {
            self.permanences(w, area, monday)?;
            self.field_work(w, area, monday)?;
            if self.rng.random_bool(0.5) {
                self.meeting(w, area, monday)?;
            }
        }
        self.scheduled(w, monday)
    }

    fn permanences(&mut self, w: &mut Writer<'_>, area: usize, monday: NaiveDate) -> Result<()> {
        for q in 0..self.areas[area].quartiers.len() {
            let (quartier_id, place_id) = self.areas[area].quartiers[q];
            let date = monday + Days::new((q % 5) as u64);
            let morning = q % 2 == 0;
            let status = if date > self.until {
                "planned"
            } else if self.rng.random_bool(0.08) {
                "cancelled"
            } else {
                "held"
            };
            let permanence = w.create(&Permanence {
                quartier_id,
                place_id: Some(place_id),
                date,
                start_time: Some(if morning { "09:00" } else { "14:00" }.into()),
                end_time: Some(if morning { "12:00" } else { "17:00" }.into()),
                status: status.into(),
                note: None,
            })?;
            self.summary.permanences += 1;
            if status != "held" {
                continue;
            }
            for _ in 0..self.rng.random_range(3..=10) {
                let person = self.someone(w, area, q, date, 0.33)?;
                let mut e = Encounter::new(date, "permanence_visit");
                e.person_id = Some(person);
                e.quartier_id = Some(quartier_id);
                e.permanence_id = Some(permanence);
                e.phase = Some(
                    self.pick(&["sensibilisation", "detection", "amorcage"])
                        .into(),
                );
                self.encounter(w, e)?;
            }
        }
        Ok(())
    }

    fn field_work(&mut self, w: &mut Writer<'_>, area: usize, monday: NaiveDate) -> Result<()> {
        let quartiers = self.areas[area].quartiers.len();
        // (kind, outings a week, anonymous groups per outing, named contacts per outing)
        let plan: [(&str, u32, u32, u32); 5] = [
            ("market", 5, 2, 3),
            ("snack_bar", 3, 1, 2),
            ("street", 4, 2, 0),
            ("phone", 10, 0, 1),
            ("social_network", 5, 0, 1),
        ];
        for (kind, outings, groups, named) in plan {
            for _ in 0..outings {
                let date = monday + Days::new(self.rng.random_range(0..6));
                if date > self.until {
                    continue;
                }
                let q = self.rng.random_range(0..quartiers);
                let quartier_id = self.areas[area].quartiers[q].0;
                for _ in 0..groups {
                    let mut e = Encounter::new(date, kind);
                    e.head_count = Some(self.rng.random_range(1..=8));
                    e.quartier_id = Some(quartier_id);
                    e.phase = Some("sensibilisation".into());
                    self.encounter(w, e)?;
                }
                for _ in 0..named {
                    let new_share = match kind {
                        "market" => 0.5,
                        "snack_bar" => 0.4,
                        "social_network" => 0.2,
                        _ => 0.0,
                    };
                    let person = self.someone(w, area, q, date, new_share)?;
                    let mut e = Encounter::new(date, kind);
                    e.person_id = Some(person);
                    e.quartier_id = Some(quartier_id);
                    e.phase = Some(self.pick(&["sensibilisation", "detection"]).into());
                    self.encounter(w, e)?;
                }
            }
        }
        // About 150 individual interviews a year per territory, a third ending in a referral.
        for _ in 0..3 {
            let date = monday + Days::new(self.rng.random_range(0..5));
            if date > self.until || self.areas[area].people.is_empty() {
                continue;
            }
            let q = self.rng.random_range(0..quartiers);
            let person = self.someone(w, area, q, date, 0.1)?;
            let mut e = Encounter::new(date, "interview");
            e.person_id = Some(person);
            e.quartier_id = Some(self.areas[area].quartiers[q].0);
            e.phase = Some(self.pick(&["detection", "amorcage", "amorcage"]).into());
            self.encounter(w, e)?;
            if self.rng.random_bool(0.4) {
                self.refer(w, person, date)?;
            }
        }
        // A partner event or forum about once a month.
        if self.rng.random_bool(0.25) {
            let date = monday + Days::new(self.rng.random_range(0..5));
            if date <= self.until {
                let mut e = Encounter::new(date, "partner_event");
                e.head_count = Some(self.rng.random_range(5..=30));
                e.phase = Some("sensibilisation".into());
                self.encounter(w, e)?;
            }
        }
        Ok(())
    }

    fn meeting(&mut self, w: &mut Writer<'_>, area: usize, monday: NaiveDate) -> Result<()> {
        let date = monday + Days::new(self.rng.random_range(0..5));
        if date > self.until || self.areas[area].people.len() < 10 {
            return Ok(());
        }
        let (kind, title, partner) = *[
            (
                "information",
                "Réunion d'information : créer son entreprise",
                "BGE",
            ),
            (
                "atelier",
                "Atelier : le microcrédit, comment ça marche ?",
                "ADIE",
            ),
            (
                "atelier",
                "Atelier : tester son idée en coopérative",
                "Coopilote",
            ),
            (
                "reunion",
                "Petit-déjeuner des porteurs de projet",
                "Initiative France",
            ),
            ("forum", "Forum de la création d'entreprise", "CCI"),
        ]
        .choose(&mut self.rng)
        .unwrap_or(&("reunion", "Réunion collective", "BGE"));
        let q = self.rng.random_range(0..self.areas[area].quartiers.len());
        let count = self.rng.random_range(6..=14);
        let meeting_id = w.create(&Meeting {
            date,
            title: title.into(),
            kind: kind.into(),
            partner_id: self.partners.get(partner).copied(),
            quartier_id: Some(self.areas[area].quartiers[q].0),
            attendee_count: Some(count),
            note: None,
        })?;
        self.summary.meetings += 1;
        let mut attendees: Vec<Uuid> = (0..self.rng.random_range(2..=4))
            .map(|_| self.recent(area))
            .collect();
        attendees.sort();
        attendees.dedup();
        for person in attendees {
            meeting::attach(w, meeting_id, person)?;
            self.summary.attendances += 1;
        }
        Ok(())
    }

    /// Referral moves and business creations scheduled for this week.
    fn scheduled(&mut self, w: &mut Writer<'_>, monday: NaiveDate) -> Result<()> {
        let sunday = (monday + Days::new(6)).min(self.until);
        let due: Vec<NaiveDate> = self.moves.range(..=sunday).map(|(d, _)| *d).collect();
        for date in due {
            for pending in self.moves.remove(&date).unwrap_or_default() {
                referral::move_to(w, pending.referral, pending.status, date, None)?;
                self.schedule_next(&pending, date);
            }
        }
        let due: Vec<NaiveDate> = self.creations.range(..=sunday).map(|(d, _)| *d).collect();
        for date in due {
            for person in self.creations.remove(&date).unwrap_or_default() {
                let sector = self.pick(&[
                    "commerce",
                    "restauration",
                    "services_personne",
                    "beaute",
                    "batiment",
                    "transport",
                    "numerique",
                    "nettoyage",
                ]);
                let legal_form =
                    self.pick(&["micro", "micro", "micro", "ei", "sasu", "eurl", "cae"]);
                let prefix: String = (0..13)
                    .map(|_| char::from(b'0' + self.rng.random_range(0..10u8)))
                    .collect();
                let prefix = format!("9{}", &prefix[1..]);
                w.create(&Outcome {
                    person_id: person,
                    kind: "business_created".into(),
                    date,
                    legal_form: Some(legal_form.into()),
                    siret: (legal_form != "cae").then(|| validate::siret_with_key(&prefix)),
                    sector: Some(sector.into()),
                    note: None,
                })?;
                self.summary.businesses_created += 1;
            }
        }
        Ok(())
    }

    fn schedule_next(&mut self, done: &Pending, date: NaiveDate) {
        let (next, days): (Option<&'static str>, u64) = match done.status {
            "sent" => {
                if self.rng.random_bool(0.75) {
                    (Some("appointment"), self.rng.random_range(5..25))
                } else {
                    (Some("no_follow_up"), self.rng.random_range(30..60))
                }
            }
            "appointment" => {
                if self.rng.random_bool(0.65) {
                    (Some("supported"), self.rng.random_range(7..40))
                } else {
                    (Some("no_follow_up"), self.rng.random_range(20..60))
                }
            }
            "supported" => {
                if self.rng.random_bool(0.45) {
                    let later = date + Days::new(self.rng.random_range(30..150));
                    self.creations.entry(later).or_default().push(done.person);
                }
                (None, 0)
            }
            _ => (None, 0),
        };
        if let Some(status) = next {
            self.moves
                .entry(date + Days::new(days))
                .or_default()
                .push(Pending {
                    referral: done.referral,
                    person: done.person,
                    status,
                });
        }
    }

    fn refer(&mut self, w: &mut Writer<'_>, person: Uuid, date: NaiveDate) -> Result<()> {
        let total: u32 = REFERRAL_WEIGHTS.iter().map(|(_, n)| n).sum();
        let mut roll = self.rng.random_range(0..total);
        let mut partner_name = REFERRAL_WEIGHTS[0].0;
        for (name, weight) in REFERRAL_WEIGHTS {
            if roll < *weight {
                partner_name = name;
                break;
            }
            roll -= weight;
        }
        let Some(&partner_id) = self.partners.get(partner_name) else {
            return Ok(());
        };
        let need = match partner_name {
            "ADIE" | "Initiative France" | "France Active" => "financing",
            "France Travail" | "Mission locale" => "employment",
            "CCI" | "CMA" => "legal_status",
            _ => "support",
        };
        let referral = referral::create(
            w,
            &NewReferral {
                person_id: person,
                partner_id,
                date,
                need: need.into(),
                detail: Some("Premier rendez-vous pour présenter le projet.".into()),
                follow_up: Some(date + Days::new(21)),
            },
        )?;
        self.summary.referrals += 1;
        let sent = date + Days::new(self.rng.random_range(0..5));
        self.moves.entry(sent).or_default().push(Pending {
            referral,
            person,
            status: "sent",
        });
        Ok(())
    }

    fn encounter(&mut self, w: &mut Writer<'_>, mut e: Encounter) -> Result<()> {
        if e.person_id.is_some() && self.rng.random_bool(0.12) {
            let follow_up = e.date + Days::new(self.rng.random_range(7..30));
            e.follow_up = Some(follow_up);
            e.follow_up_done =
                Some(follow_up + Duration::days(14) < self.until && self.rng.random_bool(0.85));
        }
        if self.rng.random_bool(0.3) {
            e.note = Some(
                self.pick(&[
                    "Intéressé·e par la création, à revoir.",
                    "A déjà une clientèle, cherche un financement.",
                    "Souhaite des informations sur la micro-entreprise.",
                    "Orienté·e vers la permanence de la semaine prochaine.",
                    "Projet encore flou, à mûrir.",
                    "Demande un rendez-vous individuel.",
                ])
                .into(),
            );
        }
        w.create(&e)?;
        self.summary.encounters += 1;
        Ok(())
    }

    /// A person for an encounter: a new one with probability `new_share`, else someone met
    /// recently in the same territory.
    fn someone(
        &mut self,
        w: &mut Writer<'_>,
        area: usize,
        quartier: usize,
        met: NaiveDate,
        new_share: f64,
    ) -> Result<Uuid> {
        if self.areas[area].people.len() < 5 || self.rng.random_bool(new_share) {
            let person = self.new_person(area, quartier, met);
            let id = w.create(&person)?;
            self.areas[area].people.push((id, quartier));
            self.summary.persons += 1;
            Ok(id)
        } else {
            Ok(self.recent(area))
        }
    }

    fn recent(&mut self, area: usize) -> Uuid {
        let people = &self.areas[area].people;
        let window = people.len().min(300);
        let index = people.len() - 1 - self.rng.random_range(0..window.max(1));
        people[index].0
    }

    fn new_person(&mut self, area: usize, quartier: usize, met: NaiveDate) -> Person {
        let rng = &mut self.rng;
        let female = rng.random_bool(0.56);
        let first = if female {
            FIRST_FEMALE.choose(rng)
        } else {
            FIRST_MALE.choose(rng)
        }
        .copied()
        .unwrap_or("Camille");
        let last = LAST.choose(rng).copied().unwrap_or("Martin");
        let age = match rng.random_range(0..100) {
            0..25 => rng.random_range(18..26),
            25..60 => rng.random_range(26..36),
            60..90 => rng.random_range(36..51),
            _ => rng.random_range(51..65),
        };
        let birth = met
            .with_day(1)
            .and_then(|d| d.with_year(met.year() - age))
            .map(|d| d - Days::new(rng.random_range(0..365)))
            .unwrap_or(met);
        let lives_in_qpv = rng.random_bool(0.8);
        let home = if rng.random_bool(0.8) {
            quartier
        } else {
            rng.random_range(0..self.areas[area].quartiers.len())
        };
        let situation = *[
            "job_seeker",
            "job_seeker",
            "job_seeker",
            "job_seeker",
            "employed",
            "employed",
            "student",
            "inactive",
            "inactive",
            "other",
        ]
        .choose(rng)
        .unwrap_or(&"other");
        let (sector, titles) = PROJECTS.choose(rng).copied().unwrap_or(PROJECTS[0]);
        let consent = rng.random_bool(0.88);
        let login = carnet::search_key::fold(&format!("{first}.{last}")).replace(' ', "");
        Person {
            first_name: first.into(),
            last_name: last.into(),
            gender: Some(if female { "female" } else { "male" }.into()),
            birth_date: rng.random_bool(0.9).then_some(birth),
            phone: rng.random_bool(0.75).then(|| {
                format!(
                    "06 39 98 {:02} {:02}",
                    rng.random_range(0..100),
                    rng.random_range(0..100)
                )
            }),
            email: rng
                .random_bool(0.45)
                .then(|| format!("{login}{}@example.org", rng.random_range(1..100))),
            address: rng
                .random_bool(0.5)
                .then(|| format!("{} rue de la République", rng.random_range(1..120))),
            postcode: None,
            city: None,
            quartier_id: lives_in_qpv.then_some(self.areas[area].quartiers[home].0),
            lives_in_qpv: Some(lives_in_qpv),
            situation: Some(situation.into()),
            france_travail: Some(situation == "job_seeker" && rng.random_bool(0.85)),
            rsa: Some(rng.random_bool(0.2)),
            education: [
                "none", "none", "level3", "level3", "level3", "level4", "level4", "level5",
                "level6", "level7",
            ]
            .choose(rng)
            .map(|s| s.to_string()),
            consent_date: consent.then_some(met),
            consent_contact: Some(consent),
            consent_partners: Some(consent && rng.random_bool(0.8)),
            consent_stats: Some(consent),
            project_title: titles.choose(rng).map(|s| s.to_string()),
            project_sector: Some(sector.into()),
            project_stage: ["idea", "idea", "maturing", "ready"]
                .choose(rng)
                .map(|s| s.to_string()),
            note: None,
        }
    }

    fn pick(&mut self, options: &[&'static str]) -> &'static str {
        options.choose(&mut self.rng).copied().unwrap_or("")
    }
}
