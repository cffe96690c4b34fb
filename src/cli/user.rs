// `vitrine user`: create staff, manager, teacher and curator accounts, reset passwords, disable and
// enable accounts, list them. The password is read from standard input (without echo on a
// terminal), never from the command line, where other users and the shell history would see it.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use crate::accounts::{self, Role};
use crate::store::Store;

#[derive(clap::Args, Debug)]
pub struct UserArgs {
    /// Database (as for `vitrine serve`) [env: VITRINE_DATABASE_URL].
    #[arg(long, global = true)]
    database: Option<String>,
    #[command(subcommand)]
    command: UserCommand,
}

#[derive(clap::Subcommand, Debug)]
pub enum UserCommand {
    /// Create an account; the password is asked for (or read from standard input).
    Add {
        /// Lower-case letters, digits, '.', '_' or '-', e.g. lan.nguyen.
        username: String,
        /// staff (records visits, sees the figures), manager (also the report, exports and
        /// personal-data requests), teacher (learning programmes), curator (edits and publishes
        /// the exhibitions in the browser) or reporter (the Department's server: fills in one
        /// institution's yearly form).
        #[arg(long)]
        role: String,
        /// The name shown in the staff area.
        #[arg(long, default_value = "")]
        name: String,
        /// For a reporter (the Department's server): the code of the institution it reports for.
        #[arg(long)]
        institution: Option<String>,
    },
    /// Set a new password (signs the account out everywhere).
    Passwd {
        username: String,
    },
    /// Stop an account from signing in (signs it out everywhere).
    Disable {
        username: String,
    },
    Enable {
        username: String,
    },
    /// List the accounts.
    List,
}

pub fn run(root: &Path, a: UserArgs) -> ExitCode {
    let url = super::serve::database_url(root, a.database, super::serve::settings(root).0.database_url);
    super::run_store_command(user(&url, a.command))
}

async fn user(url: &str, cmd: UserCommand) -> Result<String, Box<dyn std::error::Error>> {
    let store = Store::open(url).await?;
    let now = crate::visits::now();
    let out = match cmd {
        UserCommand::Add {
            username,
            role,
            name,
            institution,
        } => {
            let username = accounts::normalise_username(&username)?;
            let role = Role::parse(&role).ok_or(accounts::AccountError::BadRole)?;
            let code = match (role, institution.as_deref().map(str::trim)) {
                (Role::Reporter, Some(c)) if store.institution(c).await?.is_some() => Some(c.to_string()),
                (Role::Reporter, Some(c)) => {
                    return Err(format!(
                        "there is no institution {c}; import it first (vitrine institution import)"
                    )
                    .into());
                }
                (Role::Reporter, None) => {
                    return Err("a reporter reports for one institution: add --institution CODE".into());
                }
                (_, Some(_)) => return Err("--institution is only for a reporter".into()),
                (_, None) => None,
            };
            let hash = new_password()?;
            store.add_user(&username, name.trim(), role, &hash, now).await?;
            if let Some(c) = &code {
                store.set_user_institution(&username, c, now).await?;
            }
            format!("created {} account {username}", role.code())
        }
        UserCommand::Passwd { username } => {
            let username = accounts::normalise_username(&username)?;
            if store.login(&username).await?.is_none() {
                return Err(format!("there is no user named {username}").into());
            }
            let hash = new_password()?;
            store.set_password(&username, &hash, now).await?;
            format!("password of {username} changed; its sessions were ended")
        }
        UserCommand::Disable { username } => switch(&store, &username, true, now).await?,
        UserCommand::Enable { username } => switch(&store, &username, false, now).await?,
        UserCommand::List => {
            let users = store.users().await?;
            let mut s = String::new();
            for (a, disabled) in users {
                s += &format!(
                    "{:<24} {:<8} {}{}\n",
                    a.username,
                    a.role.code(),
                    a.display_name,
                    if disabled { " (disabled)" } else { "" }
                );
            }
            s.trim_end().to_string()
        }
    };
    store.close().await;
    Ok(out)
}

async fn switch(
    store: &Store,
    username: &str,
    disabled: bool,
    now: i64,
) -> Result<String, Box<dyn std::error::Error>> {
    let username = accounts::normalise_username(username)?;
    if !store.set_disabled(&username, disabled, now).await? {
        return Err(format!("there is no user named {username}").into());
    }
    Ok(format!(
        "{username} {}",
        if disabled {
            "disabled; its sessions were ended"
        } else {
            "enabled"
        }
    ))
}

/// Ask for a new password twice on a terminal (no echo), or read one line from a pipe.
fn new_password() -> Result<String, Box<dyn std::error::Error>> {
    let stdin = std::io::stdin();
    let pw = if stdin.is_terminal() {
        let a = prompt_hidden("New password: ")?;
        let b = prompt_hidden("Again: ")?;
        if a != b {
            return Err("the two passwords differ".into());
        }
        a
    } else {
        let mut line = String::new();
        stdin.lock().read_line(&mut line)?;
        line.trim_end_matches(['\r', '\n']).to_string()
    };
    accounts::check_password(&pw)?;
    Ok(accounts::hash_password(&pw))
}

/// Read a line from the terminal with echo turned off.
fn prompt_hidden(prompt: &str) -> std::io::Result<String> {
    eprint!("{prompt}");
    std::io::stderr().flush()?;
    // SAFETY: termios is plain data; tcgetattr fills it, and the saved value is restored.
    let mut saved: libc::termios = unsafe { std::mem::zeroed() };
    let fd = libc::STDIN_FILENO;
    let have = unsafe { libc::tcgetattr(fd, &mut saved) } == 0;
    if have {
        let mut quiet = saved;
        quiet.c_lflag &= !libc::ECHO;
        unsafe { libc::tcsetattr(fd, libc::TCSANOW, &quiet) };
    }
    let mut line = String::new();
    let r = std::io::stdin().lock().read_line(&mut line);
    if have {
        unsafe { libc::tcsetattr(fd, libc::TCSANOW, &saved) };
    }
    eprintln!();
    r?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}
