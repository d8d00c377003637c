//! What a new notebook starts with: the partner directory, the default letter templates, and
//! optionally the officer's
//! profile and territory (with its quartiers when Carnet knows them).
//!
//! The CLI's `init` and the desktop app's first launch both call [`start`], so a notebook
//! begins the same way whichever door the officer comes through.

use crate::error::Result;
use crate::officer::Officer;
use crate::store::Writer;
use crate::{partner, territory};

/// Seeds a new notebook. Safe to call once, right after [`Store::init`](crate::Store::init).
pub fn start(
    w: &mut Writer<'_>,
    officer: Option<&str>,
    territory_name: Option<&str>,
) -> Result<()> {
    partner::seed_partners(w)?;
    crate::letter::template::seed_templates(w)?;
    if let Some(name) = officer {
        w.create(&Officer {
            name: name.to_string(),
            ..Default::default()
        })?;
    }
    if let Some(name) = territory_name {
        territory::create_territory(w, name)?;
    }
    Ok(())
}
