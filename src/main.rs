#![forbid(unsafe_code)]

// glibc's allocator serialises the indexing and request threads on their many small
// allocations; mimalloc keeps them per thread.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    juke::cli::run()
}
