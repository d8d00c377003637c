//! What a sync tells while it works: the step, and the segments and changes done out of how
//! many.
//!
//! Why its own file: how many changes a segment holds is inside its encryption, so the total of
//! a reception is known exactly only once every segment has been opened — and opening them all
//! first would read the folder twice (a slow USB key, a network drive). Until then the total is
//! estimated from the sizes of the files still unread, at the rate of changes per byte of the
//! segments already opened. What is guaranteed: `changes_done` never exceeds `changes_total`,
//! `exact` is true only when no estimate is left in the total, and the last report of a step
//! has every segment done.

use std::collections::HashMap;

use serde::Serialize;
use uuid::Uuid;

/// Which half of a sync is under way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncStep {
    /// Reading the other devices' segments from the folder.
    Receiving,
    /// Building again the indexes set aside while a large reception was applied (a new
    /// device's first sync: `store::index_set_aside`), reported once when it begins, with the
    /// reception's final counts.
    Indexing,
    /// Writing this device's new changes into the folder.
    Sending,
}

/// Progress of a sync, reported before the first segment of a step and after each one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SyncProgress {
    pub step: SyncStep,
    /// Segments read (applied, held or skipped) or written so far.
    pub segments_done: usize,
    /// Segments to read; when sending, how many are written is known only at the end, and this
    /// is `segments_done`.
    pub segments_total: usize,
    /// Field changes of the segments read, or sent, so far.
    pub changes_done: u64,
    /// Field changes to read or send in all: see `exact`.
    pub changes_total: u64,
    /// Whether `changes_total` is counted (every segment to read opened, or sending) rather
    /// than estimated from the sizes of segments still unread.
    pub exact: bool,
}

/// Rate assumed before any segment is opened: bytes of segment file per change (format 4
/// writes about 25 to 40; an overestimate of the rate would only shrink as segments open).
const BYTES_PER_CHANGE_GUESS: u64 = 32;

/// A segment still to read: its file's size, and its change count once opened.
struct Pending {
    bytes: u64,
    changes: Option<u64>,
}

/// The tally of a reception, which reports each step to the sync's caller.
pub(crate) struct Reception<'a> {
    pending: HashMap<(Uuid, u64), Pending>,
    segments_total: usize,
    segments_done: usize,
    changes_done: u64,
    opened_changes: u64,
    opened_bytes: u64,
    unopened_bytes: u64,
    report: &'a mut dyn FnMut(SyncProgress),
}

impl<'a> Reception<'a> {
    /// Starts the tally of the segments `sizes` (file sizes, 0 when unknown), reported when
    /// there are any.
    pub fn start(
        sizes: impl IntoIterator<Item = ((Uuid, u64), u64)>,
        report: &'a mut dyn FnMut(SyncProgress),
    ) -> Self {
        let pending: HashMap<_, _> = sizes
            .into_iter()
            .map(|(key, bytes)| {
                (
                    key,
                    Pending {
                        bytes,
                        changes: None,
                    },
                )
            })
            .collect();
        let mut tally = Reception {
            segments_total: pending.len(),
            unopened_bytes: pending.values().map(|p| p.bytes).sum(),
            pending,
            segments_done: 0,
            changes_done: 0,
            opened_changes: 0,
            opened_bytes: 0,
            report,
        };
        if tally.segments_total > 0 {
            tally.emit();
        }
        tally
    }

    /// The segment `key` was opened and holds `changes` changes (counted once, however often
    /// it is opened: a segment waiting for a person's key is opened again later).
    pub fn opened(&mut self, key: (Uuid, u64), changes: u64) {
        if let Some(pending) = self.pending.get_mut(&key)
            && pending.changes.is_none()
        {
            pending.changes = Some(changes);
            self.opened_changes = self.opened_changes.saturating_add(changes);
            self.opened_bytes = self.opened_bytes.saturating_add(pending.bytes);
            self.unopened_bytes = self.unopened_bytes.saturating_sub(pending.bytes);
        }
    }

    /// The segment `key` is done with (applied, held, or skipped, opened or not): reported.
    pub fn finished(&mut self, key: (Uuid, u64)) {
        let Some(pending) = self.pending.remove(&key) else {
            return;
        };
        match pending.changes {
            Some(changes) => self.changes_done = self.changes_done.saturating_add(changes),
            // Never opened: its estimate leaves the total.
            None => self.unopened_bytes = self.unopened_bytes.saturating_sub(pending.bytes),
        }
        self.segments_done += 1;
        self.emit();
    }

    /// The segments are all done, and the indexes set aside are being built again: reported.
    pub fn indexing(&mut self) {
        let progress = SyncProgress {
            step: SyncStep::Indexing,
            segments_done: self.segments_done,
            segments_total: self.segments_total,
            changes_done: self.changes_done,
            changes_total: self.changes_done,
            exact: true,
        };
        (self.report)(progress);
    }

    fn emit(&mut self) {
        let estimate = match self.opened_bytes {
            0 => self.unopened_bytes / BYTES_PER_CHANGE_GUESS,
            bytes => {
                let scaled = u128::from(self.unopened_bytes) * u128::from(self.opened_changes)
                    / u128::from(bytes);
                u64::try_from(scaled).unwrap_or(u64::MAX)
            }
        };
        let exact = self.pending.values().all(|p| p.changes.is_some());
        let progress = SyncProgress {
            step: SyncStep::Receiving,
            segments_done: self.segments_done,
            segments_total: self.segments_total,
            changes_done: self.changes_done,
            changes_total: self
                .opened_changes
                .saturating_add(if exact { 0 } else { estimate })
                .max(self.changes_done),
            exact,
        };
        (self.report)(progress);
    }
}

/// The tally of a sending: the total is counted before the first segment is written.
pub(crate) struct Sending<'a> {
    segments_done: usize,
    changes_done: u64,
    changes_total: u64,
    report: &'a mut dyn FnMut(SyncProgress),
}

impl<'a> Sending<'a> {
    /// Starts the tally of `changes_total` changes to send, reported when there are any.
    pub fn start(changes_total: u64, report: &'a mut dyn FnMut(SyncProgress)) -> Self {
        let mut tally = Sending {
            segments_done: 0,
            changes_done: 0,
            changes_total,
            report,
        };
        if changes_total > 0 {
            tally.emit();
        }
        tally
    }

    /// A segment of `changes` changes was written (or found already there): reported.
    pub fn written(&mut self, changes: u64) {
        self.segments_done += 1;
        self.changes_done = self.changes_done.saturating_add(changes);
        self.emit();
    }

    fn emit(&mut self) {
        let progress = SyncProgress {
            step: SyncStep::Sending,
            segments_done: self.segments_done,
            segments_total: self.segments_done,
            changes_done: self.changes_done,
            changes_total: self.changes_total.max(self.changes_done),
            exact: true,
        };
        (self.report)(progress);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(seq: u64) -> (Uuid, u64) {
        (Uuid::nil(), seq)
    }

    #[test]
    fn the_total_is_estimated_from_sizes_until_every_segment_is_opened() {
        let mut seen = Vec::new();
        {
            let mut report = |p: SyncProgress| seen.push(p);
            let mut tally = Reception::start(
                [(key(1), 1_000), (key(2), 3_000), (key(3), 640)],
                &mut report,
            );
            tally.opened(key(1), 100);
            tally.finished(key(1));
            // Skipped before it could be opened: its estimate leaves the total.
            tally.finished(key(3));
            tally.opened(key(2), 250);
            tally.opened(key(2), 999);
            tally.finished(key(2));
        }
        let summary: Vec<_> = seen
            .iter()
            .map(|p| (p.segments_done, p.changes_done, p.changes_total, p.exact))
            .collect();
        assert_eq!(
            summary,
            [
                // 4,640 bytes at the guessed 32 bytes a change.
                (0, 0, 145, false),
                // 100 changes in 1,000 bytes: the 3,640 unread bytes hold about 364.
                (1, 100, 464, false),
                (2, 100, 400, false),
                // Opened twice, counted once; the total is now counted.
                (3, 350, 350, true),
            ]
        );
        assert!(seen.iter().all(|p| p.segments_total == 3
            && p.changes_done <= p.changes_total
            && p.step == SyncStep::Receiving));
    }

    #[test]
    fn a_segment_waiting_for_a_key_is_done_only_when_retried() {
        let mut seen = Vec::new();
        {
            let mut report = |p: SyncProgress| seen.push(p);
            let mut tally = Reception::start([(key(1), 500), (key(2), 500)], &mut report);
            tally.opened(key(1), 50);
            tally.opened(key(2), 70);
            tally.finished(key(2));
            tally.finished(key(1));
            tally.finished(key(1));
        }
        let last = seen.last().copied();
        assert_eq!(seen.len(), 3);
        assert_eq!(
            last.map(|p| (p.segments_done, p.changes_done, p.changes_total, p.exact)),
            Some((2, 120, 120, true))
        );
    }

    #[test]
    fn sending_reports_only_when_there_is_something_to_send() {
        let mut seen = Vec::new();
        {
            let mut report = |p: SyncProgress| seen.push(p);
            let _ = Sending::start(0, &mut report);
            let mut tally = Sending::start(30, &mut report);
            tally.written(20);
            tally.written(10);
        }
        let summary: Vec<_> = seen
            .iter()
            .map(|p| (p.segments_done, p.changes_done, p.changes_total))
            .collect();
        assert_eq!(summary, [(0, 0, 30), (1, 20, 30), (2, 30, 30)]);
    }
}
