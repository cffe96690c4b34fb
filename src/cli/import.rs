// `vitrine import` and `vitrine export`: an exhibition's objects from and to a spreadsheet. Prints
// the library's report and the touched objects' diagnostics; exit 0 ok, 1 rows left out, 2 unusable.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::sheet::{ExportOptions, HeaderLang, ImportOptions, export, import};

#[derive(clap::Args, Debug)]
pub struct ImportArgs {
    /// The spreadsheet: .xlsx, .ods or .csv (UTF-8), one row per object.
    sheet: PathBuf,
    /// The exhibition (folder name under exhibits/) the objects belong to.
    #[arg(long)]
    exhibit: String,
    /// Show what would change, write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Take the sheet's values also where the files were edited by hand since the last import.
    #[arg(long)]
    force: bool,
    /// Folder holding the photos named in the sheet (default: the sheet's folder).
    #[arg(long)]
    images: Option<PathBuf>,
    /// List every object and every warning (long lists are otherwise summed up).
    #[arg(long, short)]
    verbose: bool,
}

#[derive(clap::Args, Debug)]
pub struct ExportArgs {
    /// The file to write: .xlsx or .csv.
    out: PathBuf,
    /// The exhibition (folder name under exhibits/) to export.
    #[arg(long)]
    exhibit: String,
    /// Language of the column headers.
    #[arg(long, value_enum, default_value = "vi")]
    headers: HeaderLang,
    /// Only the fields that have no text in this language (vi or en), with the other language
    /// beside them: the sheet for translators. Import it back as any sheet.
    #[arg(long, value_name = "LANG")]
    untranslated: Option<String>,
}

const UNUSABLE: u8 = 2;

pub fn run_import(root: &Path, a: ImportArgs) -> ExitCode {
    let opts = ImportOptions {
        sheet: a.sheet,
        exhibit: a.exhibit,
        dry_run: a.dry_run,
        force: a.force,
        images: a.images,
        who: "import".into(),
        verbose: a.verbose,
    };
    let report = match import(root, &opts) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(UNUSABLE);
        }
    };
    println!("{report}");
    if !report.nothing_to_change() {
        // The checks ran on the museum as the import leaves it, before anything was written.
        super::print_diagnostics(&report.findings, a.verbose);
        eprintln!(
            "vitrine check: {} warning(s) in the {} objects; rows with errors were left out",
            report.findings.warnings(),
            if report.dry_run {
                "would-be imported"
            } else {
                "imported"
            }
        );
    }
    if report.has_problems() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

pub fn run_export(root: &Path, a: ExportArgs) -> ExitCode {
    if let Some(l) = &a.untranslated {
        let Some(lang) = crate::content::Lang::parse(l) else {
            eprintln!("error: --untranslated takes vi or en, not \"{l}\"");
            return ExitCode::from(UNUSABLE);
        };
        return match crate::sheet::export_untranslated(root, &a.exhibit, lang, &a.out) {
            Ok(n) => {
                println!(
                    "{}: {n} object(s) with fields to translate into {}",
                    a.out.display(),
                    l
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(UNUSABLE)
            }
        };
    }
    let opts = ExportOptions {
        out: a.out,
        exhibit: a.exhibit,
        headers: a.headers,
    };
    match export(root, &opts) {
        Ok(r) => {
            for s in &r.skipped {
                eprintln!("warning: left out {s}");
            }
            println!("{}: {} object(s) exported", opts.out.display(), r.objects);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(UNUSABLE)
        }
    }
}
