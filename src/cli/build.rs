// `vitrine build`: build the site, print a summary or the problems.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::build::{BuildError, BuildOptions, build_site};

#[derive(clap::Args, Debug)]
pub struct BuildArgs {
    /// Output folder (default: public/ in the museum's folder).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Image cache folder (default: .vitrine/cache in the museum's folder).
    #[arg(long)]
    cache: Option<PathBuf>,
    /// Publish draft exhibitions too, to preview them.
    #[arg(long)]
    drafts: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
    /// Print the time each phase took.
    #[arg(long)]
    timings: bool,
    /// List every warning (many of one kind are otherwise summed up with a few examples).
    #[arg(long, short)]
    verbose: bool,
}

pub fn run(root: &Path, a: BuildArgs) -> ExitCode {
    let mut opts = BuildOptions::new(root);
    if let Some(o) = a.out {
        opts.out = o;
    }
    if let Some(c) = a.cache {
        opts.cache = c;
    }
    opts.drafts = a.drafts;
    opts.progress = !a.quiet;
    match build_site(&opts) {
        Ok(r) => {
            if !a.quiet {
                super::print_diagnostics(&r.diagnostics, a.verbose);
                if r.unchanged {
                    eprintln!(
                        "nothing changed since the last build of {}; checked in {:.2} s",
                        r.out.display(),
                        r.millis as f64 / 1000.0
                    );
                } else {
                    eprintln!(
                        "built {} pages ({} files; {} written, {:.1} MB) into {} in {:.2} s; images: {} processed, {} from cache",
                        r.pages,
                        r.files,
                        r.written,
                        r.bytes as f64 / 1e6,
                        r.out.display(),
                        r.millis as f64 / 1000.0,
                        r.media.decoded,
                        r.media.reused,
                    );
                }
                if a.timings {
                    let parts: Vec<String> = r.phases.iter().map(|(n, ms)| format!("{n} {ms} ms")).collect();
                    eprintln!("phases: {}", parts.join(", "));
                }
                if r.diagnostics.warnings() > 0 {
                    eprintln!("{} warning(s): see `vitrine check`", r.diagnostics.warnings());
                }
            }
            ExitCode::SUCCESS
        }
        Err(BuildError::Content(d)) => {
            super::print_diagnostics(&d, a.verbose);
            eprintln!(
                "build stopped: {} error(s); the previous site was left as it was",
                d.errors()
            );
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("error: {e}");
            eprintln!("build stopped; the previous site was left as it was");
            ExitCode::FAILURE
        }
    }
}
