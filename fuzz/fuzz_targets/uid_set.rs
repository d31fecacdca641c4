#![no_main]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Counts allocations, to check that `UidSet::len` and `count` allocate nothing (let alone
/// per UID).
struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        System.alloc(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    mailwire::__fuzz_imap::uid_set(data);
    if let Ok(set) = std::str::from_utf8(data)
        .unwrap_or("")
        .parse::<mailwire::imap::UidSet>()
    {
        let before = ALLOCATIONS.load(Ordering::Relaxed);
        std::hint::black_box(std::hint::black_box(&set).len());
        std::hint::black_box(std::hint::black_box(&set).count());
        assert_eq!(
            ALLOCATIONS.load(Ordering::Relaxed),
            before,
            "UidSet::len or count allocated"
        );
    }
});
