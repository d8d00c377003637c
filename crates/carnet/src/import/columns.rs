//! Recognising a spreadsheet's columns by their French headers, in the forms officers write
//! them ("Nom", "NOM", "Né(e) le", "Tél.", "Orientation / Partenaire"…).
//!
//! Why a list and not a guess from the values: a header says what a column means, values can
//! mislead (a column of numbers may be phones, postcodes or dates). What is guaranteed: a
//! header is folded (case, accents, punctuation) before it is compared, so "Date de
//! naissance", "DATE DE NAISSANCE" and "date_naissance" are one; a column nobody recognises is
//! kept as a note by default (nothing in the sheet is lost unless the officer says so); a
//! meaning is given to one column only (a second "Portable" becomes a note).

use serde::{Deserialize, Serialize};

use crate::import::table::{Cell, Sheet};

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Column {
    LastName,
    FirstName,
    /// "Nom Prénom" in one cell, the family name first (or in capitals).
    FullName,
    BirthDate,
    Phone,
    Email,
    Address,
    Postcode,
    City,
    Quartier,
    /// Lives in a QPV: oui / non (or the quartier's name).
    Qpv,
    Gender,
    Situation,
    Project,
    /// The date of the first contact: a first encounter.
    FirstContact,
    /// Where or how the first contact took place (marché, permanence, téléphone…).
    ContactKind,
    /// The partner(s) the person was referred to.
    Partner,
    ReferralDate,
    /// How the person left the programme (création, emploi, formation, abandon).
    Outcome,
    OutcomeDate,
    /// Kept in the person's note, under the column's title.
    Note,
    Ignore,
}

impl Column {
    pub const ALL: [Column; 22] = [
        Column::LastName,
        Column::FirstName,
        Column::FullName,
        Column::BirthDate,
        Column::Phone,
        Column::Email,
        Column::Address,
        Column::Postcode,
        Column::City,
        Column::Quartier,
        Column::Qpv,
        Column::Gender,
        Column::Situation,
        Column::Project,
        Column::FirstContact,
        Column::ContactKind,
        Column::Partner,
        Column::ReferralDate,
        Column::Outcome,
        Column::OutcomeDate,
        Column::Note,
        Column::Ignore,
    ];

    /// The French name of what the column holds (the mapping's choices on screen).
    pub fn label(self) -> &'static str {
        match self {
            Column::LastName => "Nom",
            Column::FirstName => "Prénom",
            Column::FullName => "Nom et prénom",
            Column::BirthDate => "Date de naissance",
            Column::Phone => "Téléphone",
            Column::Email => "E-mail",
            Column::Address => "Adresse",
            Column::Postcode => "Code postal",
            Column::City => "Ville",
            Column::Quartier => "Quartier",
            Column::Qpv => "Habite en QPV",
            Column::Gender => "Genre",
            Column::Situation => "Situation",
            Column::Project => "Projet",
            Column::FirstContact => "Date du premier contact",
            Column::ContactKind => "Lieu du premier contact",
            Column::Partner => "Orientation (partenaire)",
            Column::ReferralDate => "Date d'orientation",
            Column::Outcome => "Sortie",
            Column::OutcomeDate => "Date de sortie",
            Column::Note => "Garder en note",
            Column::Ignore => "Ignorer",
        }
    }

    /// Whether two columns may both have this meaning.
    fn repeatable(self) -> bool {
        matches!(self, Column::Note | Column::Ignore)
    }
}

/// Headers as they are written, folded (see [`fold_header`]).
const HEADERS: &[(Column, &[&str])] = &[
    (
        Column::FullName,
        &[
            "nom prenom",
            "nom et prenom",
            "nom et prenoms",
            "nom prenoms",
            "prenom nom",
            "prenom et nom",
            "identite",
            "nom complet",
            "beneficiaire",
            "personne",
        ],
    ),
    (
        Column::LastName,
        &[
            "nom",
            "noms",
            "nom de famille",
            "nom de naissance",
            "nom d usage",
            "nom usage",
        ],
    ),
    (Column::FirstName, &["prenom", "prenoms", "prenom s"]),
    (
        Column::BirthDate,
        &[
            "date de naissance",
            "date naissance",
            "date de naiss",
            "naissance",
            "ne e le",
            "ne le",
            "nee le",
            "ne e",
            "ddn",
            "date nais",
        ],
    ),
    (
        Column::Phone,
        &[
            "tel",
            "tel portable",
            "telephone",
            "telephone portable",
            "portable",
            "mobile",
            "tel mobile",
            "gsm",
            "numero de telephone",
            "num tel",
            "n tel",
            "no tel",
            "tel fixe",
            "telephone fixe",
        ],
    ),
    (
        Column::Email,
        &[
            "mail",
            "e mail",
            "email",
            "courriel",
            "adresse mail",
            "adresse e mail",
            "adresse email",
            "mel",
        ],
    ),
    (
        Column::Address,
        &["adresse", "adresse postale", "rue", "domicile"],
    ),
    (Column::Postcode, &["cp", "code postal", "code post"]),
    (Column::City, &["ville", "commune", "localite"]),
    (
        Column::Quartier,
        &[
            "quartier",
            "quartiers",
            "quartier qpv",
            "qpv quartier",
            "nom du quartier",
            "quartier d habitation",
        ],
    ),
    (
        Column::Qpv,
        &[
            "qpv",
            "habite en qpv",
            "habitant qpv",
            "resident qpv",
            "en qpv",
        ],
    ),
    (
        Column::Gender,
        &[
            "sexe",
            "genre",
            "civilite",
            "h f",
            "f h",
            "m f",
            "femme homme",
        ],
    ),
    (
        Column::Situation,
        &[
            "situation",
            "situation professionnelle",
            "situation pro",
            "statut",
            "situation actuelle",
        ],
    ),
    (
        Column::Project,
        &[
            "projet",
            "idee de projet",
            "projet de creation",
            "activite envisagee",
            "nature du projet",
            "intitule du projet",
        ],
    ),
    (
        Column::FirstContact,
        &[
            "date 1er contact",
            "date du 1er contact",
            "date premier contact",
            "date du premier contact",
            "1er contact",
            "premier contact",
            "date de contact",
            "date contact",
            "date de rencontre",
            "date rencontre",
            "date 1ere rencontre",
            "date de premiere rencontre",
            "date d entree",
            "date entree",
        ],
    ),
    (
        Column::ContactKind,
        &[
            "lieu de rencontre",
            "lieu du 1er contact",
            "lieu du premier contact",
            "lieu",
            "type de contact",
            "canal",
            "mode de contact",
            "origine du contact",
        ],
    ),
    (
        Column::Partner,
        &[
            "orientation",
            "orientations",
            "partenaire",
            "partenaires",
            "orientation partenaire",
            "partenaire orientation",
            "orientation vers",
            "oriente vers",
            "oriente e vers",
            "structure d orientation",
            "orientation structure",
        ],
    ),
    (
        Column::ReferralDate,
        &[
            "date orientation",
            "date d orientation",
            "date de l orientation",
            "date de orientation",
        ],
    ),
    (
        Column::Outcome,
        &[
            "sortie",
            "type de sortie",
            "sortie positive",
            "resultat",
            "issue",
            "sortie du dispositif",
        ],
    ),
    (
        Column::OutcomeDate,
        &["date sortie", "date de sortie", "date de la sortie"],
    ),
    (
        Column::Note,
        &[
            "commentaire",
            "commentaires",
            "observation",
            "observations",
            "remarque",
            "remarques",
            "note",
            "notes",
            "suivi",
        ],
    ),
];

/// A header folded for comparison: lower case, no accents, every run of other characters
/// than letters and digits one space ("Né(e) le" is "ne e le", "E-mail" is "e mail").
pub fn fold_header(header: &str) -> String {
    crate::import::values::words(header).join(" ")
}

/// The meaning of one header, if it is a known one.
pub fn recognise(header: &str) -> Option<Column> {
    let folded = fold_header(header);
    if folded.is_empty() {
        return None;
    }
    HEADERS
        .iter()
        .find(|(_, forms)| forms.contains(&folded.as_str()))
        .map(|(column, _)| *column)
}

/// The header row found in a sheet: its position among the sheet's rows, each column's
/// title and its meaning.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    pub row_index: usize,
    pub titles: Vec<String>,
    pub columns: Vec<Column>,
}

/// How many of a sheet's first rows may be titles above the header.
const HEADER_SEARCH_ROWS: usize = 10;

/// Finds the header among the first rows: the one that names a column of names and the most
/// known columns (the first such row on a tie; a lone "Nom" column counts). A header cell
/// that means nothing alone ("Date" under a merged "Orientation") is read with the title
/// above it.
pub fn find_header(sheet: &Sheet) -> Option<Header> {
    let mut best: Option<(usize, Header)> = None;
    for (index, (_, cells)) in sheet.rows.iter().enumerate().take(HEADER_SEARCH_ROWS) {
        let above = index
            .checked_sub(1)
            .map(|i| spread_merged(&sheet.rows[i].1));
        let titles: Vec<String> = cells.iter().map(Cell::text).collect();
        let mut columns = Vec::with_capacity(titles.len());
        for (k, title) in titles.iter().enumerate() {
            let parent = above
                .as_ref()
                .and_then(|row| row.get(k))
                .filter(|p| !p.is_empty());
            let meaning = recognise(title).or_else(|| {
                parent.and_then(|p| {
                    recognise(&format!("{title} {p}"))
                        .or_else(|| recognise(&format!("{p} {title}")))
                })
            });
            columns.push(match meaning {
                Some(column) => column,
                None if title.trim().is_empty() => Column::Ignore,
                None => Column::Note,
            });
        }
        let names = columns
            .iter()
            .any(|c| matches!(c, Column::LastName | Column::FullName));
        let known = columns
            .iter()
            .filter(|c| !matches!(c, Column::Note | Column::Ignore))
            .count();
        if names && best.as_ref().is_none_or(|(most, _)| known > *most) {
            best = Some((
                known,
                Header {
                    row_index: index,
                    titles,
                    columns,
                },
            ));
        }
    }
    best.map(|(_, mut header)| {
        settle(&mut header.columns);
        header
    })
}

/// A row of titles where a merged cell's title is carried over the empty cells to its right.
fn spread_merged(cells: &[Cell]) -> Vec<String> {
    let mut out = Vec::with_capacity(cells.len());
    let mut last = String::new();
    for cell in cells {
        let text = cell.text();
        if !text.is_empty() {
            last = text;
        }
        out.push(last.clone());
    }
    out
}

/// One column per meaning (later ones become notes); with no "Prénom" column, "Nom" holds
/// both names.
fn settle(columns: &mut [Column]) {
    let mut seen = Vec::new();
    for column in columns.iter_mut() {
        if column.repeatable() {
            continue;
        }
        if seen.contains(column) {
            *column = Column::Note;
        } else {
            seen.push(*column);
        }
    }
    let has_first_name = columns.contains(&Column::FirstName);
    let has_full_name = columns.contains(&Column::FullName);
    if !has_first_name
        && !has_full_name
        && let Some(last) = columns.iter_mut().find(|c| **c == Column::LastName)
    {
        *last = Column::FullName;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_as_officers_write_them() {
        for (header, column) in [
            ("Nom", Column::LastName),
            ("NOM", Column::LastName),
            ("Prénom", Column::FirstName),
            ("Date de naissance", Column::BirthDate),
            ("Né(e) le", Column::BirthDate),
            ("Tél.", Column::Phone),
            ("Téléphone", Column::Phone),
            ("Portable", Column::Phone),
            ("Mail", Column::Email),
            ("E-mail", Column::Email),
            ("Adresse", Column::Address),
            ("CP", Column::Postcode),
            ("Code postal", Column::Postcode),
            ("Ville", Column::City),
            ("Quartier", Column::Quartier),
            ("QPV", Column::Qpv),
            ("Sexe", Column::Gender),
            ("Situation", Column::Situation),
            ("Projet", Column::Project),
            ("Date 1er contact", Column::FirstContact),
            ("Orientation / Partenaire", Column::Partner),
            ("Date orientation", Column::ReferralDate),
            ("Sortie", Column::Outcome),
            ("date_de_sortie", Column::OutcomeDate),
            ("  NOM   ET PRÉNOM ", Column::FullName),
        ] {
            assert_eq!(recognise(header), Some(column), "{header}");
        }
        assert_eq!(recognise("Pointure"), None);
        assert_eq!(recognise(""), None);
    }

    fn sheet(rows: &[&[&str]]) -> Sheet {
        Sheet {
            name: None,
            rows: rows
                .iter()
                .enumerate()
                .map(|(i, cells)| {
                    (
                        i + 1,
                        cells
                            .iter()
                            .map(|c| {
                                if c.is_empty() {
                                    Cell::Empty
                                } else {
                                    Cell::Text(c.to_string())
                                }
                            })
                            .collect(),
                    )
                })
                .collect(),
        }
    }

    #[test]
    fn a_title_above_and_merged_header_cells_are_understood() {
        let s = sheet(&[
            &["Suivi CitésLab 2019-2024", "", "", ""],
            &["Identité", "", "Orientation", ""],
            &["Nom", "Prénom", "Partenaire", "Date"],
            &["Diallo", "Awa", "ADIE", "03/02/2023"],
        ]);
        let header = find_header(&s).unwrap();
        assert_eq!(header.row_index, 2);
        assert_eq!(
            header.columns,
            vec![
                Column::LastName,
                Column::FirstName,
                Column::Partner,
                Column::ReferralDate
            ]
        );
    }

    #[test]
    fn unknown_columns_are_notes_repeated_meanings_too_and_nom_alone_holds_both_names() {
        let s = sheet(&[&["Nom", "Tél.", "Portable", "Pointure", ""]]);
        let header = find_header(&s).unwrap();
        assert_eq!(
            header.columns,
            vec![
                Column::FullName,
                Column::Phone,
                Column::Note,
                Column::Note,
                Column::Ignore
            ]
        );
        assert_eq!(find_header(&sheet(&[&["Pointure", "Couleur"]])), None);
    }
}
