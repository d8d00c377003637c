//! The officer's profile (*cheffe de projet*): who signs the letters and owns the notebook.

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::record::{Entry, Record};
use crate::schema::{self, EntitySpec};
use uuid::Uuid;

use crate::store::Store;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Officer {
    pub name: String,
    pub title: Option<String>,
    pub structure: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub signature: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub postcode: Option<String>,
    #[serde(default)]
    pub city: Option<String>,
    /// The letterhead logo, a PNG in base64 (see [`crate::letter::Logo`]).
    #[serde(default)]
    pub logo: Option<String>,
}

impl Record for Officer {
    const SPEC: &'static EntitySpec = &schema::OFFICER;
}

/// Creates the profile, or updates it when `id` is given, keeping its logo (which is set
/// apart, with [`crate::letter::set_logo`], since forms never send it).
pub fn save_profile(store: &mut Store, id: Option<Uuid>, officer: &Officer) -> Result<Uuid> {
    match id {
        Some(id) => store.write(|w| {
            let current: Officer = w.get(id)?;
            let mut officer = officer.clone();
            officer.logo = current.logo;
            w.update(id, &officer).map(|()| id)
        }),
        None => store.create(officer),
    }
}

/// Live officer profiles.
pub fn officers(store: &Store) -> Result<Vec<Entry<Officer>>> {
    store.select::<Officer>("ORDER BY name", [])
}
