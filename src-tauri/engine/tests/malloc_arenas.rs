//! The allocator cap, observed through glibc's own report of its heaps. A test binary of
//! its own: arenas made before the cap stay, so no other test may run first.
#![cfg(all(target_os = "linux", target_env = "gnu"))]

use std::sync::{Arc, Barrier};

/// glibc's XML report of its arenas (one `<heap>` element each).
fn malloc_report() -> String {
    let mut buffer: *mut libc::c_char = std::ptr::null_mut();
    let mut size: libc::size_t = 0;
    // SAFETY: open_memstream allocates the buffer that fclose completes; it is read once
    // and then freed with the allocator that made it.
    unsafe {
        let stream = libc::open_memstream(&mut buffer, &mut size);
        assert!(!stream.is_null(), "open_memstream failed");
        assert_eq!(libc::malloc_info(0, stream), 0, "malloc_info failed");
        assert_eq!(libc::fclose(stream), 0);
        let bytes = std::slice::from_raw_parts(buffer.cast::<u8>(), size);
        let report = String::from_utf8_lossy(bytes).into_owned();
        libc::free(buffer.cast());
        report
    }
}

#[test]
fn threads_share_two_heaps_once_the_arenas_are_capped() {
    switchboard_engine::malloc_tuning::tune_malloc();
    // Without the cap each live thread that allocates gets a heap of its own (up to
    // eight per core), so eight threads alive together would make nine.
    let threads = 8;
    let all_allocated = Arc::new(Barrier::new(threads + 1));
    let workers: Vec<_> = (0..threads)
        .map(|i| {
            let all_allocated = all_allocated.clone();
            std::thread::spawn(move || {
                let kept = vec![i as u8; 64 * 1024];
                all_allocated.wait();
                all_allocated.wait();
                kept.len()
            })
        })
        .collect();
    all_allocated.wait();
    let report = malloc_report();
    all_allocated.wait();
    for worker in workers {
        assert_eq!(worker.join().unwrap(), 64 * 1024);
    }
    let heaps = report.matches("<heap nr=").count();
    assert!(heaps >= 1, "the report names no heap: {report}");
    assert!(heaps <= 2, "{heaps} heaps with the cap at two: {report}");
}
