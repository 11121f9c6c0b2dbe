//! Freed heap handed back to the operating system.
//!
//! glibc's allocator keeps what the process frees: one arena per thread that allocated,
//! and only the free end of the main arena goes back to the kernel by itself. Start-up
//! compiles the template sets on two threads and migrates the database, and left 22 MiB
//! of anonymous memory resident at idle, about 10 MiB of it free chunks nothing would use
//! again. A list of thousands of deadlines, a search or a sweep leave the same behind at
//! a larger size, and the process stays at its peak for good.
//!
//! `malloc_trim` returns every whole free page of every arena. When to call it is the
//! binary's decision, at its quiet moments (`serve` does it once settled and then every
//! [`GIVE_BACK_EVERY`]): a library must not, and tests that run many services in one
//! process have no use for it. Other allocators (musl's, macOS's) return memory on their
//! own terms, so elsewhere this does nothing.

use std::time::Duration;

/// How long after start-up a serving process first hands back what it freed: by then
/// the templates are compiled, the database migrated, and the workers and jobs have
/// started and run once (they free another 5 MiB in their first seconds).
pub const SETTLED_AFTER: Duration = Duration::from_secs(10);

/// How often a serving process then hands back what it freed meanwhile. Rarely enough
/// that pages given back and needed again cost nothing worth measuring (mapping 100 MiB
/// again is some milliseconds); often enough that a burst of heavy requests or a sweep
/// does not leave the process at its peak for long.
pub const GIVE_BACK_EVERY: Duration = Duration::from_secs(300);

/// For a serving process: [`give_back_freed`] once settled, then every
/// [`GIVE_BACK_EVERY`], on a blocking thread. Runs until dropped.
pub async fn give_back_now_and_then() {
    tokio::time::sleep(SETTLED_AFTER).await;
    let mut every = tokio::time::interval(GIVE_BACK_EVERY);
    loop {
        every.tick().await;
        // A trim that failed to run (the runtime shutting down) is simply not done.
        let _ = tokio::task::spawn_blocking(give_back_freed).await;
    }
}

/// Returns the heap's free pages to the kernel. Cheap when little was freed; it takes
/// each arena's lock in turn, so it belongs on a blocking thread, not the executor.
pub fn give_back_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases pages of chunks already freed, and glibc makes it
    // safe to call from any thread at any time (it locks each arena while trimming it).
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(all(test, target_os = "linux", target_env = "gnu"))]
mod tests {
    use super::*;

    /// The process's resident anonymous memory, in KiB.
    fn resident_anonymous_kib() -> u64 {
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("RssAnon:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap()
    }

    #[test]
    fn freed_pages_in_a_threads_arena_go_back_to_the_kernel() {
        // As start-up leaves them: many small blocks allocated on a thread of its own,
        // most freed and a few kept, so that no free end can be trimmed by `free` alone.
        let kept = std::thread::spawn(|| {
            let blocks: Vec<Vec<u8>> = (0..96 * 1024).map(|i| vec![i as u8; 1000]).collect();
            blocks
                .into_iter()
                .enumerate()
                .filter(|(i, _)| i % 64 == 0)
                .map(|(_, b)| b)
                .collect::<Vec<_>>()
        })
        .join()
        .unwrap();
        let before = resident_anonymous_kib();
        give_back_freed();
        let after = resident_anonymous_kib();
        // About 94 MiB were allocated and all but 1.5 MiB freed. Other tests of this
        // process allocate meanwhile, so ask for half of it back, not all.
        assert!(
            before.saturating_sub(after) > 45 * 1024,
            "resident anonymous memory {before} KiB before, {after} KiB after"
        );
        assert_eq!(kept.len(), 1536);
        assert!(kept.iter().all(|b| b.len() == 1000));
    }
}
