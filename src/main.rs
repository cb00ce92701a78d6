//! The `hantag` command: args → config → run → exit code; nothing else.

// Messages to a closed stderr (`hantag tag … 2>&1 | head`) or a report to a closed stdout
// must not panic, as the standard macros do: these shadow them for the whole binary.
macro_rules! eprintln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

macro_rules! println {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

mod cli;
mod cmd;

#[cfg(feature = "fast-alloc")]
#[global_allocator]
static ALLOCATOR: alloc::Mi = alloc::Mi;

/// mimalloc as the global allocator. `mimalloc::MiMalloc` sends every request through
/// mimalloc's aligned entry points, which check the alignment they are given at each call;
/// most of ours are strings and vectors of bytes or words, which `mi_malloc` aligns anyway
/// (every mimalloc block is aligned to the word size), so those take the plain calls.
#[cfg(feature = "fast-alloc")]
mod alloc {
    use libmimalloc_sys as mi;
    use std::alloc::{GlobalAlloc, Layout};
    use std::ffi::c_void;

    /// Keeps the process on small pages unless `MIMALLOC_ALLOW_THP` is set.
    ///
    /// mimalloc asks the kernel for transparent huge pages. On a virtual machine that returns
    /// free memory to its host in 2 MiB blocks (free page reporting), a fresh huge page is
    /// such a block: the host must back it again before the kernel can clear it, about 3 ms
    /// each where we measured, and a run faults in 13 (one article) to 30 of them. Small
    /// pages come from memory the guest still holds: a run that starts after the machine
    /// has been idle for a few seconds took 167 instead of 239 ms over the news corpus, and
    /// one right after another run about the same time either way (BENCHMARKS.md, "Fresh
    /// memory"). It runs as a constructor, before mimalloc's (which has no priority) and
    /// before the runtime's first allocation, so that no page is ever a huge one.
    #[cfg(target_os = "linux")]
    #[used]
    #[link_section = ".init_array.00101"]
    static USE_SMALL_PAGES: extern "C" fn() = use_small_pages;

    #[cfg(target_os = "linux")]
    extern "C" fn use_small_pages() {
        // SAFETY: getenv reads a NUL-terminated name before any thread exists; prctl's
        // PR_SET_THP_DISABLE takes an integer flag and no pointers (a kernel without it
        // returns an error, which leaves huge pages on).
        unsafe {
            if libc::getenv(c"MIMALLOC_ALLOW_THP".as_ptr()).is_null() {
                libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
            }
        }
    }

    /// The alignment every mimalloc block has.
    const WORD: usize = std::mem::size_of::<usize>();

    pub struct Mi;

    // SAFETY: each call passes the layout's size and, unless the alignment is at most the
    // word size that every mimalloc block has, its alignment to mimalloc; pointers given back
    // are freed and reallocated by the same allocator (`mi_free` and `mi_realloc` accept
    // blocks from either family).
    unsafe impl GlobalAlloc for Mi {
        #[inline]
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            if layout.align() <= WORD {
                mi::mi_malloc(layout.size()).cast()
            } else {
                mi::mi_malloc_aligned(layout.size(), layout.align()).cast()
            }
        }

        #[inline]
        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            if layout.align() <= WORD {
                mi::mi_zalloc(layout.size()).cast()
            } else {
                mi::mi_zalloc_aligned(layout.size(), layout.align()).cast()
            }
        }

        #[inline]
        unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
            mi::mi_free(ptr.cast::<c_void>());
        }

        #[inline]
        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            if layout.align() <= WORD {
                mi::mi_realloc(ptr.cast::<c_void>(), new_size).cast()
            } else {
                mi::mi_realloc_aligned(ptr.cast::<c_void>(), new_size, layout.align()).cast()
            }
        }
    }
}

use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::parse();
    let code = match args.command {
        cli::Command::Tag(a) => cmd::tag::run(a),
        cli::Command::Check(a) => cmd::check::run(a),
        cli::Command::Discover(a) => cmd::discover::run(a),
        cli::Command::Report(a) => cmd::report::run(a),
        cli::Command::Diff(a) => cmd::diff::run(a),
        cli::Command::Compile(a) => cmd::compile::run(a),
    };
    ExitCode::from(code)
}
