//! The commands the UI may invoke, one file per screen area, each a direct engine call.

mod files;
mod followups;
mod import;
mod journal;
mod letters;
pub mod lock;
mod meetings;
mod merges;
mod partners;
mod people;
mod permanences;
mod referrals;
mod report;
mod retention;
mod settings;
mod sync;
mod today;
mod welcome;

/// Every command, for `invoke_handler`. Keep in step with `commands.txt`.
pub fn handler() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        today::get_today,
        today::get_vocabulary,
        today::remember_capture,
        people::search_persons,
        people::get_person,
        people::find_duplicates,
        people::list_duplicates,
        merges::compare_persons,
        merges::merge_persons,
        merges::get_merge_state,
        merges::separate_person,
        merges::mark_not_duplicate,
        merges::list_crossed_merges,
        merges::confirm_crossed_merge,
        people::create_person,
        people::update_person,
        people::get_consents,
        people::export_person_data,
        people::delete_person,
        people::erasure_preview,
        people::erase_person,
        people::get_timeline,
        people::create_outcome,
        people::record_encounter,
        people::get_encounter,
        people::correct_encounter,
        people::delete_encounter,
        people::get_outcome,
        people::correct_outcome,
        people::delete_outcome,
        people::undo,
        permanences::list_permanences,
        permanences::get_permanence,
        permanences::create_permanence,
        permanences::update_permanence,
        permanences::list_visitors,
        referrals::create_referral,
        referrals::list_referrals,
        referrals::get_referral,
        referrals::move_referral,
        referrals::get_referral_history,
        referrals::correct_referral_step,
        referrals::delete_referral_step,
        referrals::delete_referral,
        meetings::list_meetings,
        meetings::create_meeting,
        meetings::attach_attendee,
        meetings::list_attendees,
        meetings::detach_attendee,
        followups::list_follow_ups,
        followups::follow_up_done,
        followups::postpone_follow_up,
        retention::list_retention,
        retention::count_retention_due,
        retention::anonymise_person,
        retention::anonymise_due,
        retention::prolong_retention,
        retention::set_retention_months,
        partners::list_partners,
        partners::create_partner,
        partners::update_partner,
        settings::get_settings,
        settings::save_officer,
        settings::create_territory,
        settings::save_quartier,
        sync::get_sync_status,
        sync::configure_sync,
        sync::sync_now,
        sync::list_conflicts,
        sync::resolve_conflict,
        sync::passphrase_strength,
        sync::change_team_passphrase,
        sync::list_held,
        sync::decide_held,
        letters::list_letter_templates,
        letters::save_letter_template,
        letters::preview_letter,
        letters::save_letter,
        letters::open_letter,
        letters::save_day_letters,
        letters::set_letter_logo,
        report::get_report,
        report::export_report,
        report::open_exported,
        import::preview_import,
        import::check_import,
        import::run_import,
        import::cancel_import,
        import::save_import_rejections,
        welcome::get_welcome,
        welcome::finish_welcome,
        files::suggest_save_path,
        lock::get_lock_state,
        lock::unlock_remembered,
        lock::create_notebook,
        lock::encrypt_notebook,
        lock::unlock,
        lock::unlock_with_recovery_key,
        lock::lock,
        lock::save_recovery_sheet,
        lock::forget_recovery_key,
        lock::change_notebook_passphrase,
        lock::renew_recovery_sheet,
        lock::set_remember,
        lock::set_auto_lock,
        journal::open_person,
        journal::list_audit,
        journal::verify_audit,
        journal::set_audit_months,
    ]
}

#[cfg(test)]
mod tests {
    //! The app's commands are named in four places that must agree: `commands.txt` (read by
    //! `build.rs` for Tauri's permission system), the handler list above, the window's
    //! permissions (`capabilities/default.json`) and the UI's one IPC module (`ui/js/ipc.js`).
    //! A command missing from one of them fails at run time only, in the officer's window.

    use std::collections::BTreeSet;

    fn listed() -> BTreeSet<String> {
        include_str!("../../commands.txt")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_string)
            .collect()
    }

    fn handled() -> BTreeSet<String> {
        let source = include_str!("mod.rs");
        let start = source.find("generate_handler![").expect("the handler list");
        let end = start + source[start..].find(']').expect("its end");
        source[start..end]
            .lines()
            .filter_map(|l| l.trim().strip_suffix(','))
            .filter_map(|path| path.rsplit("::").next())
            .map(str::to_string)
            .collect()
    }

    fn allowed() -> BTreeSet<String> {
        let capabilities: serde_json::Value =
            serde_json::from_str(include_str!("../../capabilities/default.json")).unwrap();
        capabilities["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p.as_str())
            .filter(|p| !p.contains(':'))
            .filter_map(|p| p.strip_prefix("allow-"))
            .map(|p| p.replace('-', "_"))
            .collect()
    }

    fn invoked() -> BTreeSet<String> {
        include_str!("../../../ui/js/ipc.js")
            .split("invoke('")
            .skip(1)
            .filter_map(|rest| rest.split('\'').next())
            // Plugins' own commands (`plugin:dialog|open`) are the plugins' business.
            .filter(|name| !name.starts_with("plugin:"))
            .map(str::to_string)
            .collect()
    }

    /// The JSDoc types of the records the window receives, written from the engine's catalogue
    /// (one source: a field added there is typed here without anyone copying it).
    fn record_types() -> String {
        use carnet::schema::{ENTITIES, FieldKind, label_in};
        let mut out = String::from(
            "// @ts-check\n\
             // The records the engine sends the window, as JSDoc types for `// @ts-check`. Written\n\
             // from the engine's catalogue (crates/carnet/src/schema.rs) by the test\n\
             // `the_windows_record_types_follow_the_catalogue` (src-tauri/src/commands/mod.rs):\n\
             // do not edit; run `CARNET_WRITE_UI_TYPES=1 cargo test -p carnet-desktop record_types`\n\
             // after changing the catalogue. Never loaded by the window: types only.\n",
        );
        for entity in ENTITIES {
            let name: String = entity
                .name
                .split('_')
                .map(|w| w[..1].to_uppercase() + &w[1..])
                .collect();
            out.push_str(&format!(
                "\n/**\n * A `{}` record (« {} ») as the engine sends it; an `Entry` also has its `id`.\n * @typedef {{object}} {name}\n",
                entity.name, entity.label
            ));
            for field in entity.fields {
                let kind = match field.kind {
                    FieldKind::Int { .. } => "number".to_string(),
                    FieldKind::Bool => "boolean".to_string(),
                    FieldKind::Enum(values) => values
                        .iter()
                        .map(|(code, _)| format!("'{code}'"))
                        .collect::<Vec<_>>()
                        .join(" | "),
                    _ => "string".to_string(),
                };
                let kind = if field.required {
                    kind
                } else {
                    format!("{kind} | null")
                };
                out.push_str(&format!(
                    " * @property {{{kind}}} {}{} {}\n",
                    if field.required { "" } else { "[" },
                    if field.required {
                        field.name.to_string()
                    } else {
                        format!("{}]", field.name)
                    },
                    label_in(entity, field.name)
                ));
            }
            out.push_str(" */\n");
        }
        out.push_str("\nexport {};\n");
        out
    }

    #[test]
    fn the_windows_record_types_follow_the_catalogue() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../ui/js/records.js");
        let written = record_types();
        if std::env::var_os("CARNET_WRITE_UI_TYPES").is_some() {
            std::fs::write(path, &written).unwrap();
        }
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            committed == written,
            "ui/js/records.js is not what the catalogue gives: run CARNET_WRITE_UI_TYPES=1 cargo test -p carnet-desktop record_types"
        );
    }

    #[test]
    fn every_command_is_listed_handled_allowed_and_used_by_the_window() {
        let listed = listed();
        assert!(listed.len() > 80, "{} commands", listed.len());
        assert_eq!(handled(), listed, "commands/mod.rs and commands.txt");
        assert_eq!(
            allowed(),
            listed,
            "capabilities/default.json and commands.txt"
        );
        assert_eq!(invoked(), listed, "ui/js/ipc.js and commands.txt");
    }
}
