// `vitrine serve`: parse the options (flags, then environment), run the server on a tokio runtime.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::serve::{ServeOptions, run as serve};

#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on [env: VITRINE_ADDR] (default 127.0.0.1:8080).
    #[arg(long)]
    addr: Option<SocketAddr>,
    /// Database: sqlite:path/file.db (default: .vitrine/vitrine.db in the museum's folder) or
    /// postgres://user@host/db [env: VITRINE_DATABASE_URL].
    #[arg(long)]
    database: Option<String>,
    /// Output folder (default: public/ in the museum's folder).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Image cache folder (default: .vitrine/cache in the museum's folder).
    #[arg(long)]
    cache: Option<PathBuf>,
    /// Days after a visit when its name and contact are erased; the counts stay
    /// [env: VITRINE_RETENTION_DAYS] (default 365).
    #[arg(long)]
    retention_days: Option<u32>,
}

pub fn run(root: &Path, a: ServeArgs) -> ExitCode {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let addr = match a.addr.map(Ok).or_else(|| env("VITRINE_ADDR").map(|v| v.parse())) {
        Some(Ok(a)) => a,
        Some(Err(e)) => {
            eprintln!("error: VITRINE_ADDR: {e} (write it as 127.0.0.1:8080)");
            return ExitCode::FAILURE;
        }
        None => SocketAddr::from(([127, 0, 0, 1], 8080)),
    };
    let database_url = a
        .database
        .or_else(|| env("VITRINE_DATABASE_URL"))
        .unwrap_or_else(|| format!("sqlite:{}", root.join(".vitrine/vitrine.db").display()));
    let retention_days = match a
        .retention_days
        .map(Ok)
        .or_else(|| env("VITRINE_RETENTION_DAYS").map(|v| v.parse::<u32>()))
    {
        Some(Ok(d)) => d,
        Some(Err(e)) => {
            eprintln!("error: VITRINE_RETENTION_DAYS: {e} (write a number of days, e.g. 365)");
            return ExitCode::FAILURE;
        }
        None => crate::visits::DEFAULT_RETENTION_DAYS,
    };
    let defaults = crate::build::BuildOptions::new(root);
    let opts = ServeOptions {
        root: root.to_path_buf(),
        out: a.out.unwrap_or(defaults.out),
        cache: a.cache.unwrap_or(defaults.cache),
        addr,
        database_url,
        retention_days,
    };
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(serve(opts)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
