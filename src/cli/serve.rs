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
    /// Mark session cookies Secure: the site is reached over HTTPS through a proxy
    /// [env: VITRINE_SECURE_COOKIES=1]. Without it they are Secure only when the proxy sends
    /// X-Forwarded-Proto: https.
    #[arg(long)]
    secure_cookies: bool,
    /// Rebuild when the content, theme or static files change, and reload open pages (for
    /// curators previewing their work; not for the public server).
    #[arg(long)]
    watch: bool,
}

/// The database: the flag, else `VITRINE_DATABASE_URL`, else `[server] database_url`, else
/// `sqlite:.vitrine/vitrine.db`; a relative SQLite path is taken from the museum's folder.
pub fn database_url(root: &Path, flag: Option<String>, configured: Option<String>) -> String {
    let url = flag
        .or_else(|| {
            std::env::var("VITRINE_DATABASE_URL")
                .ok()
                .filter(|v| !v.is_empty())
        })
        .or(configured)
        .unwrap_or_else(|| "sqlite:.vitrine/vitrine.db".to_string());
    match url.strip_prefix("sqlite:") {
        Some(p) if !p.starts_with('/') => format!("sqlite:{}", root.join(p).display()),
        _ => url,
    }
}

/// `[server]` and `[report]` of vitrine.toml (defaults when it cannot be read: `vitrine build`
/// reports why).
pub fn settings(root: &Path) -> (crate::content::ServerConfig, crate::content::ReportConfig) {
    match crate::content::load_config(root).0 {
        Some(c) => (c.server, c.report),
        None => Default::default(),
    }
}

/// The secret that keys session hashes: `VITRINE_SECRET` (the same on every server behind one
/// load balancer), else `.vitrine/secret` in the museum's folder, made on first start and
/// readable by its owner only.
fn secret(root: &Path) -> Result<String, String> {
    if let Some(s) = std::env::var("VITRINE_SECRET").ok().filter(|s| !s.is_empty()) {
        if s.len() < 32 {
            return Err("VITRINE_SECRET must be at least 32 characters (e.g. openssl rand -hex 32)".into());
        }
        return Ok(s);
    }
    let path = root.join(".vitrine/secret");
    match std::fs::read_to_string(&path) {
        Ok(s) if s.trim().len() >= 32 => Ok(s.trim().to_string()),
        _ => {
            use std::os::unix::fs::OpenOptionsExt;
            let s = crate::accounts::new_token();
            let tmp = path.with_extension("tmp");
            let write = || -> std::io::Result<()> {
                std::fs::create_dir_all(root.join(".vitrine"))?;
                let mut f = std::fs::OpenOptions::new()
                    .write(true)
                    .create(true)
                    .truncate(true)
                    .mode(0o600)
                    .open(&tmp)?;
                std::io::Write::write_all(&mut f, s.as_bytes())?;
                f.sync_all()?;
                std::fs::rename(&tmp, &path)
            };
            write().map_err(|e| format!("{}: {e}", path.display()))?;
            Ok(s)
        }
    }
}

pub fn run(root: &Path, a: ServeArgs) -> ExitCode {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let (server, report) = settings(root);
    let addr = match a.addr.map(Ok).or_else(|| env("VITRINE_ADDR").map(|v| v.parse())) {
        Some(Ok(a)) => a,
        Some(Err(e)) => {
            eprintln!("error: VITRINE_ADDR: {e} (write it as 127.0.0.1:8080)");
            return ExitCode::FAILURE;
        }
        None => server.addr.unwrap_or(SocketAddr::from(([127, 0, 0, 1], 8080))),
    };
    let database_url = database_url(root, a.database, server.database_url.clone());
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
        None => server
            .retention_days
            .unwrap_or(crate::visits::DEFAULT_RETENTION_DAYS),
    };
    let defaults = crate::build::BuildOptions::new(root);
    let opts = ServeOptions {
        root: root.to_path_buf(),
        out: a.out.unwrap_or(defaults.out),
        cache: a.cache.unwrap_or(defaults.cache),
        addr,
        database_url,
        retention_days,
        tour_retention_days: server
            .tour_retention_days
            .unwrap_or(crate::learn::DEFAULT_TOUR_RETENTION_DAYS),
        secret: match secret(root) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        },
        secure_cookies: a.secure_cookies
            || server.secure_cookies
            || env("VITRINE_SECURE_COOKIES").is_some_and(|v| v == "1" || v == "true"),
        schedule: crate::report::Schedule::from(&report),
        watch: a.watch,
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
