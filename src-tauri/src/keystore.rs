//! "Se souvenir sur cet ordinateur": the notebook's key in the operating system's keystore
//! (Windows Credential Manager, the Secret Service of a Linux session), so Carnet opens
//! without the passphrase for whoever opens the officer's session.
//!
//! What is guaranteed: the key goes to the keystore or nowhere, never to a plain file; with
//! no keystore, or one that is locked or does not answer within a few seconds, remembering is
//! refused with a French message and starting falls back to the passphrase. The keystore's
//! entry is named by a hash of the notebook's path, never by a person's or the officer's name.

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use carnet::notebook_key::NotebookKey;
use zeroize::Zeroizing;

use crate::error::CommandError;

const SERVICE: &str = "Carnet";
/// How long a keystore may take to answer (a locked one may be waiting on a prompt).
const PATIENCE: Duration = Duration::from_secs(8);

/// Keeps `key` in the keystore for the notebook at `path`.
pub fn remember(path: &Path, key: &NotebookKey) -> Result<(), CommandError> {
    let account = carnet::notebook_lock::keystore_account(path);
    let secret = Zeroizing::new(*key.as_bytes());
    ask(move |entry| entry.set_secret(secret.as_slice()), &account)?.map_err(|e| refused(&e))
}

/// Removes the key of the notebook at `path` from the keystore (nothing kept is fine).
pub fn forget(path: &Path) -> Result<(), CommandError> {
    let account = carnet::notebook_lock::keystore_account(path);
    match ask(|entry| entry.delete_credential(), &account)? {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(e) => Err(refused(&e)),
    }
}

/// The key kept for the notebook at `path`, if a keystore answers and holds one.
pub fn recall(path: &Path) -> Option<NotebookKey> {
    let account = carnet::notebook_lock::keystore_account(path);
    let secret = ask(|entry| entry.get_secret(), &account).ok()?.ok()?;
    let secret = Zeroizing::new(secret);
    let bytes: [u8; 32] = secret.as_slice().try_into().ok()?;
    Some(NotebookKey::from_bytes(bytes))
}

/// Runs `body` on the keystore entry in a thread of its own, giving up after [`PATIENCE`].
fn ask<T: Send + 'static>(
    body: impl FnOnce(&keyring::Entry) -> keyring::Result<T> + Send + 'static,
    account: &str,
) -> Result<keyring::Result<T>, CommandError> {
    let account = account.to_string();
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        let answer = keyring::Entry::new(SERVICE, &account).and_then(|entry| body(&entry));
        let _ = send.send(answer);
    });
    receive.recv_timeout(PATIENCE).map_err(|_| CommandError {
        kind: "keystore_unavailable",
        message: "Le trousseau du système ne répond pas (verrouillé ?) : Carnet continuera à demander la phrase de passe.".into(),
        field: None,
    })
}

fn refused(error: &keyring::Error) -> CommandError {
    let message = match error {
        keyring::Error::NoDefaultStore
        | keyring::Error::NoStorageAccess(_)
        | keyring::Error::PlatformFailure(_) => {
            "Aucun trousseau du système n'est disponible sur cet ordinateur (Gestionnaire d'identification de Windows, trousseau de la session sous Linux) : Carnet continuera à demander la phrase de passe, et rien n'a été enregistré."
        }
        _ => {
            "Le trousseau du système a refusé d'enregistrer la clé : Carnet continuera à demander la phrase de passe, et rien n'a été enregistré."
        }
    };
    CommandError {
        kind: "keystore_unavailable",
        message: message.into(),
        field: None,
    }
}

#[cfg(test)]
mod tests {
    //! Run against a real Secret Service by `cargo xtask test`: a session bus of its own
    //! (`dbus-run-session`) with an unlocked `gnome-keyring-daemon`. Ignored in the plain
    //! `cargo test`, where no keystore is running (the window's refusal is tested end to end).

    use std::path::Path;

    use carnet::notebook_key::NotebookKey;

    #[test]
    #[ignore = "needs a Secret Service: run by `cargo xtask test` under dbus-run-session"]
    fn a_remembered_key_is_recalled_then_forgotten() {
        let notebook = Path::new("/tmp/carnet-keystore-test/carnet.db");
        let key = NotebookKey::from_bytes([0x42; 32]);
        super::remember(notebook, &key).expect("the session keystore keeps the key");
        let recalled = super::recall(notebook).expect("the key comes back");
        assert_eq!(recalled.as_bytes(), key.as_bytes());
        // Another notebook has no key there.
        assert!(super::recall(Path::new("/tmp/autre/carnet.db")).is_none());
        super::forget(notebook).unwrap();
        assert!(super::recall(notebook).is_none());
        // Forgetting what is not kept is fine.
        super::forget(notebook).unwrap();
    }
}
