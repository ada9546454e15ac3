//! The `agora` binary: the command line of `agora::cli`, with mimalloc as its allocator.

use std::process::ExitCode;

/// mimalloc rather than the system allocator: answers are built from many small
/// allocations, and a profile of the nested benchmark query spent about 30% of its time in
/// glibc's malloc and free. Measured on the same code at 16 connections: flat list
/// 1,342 → 1,989 requests/s, nested query 13.6 → 16.4. Without transparent huge pages
/// (`no_thp`), which took idle memory from 21 to 30 MiB.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    agora::cli::main()
}
