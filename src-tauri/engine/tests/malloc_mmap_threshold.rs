//! The allocator's fixed threshold for mapping large blocks, observed through glibc's own
//! count of mapped blocks. A test binary of its own, like the arena test.
#![cfg(all(target_os = "linux", target_env = "gnu"))]

use std::hint::black_box;

/// Blocks glibc holds in mappings of their own right now.
fn mapped_blocks() -> usize {
    // SAFETY: mallinfo2 only reads the allocator's statistics.
    unsafe { libc::mallinfo2() }.hblks
}

#[test]
fn a_large_block_freed_leaves_the_next_one_its_own_mapping() {
    switchboard_engine::malloc_tuning::tune_malloc();
    // Without the fixed threshold, freeing this 1 MiB block would raise glibc's threshold
    // to 1 MiB, and the 512 KiB block below would come from the heap.
    drop(black_box(vec![1u8; 1024 * 1024]));
    let before = mapped_blocks();
    let large = black_box(vec![2u8; 512 * 1024]);
    assert_eq!(
        mapped_blocks(),
        before + 1,
        "the 512 KiB block has its own mapping"
    );
    drop(large);
    assert_eq!(mapped_blocks(), before, "and gave it back when freed");
}
