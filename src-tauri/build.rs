//! Puts the app's own commands under Tauri's permission system: only those listed in
//! `capabilities/default.json` can be invoked from the UI.

fn main() {
    println!("cargo:rerun-if-changed=commands.txt");
    // The window's files are embedded in the binary: any change to one of them rebuilds it
    // (a directory alone is only seen to change when a file is added or removed).
    rerun_if_any_changed(std::path::Path::new("../ui"));
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

fn rerun_if_any_changed(dir: &std::path::Path) {
    println!("cargo:rerun-if-changed={}", dir.display());
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rerun_if_any_changed(&path);
        } else {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
}
