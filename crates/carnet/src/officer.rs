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
/// apart, with [`crate::letter::set_logo`], since forms never send it). A profile created here
/// becomes this device's ([`own`]).
pub fn save_profile(store: &mut Store, id: Option<Uuid>, officer: &Officer) -> Result<Uuid> {
    match id {
        Some(id) => store.write(|w| {
            let current: Officer = w.get(id)?;
            let mut officer = officer.clone();
            officer.logo = current.logo;
            w.update(id, &officer).map(|()| id)
        }),
        None => {
            let id = store.create(officer)?;
            store.set_local_setting("officer_id", &id.to_string())?;
            Ok(id)
        }
    }
}

/// This device's officer: the profile created on this computer (colleagues' profiles arrive
/// by sync and sign nothing here). `None` until she fills hers in.
pub fn own(store: &Store) -> Result<Option<Entry<Officer>>> {
    let Some(id) = store
        .local_setting("officer_id")?
        .and_then(|id| Uuid::parse_str(&id).ok())
    else {
        return Ok(None);
    };
    Ok(store
        .select::<Officer>("AND id = ?1", [id.to_string()])?
        .into_iter()
        .next())
}

/// Live officer profiles.
pub fn officers(store: &Store) -> Result<Vec<Entry<Officer>>> {
    store.select::<Officer>("ORDER BY name", [])
}
