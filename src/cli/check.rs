// `vitrine check`: every error and warning of the content, and translation coverage.

use std::path::Path;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// Treat warnings as errors (for CI before publishing).
    #[arg(long)]
    strict: bool,
}

pub fn run(root: &Path, a: CheckArgs) -> ExitCode {
    let (loaded, d) = crate::build::check(root);
    super::print_diagnostics(&d);
    if let Some((site, _)) = &loaded {
        eprintln!("translation coverage (fields in both languages):");
        for (slug, complete, total) in crate::check::translation_coverage(site) {
            let pct = if total == 0 {
                100.0
            } else {
                complete as f64 * 100.0 / total as f64
            };
            eprintln!("  {slug}: {complete}/{total} ({pct:.0} %)");
        }
    }
    eprintln!("{} error(s), {} warning(s)", d.errors(), d.warnings());
    if d.has_errors() || (a.strict && d.warnings() > 0) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
