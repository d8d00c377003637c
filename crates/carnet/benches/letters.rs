//! Letter benchmarks on the demo data set (10 years under `cargo bench`, 1 year when run once
//! as a test by `cargo test --benches`).
//!
//! - `letter_one`: one orientation letter, drafted from the store, laid out, written to PDF
//!   and filed (what "Enregistrer le PDF" does, less the disk write of the PDF itself).
//! - `letter_batch_100`: "Lettres du jour" with 100 referrals on the same day, one PDF.
//! - Beside them, in a full run and when `soffice` is installed: the same letter as HTML
//!   converted by LibreOffice headless (`soffice --headless --convert-to pdf`), the way an
//!   office makes it today with mail merge; the ratio is printed.

// Test code: a failed unwrap is a failed test (production code refuses `unwrap()`).
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use carnet::letter::{self, LetterContent};
use carnet::person::Person;
use carnet::referral::{self, NewReferral};
use carnet::{Store, Uuid};
mod demo_data;

use criterion::{Criterion, criterion_group, criterion_main};
use demo_data::{demo_db, full_run, until, years};

/// The demo, plus 100 referrals to ADIE on `until()` of persons who agreed to share.
fn demo_with_referrals(path: &Path) -> (Store, Vec<Uuid>) {
    let mut store = demo_db(path, years());
    let adie = carnet::partner::partners(&store)
        .unwrap()
        .into_iter()
        .find(|p| p.data.name == "ADIE")
        .unwrap()
        .id;
    let persons: Vec<Uuid> = carnet::person::search(&store, "", None, 100_000)
        .unwrap()
        .into_iter()
        .filter(|p| p.data.consent_partners == Some(true))
        .map(|p| p.id)
        .take(100)
        .collect();
    assert_eq!(persons.len(), 100);
    let referrals = store
        .write(|w| {
            persons
                .iter()
                .map(|&person_id| {
                    let mut p: Person = w.get(person_id)?;
                    p.project_title
                        .get_or_insert_with(|| "Restauration rapide".into());
                    w.update(person_id, &p)?;
                    referral::create(
                        w,
                        &NewReferral {
                            person_id,
                            partner_id: adie,
                            date: until(),
                            need: "financing".into(),
                            detail: Some(
                                "Besoin de 8 500 € pour le matériel ; apport personnel : 1 200 €."
                                    .into(),
                            ),
                            follow_up: None,
                        },
                    )
                })
                .collect()
        })
        .unwrap();
    (store, referrals)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The same letter as an HTML page a word processor turns into the same A4 layout.
fn as_html(c: &LetterContent) -> String {
    let lines = |v: &[String]| v.iter().map(|l| escape(l)).collect::<Vec<_>>().join("<br>");
    let body: String = c
        .body
        .split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .map(|p| format!("<p style=\"text-align:justify\">{}</p>", escape(p)))
        .collect();
    format!(
        "<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>{}</title>\
         <style>@page {{ size: A4; margin: 15mm 20mm 24mm 25mm }} body {{ font-family: Carlito; font-size: 11pt }}</style></head><body>\
         <p><b>{}</b><br><small>{}</small></p>\
         <p style=\"margin-left:85mm\"><b>{}</b></p>\
         <p style=\"text-align:right\">{}</p><p><b>Objet :</b> {}</p><p>{}</p>{}\
         <p style=\"margin-left:85mm\">{}</p></body></html>",
        escape(&c.title),
        escape(&c.structure),
        lines(&c.sender),
        lines(&c.recipient),
        escape(&c.place_date),
        escape(&c.subject),
        lines(&c.person),
        body,
        lines(&c.signature),
    )
}

/// Seconds LibreOffice headless takes to convert `html` to PDF (median of `runs`), if it is
/// installed.
fn libreoffice_seconds(html: &str, runs: usize) -> Option<f64> {
    let soffice = ["soffice", "libreoffice"]
        .into_iter()
        .find(|b| Command::new(b).arg("--version").output().is_ok())?;
    let dir = tempfile::tempdir().ok()?;
    let input = dir.path().join("lettre.html");
    std::fs::write(&input, html).ok()?;
    let profile = format!(
        "-env:UserInstallation=file://{}/profile",
        dir.path().display()
    );
    let mut times = Vec::new();
    // The first run creates the profile: not counted.
    for run in 0..=runs {
        let started = Instant::now();
        let status = Command::new(soffice)
            .args([
                &profile,
                "--headless",
                "--convert-to",
                "pdf:writer_pdf_Export",
                "--outdir",
            ])
            .arg(dir.path())
            .arg(&input)
            .output()
            .ok()?;
        let elapsed = started.elapsed().as_secs_f64();
        if !status.status.success() || !dir.path().join("lettre.pdf").exists() {
            return None;
        }
        if run > 0 {
            times.push(elapsed);
        }
    }
    times.sort_by(f64::total_cmp);
    Some(times[times.len() / 2])
}

fn letters(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, referrals) = demo_with_referrals(&dir.path().join("demo.db"));
    let first = referrals[0];

    let draft = letter::draft(&store, first, None, until()).unwrap();
    let pdf = letter::render(&draft);
    eprintln!("one-page letter: {} bytes", pdf.len());

    c.bench_function("letter_one", |b| {
        b.iter(|| letter::make(&mut store, first, None, until()).unwrap())
    });

    let mut group = c.benchmark_group("letter_batch");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(if full_run() { 20 } else { 1 }));
    group.bench_function("letter_batch_100", |b| {
        b.iter(|| {
            let batch = letter::make_batch(&mut store, until(), |_, _| {}).unwrap();
            assert!(batch.letters.len() >= 100);
            batch
        })
    });
    group.finish();

    if full_run() {
        let started = Instant::now();
        let runs = 20;
        for _ in 0..runs {
            std::hint::black_box(letter::render(
                &letter::draft(&store, first, None, until()).unwrap(),
            ));
        }
        let carnet = started.elapsed().as_secs_f64() / f64::from(runs);
        match libreoffice_seconds(&as_html(&draft.content), 5) {
            Some(lo) => eprintln!(
                "same letter: Carnet {:.2} ms, LibreOffice headless {:.0} ms (median of 5), ratio {:.0}×",
                carnet * 1e3,
                lo * 1e3,
                lo / carnet
            ),
            None => eprintln!("LibreOffice (soffice) is not installed: comparison skipped"),
        }
    }
}

criterion_group!(benches, letters);
criterion_main!(benches);
