//! The memory allocator of Carnet's programs — the `carnet` command line and the desktop app —
//! and how they give memory back to the system.
//!
//! Why: a sync decodes each segment into many small values (a string per field change) and
//! frees them before the next; with the system's allocator (glibc) a new device's first sync of
//! a team's folder spent about an eighth of its time in `malloc` and `free` (issue #18, `perf`),
//! and the thread that reads the next segment ahead got a malloc arena of its own whose freed
//! memory stayed with the process (190 MB at the peak instead of 126). mimalloc's thread-local
//! free lists do the same work in much less time. By default it keeps freed pages for a second
//! before giving them back, which raised that sync's peak from 126 to 187 MB; giving them back
//! at once (`purge_delay` 0) kept it at 118 MB (`docs/performance.md`). SQLite allocates
//! through the C library, not through Rust's allocator: [`give_back`] returns what it freed too.
//!
//! What is guaranteed: the engine's behaviour is the same whatever the allocator (its tests
//! run on the system's); only speed and memory differ. Only programs link this crate; the
//! engine never does.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (mimalloc 3's `mi_option_t`, whose order is its ABI:
/// 14 is `eager_commit_delay` and 16 `use_numa_nodes` in `libmimalloc-sys`'s constants).
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Makes the allocator give freed pages back to the system at once instead of a second later.
/// Called first thing in `main`.
#[allow(unsafe_code)]
pub fn return_freed_memory_at_once() {
    // SAFETY: mi_option_set stores an integer option read by the allocator's later purges; it
    // takes no pointer and may be called at any time, from any thread.
    unsafe {
        libmimalloc_sys::mi_option_set(PURGE_DELAY, 0);
    }
}

/// Returns the free memory both allocators hold to the system, after a large piece of work (a
/// sync) in a program that stays open. Nothing in use is touched.
#[allow(unsafe_code)]
pub fn give_back() {
    // SAFETY: mi_collect only frees pages mimalloc holds as empty; it takes no pointer and may
    // be called from any thread at any time.
    unsafe {
        libmimalloc_sys::mi_collect(true);
    }
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases memory the C library's allocator holds as free; it
    // takes no pointer and is safe to call from any thread at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}
