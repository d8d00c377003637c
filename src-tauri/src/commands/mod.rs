//! The commands the UI may invoke, one file per screen area, each a direct engine call.

mod files;
mod followups;
mod letters;
pub mod lock;
mod meetings;
mod partners;
mod people;
mod permanences;
mod referrals;
mod report;
mod retention;
mod settings;
mod sync;
mod today;

/// Every command, for `invoke_handler`. Keep in step with `commands.txt`.
pub fn handler() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        today::get_today,
        today::get_vocabulary,
        today::remember_capture,
        people::search_persons,
        people::get_person,
        people::create_person,
        people::update_person,
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
    ]
}
