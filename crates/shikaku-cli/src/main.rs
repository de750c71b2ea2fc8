//! The `shikaku` binary: a thin shell around `shikaku_cli::run`.

/// mimalloc instead of glibc malloc: the import parser and the API allocate and free many
/// small objects across threads (see ARCHITECTURE.md, "Dependencies").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    // Every file the product creates (stores and their -wal, the access log and its journal,
    // keys, mails, rejected rows, result files) holds personal data or credentials: created
    // 0600, folders 0700, whatever the caller's umask (issue 21).
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
    // `shikaku calendar holidays 2026 | head`: a closed pipe ends the command quietly (as
    // Unix tools do) instead of a panic report.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .unwrap_or_default();
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(141);
        }
        default_hook(info);
    }));
    shikaku_cli::main()
}
