//! The command line's memory allocator: mimalloc, giving what it frees back to the system at
//! once.
//!
//! Why: a sync decodes each segment into many small values (a string per field change) and
//! frees them before the next; with the system's allocator (glibc) a new device's first sync of
//! a team's folder spent about an eighth of its time in `malloc` and `free` (issue #18, `perf`).
//! mimalloc's thread-local free lists do the same work in much less time. By default it keeps
//! freed pages for a second before giving them back, which raised that sync's peak from 126 to
//! 187 MB; giving them back at once (`purge_delay` 0) kept it at 118 MB (`docs/performance.md`).
//! What is guaranteed: the engine's behaviour is the same whatever the allocator (its tests run
//! on the system's); only speed and memory differ.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (mimalloc 3's `mi_option_t`, whose order is its ABI:
/// 14 is `eager_commit_delay` and 16 `use_numa_nodes` in `libmimalloc-sys`'s constants).
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Makes the allocator give freed pages back to the system at once instead of a second later.
#[allow(unsafe_code)]
pub fn return_freed_memory_at_once() {
    // SAFETY: mi_option_set stores an integer option read by the allocator's later purges; it
    // takes no pointer and may be called at any time, from any thread.
    unsafe {
        libmimalloc_sys::mi_option_set(PURGE_DELAY, 0);
    }
}
