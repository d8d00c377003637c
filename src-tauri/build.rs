//! Puts the app's own commands under Tauri's permission system: only those listed in
//! `capabilities/default.json` can be invoked from the UI.

fn main() {
    println!("cargo:rerun-if-changed=commands.txt");
    let commands = include_str!("commands.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect::<Vec<_>>();
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(
        tauri_build::AppManifest::new().commands(Box::leak(commands.into_boxed_slice())),
    ))
    .expect("tauri-build failed");
}
