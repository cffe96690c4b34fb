// The command line: clap definitions and one function per subcommand. Turns library results
// into text and exit codes; holds no logic of its own.

mod build;
mod check;
mod import;
mod institution;
mod new;
mod serve;
mod user;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "vitrine",
    version,
    about = "Bilingual museum exhibition sites from content folders"
)]
pub struct Cli {
    /// The museum's folder (the one with vitrine.toml).
    #[arg(long, global = true, default_value = ".")]
    pub root: PathBuf,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Build the static site into public/ (or --out).
    Build(build::BuildArgs),
    /// Report errors and warnings in the content, without building.
    Check(check::CheckArgs),
    /// Create a new site, exhibition, object or programme with every field explained.
    #[command(subcommand)]
    New(new::NewCommand),
    /// Build the site and serve it, with QR scan counts and the visitor check-in form.
    Serve(serve::ServeArgs),
    /// Staff, manager and teacher accounts of the server.
    User(user::UserArgs),
    /// Create or update an exhibition's objects from a spreadsheet (.xlsx, .ods, .csv).
    Import(import::ImportArgs),
    /// The Department's server: the province's institutions and their report keys.
    Institution(institution::InstitutionArgs),
    /// Write an exhibition's objects to a spreadsheet that `vitrine import` reads back.
    Export(import::ExportArgs),
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Build(a) => build::run(&cli.root, a),
        Command::Check(a) => check::run(&cli.root, a),
        Command::New(c) => new::run(&cli.root, c),
        Command::Serve(a) => serve::run(&cli.root, a),
        Command::User(a) => user::run(&cli.root, a),
        Command::Import(a) => import::run_import(&cli.root, a),
        Command::Institution(a) => institution::run(&cli.root, a),
        Command::Export(a) => import::run_export(&cli.root, a),
    }
}

/// Run a command that talks to the store: its message on standard output, or its error on
/// standard error and a failing exit code.
pub(crate) fn run_store_command(
    fut: impl std::future::Future<Output = Result<String, Box<dyn std::error::Error>>>,
) -> ExitCode {
    let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(fut) {
        Ok(msg) => {
            println!("{msg}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Print diagnostics to stderr, sorted, many warnings of a kind summed up unless `verbose`
/// (the text `vitrine serve` prints too).
pub(crate) fn print_diagnostics(d: &crate::diag::Diagnostics, verbose: bool) {
    if verbose {
        eprint!("{}", d.report_all());
    } else {
        eprint!("{}", d.report());
    }
}
