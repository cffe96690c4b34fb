// `vitrine institution` (the Department's server): load the province's institutions from a
// spreadsheet, give one a key for signed reports, list them. The key is printed once, to be
// handed to the institution; it is never shown again (a new one replaces it).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::store::Store;

#[derive(clap::Args, Debug)]
pub struct InstitutionArgs {
    /// Database (as for `vitrine serve`) [env: VITRINE_DATABASE_URL].
    #[arg(long, global = true)]
    database: Option<String>,
    #[command(subcommand)]
    command: InstitutionCommand,
}

#[derive(clap::Subcommand, Debug)]
pub enum InstitutionCommand {
    /// Add or update institutions from a sheet (.xlsx, .ods, .csv) with the columns code, kind,
    /// level, name_vi, name_en, address, contact, site_url (or mã, loại, cấp, tên, …). Nothing is
    /// stored when a row has a problem.
    Import { file: PathBuf },
    /// Make a new key for an institution's signed reports and print it (the old key stops
    /// working).
    Key { code: String },
    /// List the institutions.
    List,
}

pub fn run(root: &Path, a: InstitutionArgs) -> ExitCode {
    let url = super::serve::database_url(root, a.database, super::serve::settings(root).0.database_url);
    super::run_store_command(institution(&url, a.command))
}

async fn institution(url: &str, cmd: InstitutionCommand) -> Result<String, Box<dyn std::error::Error>> {
    let store = Store::open(url).await?;
    let now = crate::visits::now();
    Ok(match cmd {
        InstitutionCommand::Import { file } => {
            let table = crate::sheet::read_table(&file)?;
            let list = crate::province::institutions_from_table(&table.headers, &table.rows).map_err(
                |problems| {
                    format!(
                        "{}: nothing was stored\n{}",
                        file.display(),
                        problems
                            .iter()
                            .map(|p| format!("  {p}"))
                            .collect::<Vec<_>>()
                            .join("\n")
                    )
                },
            )?;
            for i in &list {
                store.save_institution(i, now).await?;
            }
            format!("{} institution(s) added or updated", list.len())
        }
        InstitutionCommand::Key { code } => {
            let key = crate::province::new_key();
            if !store.set_report_key(code.trim(), &key, now).await? {
                return Err(format!("there is no institution {code}; import it first").into());
            }
            format!(
                "{key}\n\nGive this key to {code} by a safe way (in person, or a signed letter), not by plain e-mail. \
                 Their server reads it from the environment variable named in [province] key_env \
                 (VITRINE_PROVINCE_KEY unless set otherwise)."
            )
        }
        InstitutionCommand::List => {
            let list = store.institutions().await?;
            let mut out = String::from("code\tkind\tlevel\tkey\tname\tsite\n");
            for i in list {
                out.push_str(&format!(
                    "{}\t{}\t{}\t{}\t{}\t{}\n",
                    i.code,
                    i.kind,
                    i.level,
                    if i.has_key { "yes" } else { "no" },
                    i.name_vi,
                    i.site_url
                ));
            }
            out.trim_end().to_string()
        }
    })
}
