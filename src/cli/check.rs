// `vitrine check`: every error and warning of the content, and translation coverage.

use std::path::Path;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// Treat warnings as errors (for CI before publishing).
    #[arg(long)]
    strict: bool,
    /// List every warning, and every object that needs translating (many of one kind are
    /// otherwise summed up with a few examples).
    #[arg(long, short)]
    verbose: bool,
}

pub fn run(root: &Path, a: CheckArgs) -> ExitCode {
    let (loaded, d) = crate::build::check(root);
    super::print_diagnostics(&d, a.verbose);
    if let Some((site, _)) = &loaded {
        print_coverage(root, site, a.verbose);
    }
    eprintln!("{} error(s), {} warning(s)", d.errors(), d.warnings());
    if d.has_errors() || (a.strict && d.warnings() > 0) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Translation coverage of each exhibition's objects, field by field, with the objects that need
/// translating (a few of them unless `verbose`).
fn print_coverage(root: &Path, site: &crate::content::Site, verbose: bool) {
    use crate::content::Lang;
    use crate::diag::thousands;
    use crate::sheet::translate::percent;
    eprintln!(
        "translation coverage of the objects (a field written in one language only is missing in the other):"
    );
    for ex in &site.exhibits {
        let c = match crate::sheet::coverage(root, &ex.slug) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("  {}: {e}", ex.slug);
                continue;
            }
        };
        let (present, vi, en) = c.totals();
        eprintln!(
            "  {} ({} objects): Vietnamese {} of {} fields ({} %), English {} ({} %)",
            ex.slug,
            thousands(c.objects),
            thousands(vi),
            thousands(present),
            percent(vi, present),
            thousands(en),
            percent(en, present),
        );
        for f in c.fields.iter().filter(|f| f.vi < f.present || f.en < f.present) {
            eprintln!(
                "    {}: vi {}/{} ({} %), en {}/{} ({} %)",
                f.key,
                thousands(f.vi),
                thousands(f.present),
                percent(f.vi, f.present),
                thousands(f.en),
                thousands(f.present),
                percent(f.en, f.present),
            );
        }
        for (lang, name) in [(Lang::Vi, "Vietnamese"), (Lang::En, "English")] {
            let need: Vec<String> = c
                .needing(lang)
                .map(|t| format!("{} \"{}\"", t.id, t.title))
                .collect();
            if need.is_empty() {
                continue;
            }
            let shown = if verbose { need.len() } else { need.len().min(5) };
            eprintln!(
                "    need {name}: {} object(s): {}{}",
                thousands(need.len()),
                need[..shown].join(", "),
                if shown < need.len() {
                    ", … (--verbose lists all)"
                } else {
                    ""
                }
            );
            eprintln!(
                "      sheet for translators: vitrine export {}-{}.xlsx --exhibit {} --untranslated {}",
                ex.slug,
                lang.code(),
                ex.slug,
                lang.code()
            );
        }
    }
}
