//! Outcomes (*sorties*): what became of a person's project.
//!
//! A business created (with its date, legal form, SIRET and sector), a job, a training, or a
//! project stopped. Legal form, SIRET and sector only make sense for a business creation.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::record::Record;
use crate::schema::{self, EntitySpec};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    pub person_id: Uuid,
    pub kind: String,
    pub date: NaiveDate,
    pub legal_form: Option<String>,
    pub siret: Option<String>,
    pub sector: Option<String>,
    pub note: Option<String>,
}

impl Record for Outcome {
    const SPEC: &'static EntitySpec = &schema::OUTCOME;

    fn check(&self, today: NaiveDate) -> Result<()> {
        crate::validate::not_after("date", self.date, today)?;
        if self.kind != "business_created" && (self.legal_form.is_some() || self.siret.is_some()) {
            return Err(Error::Inconsistent {
                field: "legal_form",
                message: "La forme juridique et le SIRET ne concernent que les créations d'entreprise.",
            });
        }
        Ok(())
    }
}
