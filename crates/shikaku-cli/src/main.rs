//! The `shikaku` binary: a thin shell around `shikaku_cli::run`.

fn main() -> std::process::ExitCode {
    shikaku_cli::main()
}
