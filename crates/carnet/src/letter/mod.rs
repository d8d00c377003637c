//! Orientation letters (*lettres d'orientation*): from a referral to a filed, printable PDF.
//!
//! A letter is made in three steps that each do one thing: [`draft`] reads the referral, the
//! person, the partner, the officer's profile and a [`template`], refuses when the person has
//! not agreed to share their details with partners, and fills the template into a
//! [`LetterContent`] (plain text, every placeholder replaced); [`layout::lay_out`] places that
//! text on A4 pages; [`pdf::write`] turns the pages into bytes. [`make`] does all three and
//! files the letter in the same transaction: a [`Letter`] row records the template version and
//! the content, so [`remake`] gives back the very same bytes years later, whatever happened
//! to the person's file since. Printing or saving the PDF is what moves the referral from
//! "à envoyer" to "envoyée" ([`mark_sent`]).
//!
//! Nothing here reads the clock: the letter's date is an argument, so the same data, template
//! and date always give a byte-identical PDF.

pub mod font;
pub mod layout;
pub mod logo;
pub mod pdf;
pub mod template;

use std::collections::BTreeMap;
use std::path::Path;

use base64::Engine as _;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::officer::Officer;
use crate::partner::Partner;
use crate::person::Person;
use crate::record::{Entry, Record};
use crate::referral::{self, Referral};
use crate::schema::{self, EntitySpec};
use crate::store::{Store, Writer};

pub use layout::LetterContent;
pub use logo::Logo;
pub use template::LetterTemplate;

/// A letter that was produced, as filed on the referral and the person's timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Letter {
    pub referral_id: Uuid,
    pub person_id: Uuid,
    pub date: NaiveDate,
    pub template_id: Uuid,
    pub template_version: String,
    /// The [`LetterContent`] as JSON: what the letter said, to make it again.
    pub inputs: String,
    /// SHA-256 (hex) of the PDF bytes.
    pub pdf_sha256: String,
}

impl Record for Letter {
    const SPEC: &'static EntitySpec = &schema::LETTER;
}

/// Everything needed to lay out and file one letter.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    pub referral_id: Uuid,
    pub person_id: Uuid,
    pub date: NaiveDate,
    pub template_id: Uuid,
    pub template_version: String,
    pub content: LetterContent,
    pub logo: Logo,
}

/// The values of every placeholder for one referral.
pub fn placeholder_values(
    person: &Person,
    partner: &Partner,
    referral: &Referral,
    officer: &Officer,
    date: NaiveDate,
) -> BTreeMap<String, String> {
    let full_name = format!("{} {}", person.first_name, person.last_name);
    let civility = match person.gender.as_deref() {
        Some("female") => "Madame",
        Some("male") => "Monsieur",
        _ => "",
    };
    let need = schema::enum_label(schema::NEED, &referral.need);
    let need = lowercase_first(&need);
    let project = person
        .project_title
        .clone()
        .unwrap_or_else(|| "création d’activité".to_string());
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let pairs: Vec<(&str, String)> = vec![
        ("person.first_name", person.first_name.clone()),
        ("person.last_name", person.last_name.clone()),
        ("person.full_name", full_name),
        ("person.civility", civility.to_string()),
        ("person.phone", opt(&person.phone)),
        ("person.email", opt(&person.email)),
        (
            "person.address",
            one_line_address(&person.address, &person.postcode, &person.city),
        ),
        ("person.project", project),
        (
            "person.project_sector",
            person
                .project_sector
                .as_deref()
                .map(|s| schema::enum_label(schema::SECTOR, s))
                .unwrap_or_default(),
        ),
        ("partner.name", partner.name.clone()),
        ("partner.contact_name", opt(&partner.contact_name)),
        ("partner.address", opt(&partner.address)),
        ("partner.postcode", opt(&partner.postcode)),
        ("partner.city", opt(&partner.city)),
        ("referral.need", need),
        ("referral.detail", opt(&referral.detail)),
        ("referral.date", crate::french::long_date(referral.date)),
        ("officer.name", officer.name.clone()),
        ("officer.title", opt(&officer.title)),
        ("officer.structure", opt(&officer.structure)),
        ("officer.phone", opt(&officer.phone)),
        ("officer.email", opt(&officer.email)),
        ("officer.city", opt(&officer.city)),
        ("officer.signature", opt(&officer.signature)),
        ("letter.date", crate::french::long_date(date)),
    ];
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn one_line_address(
    address: &Option<String>,
    postcode: &Option<String>,
    city: &Option<String>,
) -> String {
    let town = [postcode.as_deref(), city.as_deref()]
        .into_iter()
        .flatten()
        .filter(|s| !s.trim().is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    [address.as_deref().unwrap_or(""), town.as_str()]
        .into_iter()
        .filter(|s| !s.trim().is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The officer's profile letters are signed with: this device's ([`crate::officer::own`]).
pub fn profile(store: &Store) -> Result<Entry<Officer>> {
    crate::officer::own(store)?.ok_or(Error::NoOfficerProfile)
}

/// The letterhead logo of a profile: the officer's own, else Carnet's default.
pub fn logo_of(officer: &Officer) -> Result<Logo> {
    match officer.logo.as_deref() {
        Some(data) if !data.trim().is_empty() => Logo::from_base64(data),
        _ => Ok(Logo::default_logo()),
    }
}

/// Prepares the letter for `referral_id` dated `date`, with `template_id` or else the
/// template made for the partner's kind. Refuses when the person has not agreed to share their
/// details with partners.
pub fn draft(
    store: &Store,
    referral_id: Uuid,
    template_id: Option<Uuid>,
    date: NaiveDate,
) -> Result<Draft> {
    let referral: Referral = store.get(referral_id)?;
    // A referral made under a record since merged into another: the letter names her as
    // the kept record does.
    let holder = crate::person_merge::root_of(store.conn(), referral.person_id)?;
    let person: Person = store.get(holder)?;
    if person.consent_partners != Some(true) {
        if person.consent_partners == Some(false)
            && let Some(date) = crate::consent::partners_withdrawn_on(store, holder)?
        {
            return Err(Error::ConsentWithdrawn {
                date: crate::french::long_date(date),
            });
        }
        return Err(Error::NoConsentToShare);
    }
    let partner: Partner = store.get(referral.partner_id)?;
    let officer = profile(store)?.data;
    let (template_id, template) = match template_id {
        Some(id) => (id, store.get::<LetterTemplate>(id)?),
        None => {
            let entry =
                template::for_partner_kind(store, &partner.kind)?.ok_or(Error::NoLetterTemplate)?;
            (entry.id, entry.data)
        }
    };
    let values = placeholder_values(&person, &partner, &referral, &officer, date);
    let subject = template::fill(&template.subject, "subject", &values)?;
    let body = template::fill(&template.body, "body", &values)?;
    let head = letterhead(&officer, date)?;
    let logo = head.logo.clone();
    let full_name = format!("{} {}", person.first_name, person.last_name);
    let (structure, sender) = (head.structure.clone(), head.sender.clone());

    let mut recipient = vec![partner.name.clone()];
    if let Some(contact) = partner
        .contact_name
        .clone()
        .filter(|c| !c.trim().is_empty())
    {
        recipient.push(format!("À l’attention de {contact}"));
    }
    if let Some(a) = partner.address.clone().filter(|a| !a.trim().is_empty()) {
        recipient.extend(a.split('\n').map(str::to_string));
    }
    let town = one_line_address(&None, &partner.postcode, &partner.city);
    if !town.is_empty() {
        recipient.push(town);
    }

    let mut person_lines = vec![format!("Personne orientée : {full_name}")];
    let contact: Vec<String> = [
        person.phone.as_ref().map(|p| format!("Tél. {p}")),
        person.email.clone(),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !contact.is_empty() {
        person_lines.push(contact.join(" · "));
    }
    let address = one_line_address(&person.address, &person.postcode, &person.city);
    if !address.is_empty() {
        person_lines.push(address);
    }

    let (place_date, signature, footer) = (head.place_date, head.signature, head.footer);
    let content = LetterContent {
        title: format!("Lettre d’orientation – {full_name} – {}", partner.name),
        structure,
        sender,
        logo_sha256: Some(logo.sha256.clone()),
        recipient,
        place_date,
        subject,
        person: person_lines,
        body,
        signature,
        footer,
    };
    Ok(Draft {
        referral_id,
        person_id: referral.person_id,
        date,
        template_id,
        template_version: template.version(),
        content,
        logo,
    })
}

/// The officer's part of every letter Carnet writes: letterhead, sender lines, place and date,
/// signature and footer, from her profile.
pub(crate) struct Letterhead {
    pub structure: String,
    pub sender: Vec<String>,
    pub place_date: String,
    pub signature: Vec<String>,
    pub footer: String,
    pub logo: Logo,
}

pub(crate) fn letterhead(officer: &Officer, date: NaiveDate) -> Result<Letterhead> {
    let logo = logo_of(officer)?;
    let structure = officer
        .structure
        .clone()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "CitésLab".to_string());
    let office_address = one_line_address(&officer.address, &officer.postcode, &officer.city);

    let mut sender = vec![officer.name.clone()];
    sender.extend(officer.title.clone());
    if let Some(a) = officer.address.clone().filter(|a| !a.trim().is_empty()) {
        sender.push(a);
    }
    let town = one_line_address(&None, &officer.postcode, &officer.city);
    if !town.is_empty() {
        sender.push(town);
    }
    if let Some(phone) = &officer.phone {
        sender.push(format!("Tél. {phone}"));
    }
    sender.extend(officer.email.clone());

    let place_date = match officer.city.as_deref().filter(|c| !c.trim().is_empty()) {
        Some(city) => format!("{city}, le {}", crate::french::long_date(date)),
        None => format!("Le {}", crate::french::long_date(date)),
    };
    // The signature block: the officer's own wording if she wrote one, else name and title.
    let signature = match officer
        .signature
        .as_deref()
        .filter(|s| !s.trim().is_empty())
    {
        Some(text) => text.lines().map(str::to_string).collect(),
        None => [Some(officer.name.clone()), officer.title.clone()]
            .into_iter()
            .flatten()
            .collect(),
    };

    let footer = if office_address.is_empty() {
        structure.clone()
    } else {
        format!("{structure} · {office_address}")
    };
    Ok(Letterhead {
        structure,
        sender,
        place_date,
        signature,
        footer,
        logo,
    })
}

/// The PDF of a letter's content with `logo` (the access export's letter to the person).
pub(crate) fn render_content(content: &LetterContent, logo: &Logo, date: NaiveDate) -> Vec<u8> {
    let layout = lay_out(content, Some(logo));
    pdf::write(
        font::fonts(),
        &[pdf::PdfLetter {
            layout: &layout,
            logo: Some(logo),
        }],
        &content.title,
        date,
    )
}

/// Lays a draft out (for the preview and the PDF).
pub fn lay_out(content: &LetterContent, logo: Option<&Logo>) -> layout::Layout {
    layout::lay_out(font::fonts(), content, logo.map(|l| (l.width, l.height)))
}

/// The PDF of one draft.
pub fn render(draft: &Draft) -> Vec<u8> {
    let layout = lay_out(&draft.content, Some(&draft.logo));
    pdf::write(
        font::fonts(),
        &[pdf::PdfLetter {
            layout: &layout,
            logo: Some(&draft.logo),
        }],
        &draft.content.title,
        draft.date,
    )
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Records a produced letter on its referral and the person's timeline.
pub fn file(w: &mut Writer<'_>, draft: &Draft, pdf: &[u8]) -> Result<Uuid> {
    let inputs = serde_json::to_string(&draft.content).map_err(|e| Error::Io(e.into()))?;
    w.create(&Letter {
        referral_id: draft.referral_id,
        person_id: draft.person_id,
        date: draft.date,
        template_id: draft.template_id,
        template_version: draft.template_version.clone(),
        inputs,
        pdf_sha256: sha256_hex(pdf),
    })
}

/// Drafts, renders and files the letter of one referral; returns the letter's id and its PDF.
pub fn make(
    store: &mut Store,
    referral_id: Uuid,
    template_id: Option<Uuid>,
    date: NaiveDate,
) -> Result<(Uuid, Vec<u8>)> {
    ensure_templates(store)?;
    let draft = draft(store, referral_id, template_id, date)?;
    let pdf = render(&draft);
    let id = store.write(|w| file(w, &draft, &pdf))?;
    Ok((id, pdf))
}

/// Seeds the default templates in a notebook that has none (one started before letters
/// existed).
pub fn ensure_templates(store: &mut Store) -> Result<()> {
    if template::templates(store)?.is_empty() {
        store.write(|w| template::seed_templates(w).map(|_| ()))?;
    }
    Ok(())
}

/// Makes a filed letter again from what it recorded: the same bytes as the first time, as
/// long as the logo it used is still the profile's (or the default).
pub fn remake(store: &Store, letter_id: Uuid) -> Result<Vec<u8>> {
    let letter: Letter = store.get(letter_id)?;
    let content: LetterContent =
        serde_json::from_str(&letter.inputs).map_err(|_| Error::Corrupt {
            what: "letter",
            message: "Les données enregistrées de cette lettre sont illisibles.",
        })?;
    let logo = match &content.logo_sha256 {
        None => None,
        Some(sha) => {
            let default = Logo::default_logo();
            let current = profile(store).ok().and_then(|p| logo_of(&p.data).ok());
            let found = [Some(default), current]
                .into_iter()
                .flatten()
                .find(|l| &l.sha256 == sha);
            Some(found.ok_or(Error::Inconsistent {
                field: "logo",
                message: "Le logo de l’en-tête a changé depuis cette lettre : elle ne peut pas être refaite à l’identique.",
            })?)
        }
    };
    let layout = lay_out(&content, logo.as_ref());
    Ok(pdf::write(
        font::fonts(),
        &[pdf::PdfLetter {
            layout: &layout,
            logo: logo.as_ref(),
        }],
        &content.title,
        letter.date,
    ))
}

/// Moves the referral to "envoyée" on `date` once its letter was printed or saved (a referral
/// already further along is left as it is).
pub fn mark_sent(store: &mut Store, referral_id: Uuid, date: NaiveDate) -> Result<bool> {
    store.write(|w| mark_sent_in(w, referral_id, date))
}

fn mark_sent_in(w: &mut Writer<'_>, referral_id: Uuid, date: NaiveDate) -> Result<bool> {
    let referral: Referral = w.get(referral_id)?;
    if referral.status != "to_send" {
        return Ok(false);
    }
    referral::move_to(
        w,
        referral_id,
        "sent",
        date.max(referral.date),
        Some("Lettre d’orientation imprimée ou enregistrée"),
    )?;
    Ok(true)
}

/// Files a letter whose PDF was just saved or printed, and moves its referral to "envoyée",
/// in one transaction. Returns the letter's id and whether the status moved.
pub fn deliver(store: &mut Store, draft: &Draft, pdf: &[u8]) -> Result<(Uuid, bool)> {
    store.write(|w| {
        let id = file(w, draft, pdf)?;
        let moved = mark_sent_in(w, draft.referral_id, draft.date)?;
        Ok((id, moved))
    })
}

/// What saving a letter did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Saved {
    pub letter_id: Uuid,
    pub path: String,
    pub bytes: usize,
    /// Whether the referral moved from "à envoyer" to "envoyée".
    pub sent: bool,
}

/// Makes the letter of a referral, writes it to `path`, then files it and marks the referral
/// sent. The file is written first: if it cannot be, nothing is filed.
pub fn save(
    store: &mut Store,
    referral_id: Uuid,
    template_id: Option<Uuid>,
    date: NaiveDate,
    path: &Path,
) -> Result<Saved> {
    ensure_templates(store)?;
    let draft = draft(store, referral_id, template_id, date)?;
    save_draft(store, &draft, path, |_| true)
}

/// Renders `draft`, writes it whole to `path` (temporary file, flush, rename), then files it;
/// its referral is marked sent only if `handed_over` (given the written file) says the letter
/// went where the officer wanted it.
fn save_draft(
    store: &mut Store,
    draft: &Draft,
    path: &Path,
    handed_over: impl FnOnce(&Path) -> bool,
) -> Result<Saved> {
    let pdf = render(draft);
    crate::atomic_file::write(path, &pdf)?;
    let (letter_id, sent) = if handed_over(path) {
        deliver(store, draft, &pdf)?
    } else {
        (store.write(|w| file(w, draft, &pdf))?, false)
    };
    crate::audit::record(
        store,
        crate::audit::Action::LetterPrinted,
        Some(crate::schema::LETTER.name),
        Some(letter_id),
    )?;
    Ok(Saved {
        letter_id,
        path: path.display().to_string(),
        bytes: pdf.len(),
        sent,
    })
}

/// Like [`save`], into `folder` under the letter's [`file_name`], for "Ouvrir / imprimer":
/// `open_in_viewer` hands the written file to the system's PDF viewer and says whether it
/// could. The letter is filed either way (it is on disk), but its referral is marked sent only
/// if the viewer opened it: a letter nobody could print has not been sent.
pub fn save_in_folder(
    store: &mut Store,
    referral_id: Uuid,
    template_id: Option<Uuid>,
    date: NaiveDate,
    folder: &Path,
    open_in_viewer: impl FnOnce(&Path) -> bool,
) -> Result<Saved> {
    ensure_templates(store)?;
    let draft = draft(store, referral_id, template_id, date)?;
    std::fs::create_dir_all(folder).map_err(|e| Error::CannotWrite {
        path: folder.display().to_string(),
        reason: e.to_string(),
    })?;
    save_draft(
        store,
        &draft,
        &folder.join(file_name(&draft)),
        open_in_viewer,
    )
}

/// What saving the day's letters did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SavedBatch {
    pub path: String,
    pub letters: usize,
    pub bytes: usize,
    pub skipped: Vec<Skipped>,
}

/// Makes the "Lettres du jour" batch and writes it to `path`; only then files each letter
/// and marks its referral sent, in one transaction (a failed write files nothing).
pub fn save_batch(
    store: &mut Store,
    date: NaiveDate,
    path: &Path,
    progress: impl FnMut(usize, usize),
) -> Result<SavedBatch> {
    let (drafts, skipped) = batch_drafts(store, date, progress)?;
    let pdf = batch_pdf(&drafts, date);
    if !drafts.is_empty() {
        crate::atomic_file::write(path, &pdf)?;
        store.write(|w| file_batch(w, &drafts, true))?;
        for draft in &drafts {
            crate::audit::record(
                store,
                crate::audit::Action::LetterPrinted,
                Some(crate::schema::REFERRAL.name),
                Some(draft.referral_id),
            )?;
        }
    }
    Ok(SavedBatch {
        path: path.display().to_string(),
        letters: drafts.len(),
        bytes: pdf.len(),
        skipped,
    })
}

/// A file name for a letter that names no one: "Lettre d’orientation - ADIE - 2026-11-23 -
/// 3f2a9c1b.pdf" (partner, date, the start of the referral's id), without the characters
/// Windows refuses in names. File names show in recent-file lists, backups and cloud logs:
/// the person's name stays inside the PDF.
pub fn file_name(draft: &Draft) -> String {
    let partner = draft
        .content
        .recipient
        .first()
        .map(String::as_str)
        .unwrap_or("partenaire");
    let referral = draft.referral_id.simple().to_string();
    let base = format!(
        "Lettre d’orientation - {partner} - {} - {}.pdf",
        draft.date,
        &referral[..8]
    );
    base.chars()
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '-',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect::<String>()
        .replace('–', "-")
}

/// Empties the folder where "Ouvrir / imprimer" puts letters for the PDF viewer: Carnet does
/// it when it starts and when it closes, so printed letters never pile up in clear beside the
/// notebook. Only regular files directly in the folder are removed (never a link's target);
/// returns how many.
pub fn clear_print_folder(folder: &Path) -> Result<usize> {
    let entries = match std::fs::read_dir(folder) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => {
            return Err(Error::CannotWrite {
                path: folder.display().to_string(),
                reason: e.to_string(),
            });
        }
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let regular = entry.file_type().is_ok_and(|t| t.is_file());
        if regular && std::fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    Ok(removed)
}

/// A run of text as the preview draws it: with its width, so the screen's font (which may
/// not be Carlito) is stretched to the exact line the PDF has.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PreviewRun {
    pub x: f32,
    pub y: f32,
    pub size: f32,
    pub bold: bool,
    pub grey: bool,
    pub text: String,
    pub width: f32,
}

/// A page of the preview.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PreviewPage {
    pub runs: Vec<PreviewRun>,
    pub logo: Option<layout::Placement>,
    pub rules: Vec<[f32; 4]>,
    pub boxes: Vec<[f32; 5]>,
}

/// What the letter screen shows before anything is saved: the laid-out pages (drawn by the
/// UI), the logo and a file name to propose.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Preview {
    pub pages: Vec<PreviewPage>,
    pub page_width: f32,
    pub page_height: f32,
    /// The logo PNG in base64, for an `<img>` in the preview.
    pub logo_png: Option<String>,
    pub template_id: Uuid,
    pub file_name: String,
}

/// Prepares the preview of a referral's letter (nothing is filed).
pub fn preview(
    store: &mut Store,
    referral_id: Uuid,
    template_id: Option<Uuid>,
    date: NaiveDate,
) -> Result<Preview> {
    ensure_templates(store)?;
    let draft = draft(store, referral_id, template_id, date)?;
    let officer = profile(store)?.data;
    let logo_png = Some(match officer.logo.filter(|l| !l.trim().is_empty()) {
        Some(data) => data,
        None => base64::engine::general_purpose::STANDARD.encode(logo::DEFAULT_PNG),
    });
    let fonts = font::fonts();
    let pages = lay_out(&draft.content, Some(&draft.logo))
        .pages
        .into_iter()
        .map(|page| PreviewPage {
            runs: page
                .runs
                .iter()
                .map(|r| PreviewRun {
                    x: r.x,
                    y: r.y,
                    size: r.size,
                    bold: r.face == font::Face::Bold,
                    grey: r.grey,
                    width: r.width(fonts),
                    text: r.text.clone(),
                })
                .collect(),
            logo: page.logo,
            rules: page.rules,
            boxes: page.boxes,
        })
        .collect();
    Ok(Preview {
        pages,
        page_width: layout::PAGE_WIDTH,
        page_height: layout::PAGE_HEIGHT,
        logo_png,
        template_id: draft.template_id,
        file_name: file_name(&draft),
    })
}

/// Sets (or with `None` removes) the letterhead logo of the officer's profile, after checking
/// the PNG.
pub fn set_logo(store: &mut Store, png: Option<&[u8]>) -> Result<()> {
    let encoded = match png {
        Some(bytes) => {
            Logo::from_png(bytes)?;
            Some(base64::engine::general_purpose::STANDARD.encode(bytes))
        }
        None => None,
    };
    let profile = profile(store)?;
    let mut officer = profile.data;
    officer.logo = encoded;
    store.update(profile.id, &officer)
}

/// Reads a PNG file chosen in Réglages and makes it the letterhead logo.
pub fn set_logo_from_file(store: &mut Store, path: &Path) -> Result<()> {
    let bytes = std::fs::read(path).map_err(|_| Error::InvalidLogo {
        reason: "fichier illisible".to_string(),
    })?;
    set_logo(store, Some(&bytes))
}

/// Letters filed for a referral, newest first.
pub fn of_referral(store: &Store, referral_id: Uuid) -> Result<Vec<Entry<Letter>>> {
    store.select::<Letter>(
        "AND referral_id = ?1 ORDER BY date DESC, id DESC",
        [referral_id.to_string()],
    )
}

/// A referral the day's batch left out, and why (in French).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Skipped {
    pub referral_id: Uuid,
    pub person_name: String,
    pub reason: String,
}

/// The "Lettres du jour" batch: one PDF with the letters of every referral of `date` still
/// "à envoyer", each filed like a single letter.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    pub pdf: Vec<u8>,
    pub letters: Vec<Uuid>,
    pub referrals: Vec<Uuid>,
    pub skipped: Vec<Skipped>,
}

/// The drafts of the day's batch: every referral of `date` still "à envoyer"; those that
/// cannot have a letter (no consent…) are reported, not fatal. `progress(done, total)` is
/// called after each one.
fn batch_drafts(
    store: &mut Store,
    date: NaiveDate,
    mut progress: impl FnMut(usize, usize),
) -> Result<(Vec<Draft>, Vec<Skipped>)> {
    ensure_templates(store)?;
    let due: Vec<Entry<Referral>> = referral::in_range(store, date, date)?
        .into_iter()
        .filter(|r| r.data.status == "to_send")
        .collect();
    let mut drafts = Vec::new();
    let mut skipped = Vec::new();
    for (i, r) in due.iter().enumerate() {
        match draft(store, r.id, None, date) {
            Ok(d) => drafts.push(d),
            Err(e)
                if e.is_validation()
                    || matches!(e, Error::NoConsentToShare | Error::ConsentWithdrawn { .. }) =>
            {
                let person_name = store
                    .get::<Person>(crate::person_merge::root_of(
                        store.conn(),
                        r.data.person_id,
                    )?)
                    .map(|p| format!("{} {}", p.first_name, p.last_name))
                    .unwrap_or_default();
                skipped.push(Skipped {
                    referral_id: r.id,
                    person_name,
                    reason: e.to_string(),
                });
            }
            Err(e) => return Err(e),
        }
        progress(i + 1, due.len());
    }
    Ok((drafts, skipped))
}

/// One PDF holding every draft, one after the other.
fn batch_pdf(drafts: &[Draft], date: NaiveDate) -> Vec<u8> {
    let layouts: Vec<layout::Layout> = drafts
        .iter()
        .map(|d| lay_out(&d.content, Some(&d.logo)))
        .collect();
    let pdf_letters: Vec<pdf::PdfLetter<'_>> = layouts
        .iter()
        .zip(drafts)
        .map(|(layout, d)| pdf::PdfLetter {
            layout,
            logo: Some(&d.logo),
        })
        .collect();
    let title = format!(
        "Lettres d’orientation du {}",
        crate::french::long_date(date)
    );
    pdf::write(font::fonts(), &pdf_letters, &title, date)
}

/// Files every draft of a batch (each with the hash of its own single-letter PDF, the one
/// [`remake`] gives back) and, when `sent`, moves its referral to "envoyée".
fn file_batch(w: &mut Writer<'_>, drafts: &[Draft], sent: bool) -> Result<Vec<Uuid>> {
    let mut ids = Vec::new();
    for d in drafts {
        ids.push(file(w, d, &render(d))?);
        if sent {
            mark_sent_in(w, d.referral_id, d.date)?;
        }
    }
    Ok(ids)
}

/// Makes and files the day's batch (without marking anything sent).
pub fn make_batch(
    store: &mut Store,
    date: NaiveDate,
    progress: impl FnMut(usize, usize),
) -> Result<Batch> {
    let (drafts, skipped) = batch_drafts(store, date, progress)?;
    let pdf = batch_pdf(&drafts, date);
    let letters = store.write(|w| file_batch(w, &drafts, false))?;
    Ok(Batch {
        pdf,
        letters,
        referrals: drafts.iter().map(|d| d.referral_id).collect(),
        skipped,
    })
}
