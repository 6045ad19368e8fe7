#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    juke::cli::run()
}
