//! Gives the memory a large piece of work freed back to the system.
//!
//! Why: a sync decodes segments of up to 8 MB of payload and applies them, and a team's first
//! sync peaks some 130 MB above the window's usual size. glibc keeps freed memory in its arenas
//! for reuse, so without this the app would stay at its peak until it closes, on a laptop
//! shared with a browser and a video call. What is guaranteed: nothing in use is touched (only
//! free pages are returned); on other systems (Windows' heap gives large blocks back by
//! itself) this does nothing.

/// Returns free heap pages to the system.
#[allow(unsafe_code)]
pub fn give_back() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases memory the allocator holds as free; it takes no
    // pointer and is safe to call from any thread at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}
