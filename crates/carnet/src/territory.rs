//! Territory, quartiers and places: where the officer works.
//!
//! A territory is the agglomeration (EPCI) she covers; a quartier belongs to a commune and may
//! be a QPV (*quartier prioritaire de la politique de la ville*, official code optional); a
//! place is where permanences are held (centre social, maison de quartier, mairie annexe…).
//! Two territories are known out of the box (Pays de Montbéliard, Troyes) so that `init` can
//! lay their quartiers; any other name starts with an empty list the officer fills in.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::Result;
use crate::record::{Entry, Record};
use crate::schema::{self, EntitySpec};
use crate::store::{Store, Writer};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Territory {
    pub name: String,
}

impl Record for Territory {
    const SPEC: &'static EntitySpec = &schema::TERRITORY;
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quartier {
    pub territory_id: Uuid,
    pub name: String,
    pub commune: Option<String>,
    pub is_qpv: Option<bool>,
    pub qpv_code: Option<String>,
}

impl Record for Quartier {
    const SPEC: &'static EntitySpec = &schema::QUARTIER;
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Place {
    pub name: String,
    pub kind: Option<String>,
    pub quartier_id: Option<Uuid>,
    pub address: Option<String>,
}

impl Record for Place {
    const SPEC: &'static EntitySpec = &schema::PLACE;
}

#[derive(Deserialize)]
struct KnownTerritory {
    name: String,
    quartiers: Vec<KnownQuartier>,
}

#[derive(Deserialize)]
struct KnownQuartier {
    name: String,
    commune: String,
}

const KNOWN_TERRITORIES: &str = include_str!("../../../assets/seed/territories.json");

/// Names of the territories whose quartiers Carnet knows.
pub fn known_territory_names() -> Vec<String> {
    known().into_iter().map(|t| t.name).collect()
}

/// The territories whose quartiers Carnet knows, each with its (quartier, commune) pairs.
pub fn known_territories() -> Vec<(String, Vec<(String, String)>)> {
    known()
        .into_iter()
        .map(|t| {
            let quartiers = t
                .quartiers
                .into_iter()
                .map(|q| (q.name, q.commune))
                .collect();
            (t.name, quartiers)
        })
        .collect()
}

fn known() -> Vec<KnownTerritory> {
    serde_json::from_str(KNOWN_TERRITORIES).unwrap_or_default()
}

/// Creates a territory; if its name matches a known one (accents and case aside, or a word of
/// it such as "Troyes"), lays out its quartiers as QPV. Returns the territory id.
pub fn create_territory(w: &mut Writer<'_>, name: &str) -> Result<Uuid> {
    let name = name.trim();
    let id = crate::content_id::of(&["territory", &crate::search_key::fold(name)]);
    w.create_with_id(
        id,
        &Territory {
            name: name.to_string(),
        },
    )
    .map_err(|e| match e {
        crate::Error::IdTaken => crate::Error::Inconsistent {
            field: "name",
            message: "Ce territoire existe déjà.",
        },
        other => other,
    })?;
    let wanted = crate::search_key::fold(name);
    let matching = known().into_iter().find(|t| {
        let folded = crate::search_key::fold(&t.name);
        folded == wanted || folded.split_whitespace().any(|word| word == wanted.trim())
    });
    if let Some(known) = matching {
        for q in known.quartiers {
            let quartier_id = crate::content_id::of(&["quartier", &known.name, &q.name]);
            w.create_with_id(
                quartier_id,
                &Quartier {
                    territory_id: id,
                    name: q.name,
                    commune: Some(q.commune),
                    is_qpv: Some(true),
                    qpv_code: None,
                },
            )?;
        }
    }
    Ok(id)
}

/// The quartiers of `territory` as `(name, id)`, by name, read inside a write (a new
/// territory's quartiers, to lay out places in them).
pub fn quartiers_of(w: &Writer<'_>, territory: Uuid) -> Result<Vec<(String, Uuid)>> {
    w.conn()
        .prepare("SELECT name, id FROM quartier WHERE territory_id = ?1 ORDER BY name")?
        .query_map([territory.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))?
        .map(|row| {
            let (name, id): (String, String) = row?;
            Ok((name, crate::validate::id(&id)?))
        })
        .collect()
}

/// Live territories, by name.
pub fn territories(store: &Store) -> Result<Vec<Entry<Territory>>> {
    let mut all = store.select::<Territory>("", [])?;
    all.sort_by(|a, b| a.data.name.cmp(&b.data.name));
    Ok(all)
}

/// Live quartiers, by commune then name.
pub fn quartiers(store: &Store) -> Result<Vec<Entry<Quartier>>> {
    let mut all = store.select::<Quartier>("", [])?;
    all.sort_by(|a, b| (&a.data.commune, &a.data.name).cmp(&(&b.data.commune, &b.data.name)));
    Ok(all)
}

/// Live places.
pub fn places(store: &Store) -> Result<Vec<Entry<Place>>> {
    let mut all = store.select::<Place>("", [])?;
    all.sort_by(|a, b| a.data.name.cmp(&b.data.name));
    Ok(all)
}

/// Quartiers of the most recent encounters, the latest first (each once): what the quartier
/// fields offer first, as the officer works in a few quartiers at a time.
pub fn recent_quartiers(store: &Store, limit: usize) -> Result<Vec<Uuid>> {
    let mut stmt = store.conn().prepare_cached(
        "SELECT quartier_id FROM (
             SELECT quartier_id, max(rowid) AS last FROM encounter
              WHERE deleted = 0 AND quartier_id IS NOT NULL
              GROUP BY quartier_id)
          ORDER BY last DESC LIMIT ?1",
    )?;
    let ids = stmt
        .query_map([limit.min(1000) as i64], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    ids.iter().map(|id| crate::validate::id(id)).collect()
}
