//! On Windows, gives `carnet.exe` its icon and the version details Windows shows in the
//! file's properties (and that SmartScreen and antivirus software read), like the desktop
//! app's, which tauri-build gives it. Elsewhere, nothing.

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("windows") {
        return;
    }
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_else(|_| "0.0.0".into());
    let mut numbers: Vec<u16> = version
        .split(['.', '-', '+'])
        .take(3)
        .map(|n| n.parse().unwrap_or(0))
        .collect();
    numbers.resize(4, 0);
    let comma = numbers
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let icon = manifest_dir.join("../../src-tauri/icons/icon.ico");
    println!("cargo:rerun-if-changed={}", icon.display());
    // Forward slashes: the resource compiler reads backslashes as escapes.
    let icon = icon.display().to_string().replace('\\', "/");
    let script = format!(
        r#"#pragma code_page(65001)
1 ICON "{icon}"
1 VERSIONINFO
FILEVERSION {comma}
PRODUCTVERSION {comma}
FILEOS 0x40004
FILETYPE 0x1
BEGIN
  BLOCK "StringFileInfo"
  BEGIN
    BLOCK "040C04B0"
    BEGIN
      VALUE "CompanyName", "CitésLab"
      VALUE "FileDescription", "Carnet en ligne de commande"
      VALUE "FileVersion", "{version}"
      VALUE "InternalName", "carnet"
      VALUE "LegalCopyright", "EUPL 1.2"
      VALUE "OriginalFilename", "carnet.exe"
      VALUE "ProductName", "Carnet"
      VALUE "ProductVersion", "{version}"
    END
  END
  BLOCK "VarFileInfo"
  BEGIN
    VALUE "Translation", 0x040C, 1200
  END
END
"#
    );
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default()).join("carnet.rc");
    if let Err(e) = std::fs::write(&out, script) {
        panic!("cannot write {}: {e}", out.display());
    }
    if let Err(e) = embed_resource::compile(&out, embed_resource::NONE).manifest_optional() {
        panic!("cannot compile carnet.exe's resources: {e}");
    }
}
