// `vitrine new`: write a commented skeleton of a site, exhibition, object, event, contest or
// programme.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::scaffold;

#[derive(clap::Subcommand, Debug)]
pub enum NewCommand {
    /// A new museum site in FOLDER: vitrine.toml and an empty exhibits/ folder.
    Site { folder: PathBuf },
    /// A new exhibition exhibits/<NAME>/ (NAME: lower-case letters, digits, '-').
    Exhibit { name: String },
    /// A new object exhibits/<EXHIBIT>/objects/<ID>/.
    Object {
        id: String,
        #[arg(long)]
        exhibit: String,
    },
    /// A new event events/<NAME>.toml, on one of the plan's days (the soonest to come unless
    /// --day names one: ngay-sach, ngay-sach-the-gioi, ngay-bao-tang, tuan-hoc-tap, ngay-di-san).
    Event {
        name: String,
        #[arg(long)]
        day: Option<String>,
    },
    /// A new quiz contest contests/<NAME>.toml: a draft with one round from next week.
    Contest { name: String },
    /// A new learning programme exhibits/<EXHIBIT>/programmes/<NAME>.toml.
    Programme {
        name: String,
        #[arg(long)]
        exhibit: String,
    },
}

pub fn run(root: &Path, c: NewCommand) -> ExitCode {
    let r = match c {
        NewCommand::Site { folder } => scaffold::new_site(&folder),
        NewCommand::Exhibit { name } => scaffold::new_exhibit(root, &name),
        NewCommand::Object { id, exhibit } => scaffold::new_item(root, &exhibit, &id),
        NewCommand::Event { name, day } => {
            scaffold::new_event(root, &name, day.as_deref(), crate::content::Day::today())
        }
        NewCommand::Contest { name } => scaffold::new_contest(root, &name, crate::content::Day::today()),
        NewCommand::Programme { name, exhibit } => scaffold::new_programme(root, &exhibit, &name),
    };
    match r {
        Ok(created) => {
            for p in created {
                println!("created {}", p.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
