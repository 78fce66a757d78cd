//! The `embedml` command. Every error is printed as one line `error: …` on stderr with exit
//! code 2; help and version go to stdout with exit code 0.

use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::Parser;
use embedml_host::cli::Cli;

fn main() -> ExitCode {
    // A panic would be a bug; still, report it as one line (no backtrace) and exit 2.
    std::panic::set_hook(Box::new(|info| {
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        eprintln!("error: internal error: {}", msg.replace('\n', " "));
    }));
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return clap_error(e),
    };
    match std::panic::catch_unwind(|| embedml_host::cli::run(cli)) {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(e)) => {
            eprintln!("error: {}", e.one_line());
            ExitCode::from(2)
        }
        Err(_) => ExitCode::from(2),
    }
}

/// Help and version are printed as clap renders them (exit 0); a bare command group prints
/// its help (exit 2); any other command-line error becomes one line (exit 2).
fn clap_error(e: clap::Error) -> ExitCode {
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = e.print();
            ExitCode::SUCCESS
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            ExitCode::from(2)
        }
        _ => {
            let text = e.to_string();
            let first = text
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("invalid command line");
            let first = first.trim().trim_start_matches("error:").trim();
            eprintln!("error: {first} (see --help)");
            ExitCode::from(2)
        }
    }
}
