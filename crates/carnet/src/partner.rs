//! Partners (*structures d'orientation*): where the officer refers people.
//!
//! A new notebook starts with the national networks every CitésLab officer works with (ADIE,
//! BGE, France Travail, Initiative France, France Active, CCI, CMA, a CAE, Mission locale);
//! their local addresses are left for the officer to fill in, since each territory has its own
//! antenna.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::Result;
use crate::record::{Entry, Record};
use crate::schema::{self, EntitySpec};
use crate::store::{Store, Writer};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Partner {
    pub name: String,
    pub kind: String,
    pub description: Option<String>,
    pub contact_name: Option<String>,
    pub address: Option<String>,
    pub postcode: Option<String>,
    pub city: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub note: Option<String>,
}

impl Record for Partner {
    const SPEC: &'static EntitySpec = &schema::PARTNER;
}

const SEED: &str = include_str!("../../../assets/seed/partners.json");

/// The default partner list shipped with Carnet.
pub fn default_partners() -> Vec<Partner> {
    serde_json::from_str(SEED).unwrap_or_default()
}

/// Adds the default partners (with the same ids on every device); returns their ids in list
/// order.
pub fn seed_partners(w: &mut Writer<'_>) -> Result<Vec<Uuid>> {
    default_partners()
        .iter()
        .map(|p| {
            let id = crate::content_id::of(&["partner", &p.name]);
            w.create_with_id(id, p).map(|()| id)
        })
        .collect()
}

/// Live partners, by name.
pub fn partners(store: &Store) -> Result<Vec<Entry<Partner>>> {
    let mut all = store.select::<Partner>("", [])?;
    all.sort_by(|a, b| a.data.name.cmp(&b.data.name));
    Ok(all)
}
