//! Copying the write-ahead log into the notebook's file from a second connection, on a thread
//! of its own, while a sync's batch writes.
//!
//! Why: SQLite checkpoints in the thread that commits. A team's first sync writes hundreds of
//! MB of pages; copying them from the log into the file (each frame read, decrypted, encrypted
//! again, written, then the file flushed) was about a tenth of that sync, on one core while
//! the other waited. A `PASSIVE` checkpoint from another connection copies what is committed
//! without taking the writer's lock and without waiting for it: the two run side by side.
//!
//! The writer keeps its own checkpoints (every 64 MB of log during a sync): alone, the thread
//! never catches up with the last commit before the next transaction begins, and the log only
//! starts over from its beginning when a checkpoint has copied all of it then — without the
//! writer's, a team's first sync left a 1.2 GB log beside a 500 MB notebook. The writer's
//! checkpoint now finds most frames already copied, copies the rest and lets the log start
//! over: it stays under about 100 MB.
//!
//! What is guaranteed: the thread stops, and is waited for, when the [`Checkpointer`] is
//! dropped, whatever became of the batch; the second connection only ever checkpoints (it
//! reads no row and writes none); if it cannot be opened, nothing changes.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::Connection;

/// How long the thread waits between two checkpoints: a first sync writes a few MB of log in
/// that time, and a checkpoint of an unchanged log reads only its header.
const EVERY: Duration = Duration::from_millis(250);

/// The thread copying the log into the file; stopped and waited for when dropped.
pub(crate) struct Checkpointer {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts checkpointing from `conn`, a second connection to the notebook (keyed, when it is
    /// encrypted); `None` if the thread cannot be started.
    pub(super) fn start(conn: Connection) -> Option<Checkpointer> {
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("carnet-checkpoint".into())
            .spawn(move || {
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(EVERY) {
                    // A checkpoint that could not copy everything (a reader, the writer
                    // busy) is simply tried again at the next turn; so is an error.
                    let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
                }
            })
            .ok()?;
        Some(Checkpointer {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        // Closing the channel wakes the thread at once.
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    // Test code: a failed unwrap is a failed test.
    #![allow(clippy::unwrap_used)]

    use std::time::{Duration, Instant};

    use crate::notebook_key::NotebookKey;
    use crate::{ManualClock, Store, Uuid};

    /// Turns the writer's own checkpoints off, writes about 4 MB in one transaction and waits
    /// (at most ten seconds) for the notebook's file to grow: only the thread can copy the log
    /// into it.
    fn file_grows_from_the_log(store: &Store, path: &std::path::Path) -> bool {
        let before = std::fs::metadata(path).unwrap().len();
        store
            .conn()
            .execute_batch(
                "PRAGMA wal_autocheckpoint = 0;
                 CREATE TABLE scratch (bytes BLOB);
                 WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)
                 INSERT INTO scratch SELECT randomblob(4000) FROM n;",
            )
            .unwrap();
        let waited = Instant::now();
        while waited.elapsed() < Duration::from_secs(10) {
            if std::fs::metadata(path).unwrap().len() > before + (2 << 20) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    #[test]
    fn the_thread_copies_the_log_into_the_file_of_a_plaintext_notebook() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("carnet.db");
        let store = Store::init(&path, Uuid::from_u128(1), Box::new(ManualClock::new(0))).unwrap();
        let checkpointer = store.checkpoint_in_background().unwrap();
        assert!(file_grows_from_the_log(&store, &path));
        drop(checkpointer);
    }

    #[test]
    fn the_thread_opens_an_encrypted_notebook_with_its_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("carnet.db");
        let key = NotebookKey::from_bytes([7; 32]);
        let store = Store::init_with(
            &path,
            Uuid::from_u128(1),
            Some(&key),
            Box::new(ManualClock::new(0)),
        )
        .unwrap();
        let checkpointer = store.checkpoint_in_background().unwrap();
        assert!(file_grows_from_the_log(&store, &path));
        drop(checkpointer);
        drop(store);
        // What the thread wrote into the file is readable with the key, and only with it.
        let store = Store::open_with(&path, Some(&key), Box::new(ManualClock::new(0))).unwrap();
        let rows: i64 = store
            .conn()
            .query_row("SELECT count(*) FROM scratch", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 1000);
        assert!(Store::open(&path, Box::new(ManualClock::new(0))).is_err());
    }

    #[test]
    fn nothing_starts_for_a_notebook_in_memory() {
        let store =
            Store::open_in_memory(Uuid::from_u128(1), Box::new(ManualClock::new(0))).unwrap();
        assert!(store.checkpoint_in_background().is_none());
    }
}
