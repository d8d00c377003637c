//! The yearly activity file as an Excel workbook (rust_xlsxwriter): the "Synthèse" sheet with
//! every indicator, then the detail sheets.
//!
//! What the file guarantees: numbers are numbers and dates are dates (formatted for a French
//! reader, sortable and summable), every text is written as a text cell so a name such as
//! `=HYPERLINK(…)` is shown, never evaluated; header rows are frozen and columns sized; and
//! the same notebook, year and options give the same bytes (the document date is the one
//! passed in, never the clock).

use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, FormatAlign, Workbook, Worksheet};

use super::detail::{self, Cell};
use super::{Indicators, Value, synthesis};
use crate::error::{Error, Result};
use crate::store::Store;

/// What the export is asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportOptions {
    pub year: i32,
    /// Add names to the detail sheets (for the office's own use).
    pub with_names: bool,
    /// The day the file is made (its document date).
    pub made_on: NaiveDate,
    /// Who the file is from, for its title ("CitésLab Pays de Montbéliard").
    pub structure: String,
}

fn xlsx_error(e: rust_xlsxwriter::XlsxError) -> Error {
    Error::CannotWrite {
        path: "fichier Excel".to_string(),
        reason: e.to_string(),
    }
}

fn excel_date(d: NaiveDate) -> Result<ExcelDateTime> {
    ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8).map_err(xlsx_error)
}

struct Formats {
    header: Format,
    section: Format,
    count: Format,
    share: Format,
    date: Format,
    title: Format,
}

fn formats() -> Formats {
    Formats {
        header: Format::new()
            .set_bold()
            .set_background_color("#E8F1F3")
            .set_text_wrap()
            .set_align(FormatAlign::Top),
        section: Format::new().set_bold(),
        count: Format::new().set_num_format("#,##0"),
        share: Format::new().set_num_format("0.0%"),
        date: Format::new().set_num_format("dd/mm/yyyy"),
        title: Format::new().set_bold().set_font_size(14),
    }
}

fn synthesis_sheet(
    ws: &mut Worksheet,
    i: &Indicators,
    options: &ExportOptions,
    f: &Formats,
) -> Result<()> {
    let e = xlsx_error;
    ws.set_name("Synthèse").map_err(e)?;
    ws.write_string_with_format(
        0,
        0,
        format!("Bilan d’activité {} — {}", i.year, options.structure),
        &f.title,
    )
    .map_err(e)?;
    ws.write_string(1, 0, "Fichier établi le").map_err(e)?;
    ws.write_with_format(1, 1, &excel_date(options.made_on)?, &f.date)
        .map_err(e)?;
    ws.write_string(
        2,
        0,
        "Définitions des indicateurs : docs/indicators.md (Carnet)",
    )
    .map_err(e)?;
    let header_row = 4;
    for (c, title) in ["Rubrique", "Indicateur", "Valeur"].iter().enumerate() {
        ws.write_string_with_format(header_row, c as u16, *title, &f.header)
            .map_err(e)?;
    }
    let mut previous = "";
    for (row, line) in (header_row + 1..).zip(synthesis(i)) {
        if line.section != previous {
            ws.write_string_with_format(row, 0, line.section, &f.section)
                .map_err(e)?;
            previous = line.section;
        }
        ws.write_string(row, 1, &line.label).map_err(e)?;
        match line.value {
            Value::Count(n) => ws.write_number_with_format(row, 2, n as f64, &f.count),
            Value::Share(s) => ws.write_number_with_format(row, 2, s, &f.share),
        }
        .map_err(e)?;
    }
    ws.set_column_width(0, 34).map_err(e)?;
    ws.set_column_width(1, 70).map_err(e)?;
    ws.set_column_width(2, 12).map_err(e)?;
    ws.set_freeze_panes(header_row + 1, 0).map_err(e)?;
    Ok(())
}

fn detail_sheet(ws: &mut Worksheet, sheet: &detail::Sheet, f: &Formats) -> Result<()> {
    let e = xlsx_error;
    ws.set_name(sheet.name).map_err(e)?;
    for (c, (title, width)) in sheet.columns.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *title, &f.header)
            .map_err(e)?;
        ws.set_column_width(c as u16, *width).map_err(e)?;
    }
    for (r, cells) in sheet.rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in cells.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Text(t) => ws.write_string(r, c, t).map(|_| ()),
                Cell::Int(n) => ws.write_number(r, c, *n as f64).map(|_| ()),
                Cell::Date(d) => ws
                    .write_with_format(r, c, &excel_date(*d)?, &f.date)
                    .map(|_| ()),
                Cell::Empty => Ok(()),
            }
            .map_err(e)?;
        }
    }
    ws.set_freeze_panes(1, 0).map_err(e)?;
    if !sheet.rows.is_empty() {
        ws.autofilter(
            0,
            0,
            sheet.rows.len() as u32,
            sheet.columns.len() as u16 - 1,
        )
        .map_err(e)?;
    }
    Ok(())
}

/// The workbook of `options.year`, as bytes.
pub fn workbook(
    store: &Store,
    options: &ExportOptions,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Vec<u8>> {
    let indicators = super::indicators(store, options.year)?;
    progress(1, 8);
    let sheets = detail::sheets(store, options.year, options.with_names)?;
    progress(2, 8);
    let f = formats();
    let mut wb = Workbook::new();
    let made = excel_date(options.made_on)?;
    wb.set_properties(
        &DocProperties::new()
            .set_title(format!("Bilan d’activité {}", options.year))
            .set_author(&options.structure)
            .set_company("CitésLab")
            .set_creation_datetime(&made),
    );
    synthesis_sheet(wb.add_worksheet(), &indicators, options, &f)?;
    progress(3, 8);
    for (n, sheet) in sheets.iter().enumerate() {
        detail_sheet(wb.add_worksheet(), sheet, &f)?;
        progress(n + 3, 8);
    }
    let bytes = wb.save_to_buffer().map_err(xlsx_error)?;
    progress(8, 8);
    Ok(bytes)
}
