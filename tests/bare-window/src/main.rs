//! The smallest Tauri app built like Carnet (same crate features, same CSP): one static page.
//! `cargo xtask bench-desktop` times its start-up next to Carnet's.

fn main() {
    if let Err(error) = tauri::Builder::default().run(tauri::generate_context!()) {
        eprintln!("{error}");
        std::process::exit(1);
    }
}
