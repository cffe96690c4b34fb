// `vitrine import` and `vitrine export`: an exhibition's objects from and to a spreadsheet. Prints
// the library's report and the touched objects' diagnostics; exit 0 ok, 1 rows left out, 2 unusable.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::sheet::{ExportOptions, HeaderLang, ImportOptions, ImportReport, export, import};

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
    };
    let report = match import(root, &opts) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(UNUSABLE);
        }
    };
    println!("{report}");
    if !report.dry_run && !report.nothing_to_change() {
        print_touched_diagnostics(root, &report);
    }
    if report.has_problems() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// `vitrine check`'s findings about the objects this import wrote.
fn print_touched_diagnostics(root: &Path, report: &ImportReport) {
    let (_, d) = crate::build::check(root);
    let dirs: std::collections::HashSet<PathBuf> = report
        .touched()
        .map(|o| {
            Path::new("exhibits")
                .join(&report.exhibit)
                .join("objects")
                .join(&o.id)
        })
        .collect();
    // A finding is about an imported object when its file is in one of their folders
    // (exhibits/<slug>/objects/<ID>/…): one look-up per finding.
    let object_dir = |p: &Path| -> PathBuf { p.components().take(4).collect() };
    let mine = crate::diag::Diagnostics {
        list: d
            .list
            .into_iter()
            .filter(|x| dirs.contains(&object_dir(&x.pos.file)))
            .collect(),
    };
    super::print_diagnostics(&mine);
    eprintln!(
        "vitrine check: {} error(s), {} warning(s) in the imported objects",
        mine.errors(),
        mine.warnings()
    );
}

pub fn run_export(root: &Path, a: ExportArgs) -> ExitCode {
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
