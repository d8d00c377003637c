//! The yearly activity figures (*bilan d'activité*): what funders receive and what the
//! dashboard shows through the year.
//!
//! Every indicator is defined once, in French, in `docs/indicators.md`, and computed once,
//! here, by [`indicators`]; the spreadsheet ([`xlsx`]), the CSV ([`csv`]), the PDF ([`pdf`])
//! and the desktop "Bilan" screen all read the same [`Indicators`] through [`synthesis`], so
//! the figures can never disagree between two outputs. The rules that make the counts
//! defensible: a person is counted at most once per indicator in a year, however many times
//! she came; a person seen in several years is counted in each of them; deleted rows never
//! count; a share whose denominator is zero is 0, never "NaN".

pub mod csv;
pub mod detail;
pub mod pdf;
pub mod xlsx;

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::error::Result;
use crate::schema;
use crate::store::Store;

/// One count with its code and French label.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Count {
    pub code: String,
    pub label: String,
    pub count: i64,
}

/// Encounters of one kind: how many, and how many people they reached (a named person counts
/// one, an anonymous group its head count).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KindCount {
    pub code: String,
    pub label: String,
    pub encounters: i64,
    pub people: i64,
}

/// Referrals to one partner, by current status.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartnerReferrals {
    pub partner: String,
    pub total: i64,
    /// Counts in the order of [`schema::REFERRAL_STATUS`].
    pub by_status: Vec<i64>,
}

/// Every figure of one calendar year. See `docs/indicators.md` for the definitions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Indicators {
    pub year: i32,
    /// Distinct persons with at least one encounter or meeting attendance in the year.
    pub persons_received: i64,
    /// Of those, persons whose very first contact (any year) is in this year.
    pub persons_new: i64,
    pub women: i64,
    pub men: i64,
    pub gender_unknown: i64,
    /// Age at the person's first contact of the year.
    pub under_25: i64,
    pub under_26: i64,
    pub age_unknown: i64,
    pub living_in_qpv: i64,
    pub qpv_unknown: i64,
    /// Persons received, by the quartier of their file ("Quartier non renseigné" last).
    pub by_quartier: Vec<Count>,
    pub job_seekers: i64,
    pub france_travail: i64,
    pub rsa: i64,
    /// Persons received, by education level (then "Non renseigné").
    pub education: Vec<Count>,
    /// Encounters in the year, by kind (every kind listed, zeros included).
    pub encounters_by_kind: Vec<KindCount>,
    pub encounters: i64,
    /// People reached by encounters: named persons (once per encounter) plus head counts.
    pub people_reached: i64,
    /// Of those, people met anonymously (head counts of encounters without a person).
    pub anonymous_people: i64,
    pub permanences_held: i64,
    pub permanences_cancelled: i64,
    /// Encounters recorded at the year's held permanences, and the people they reached.
    pub permanence_visits: i64,
    pub permanence_visitors: i64,
    pub interviews: i64,
    pub meetings: i64,
    /// Sum of the meetings' head counts (everyone present, named or not).
    pub meeting_attendees: i64,
    /// Named persons attached to the year's meetings.
    pub meeting_named_attendances: i64,
    pub referrals: i64,
    pub referrals_by_partner: Vec<PartnerReferrals>,
    pub referrals_by_status: Vec<Count>,
    pub businesses_created: i64,
    pub businesses_by_legal_form: Vec<Count>,
    pub businesses_by_sector: Vec<Count>,
    /// Outcomes of the year by kind (business created, job, training, project stopped).
    pub outcomes_by_kind: Vec<Count>,
    /// People reached by encounters and meetings, month by month (January first).
    pub contacts_per_month: Vec<i64>,
}

impl Indicators {
    /// `part / whole`, or 0 when `whole` is 0.
    pub fn share(part: i64, whole: i64) -> f64 {
        if whole == 0 {
            0.0
        } else {
            part as f64 / whole as f64
        }
    }

    /// Businesses created in the year per person received in the year.
    pub fn creation_rate(&self) -> f64 {
        Self::share(self.businesses_created, self.persons_received)
    }
}

/// The persons received between `?1` and `?2` (a year's first and last day) as the CTE
/// `received (person_id, first_in_year, first_ever)`: the one definition the indicators and
/// the "Personnes" sheet share. A contact is a named encounter or a meeting attendance; the
/// first contact ever is looked up per person through the `(person_id, date)` indexes.
/// A person merged into another counts as the record that holds her
/// ([`crate::person_merge`]): contacts are read through `person_root`, and the first contact
/// ever is the earliest of all her records. With no record merged (`merges` false) the
/// lookups are left out: they cost a tenth of the figures.
pub(crate) fn received(merges: bool) -> String {
    let holder = |column: &str| {
        if merges {
            format!("coalesce((SELECT root FROM person_root WHERE id = {column}), {column})")
        } else {
            column.to_string()
        }
    };
    let merged_first = if merges {
        ",
                   coalesce((SELECT min(e.date) FROM person_root r
                               JOIN encounter e ON e.person_id = r.id AND e.deleted = 0
                              WHERE r.root = y.person_id), '9999'),
                   coalesce((SELECT min(m.date) FROM person_root r
                               JOIN attendance a ON a.person_id = r.id AND a.deleted = 0
                               JOIN meeting m ON m.id = a.meeting_id AND m.deleted = 0
                              WHERE r.root = y.person_id), '9999')"
    } else {
        ""
    };
    format!(
        "
    WITH contacts AS (
        SELECT {} AS person_id, date
          FROM encounter WHERE deleted = 0 AND person_id IS NOT NULL
        UNION ALL
        SELECT {}, m.date
          FROM attendance a
          JOIN meeting m ON m.id = a.meeting_id AND m.deleted = 0
         WHERE a.deleted = 0
    ),
    in_year AS (
        SELECT person_id, min(date) AS first_in_year FROM contacts
         WHERE date BETWEEN ?1 AND ?2 GROUP BY person_id
    ),
    received AS (
        SELECT y.person_id, y.first_in_year,
               min(coalesce((SELECT min(e.date) FROM encounter e
                              WHERE e.person_id = y.person_id AND e.deleted = 0), '9999'),
                   coalesce((SELECT min(m.date) FROM attendance a
                               JOIN meeting m ON m.id = a.meeting_id AND m.deleted = 0
                              WHERE a.person_id = y.person_id AND a.deleted = 0), '9999'){merged_first})
                 AS first_ever
          FROM in_year y
    )",
        holder("person_id"),
        holder("a.person_id"),
    )
}

fn year_bounds(year: i32) -> (String, String) {
    (format!("{year:04}-01-01"), format!("{year:04}-12-31"))
}

/// Age at `day` of a person born on `birth`: the figures' age bands, which anonymising keeps.
pub(crate) fn age_on(birth: NaiveDate, day: NaiveDate) -> i32 {
    let mut age = day.year() - birth.year();
    if (day.month(), day.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age
}

/// Counts by code in the order of `codes`, then the unknown values under `unknown_label`.
fn coded_counts(
    codes: &[(&str, &str)],
    values: &BTreeMap<Option<String>, i64>,
    unknown_label: &str,
) -> Vec<Count> {
    let mut out: Vec<Count> = codes
        .iter()
        .map(|(code, label)| Count {
            code: (*code).to_string(),
            label: (*label).to_string(),
            count: values.get(&Some((*code).to_string())).copied().unwrap_or(0),
        })
        .collect();
    let unknown: i64 = values
        .iter()
        .filter(|(k, _)| {
            k.as_deref()
                .is_none_or(|c| !codes.iter().any(|(code, _)| *code == c))
        })
        .map(|(_, n)| n)
        .sum();
    out.push(Count {
        code: String::new(),
        label: unknown_label.to_string(),
        count: unknown,
    });
    out
}

/// The figures of `year`.
pub fn indicators(store: &Store, year: i32) -> Result<Indicators> {
    let conn = store.conn();
    let received = received(crate::person_merge::any(conn)?);
    let (from, to) = year_bounds(year);

    // Persons received: first contact of the year and first contact ever.
    let mut stmt = conn.prepare_cached(&format!(
        "{received}
         SELECT p.gender, p.birth_date, q.name, p.lives_in_qpv, p.situation, p.france_travail,
                p.rsa, p.education, y.first_in_year, y.first_ever
           FROM received y
           JOIN person p ON p.id = y.person_id AND p.deleted = 0
           LEFT JOIN quartier q ON q.id = p.quartier_id AND q.deleted = 0"
    ))?;
    let mut rows = stmt.query([&from, &to])?;
    let mut received = 0;
    let mut new = 0;
    let (mut women, mut men, mut gender_unknown) = (0, 0, 0);
    let (mut under_25, mut under_26, mut age_unknown) = (0, 0, 0);
    let (mut in_qpv, mut qpv_unknown) = (0, 0);
    let (mut job_seekers, mut france_travail, mut rsa) = (0, 0, 0);
    let mut quartiers: BTreeMap<String, i64> = BTreeMap::new();
    let mut no_quartier = 0;
    let mut education: BTreeMap<Option<String>, i64> = BTreeMap::new();
    while let Some(row) = rows.next()? {
        received += 1;
        let gender: Option<String> = row.get(0)?;
        match gender.as_deref() {
            Some("female") => women += 1,
            Some("male") => men += 1,
            _ => gender_unknown += 1,
        }
        let birth: Option<String> = row.get(1)?;
        let first_in_year: String = row.get(8)?;
        let first_in_year = crate::validate::date("date", &first_in_year)?;
        match birth.and_then(|b| crate::validate::date("birth_date", &b).ok()) {
            Some(birth) => {
                let age = age_on(birth, first_in_year);
                if age < 25 {
                    under_25 += 1;
                }
                if age < 26 {
                    under_26 += 1;
                }
            }
            None => age_unknown += 1,
        }
        match row.get::<_, Option<String>>(2)? {
            Some(name) => *quartiers.entry(name).or_default() += 1,
            None => no_quartier += 1,
        }
        match row.get::<_, Option<i64>>(3)? {
            Some(1) => in_qpv += 1,
            Some(_) => {}
            None => qpv_unknown += 1,
        }
        if row.get::<_, Option<String>>(4)?.as_deref() == Some("job_seeker") {
            job_seekers += 1;
        }
        if row.get::<_, Option<i64>>(5)? == Some(1) {
            france_travail += 1;
        }
        if row.get::<_, Option<i64>>(6)? == Some(1) {
            rsa += 1;
        }
        *education.entry(row.get(7)?).or_default() += 1;
        let first_ever: String = row.get(9)?;
        if first_ever.as_str() >= from.as_str() {
            new += 1;
        }
    }
    drop(rows);
    let mut by_quartier: Vec<Count> = quartiers
        .into_iter()
        .map(|(name, count)| Count {
            code: name.clone(),
            label: name,
            count,
        })
        .collect();
    by_quartier.sort_by(|a, b| b.count.cmp(&a.count).then(a.label.cmp(&b.label)));
    by_quartier.push(Count {
        code: String::new(),
        label: "Quartier non renseigné".to_string(),
        count: no_quartier,
    });

    // Encounters by kind, people reached, month by month.
    let mut by_kind: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    let mut anonymous_people = 0;
    let mut contacts_per_month = vec![0i64; 12];
    {
        let mut stmt = conn.prepare_cached(
            "SELECT kind, substr(date, 6, 2), person_id IS NULL, count(*),
                    sum(CASE WHEN person_id IS NULL THEN coalesce(head_count, 1) ELSE 1 END)
               FROM encounter WHERE deleted = 0 AND date BETWEEN ?1 AND ?2
              GROUP BY 1, 2, 3",
        )?;
        let mut rows = stmt.query([&from, &to])?;
        while let Some(row) = rows.next()? {
            let kind: String = row.get(0)?;
            let month: String = row.get(1)?;
            let anonymous: bool = row.get(2)?;
            let count: i64 = row.get(3)?;
            let people: i64 = row.get(4)?;
            let entry = by_kind.entry(kind).or_default();
            entry.0 += count;
            entry.1 += people;
            if anonymous {
                anonymous_people += people;
            }
            if let Ok(m) = month.parse::<usize>()
                && (1..=12).contains(&m)
            {
                contacts_per_month[m - 1] += people;
            }
        }
    }
    let encounters_by_kind: Vec<KindCount> = schema::ENCOUNTER_KIND
        .iter()
        .map(|(code, label)| {
            let (encounters, people) = by_kind.get(*code).copied().unwrap_or((0, 0));
            KindCount {
                code: (*code).to_string(),
                label: (*label).to_string(),
                encounters,
                people,
            }
        })
        .collect();
    let encounters = encounters_by_kind.iter().map(|k| k.encounters).sum();
    let people_reached = encounters_by_kind.iter().map(|k| k.people).sum();
    let interviews = by_kind.get("interview").map_or(0, |k| k.0);

    // Permanences and their visitors.
    let (permanences_held, permanences_cancelled): (i64, i64) = conn.query_row(
        "SELECT coalesce(sum(status = 'held'), 0), coalesce(sum(status = 'cancelled'), 0)
           FROM permanence WHERE deleted = 0 AND date BETWEEN ?1 AND ?2",
        [&from, &to],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let (permanence_visits, permanence_visitors): (i64, i64) = conn.query_row(
        "SELECT count(*), coalesce(sum(CASE WHEN e.person_id IS NULL
                                            THEN coalesce(e.head_count, 1) ELSE 1 END), 0)
           FROM encounter e JOIN permanence p ON p.id = e.permanence_id AND p.deleted = 0
          WHERE e.deleted = 0 AND p.status = 'held' AND p.date BETWEEN ?1 AND ?2",
        [&from, &to],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;

    // Collective meetings, with everyone present by month for the chart.
    let (meetings, meeting_attendees): (i64, i64) = conn.query_row(
        "SELECT count(*), coalesce(sum(attendee_count), 0)
           FROM meeting WHERE deleted = 0 AND date BETWEEN ?1 AND ?2",
        [&from, &to],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    {
        let mut stmt = conn.prepare_cached(
            "SELECT substr(date, 6, 2), coalesce(sum(attendee_count), 0)
               FROM meeting WHERE deleted = 0 AND date BETWEEN ?1 AND ?2 GROUP BY 1",
        )?;
        let mut rows = stmt.query([&from, &to])?;
        while let Some(row) = rows.next()? {
            let month: String = row.get(0)?;
            if let Ok(m) = month.parse::<usize>()
                && (1..=12).contains(&m)
            {
                contacts_per_month[m - 1] += row.get::<_, i64>(1)?;
            }
        }
    }
    let meeting_named_attendances: i64 = conn.query_row(
        "SELECT count(*) FROM attendance a
           JOIN meeting m ON m.id = a.meeting_id AND m.deleted = 0
           JOIN person p ON p.id = a.person_id AND p.deleted = 0
          WHERE a.deleted = 0 AND m.date BETWEEN ?1 AND ?2",
        [&from, &to],
        |r| r.get(0),
    )?;

    // Referrals by partner and status.
    let mut partners: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    let mut statuses: BTreeMap<Option<String>, i64> = BTreeMap::new();
    {
        let mut stmt = conn.prepare_cached(
            "SELECT coalesce(pa.name, 'Partenaire inconnu'), r.status, count(*)
               FROM referral r LEFT JOIN partner pa ON pa.id = r.partner_id
              WHERE r.deleted = 0 AND r.date BETWEEN ?1 AND ?2 GROUP BY 1, 2",
        )?;
        let mut rows = stmt.query([&from, &to])?;
        while let Some(row) = rows.next()? {
            let partner: String = row.get(0)?;
            let status: String = row.get(1)?;
            let count: i64 = row.get(2)?;
            let slot = schema::REFERRAL_STATUS
                .iter()
                .position(|(c, _)| *c == status)
                .unwrap_or(0);
            partners
                .entry(partner)
                .or_insert_with(|| vec![0; schema::REFERRAL_STATUS.len()])[slot] += count;
            *statuses.entry(Some(status)).or_default() += count;
        }
    }
    let mut referrals_by_partner: Vec<PartnerReferrals> = partners
        .into_iter()
        .map(|(partner, by_status)| PartnerReferrals {
            partner,
            total: by_status.iter().sum(),
            by_status,
        })
        .collect();
    referrals_by_partner.sort_by(|a, b| b.total.cmp(&a.total).then(a.partner.cmp(&b.partner)));
    let referrals_by_status: Vec<Count> = schema::REFERRAL_STATUS
        .iter()
        .map(|(code, label)| Count {
            code: (*code).to_string(),
            label: (*label).to_string(),
            count: statuses
                .get(&Some((*code).to_string()))
                .copied()
                .unwrap_or(0),
        })
        .collect();
    let referrals = referrals_by_status.iter().map(|c| c.count).sum();

    // Outcomes; businesses by legal form and sector.
    let mut kinds: BTreeMap<Option<String>, i64> = BTreeMap::new();
    let mut forms: BTreeMap<Option<String>, i64> = BTreeMap::new();
    let mut sectors: BTreeMap<Option<String>, i64> = BTreeMap::new();
    {
        let mut stmt = conn.prepare_cached(
            "SELECT o.kind, o.legal_form, o.sector, count(*) FROM outcome o
               JOIN person p ON p.id = o.person_id AND p.deleted = 0
              WHERE o.deleted = 0 AND o.date BETWEEN ?1 AND ?2 GROUP BY 1, 2, 3",
        )?;
        let mut rows = stmt.query([&from, &to])?;
        while let Some(row) = rows.next()? {
            let kind: Option<String> = row.get(0)?;
            let count: i64 = row.get(3)?;
            if kind.as_deref() == Some("business_created") {
                *forms.entry(row.get(1)?).or_default() += count;
                *sectors.entry(row.get(2)?).or_default() += count;
            }
            *kinds.entry(kind).or_default() += count;
        }
    }
    let outcomes_by_kind: Vec<Count> = schema::OUTCOME_KIND
        .iter()
        .map(|(code, label)| Count {
            code: (*code).to_string(),
            label: (*label).to_string(),
            count: kinds.get(&Some((*code).to_string())).copied().unwrap_or(0),
        })
        .collect();
    let businesses_created = kinds
        .get(&Some("business_created".to_string()))
        .copied()
        .unwrap_or(0);

    Ok(Indicators {
        year,
        persons_received: received,
        persons_new: new,
        women,
        men,
        gender_unknown,
        under_25,
        under_26,
        age_unknown,
        living_in_qpv: in_qpv,
        qpv_unknown,
        by_quartier,
        job_seekers,
        france_travail,
        rsa,
        education: coded_counts(schema::EDUCATION, &education, "Non renseigné"),
        encounters_by_kind,
        encounters,
        people_reached,
        anonymous_people,
        permanences_held,
        permanences_cancelled,
        permanence_visits,
        permanence_visitors,
        interviews,
        meetings,
        meeting_attendees,
        meeting_named_attendances,
        referrals,
        referrals_by_partner,
        referrals_by_status,
        businesses_created,
        businesses_by_legal_form: coded_counts(schema::LEGAL_FORM, &forms, "Non renseignée"),
        businesses_by_sector: coded_counts(schema::SECTOR, &sectors, "Non renseigné"),
        outcomes_by_kind,
        contacts_per_month,
    })
}

/// The file formats of the yearly export, chosen by the file's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Xlsx,
    Csv,
    Pdf,
}

impl Format {
    /// The format of `path` from its extension (`.xlsx`, `.csv`, `.pdf`).
    pub fn of(path: &std::path::Path) -> Result<Format> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("xlsx") => Ok(Format::Xlsx),
            Some("csv") => Ok(Format::Csv),
            Some("pdf") => Ok(Format::Pdf),
            _ => Err(crate::error::Error::Inconsistent {
                field: "out",
                message: "Le fichier doit finir par .xlsx (classeur), .csv (synthèse) ou .pdf (bilan).",
            }),
        }
    }
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exported {
    pub path: String,
    pub format: Format,
    pub bytes: usize,
}

/// The years that have any encounter, meeting or referral, newest first (the Bilan screen's
/// year selector), always with `current` in the list.
pub fn years(store: &Store, current: i32) -> Result<Vec<i32>> {
    let range: (Option<String>, Option<String>) = store.conn().query_row(
        "SELECT min(d), max(d) FROM (
             SELECT min(date) AS d FROM encounter WHERE deleted = 0
             UNION ALL SELECT max(date) FROM encounter WHERE deleted = 0
             UNION ALL SELECT min(date) FROM meeting WHERE deleted = 0
             UNION ALL SELECT min(date) FROM referral WHERE deleted = 0)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let year = |d: Option<String>| d.and_then(|d| d.get(..4).and_then(|y| y.parse::<i32>().ok()));
    let first = year(range.0).unwrap_or(current).min(current);
    let last = year(range.1).unwrap_or(current).max(current);
    Ok((first..=last).rev().collect())
}

/// The structure named on the files: the profile's, else "CitésLab".
pub fn structure_name(store: &Store) -> Result<String> {
    Ok(crate::officer::own(store)?
        .and_then(|o| o.data.structure)
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "CitésLab".to_string()))
}

/// Writes the yearly file of `options.year` to `path`, in the format its extension names;
/// `progress(done, total)` follows the work. The file appears whole or not at all.
pub fn export(
    store: &Store,
    options: &xlsx::ExportOptions,
    path: &std::path::Path,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Exported> {
    let format = Format::of(path)?;
    let bytes = match format {
        Format::Xlsx => xlsx::workbook(store, options, progress)?,
        Format::Csv => {
            let i = indicators(store, options.year)?;
            csv::synthesis_csv(&i, &options.structure)
        }
        Format::Pdf => {
            let i = indicators(store, options.year)?;
            pdf::bilan(&i, &options.structure, options.made_on)
        }
    };
    crate::atomic_file::write(path, &bytes)?;
    crate::audit::record(store, crate::audit::Action::Exported, None, None)?;
    progress(1, 1);
    Ok(Exported {
        path: path.display().to_string(),
        format,
        bytes: bytes.len(),
    })
}

/// How a synthesis value reads.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Value {
    Count(i64),
    /// A share between 0 and 1, shown as a percentage.
    Share(f64),
}

/// One line of the "Synthèse": a section, a French label, a value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Line {
    pub section: &'static str,
    pub label: String,
    pub value: Value,
}

/// Every indicator as the lines of the "Synthèse" sheet, in order.
pub fn synthesis(i: &Indicators) -> Vec<Line> {
    let mut out = Vec::new();
    let mut push = |section: &'static str, label: &str, value: Value| {
        out.push(Line {
            section,
            label: label.to_string(),
            value,
        })
    };
    use Value::{Count as N, Share as P};
    let share = Indicators::share;
    let r = i.persons_received;
    const PEOPLE: &str = "Personnes accueillies";
    push(
        PEOPLE,
        "Personnes accueillies (au moins une rencontre ou une réunion dans l’année)",
        N(r),
    );
    push(
        PEOPLE,
        "dont personnes rencontrées pour la première fois",
        N(i.persons_new),
    );
    push(
        PEOPLE,
        "Part des nouvelles personnes",
        P(share(i.persons_new, r)),
    );
    push(PEOPLE, "Femmes", N(i.women));
    push(PEOPLE, "Part des femmes", P(share(i.women, r)));
    push(PEOPLE, "Hommes", N(i.men));
    push(PEOPLE, "Genre non renseigné", N(i.gender_unknown));
    push(
        PEOPLE,
        "Moins de 25 ans au premier contact de l’année",
        N(i.under_25),
    );
    push(PEOPLE, "Part des moins de 25 ans", P(share(i.under_25, r)));
    push(
        PEOPLE,
        "Moins de 26 ans au premier contact de l’année",
        N(i.under_26),
    );
    push(PEOPLE, "Part des moins de 26 ans", P(share(i.under_26, r)));
    push(PEOPLE, "Âge non renseigné", N(i.age_unknown));
    push(
        PEOPLE,
        "Habitant un quartier prioritaire (QPV)",
        N(i.living_in_qpv),
    );
    push(
        PEOPLE,
        "Part des habitants de QPV",
        P(share(i.living_in_qpv, r)),
    );
    push(PEOPLE, "Résidence en QPV non renseignée", N(i.qpv_unknown));
    push(
        PEOPLE,
        "Demandeurs et demandeuses d’emploi",
        N(i.job_seekers),
    );
    push(
        PEOPLE,
        "Part des demandeurs d’emploi",
        P(share(i.job_seekers, r)),
    );
    push(PEOPLE, "Inscrits à France Travail", N(i.france_travail));
    push(PEOPLE, "Bénéficiaires du RSA", N(i.rsa));
    push(PEOPLE, "Part des bénéficiaires du RSA", P(share(i.rsa, r)));
    const QUARTIERS: &str = "Personnes accueillies par quartier";
    for q in &i.by_quartier {
        push(QUARTIERS, &q.label, N(q.count));
    }
    const EDUCATION: &str = "Personnes accueillies par niveau de formation";
    for e in &i.education {
        push(EDUCATION, &e.label, N(e.count));
    }
    const CONTACTS: &str = "Rencontres";
    push(CONTACTS, "Rencontres enregistrées", N(i.encounters));
    push(
        CONTACTS,
        "Personnes touchées par les rencontres (contacts anonymes comptés par tête)",
        N(i.people_reached),
    );
    push(CONTACTS, "dont contacts anonymes", N(i.anonymous_people));
    for k in &i.encounters_by_kind {
        push(
            CONTACTS,
            &format!("{} : rencontres", k.label),
            N(k.encounters),
        );
        push(
            CONTACTS,
            &format!("{} : personnes touchées", k.label),
            N(k.people),
        );
    }
    const PERMANENCES: &str = "Permanences";
    push(PERMANENCES, "Permanences tenues", N(i.permanences_held));
    push(
        PERMANENCES,
        "Permanences annulées",
        N(i.permanences_cancelled),
    );
    push(
        PERMANENCES,
        "Visites enregistrées en permanence",
        N(i.permanence_visits),
    );
    push(
        PERMANENCES,
        "Personnes reçues en permanence",
        N(i.permanence_visitors),
    );
    push(PERMANENCES, "Entretiens individuels", N(i.interviews));
    const MEETINGS: &str = "Réunions collectives";
    push(
        MEETINGS,
        "Réunions collectives, ateliers et forums",
        N(i.meetings),
    );
    push(
        MEETINGS,
        "Participants (toutes les personnes présentes)",
        N(i.meeting_attendees),
    );
    push(
        MEETINGS,
        "Participations de personnes suivies",
        N(i.meeting_named_attendances),
    );
    const REFERRALS: &str = "Orientations";
    push(REFERRALS, "Orientations vers un partenaire", N(i.referrals));
    for s in &i.referrals_by_status {
        push(REFERRALS, &format!("Statut « {} »", s.label), N(s.count));
    }
    for p in &i.referrals_by_partner {
        push(REFERRALS, &format!("Vers {}", p.partner), N(p.total));
    }
    const OUTCOMES: &str = "Sorties et créations";
    for o in &i.outcomes_by_kind {
        push(OUTCOMES, &o.label, N(o.count));
    }
    push(
        OUTCOMES,
        "Taux de création (créations ÷ personnes accueillies)",
        P(i.creation_rate()),
    );
    for f in &i.businesses_by_legal_form {
        push(
            OUTCOMES,
            &format!("Créations, forme juridique : {}", f.label),
            N(f.count),
        );
    }
    for s in &i.businesses_by_sector {
        push(
            OUTCOMES,
            &format!("Créations, secteur : {}", s.label),
            N(s.count),
        );
    }
    const MONTHS: &str = "Personnes touchées par mois (rencontres et réunions)";
    for (m, n) in i.contacts_per_month.iter().enumerate() {
        let month = crate::french::month_name(m as u32 + 1);
        let mut label = month.to_string();
        if let Some(first) = label.get_mut(0..1) {
            first.make_ascii_uppercase();
        }
        push(MONTHS, &label, N(*n));
    }
    out
}
