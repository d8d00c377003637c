//! Reading a spreadsheet file into rows of cells: `.xlsx` and `.ods` through calamine, `.csv`
//! here (comma or semicolon, UTF-8 with or without BOM, or Windows-1252).
//!
//! Why CSV by hand: what French Excel writes ("Enregistrer sous… CSV") is `;`-separated
//! Windows-1252, which a generic reader guesses neither part of. What is guaranteed: a file is
//! read whole or refused with a French message (unknown format, unreadable, too large);
//! cells keep their kind (text, number, date), so a date or a phone number the spreadsheet
//! stored as a number is still read right; every row keeps its line number as the officer
//! sees it in her spreadsheet (1 for the first line).

use std::path::Path;

use calamine::{Data, Reader};
use chrono::NaiveDate;

use crate::error::{Error, Result};

/// The largest file an import reads (an officer's sheet of ten years is a few MB).
pub const MAX_BYTES: u64 = 50 * 1024 * 1024;
/// The most rows an import reads.
pub const MAX_ROWS: usize = 100_000;
/// The most columns read per row.
pub const MAX_COLUMNS: usize = 200;

/// One cell, as the spreadsheet stored it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    Date(NaiveDate),
    Bool(bool),
}

impl Cell {
    /// The cell as text (what the preview shows, and what a text field receives).
    pub fn text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(t) => t.trim().to_string(),
            Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
            Cell::Number(n) => n.to_string(),
            Cell::Date(d) => d.format("%d/%m/%Y").to_string(),
            Cell::Bool(true) => "oui".into(),
            Cell::Bool(false) => "non".into(),
        }
    }

    pub fn is_empty(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(t) => t.trim().is_empty(),
            _ => false,
        }
    }
}

/// One sheet: its name (none for a CSV) and its non-empty rows with their line numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    pub name: Option<String>,
    pub rows: Vec<(usize, Vec<Cell>)>,
}

fn unreadable(reason: &str) -> Error {
    Error::UnreadableSpreadsheet {
        reason: reason.to_string(),
    }
}

/// Every sheet of the file at `path`, by its extension (`.xlsx`, `.ods`, `.csv`).
pub fn read(path: &Path) -> Result<Vec<Sheet>> {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let size = std::fs::metadata(path)
        .map_err(|_| unreadable("le fichier est introuvable ou ne peut pas être ouvert"))?
        .len();
    if size > MAX_BYTES {
        return Err(unreadable(
            "le fichier dépasse 50 Mo ; enregistrez seulement la feuille des personnes",
        ));
    }
    match extension.as_str() {
        "csv" | "txt" => {
            let bytes =
                std::fs::read(path).map_err(|_| unreadable("le fichier ne peut pas être lu"))?;
            Ok(vec![read_csv(&bytes)?])
        }
        "xlsx" | "xlsm" | "ods" | "xls" => read_workbook(path),
        _ => Err(unreadable(
            "Carnet lit les tableaux .xlsx (Excel), .ods (LibreOffice) et .csv",
        )),
    }
}

fn read_workbook(path: &Path) -> Result<Vec<Sheet>> {
    let mut workbook = calamine::open_workbook_auto(path).map_err(|_| {
        unreadable(
            "le fichier n'a pas pu être ouvert comme un classeur (abîmé, protégé par un mot de \
             passe, ou d'un autre format que son extension) ; ouvrez-le dans votre tableur et \
             enregistrez-le de nouveau",
        )
    })?;
    let mut sheets = Vec::new();
    for name in workbook.sheet_names() {
        let range = workbook.worksheet_range(&name).map_err(|_| {
            unreadable("une feuille du classeur n'a pas pu être lue (fichier abîmé ?)")
        })?;
        let Some((first_row, first_column)) = range.start() else {
            sheets.push(Sheet {
                name: Some(name),
                rows: Vec::new(),
            });
            continue;
        };
        let mut rows = Vec::new();
        for (k, row) in range.rows().enumerate() {
            if rows.len() >= MAX_ROWS {
                return Err(too_many_rows());
            }
            // Columns left of the range are empty: keep column positions as the officer sees
            // them.
            let mut cells = vec![Cell::Empty; first_column as usize];
            cells.extend(row.iter().take(MAX_COLUMNS).map(cell_of));
            cells.truncate(MAX_COLUMNS);
            if cells.iter().all(Cell::is_empty) {
                continue;
            }
            rows.push((first_row as usize + k + 1, cells));
        }
        sheets.push(Sheet {
            name: Some(name),
            rows,
        });
    }
    Ok(sheets)
}

fn too_many_rows() -> Error {
    unreadable("le tableau dépasse 100 000 lignes")
}

fn cell_of(data: &Data) -> Cell {
    match data {
        Data::Empty | Data::Error(_) => Cell::Empty,
        Data::String(s) if is_error_literal(s) => Cell::Empty,
        Data::String(s) => Cell::Text(s.clone()),
        Data::Int(n) => Cell::Number(*n as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(dt) => serial_date(dt.as_f64()).map_or(Cell::Empty, Cell::Date),
        Data::DateTimeIso(text) => text
            .get(..10)
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .map_or_else(|| Cell::Text(text.clone()), Cell::Date),
        Data::DurationIso(text) => Cell::Text(text.clone()),
    }
}

/// A formula's error as a spreadsheet shows it (`#DIV/0!`, `#N/A`, LibreOffice's `Err:502`…):
/// an ODS file or a CSV keeps it as text, and it is never data.
fn is_error_literal(text: &str) -> bool {
    let text = text.trim();
    matches!(
        text,
        "#DIV/0!"
            | "#N/A"
            | "#NAME?"
            | "#REF!"
            | "#VALUE!"
            | "#NUM!"
            | "#NULL!"
            | "#SPILL!"
            | "#CALC!"
            | "#NV"
            | "#NOM?"
            | "#VALEUR!"
            | "#NOMBRE!"
            | "#NUL!"
    ) || text
        .strip_prefix("Err:")
        .is_some_and(|code| !code.is_empty() && code.bytes().all(|b| b.is_ascii_digit()))
}

/// The date of a spreadsheet serial number (days since 30 December 1899, as Excel and
/// LibreOffice count them), if it is a plausible one (1900 to 2199).
pub fn serial_date(serial: f64) -> Option<NaiveDate> {
    if !(1.0..=109_574.0).contains(&serial) {
        return None;
    }
    NaiveDate::from_ymd_opt(1899, 12, 30)?.checked_add_days(chrono::Days::new(serial as u64))
}

/// A CSV file's text: UTF-8 (a BOM is dropped) when it is valid UTF-8, Windows-1252
/// otherwise (what French Excel writes).
fn decode(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_string(),
        Err(_) => encoding_rs::WINDOWS_1252.decode(bytes).0.into_owned(),
    }
}

/// Reads a CSV: the separator is `;` or `,` (whichever the first line has more of, outside
/// quotes), fields may be quoted with `"` (doubled inside), and a quoted field may hold line
/// breaks.
pub fn read_csv(bytes: &[u8]) -> Result<Sheet> {
    let text = decode(bytes);
    let separator = separator_of(&text);
    let mut rows = Vec::new();
    let mut cells: Vec<Cell> = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut line = 1;
    let mut row_line = 1;
    let mut chars = text.chars().peekable();
    let end_field = |cells: &mut Vec<Cell>, field: &mut String| {
        if cells.len() < MAX_COLUMNS {
            cells.push(if field.trim().is_empty() || is_error_literal(field) {
                Cell::Empty
            } else {
                Cell::Text(std::mem::take(field))
            });
        }
        field.clear();
    };
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, '\n') => {
                line += 1;
                field.push('\n');
            }
            (true, c) => field.push(c),
            (false, '"') if field.trim().is_empty() => {
                field.clear();
                quoted = true;
            }
            (false, c) if c == separator => end_field(&mut cells, &mut field),
            (false, '\r') if chars.peek() == Some(&'\n') => {}
            (false, '\n' | '\r') => {
                end_field(&mut cells, &mut field);
                if !cells.iter().all(Cell::is_empty) {
                    if rows.len() >= MAX_ROWS {
                        return Err(too_many_rows());
                    }
                    rows.push((row_line, std::mem::take(&mut cells)));
                }
                cells.clear();
                line += 1;
                row_line = line;
            }
            (false, c) => field.push(c),
        }
    }
    end_field(&mut cells, &mut field);
    if !cells.iter().all(Cell::is_empty) {
        rows.push((row_line, cells));
    }
    Ok(Sheet { name: None, rows })
}

fn separator_of(text: &str) -> char {
    let first_line = text.lines().next().unwrap_or("");
    let mut quoted = false;
    let (mut semicolons, mut commas, mut tabs) = (0, 0, 0);
    for c in first_line.chars() {
        match c {
            '"' => quoted = !quoted,
            ';' if !quoted => semicolons += 1,
            ',' if !quoted => commas += 1,
            '\t' if !quoted => tabs += 1,
            _ => {}
        }
    }
    if tabs > semicolons && tabs > commas {
        '\t'
    } else if semicolons >= commas && semicolons > 0 {
        ';'
    } else {
        ','
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(sheet: &Sheet) -> Vec<(usize, Vec<String>)> {
        sheet
            .rows
            .iter()
            .map(|(line, cells)| (*line, cells.iter().map(Cell::text).collect()))
            .collect()
    }

    #[test]
    fn french_excel_csv_is_read_with_its_accents_and_line_numbers() {
        // "Prénom;Nom\r\nÉloïse;Bénali\r\n\r\n;\r\nZoé;N'Diaye" in Windows-1252.
        let bytes = b"Pr\xe9nom;Nom\r\n\xc9lo\xefse;B\xe9nali\r\n\r\n;\r\nZo\xe9;N'Diaye";
        let sheet = read_csv(bytes).unwrap();
        assert_eq!(
            texts(&sheet),
            vec![
                (1, vec!["Prénom".to_string(), "Nom".into()]),
                (2, vec!["Éloïse".into(), "Bénali".into()]),
                (5, vec!["Zoé".into(), "N'Diaye".into()]),
            ]
        );
    }

    #[test]
    fn utf8_with_bom_commas_and_quoted_fields() {
        let text = "\u{feff}Nom,Adresse,Note\nBen Ali,\"12, rue des Buis\",\"il a dit \"\"oui\"\"\nau marché\"\nDiallo,,\n";
        let sheet = read_csv(text.as_bytes()).unwrap();
        assert_eq!(
            texts(&sheet),
            vec![
                (1, vec!["Nom".to_string(), "Adresse".into(), "Note".into()]),
                (
                    2,
                    vec![
                        "Ben Ali".into(),
                        "12, rue des Buis".into(),
                        "il a dit \"oui\"\nau marché".into()
                    ]
                ),
                (4, vec!["Diallo".into(), String::new(), String::new()]),
            ]
        );
    }

    #[test]
    fn serial_numbers_are_dates_from_1900_on() {
        assert_eq!(serial_date(31231.0), NaiveDate::from_ymd_opt(1985, 7, 3));
        assert_eq!(serial_date(45000.5), NaiveDate::from_ymd_opt(2023, 3, 15));
        assert_eq!(serial_date(0.0), None);
        assert_eq!(serial_date(-3.0), None);
        assert_eq!(serial_date(1e9), None);
    }
}
