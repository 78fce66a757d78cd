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
            // clap's message runs up to the first blank line (e.g. a list of missing
            // arguments); join it into one line and drop the usage block after it.
            let text = e.to_string();
            let message: Vec<&str> = text
                .trim_start()
                .lines()
                .take_while(|l| !l.trim().is_empty())
                .map(str::trim)
                .collect();
            let message = message.join(" ");
            let message = message.trim_start_matches("error:").trim();
            eprintln!("error: {message} (see --help)");
            ExitCode::from(2)
        }
    }
}
