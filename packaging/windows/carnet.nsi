; Carnet's per-user Windows installer, built on Debian by `cargo xtask dist` with makensis.
;
; Why our own script rather than Tauri's NSIS bundler: that bundler downloads an NSIS plug-in
; at build time, which these build machines cannot. This script needs nothing beyond
; Debian's `nsis` package.
;
; What it guarantees:
; - no administrator rights (RequestExecutionLevel user): files go to
;   %LOCALAPPDATA%\Programs\Carnet, the shortcut to the user's Start menu, the uninstall
;   entry to HKCU;
; - the officer's notebook (in %APPDATA%\fr.citeslab.carnet) is never touched, by the
;   installer or by the uninstaller;
; - the WebView2 runtime (shipped with Windows 10 and 11) is looked for, and when it is
;   missing the officer is told what to do; a silent install (/S) goes on without asking.
;
; makensis -DVERSION=0.1.0 -DSOURCE=<folder with the files> -DOUTFILE=<setup.exe> carnet.nsi

; A 64-bit installer for a 64-bit program (and it runs under Debian's 64-bit-only Wine).
Target amd64-unicode
SetCompressor /SOLID lzma
; A dictionary larger than both programs: their common half (engine, OpenSSL, fonts) is stored once.
SetCompressorDictSize 64
RequestExecutionLevel user

!ifndef VERSION
  !error "VERSION manquant (-DVERSION=...)"
!endif
!ifndef SOURCE
  !error "SOURCE manquant (-DSOURCE=...)"
!endif
!ifndef OUTFILE
  !error "OUTFILE manquant (-DOUTFILE=...)"
!endif

!define PRODUCT "Carnet"
!define PUBLISHER "CitésLab"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\fr.citeslab.carnet"
; The WebView2 runtime's id in EdgeUpdate (the same for every channel of the runtime).
!define WEBVIEW2_ID "{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}"

Name "${PRODUCT}"
OutFile "${OUTFILE}"
InstallDir "$LOCALAPPDATA\Programs\${PRODUCT}"
InstallDirRegKey HKCU "${UNINSTALL_KEY}" "InstallLocation"
BrandingText "${PRODUCT} ${VERSION}"

VIProductVersion "${VERSION}.0"
VIAddVersionKey /LANG=1036 "ProductName" "${PRODUCT}"
VIAddVersionKey /LANG=1036 "CompanyName" "${PUBLISHER}"
VIAddVersionKey /LANG=1036 "FileDescription" "Installation de Carnet"
VIAddVersionKey /LANG=1036 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=1036 "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=1036 "LegalCopyright" "EUPL 1.2"

!include "MUI2.nsh"

!define MUI_ICON "${SOURCE}\carnet.ico"
!define MUI_UNICON "${SOURCE}\carnet.ico"
!define MUI_ABORTWARNING
!define MUI_FINISHPAGE_RUN "$INSTDIR\carnet-desktop.exe"
!define MUI_FINISHPAGE_RUN_TEXT "Ouvrir Carnet"

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "French"

Function .onInit
  SetShellVarContext current
FunctionEnd

Function un.onInit
  SetShellVarContext current
FunctionEnd

; Sets $0 to the installed WebView2 runtime's version, or to "" when there is none.
Function FindWebView2
  ReadRegStr $0 HKLM "SOFTWARE\WOW6432Node\Microsoft\EdgeUpdate\Clients\${WEBVIEW2_ID}" "pv"
  StrCmp $0 "" 0 found
  ReadRegStr $0 HKLM "SOFTWARE\Microsoft\EdgeUpdate\Clients\${WEBVIEW2_ID}" "pv"
  StrCmp $0 "" 0 found
  ReadRegStr $0 HKCU "Software\Microsoft\EdgeUpdate\Clients\${WEBVIEW2_ID}" "pv"
  StrCmp $0 "" 0 found
  Goto done
found:
  ; A runtime that was uninstalled leaves "0.0.0.0" behind.
  StrCmp $0 "0.0.0.0" 0 done
  StrCpy $0 ""
done:
FunctionEnd

Section "Carnet" SecMain
  SetOutPath "$INSTDIR"
  File "${SOURCE}\carnet-desktop.exe"
  File "${SOURCE}\carnet.exe"
  File "${SOURCE}\WebView2Loader.dll"
  File "${SOURCE}\carnet.ico"
  File "${SOURCE}\LISEZMOI.txt"
  WriteUninstaller "$INSTDIR\desinstaller-carnet.exe"

  CreateShortcut "$SMPROGRAMS\${PRODUCT}.lnk" "$INSTDIR\carnet-desktop.exe" "" "$INSTDIR\carnet.ico"

  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayName" "${PRODUCT}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\carnet.ico"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\desinstaller-carnet.exe"'
  WriteRegStr HKCU "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\desinstaller-carnet.exe" /S'
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoRepair" 1

  Call FindWebView2
  StrCmp $0 "" 0 webview2_ok
  DetailPrint "Microsoft Edge WebView2 est absent de cet ordinateur."
  MessageBox MB_OK|MB_ICONEXCLAMATION "Carnet s'affiche avec Microsoft Edge WebView2, qui est livré avec Windows 10 et 11 mais semble absent de cet ordinateur.$\r$\n$\r$\nCarnet est installé ; pour l'ouvrir, installez d'abord « Microsoft Edge WebView2 Runtime » (programme « Evergreen Bootstrapper ») depuis le site de Microsoft :$\r$\nhttps://developer.microsoft.com/microsoft-edge/webview2/$\r$\nou demandez-le à votre service informatique." /SD IDOK
webview2_ok:
SectionEnd

Section "Uninstall"
  Delete "$INSTDIR\carnet-desktop.exe"
  Delete "$INSTDIR\carnet.exe"
  Delete "$INSTDIR\WebView2Loader.dll"
  Delete "$INSTDIR\carnet.ico"
  Delete "$INSTDIR\LISEZMOI.txt"
  Delete "$INSTDIR\desinstaller-carnet.exe"
  ; Only if empty: a file the officer put there herself stays.
  RMDir "$INSTDIR"
  Delete "$SMPROGRAMS\${PRODUCT}.lnk"
  DeleteRegKey HKCU "${UNINSTALL_KEY}"
SectionEnd
