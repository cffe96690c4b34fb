// The loader: vitrine.toml and exhibits/ into a typed `Site`, with every problem of every file
// collected as a diagnostic. Cross-file checks (unknown IDs, missing translations) are in check.rs.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

use rayon::prelude::*;
use toml::Spanned;

use super::raw::*;
use super::tomlfile::{Source, parse_file, read_text};
use super::*;
use crate::diag::{Diagnostics, Pos, display_path};
use crate::media::{ProbeError, SAFE_SIDE};
use crate::text::{is_valid_id, is_valid_slug, nfc};

/// Image formats Vitrine can read from an object folder.
pub const IMAGE_EXTENSIONS: [&str; 4] = ["jpg", "jpeg", "png", "webp"];
/// Image widths made when vitrine.toml does not say: a phone (400, 800 at DPR 2), a laptop (1600)
/// and a large screen (2400).
pub const DEFAULT_WIDTHS: [u32; 4] = [400, 800, 1600, 2400];
pub const AUDIO_EXTENSIONS: [&str; 4] = ["mp3", "m4a", "ogg", "opus"];

/// Load the project at `root`. Returns `None` only when there is no usable vitrine.toml; every
/// other problem is a diagnostic and the rest of the site still loads.
pub fn load_site(root: &Path) -> (Option<Site>, Diagnostics) {
    let mut diags = Diagnostics::default();
    let config_path = root.join("vitrine.toml");
    if !config_path.is_file() {
        diags.error(
            "no-config",
            Pos::file(display_path(root, &config_path)),
            "",
            format!("there is no vitrine.toml in {}", root.display()),
            "run the command inside the museum's folder, pass --root, or create one with `vitrine new site <folder>`",
        );
        return (None, diags);
    }
    let config = load_config_file(root, &config_path, &mut diags);

    let exhibits_dir = root.join("exhibits");
    let mut exhibit_dirs: Vec<PathBuf> = match std::fs::read_dir(&exhibits_dir) {
        Ok(rd) => rd
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect(),
        Err(_) => {
            diags.warn(
                "no-exhibits",
                Pos::file(display_path(root, &exhibits_dir)),
                "",
                "there is no exhibits/ folder, so the site has no exhibitions",
                "create one with `vitrine new exhibit <name>`",
            );
            Vec::new()
        }
    };
    exhibit_dirs.sort();
    exhibit_dirs.retain(|d| !is_ignored(d));

    let loaded: Vec<ExhibitLoad> = exhibit_dirs
        .par_iter()
        .map(|dir| load_exhibit_dir(root, dir))
        .collect();

    let mut exhibits = Vec::new();
    let mut items: BTreeMap<String, Item> = BTreeMap::new();
    let mut duplicates = Vec::new();
    let mut broken_ids = BTreeSet::new();
    let mut programmes = Vec::new();
    for (ex, its, progs, d) in loaded {
        diags.extend(d);
        exhibits.extend(ex);
        for it in its {
            match it {
                Ok(item) => {
                    if items.contains_key(&item.id) {
                        duplicates.push(item);
                    } else {
                        items.insert(item.id.clone(), item);
                    }
                }
                Err(folder) => {
                    broken_ids.insert(folder);
                }
            }
        }
        programmes.extend(progs);
    }
    exhibits.sort_by(|a, b| (a.order, &a.slug).cmp(&(b.order, &b.slug)));
    programmes.sort_by(|a, b| a.slug.cmp(&b.slug));
    let events = super::events::load_events(root, &mut diags);
    let contests = super::contests::load_contests(root, &mut diags);

    let Some(config) = config else {
        return (None, diags);
    };
    (
        Some(Site {
            root: root.to_path_buf(),
            config,
            exhibits,
            items,
            duplicates,
            broken_ids,
            programmes,
            events,
            contests,
        }),
        diags,
    )
}

/// The `.toml` files of a content folder (`events/`, `contests/`), sorted; none when it is missing.
pub(super) fn toml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml") && !is_ignored(p))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// Warns about each text file of a flat content folder (`events/`, `contests/`) that no `.toml`
/// file reads: `ngay-sach.vi.md` is the Vietnamese text of `ngay-sach.toml`, so a text whose
/// settings file was renamed or misspelt would otherwise be left out of the site without a word.
pub(super) fn stray_texts(root: &Path, dir: &Path, example: &str, diags: &mut Diagnostics) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut stray: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "md") && !is_ignored(p))
        .filter(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let stem = name
                .strip_suffix(".vi.md")
                .or_else(|| name.strip_suffix(".en.md"))
                .unwrap_or(&name[..name.len() - 3]);
            !dir.join(format!("{stem}.toml")).is_file()
        })
        .collect();
    stray.sort();
    for p in stray {
        diags.warn(
            "stray-text",
            Pos::file(display_path(root, &p)),
            "",
            "no settings file reads this text, so it is not on the site",
            &format!(
                "a text belongs beside its settings file with the same name and the language: {example}.toml with {example}.vi.md and {example}.en.md; rename the text, or delete it"
            ),
        );
    }
}

/// The web address a content file's name gives (`ngay-bao-tang-2027.toml` → `ngay-bao-tang-2027`),
/// or an error naming the file when it cannot be one; `example` is a good file name of its kind.
pub(super) fn file_slug(path: &Path, src: &Source, example: &str, diags: &mut Diagnostics) -> Option<String> {
    let slug = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("")
        .to_string();
    if is_valid_slug(&slug) {
        return Some(slug);
    }
    diags.error(
        "invalid-slug",
        Pos::file(&src.shown),
        "",
        format!("the file name \"{slug}\" cannot be a web address"),
        &format!("rename the file with lower-case letters a-z, digits and '-', e.g. {example}"),
    );
    None
}

/// Hidden and underscore folders are the curator's own (backups, drafts of drafts): skipped.
pub(super) fn is_ignored(p: &Path) -> bool {
    p.file_name()
        .and_then(|n| n.to_str())
        .is_none_or(|n| n.starts_with('.') || n.starts_with('_'))
}

pub(super) fn text(raw: Option<&RawText>) -> Localized {
    let clean = |s: &Option<String>| s.as_ref().map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
    match raw {
        Some(r) => Localized {
            vi: clean(&r.vi),
            en: clean(&r.en),
            pos: None,
        },
        None => Localized::default(),
    }
}

pub(super) fn spanned_text(src: &Source, raw: Option<&Spanned<RawText>>) -> Localized {
    let mut t = text(raw.map(|s| s.get_ref()));
    t.pos = raw.map(|s| src.pos(s.span()));
    t
}

/// School grades as written (1–12, 13 for university students); any other number is an error.
pub(super) fn school_grades(src: &Source, raw: &[Spanned<i64>], diags: &mut Diagnostics) -> Vec<u8> {
    let mut grades = Vec::new();
    for g in raw {
        match u8::try_from(*g.get_ref()) {
            Ok(v) if (1..=13).contains(&v) => grades.push(v),
            _ => diags.error(
                "invalid-grade",
                src.pos(g.span()),
                "grades",
                format!("{} is not a school grade", g.get_ref()),
                "write grades 1 to 12, or 13 for university students",
            ),
        }
    }
    grades
}

/// Texts a page cannot do without (titles, names): an error when empty in both languages.
pub(super) fn require(diags: &mut Diagnostics, t: &Localized, fallback: &Pos, field: &str) {
    if t.is_empty() {
        diags.error(
            "empty-text",
            t.pos.clone().unwrap_or_else(|| fallback.clone()),
            field,
            "this text is empty in both languages",
            "write it in Vietnamese, English or both: { vi = \"…\", en = \"…\" }",
        );
    }
}

fn list(raw: Option<&RawList>) -> LocalizedList {
    let clean = |v: &Option<Vec<String>>| {
        v.iter()
            .flatten()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    };
    raw.map(|r| LocalizedList {
        vi: clean(&r.vi),
        en: clean(&r.en),
    })
    .unwrap_or_default()
}

fn load_config_file(root: &Path, path: &Path, diags: &mut Diagnostics) -> Option<Config> {
    let (raw, src): (RawConfig, Source) = parse_file(root, path, diags)?;
    if let Some(f) = &raw.format
        && *f.get_ref() != 1
    {
        diags.error(
            "unknown-format",
            src.pos(f.span()),
            "format",
            format!(
                "content format {} is not known to this version of Vitrine",
                f.get_ref()
            ),
            "write format = 1, or update Vitrine",
        );
    }
    let base = raw.base_url.get_ref().trim().trim_end_matches('/').to_string();
    if !(base.starts_with("https://") || base.starts_with("http://")) || base.contains(char::is_whitespace) {
        diags.error(
            "invalid-base-url",
            src.pos(raw.base_url.span()),
            "base_url",
            format!("\"{base}\" is not a web address"),
            "write the site's public address, e.g. base_url = \"https://baotang.ninhbinh.gov.vn\"",
        );
    }
    let theme = raw
        .theme
        .as_ref()
        .map_or("default".to_string(), |t| t.get_ref().clone());
    if let Some(t) = &raw.theme
        && theme != "default"
        && !root.join("themes").join(&theme).is_dir()
    {
        diags.error(
            "unknown-theme",
            src.pos(t.span()),
            "theme",
            format!("there is no folder themes/{theme}/"),
            "create it (its files override the built-in theme's), or write theme = \"default\"",
        );
    }
    let mut widths: Vec<u32> = raw
        .images
        .widths
        .as_ref()
        .map_or(DEFAULT_WIDTHS.to_vec(), |w| w.get_ref().clone());
    if let Some(w) = &raw.images.widths
        && (w.get_ref().is_empty() || w.get_ref().iter().any(|&x| !(16..=8192).contains(&x)))
    {
        diags.error(
            "invalid-widths",
            src.pos(w.span()),
            "images.widths",
            "image widths must be a non-empty list of numbers between 16 and 8192",
            "e.g. widths = [400, 800, 1600, 2400]",
        );
        widths = DEFAULT_WIDTHS.to_vec();
    }
    widths.sort_unstable();
    widths.dedup();
    let quality = raw.images.quality.as_ref().map_or(80, |q| *q.get_ref());
    if let Some(q) = &raw.images.quality
        && !(30..=100).contains(q.get_ref())
    {
        diags.error(
            "invalid-quality",
            src.pos(q.span()),
            "images.quality",
            "image quality must be between 30 and 100",
            "80 is a good balance of size and detail",
        );
    }
    let m = &raw.museum;
    let file = Pos::file(&src.shown);
    require(diags, &spanned_text(&src, Some(&m.name)), &file, "museum.name");
    for (i, h) in m.hours.iter().enumerate() {
        require(
            diags,
            &spanned_text(&src, Some(&h.days)),
            &file,
            &format!("museum.hours[{}].days", i + 1),
        );
    }
    if let Some(t) = &raw.theme
        && !is_valid_slug(t.get_ref())
        && t.get_ref() != "default"
    {
        diags.error(
            "invalid-theme",
            src.pos(t.span()),
            "theme",
            format!("\"{}\" is not a theme name", t.get_ref()),
            "write the name of a folder under themes/: lower-case letters a-z, digits and '-'",
        );
    }
    Some(Config {
        base_url: base,
        theme,
        museum: Museum {
            name: spanned_text(&src, Some(&m.name)),
            tagline: spanned_text(&src, m.tagline.as_ref()),
            address: spanned_text(&src, m.address.as_ref()),
            phone: m.phone.clone(),
            email: m.email.clone(),
            hours: m
                .hours
                .iter()
                .map(|h| Hours {
                    days: spanned_text(&src, Some(&h.days)),
                    time: h.time.clone(),
                })
                .collect(),
        },
        image_widths: widths,
        image_quality: quality,
        deep_zoom: raw.images.deep_zoom.unwrap_or(true),
        server: server_config(&raw.server, root, &src, diags),
        report: report_config(&raw.report, &src, diags),
        mail: raw.mail.as_ref().and_then(|m| mail_config(m, root, &src, diags)),
        province: raw
            .province
            .as_ref()
            .and_then(|p| province_config(p, &src, diags)),
    })
}

/// Only `vitrine.toml` (for commands that need the settings, not the content).
pub fn load_config(root: &Path) -> (Option<Config>, Diagnostics) {
    let mut diags = Diagnostics::default();
    let c = load_config_file(root, &root.join("vitrine.toml"), &mut diags);
    (c, diags)
}

fn server_config(raw: &RawServer, root: &Path, src: &Source, diags: &mut Diagnostics) -> ServerConfig {
    let mut c = ServerConfig {
        secure_cookies: raw.secure_cookies.unwrap_or(false),
        department: raw.department.unwrap_or(false),
        ca_file: raw.ca_file.as_ref().map(|f| {
            ca_file(
                f,
                root,
                src,
                diags,
                ("invalid-server", "server.ca_file"),
                "the other servers' (the Department's, or the museums')",
            )
        }),
        ..Default::default()
    };
    if let Some(a) = &raw.addr {
        match a.get_ref().trim().parse() {
            Ok(addr) => c.addr = Some(addr),
            Err(_) => diags.error(
                "invalid-server",
                src.pos(a.span()),
                "server.addr",
                format!("\"{}\" is not an address and port", a.get_ref()),
                "write e.g. addr = \"127.0.0.1:8080\" (or \"0.0.0.0:8080\" to listen on every interface)",
            ),
        }
    }
    if let Some(u) = &raw.database_url {
        let url = u.get_ref().trim();
        if url.starts_with("sqlite:") || url.starts_with("postgres://") || url.starts_with("postgresql://") {
            c.database_url = Some(url.to_string());
        } else {
            diags.error(
                "invalid-server",
                src.pos(u.span()),
                "server.database_url",
                format!("\"{url}\" is neither sqlite:… nor postgres://…"),
                "write e.g. database_url = \"sqlite:.vitrine/vitrine.db\" or \"postgres://vitrine@db.example/vitrine\"; keep passwords in the VITRINE_DATABASE_URL environment variable",
            );
        }
    }
    if let Some(d) = &raw.retention_days {
        match u32::try_from(*d.get_ref()) {
            Ok(n @ 1..=3650) => c.retention_days = Some(n),
            _ => diags.error(
                "invalid-server",
                src.pos(d.span()),
                "server.retention_days",
                "the retention period must be between 1 and 3650 days",
                "365 keeps names for one report year",
            ),
        }
    }
    if let Some(d) = &raw.tour_retention_days {
        match u32::try_from(*d.get_ref()) {
            Ok(n @ 0..=3650) => c.tour_retention_days = Some(n),
            _ => diags.error(
                "invalid-server",
                src.pos(d.span()),
                "server.tour_retention_days",
                "the period must be between 0 and 3650 days after a class tour closes",
                "30 leaves a month to go through the answers with the class",
            ),
        }
    }
    c
}

/// `[province]`, checked: an http(s) address, a valid institution code, an environment
/// variable's name for the key.
fn province_config(
    raw: &toml::Spanned<super::raw::RawProvince>,
    src: &Source,
    diags: &mut Diagnostics,
) -> Option<super::ProvinceConfig> {
    let before = diags.errors();
    let p = raw.get_ref();
    let url = p.url.get_ref().trim().trim_end_matches('/').to_string();
    let ok_url = (url.starts_with("https://") || url.starts_with("http://"))
        && url
            .split_once("://")
            .is_some_and(|(_, h)| !h.is_empty() && !h.contains(char::is_whitespace));
    if !ok_url {
        diags.error(
            "invalid-province",
            src.pos(p.url.span()),
            "province.url",
            format!("\"{}\" is not the address of a server", p.url.get_ref()),
            "write the Department's address as it gave it, e.g. url = \"https://baocao.svhtt.ninhbinh.gov.vn\"",
        );
    } else if let Some(rest) = url.strip_prefix("http://") {
        let host = rest.split(['/', ':']).next().unwrap_or("");
        if host != "localhost" && !host.parse::<std::net::IpAddr>().is_ok_and(|a| a.is_loopback()) {
            diags.warn(
                "province-unencrypted",
                src.pos(p.url.span()),
                "province.url",
                format!("reports to {host} would travel unencrypted"),
                "use the https:// address of the Department's server",
            );
        }
    }
    let institution = p.institution.get_ref().trim().to_string();
    if !crate::province::valid_code(&institution) {
        diags.error(
            "invalid-province",
            src.pos(p.institution.span()),
            "province.institution",
            format!("\"{institution}\" is not an institution code"),
            "write the code the Department gave this museum: lower-case letters a-z, digits and '-', e.g. institution = \"bt-ninh-binh\"",
        );
    }
    let key_env = p
        .key_env
        .as_ref()
        .map(|k| k.get_ref().trim().to_string())
        .unwrap_or_else(|| "VITRINE_PROVINCE_KEY".to_string());
    if key_env.is_empty()
        || !key_env
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
    {
        diags.error(
            "invalid-province",
            src.pos(p.key_env.as_ref().map(|k| k.span()).unwrap_or(raw.span())),
            "province.key_env",
            format!("\"{key_env}\" is not the name of an environment variable"),
            "write the variable's name, e.g. key_env = \"VITRINE_PROVINCE_KEY\", and put the key itself in that variable",
        );
    }
    (diags.errors() == before).then_some(super::ProvinceConfig {
        url,
        institution,
        key_env,
    })
}

/// A `ca_file` setting: the path from the project folder to a PEM file holding at least one
/// certificate; `(code, field)` name the setting, `whose` the certificates it signed.
fn ca_file(
    raw: &toml::Spanned<String>,
    root: &Path,
    src: &Source,
    diags: &mut Diagnostics,
    (code, field): (&'static str, &str),
    whose: &str,
) -> std::path::PathBuf {
    let path = root.join(raw.get_ref().trim());
    let problem = match std::fs::read(&path) {
        Err(_) if !path.is_file() => Some(format!("{} is not a file", path.display())),
        Err(e) => Some(format!("{} cannot be read: {e}", path.display())),
        Ok(pem) => crate::mail::check_ca_pem(&pem)
            .err()
            .map(|why| format!("{}: {why}", path.display())),
    };
    if let Some(problem) = problem {
        diags.error(
            code,
            src.pos(raw.span()),
            field,
            problem,
            &format!("give the path (from the project folder) of the PEM certificate of the authority that signed {whose} certificate, or remove ca_file"),
        );
    }
    path
}

/// `[mail]`, checked: every problem names its field; a configuration with errors sends nothing.
fn mail_config(
    raw: &toml::Spanned<RawMail>,
    root: &Path,
    src: &Source,
    diags: &mut Diagnostics,
) -> Option<MailConfig> {
    let before = diags.errors();
    let m = raw.get_ref();
    let host = m.host.get_ref().trim().to_string();
    if host.is_empty() || host.contains(char::is_whitespace) || host.contains('/') {
        diags.error(
            "invalid-mail",
            src.pos(m.host.span()),
            "mail.host",
            format!("\"{}\" is not the name of a mail server", m.host.get_ref()),
            "write the SMTP server's name, e.g. host = \"smtp.gmail.com\"",
        );
    }
    let security = match m.security.as_ref().map(|s| s.get_ref().trim().to_lowercase()) {
        None => MailSecurity::StartTls,
        Some(s) if s == "starttls" => MailSecurity::StartTls,
        Some(s) if s == "tls" => MailSecurity::Tls,
        Some(s) if s == "none" => MailSecurity::None,
        Some(other) => {
            diags.error(
                "invalid-mail",
                src.pos(m.security.as_ref().map(|s| s.span()).unwrap_or(raw.span())),
                "mail.security",
                format!("\"{other}\" is not a kind of connection"),
                "write \"starttls\" (port 587, the usual), \"tls\" (port 465) or \"none\" (a relay on this machine only)",
            );
            MailSecurity::StartTls
        }
    };
    let local = host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|a| a.is_loopback());
    if security == MailSecurity::None && !local {
        diags.warn(
            "mail-unencrypted",
            src.pos(m.security.as_ref().map(|s| s.span()).unwrap_or(raw.span())),
            "mail.security",
            format!("mail to {host} would travel unencrypted, with visitors' addresses and the password"),
            "use security = \"starttls\" or \"tls\" unless the relay is on this machine",
        );
    }
    let port = match &m.port {
        None => match security {
            MailSecurity::StartTls => 587,
            MailSecurity::Tls => 465,
            MailSecurity::None => 25,
        },
        Some(p) => u16::try_from(*p.get_ref())
            .ok()
            .filter(|p| *p > 0)
            .unwrap_or_else(|| {
                diags.error(
                    "invalid-mail",
                    src.pos(p.span()),
                    "mail.port",
                    format!("{} is not a port", p.get_ref()),
                    "587 for STARTTLS, 465 for TLS",
                );
                0
            }),
    };
    let mailbox = |v: &toml::Spanned<String>, field: &str, diags: &mut Diagnostics| -> String {
        let text = v.get_ref().trim().to_string();
        if crate::mail::mailbox(&text).is_none() {
            diags.error(
                "invalid-mail",
                src.pos(v.span()),
                field,
                format!("\"{text}\" is not an e-mail address"),
                "write e.g. \"Bảo tàng Ninh Bình <baotang@ninhbinh.gov.vn>\" or just the address",
            );
        }
        text
    };
    let from = mailbox(&m.from, "mail.from", diags);
    let reply_to = m.reply_to.as_ref().map(|r| mailbox(r, "mail.reply_to", diags));
    let password_env = match &m.password_env {
        None => "VITRINE_SMTP_PASSWORD".to_string(),
        Some(v) => {
            let name = v.get_ref().trim();
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                diags.error(
                    "invalid-mail",
                    src.pos(v.span()),
                    "mail.password_env",
                    format!("\"{name}\" is not the name of an environment variable"),
                    "the password itself never goes in vitrine.toml: write the variable's name, e.g. password_env = \"VITRINE_SMTP_PASSWORD\"",
                );
            }
            name.to_string()
        }
    };
    let ca_file = m.ca_file.as_ref().map(|c| {
        ca_file(
            c,
            root,
            src,
            diags,
            ("invalid-mail", "mail.ca_file"),
            "the mail server's",
        )
    });
    (diags.errors() == before).then(|| MailConfig {
        host,
        port,
        security,
        user: m
            .user
            .as_ref()
            .map(|u| u.trim().to_string())
            .filter(|u| !u.is_empty()),
        password_env,
        from,
        reply_to,
        ca_file,
    })
}

fn report_config(raw: &RawReport, src: &Source, diags: &mut Diagnostics) -> ReportConfig {
    let mut c = ReportConfig::default();
    if let Some(d) = &raw.deadline {
        let parsed = d.get_ref().split_once('-').and_then(|(m, dd)| {
            let (m, dd): (u8, u8) = (m.parse().ok()?, dd.parse().ok()?);
            crate::visits::parse_iso_day(&format!("2001-{m:02}-{dd:02}")).map(|_| (m, dd))
        });
        match parsed {
            Some(md) => c.deadline = md,
            None => diags.error(
                "invalid-report",
                src.pos(d.span()),
                "report.deadline",
                format!("\"{}\" is not a month and day", d.get_ref()),
                "write it MM-DD, e.g. deadline = \"11-25\" for 25 November",
            ),
        }
    }
    if !raw.target.is_empty() {
        let mut targets = Vec::new();
        for t in &raw.target {
            let v = t.get_ref();
            let max = v.max.unwrap_or(v.min);
            let ok =
                v.from_year <= v.to_year && (0.0..=1000.0).contains(&v.min) && v.min <= max && max <= 1000.0;
            let overlaps = targets
                .iter()
                .any(|(a, b, _, _): &TargetRange| v.from_year <= *b && *a <= v.to_year);
            if !ok || overlaps {
                diags.error(
                    "invalid-report",
                    src.pos(t.span()),
                    "report.target",
                    if overlaps {
                        "this target's years overlap another target's"
                    } else {
                        "a target needs from_year ≤ to_year and 0 ≤ min ≤ max (percent)"
                    },
                    "write e.g. [[report.target]] from_year = 2026, to_year = 2030, min = 8, max = 10",
                );
            } else {
                targets.push((v.from_year, v.to_year, v.min, max));
            }
        }
        c.targets = targets;
    }
    if !raw.share.is_empty() {
        c.shares = shares(&raw.share, src, diags);
    }
    c
}

/// `[[report.share]]`, checked, merged with the plan's (see `province::with_province_shares`).
/// A share with an error is left out.
fn shares(
    raw: &[toml::Spanned<super::raw::RawShare>],
    src: &Source,
    diags: &mut Diagnostics,
) -> Vec<crate::province::Share> {
    let word =
        |s: &toml::Spanned<String>, list| crate::province::code_of(list, s.get_ref()).map(str::to_string);
    let mut out: Vec<crate::province::Share> = Vec::new();
    for r in raw {
        let v = r.get_ref();
        let errors = diags.errors();
        let kind = word(&v.kind, crate::province::KINDS);
        if kind.is_none() {
            diags.error(
                "invalid-report",
                src.pos(v.kind.span()),
                "report.share.kind",
                format!("\"{}\" is not a kind of institution", v.kind.get_ref()),
                "write museum, library or centre (bảo tàng, thư viện, trung tâm văn hoá)",
            );
        }
        let level = v.level.as_ref().map(|l| (l, word(l, crate::province::LEVELS)));
        if let Some((l, None)) = &level {
            diags.error(
                "invalid-report",
                src.pos(l.span()),
                "report.share.level",
                format!("\"{}\" is not a level", l.get_ref()),
                "write province, district, commune or school (tỉnh, huyện, xã, trường), or leave level out for every level",
            );
        }
        let by = *v.by.get_ref();
        if !(2000..=2100).contains(&by) {
            diags.error(
                "invalid-report",
                src.pos(v.by.span()),
                "report.share.by",
                format!("{by} is not a year"),
                "write the last year of the share, e.g. by = 2025",
            );
        }
        let percent = *v.percent.get_ref();
        if !(0.0..=100.0).contains(&percent) {
            diags.error(
                "invalid-report",
                src.pos(v.percent.span()),
                "report.share.percent",
                format!("{percent} is not a share between 0 and 100"),
                "write the percent of institutions, e.g. percent = 70",
            );
        }
        let (Some(kind), true) = (kind, diags.errors() == errors) else {
            continue;
        };
        let level = level.and_then(|(_, l)| l);
        if out
            .iter()
            .any(|s| s.kind == kind && s.level == level && s.by == by)
        {
            diags.error(
                "invalid-report",
                src.pos(r.span()),
                "report.share",
                format!(
                    "two shares for {kind}{} by {by}",
                    level.as_deref().map(|l| format!(" ({l})")).unwrap_or_default()
                ),
                "keep one [[report.share]] for each kind, level and year",
            );
            continue;
        }
        out.push(crate::province::Share {
            kind,
            level,
            by,
            percent,
        });
    }
    crate::province::with_province_shares(out)
}

/// Read `<stem>.vi.md` and `<stem>.en.md` (or `vi.md`/`en.md` when `stem` is empty).
pub(super) fn markdown_pair(root: &Path, dir: &Path, stem: &str, diags: &mut Diagnostics) -> Localized {
    let mut out = Localized::default();
    for lang in Lang::ALL {
        let name = if stem.is_empty() {
            format!("{}.md", lang.code())
        } else {
            format!("{stem}.{}.md", lang.code())
        };
        let p = dir.join(&name);
        if p.is_file() {
            let t = read_text(root, &p, diags)
                .map(|s| s.text.trim().to_string())
                .filter(|t| !t.is_empty());
            match lang {
                Lang::Vi => out.vi = t,
                Lang::En => out.en = t,
            }
        }
    }
    out.pos = Some(Pos::file(display_path(
        root,
        &dir.join(if stem.is_empty() {
            "vi.md".into()
        } else {
            format!("{stem}.vi.md")
        }),
    )));
    out
}

fn parse_day(
    src: &Source,
    raw: Option<&Spanned<toml::value::Datetime>>,
    field: &str,
    diags: &mut Diagnostics,
) -> Option<Day> {
    let r = raw?;
    let dt = r.get_ref();
    match (&dt.date, &dt.time) {
        (Some(d), None) => Some(Day {
            year: i32::from(d.year),
            month: d.month,
            day: d.day,
        }),
        _ => {
            diags.error(
                "invalid-date",
                src.pos(r.span()),
                field,
                format!("{dt} is not a plain date"),
                "write only the day, YYYY-MM-DD, e.g. 2026-01-15",
            );
            None
        }
    }
}

type ExhibitLoad = (
    Option<Exhibit>,
    Vec<Result<Item, String>>,
    Vec<Programme>,
    Diagnostics,
);

fn load_exhibit_dir(root: &Path, dir: &Path) -> ExhibitLoad {
    let mut diags = Diagnostics::default();
    let slug = dir.file_name().and_then(|n| n.to_str()).unwrap_or("").to_string();
    let shown = display_path(root, dir);
    if !is_valid_slug(&slug) {
        diags.error(
            "invalid-slug",
            Pos::file(&shown),
            "",
            format!("the folder name \"{slug}\" cannot be a web address"),
            "rename the folder with lower-case letters a-z, digits and '-', e.g. co-do-hoa-lu",
        );
    }
    let exhibit = load_exhibit(root, dir, &slug, &mut diags);

    let mut item_dirs: Vec<PathBuf> = std::fs::read_dir(dir.join("objects"))
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    item_dirs.sort();
    item_dirs.retain(|d| !is_ignored(d));
    let results: Vec<(Result<Item, String>, Diagnostics)> = item_dirs
        .par_iter()
        .map(|d| {
            let mut dg = Diagnostics::default();
            let folder = d.file_name().and_then(|n| n.to_str()).unwrap_or("").to_string();
            let it = load_item(root, d, &slug, &mut dg).ok_or(folder);
            (it, dg)
        })
        .collect();
    let mut items = Vec::new();
    for (it, d) in results {
        diags.extend(d);
        items.push(it);
    }

    let mut programmes = Vec::new();
    let mut prog_files: Vec<PathBuf> = std::fs::read_dir(dir.join("programmes"))
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                .collect()
        })
        .unwrap_or_default();
    prog_files.sort();
    for f in prog_files {
        if let Some(p) = load_programme(root, &f, &slug, &mut diags) {
            programmes.push(p);
        }
    }
    (exhibit, items, programmes, diags)
}

fn load_exhibit(root: &Path, dir: &Path, slug: &str, diags: &mut Diagnostics) -> Option<Exhibit> {
    let path = dir.join("exhibit.toml");
    if !path.is_file() {
        diags.error(
            "no-exhibit-toml",
            Pos::file(display_path(root, dir)),
            "",
            "this exhibition folder has no exhibit.toml",
            "create it with `vitrine new exhibit <name>`, or rename the folder to start with '_' to keep it unpublished",
        );
        return None;
    }
    let (raw, src): (RawExhibit, Source) = parse_file(root, &path, diags)?;
    let status = match raw.status.as_ref().map(|s| s.get_ref().as_str()) {
        None | Some("draft") => Status::Draft,
        Some("published") => Status::Published,
        Some(other) => {
            let span = raw.status.as_ref().map(|s| s.span()).unwrap_or_default();
            diags.error(
                "invalid-status",
                src.pos(span),
                "status",
                format!("\"{other}\" is not a status"),
                "write status = \"draft\" or status = \"published\"",
            );
            Status::Draft
        }
    };
    let sections = raw
        .section
        .iter()
        .map(|s| Section {
            title: spanned_text(&src, Some(&s.title)),
            text: spanned_text(&src, s.text.as_ref()),
            items: s
                .objects
                .iter()
                .map(|o| (o.get_ref().trim().to_string(), src.pos(o.span())))
                .collect(),
        })
        .collect();
    let file = Pos::file(&src.shown);
    require(diags, &spanned_text(&src, Some(&raw.title)), &file, "title");
    for (i, sec) in raw.section.iter().enumerate() {
        require(
            diags,
            &spanned_text(&src, Some(&sec.title)),
            &file,
            &format!("section[{}].title", i + 1),
        );
    }
    let opens = parse_day(&src, raw.opens.as_ref(), "opens", diags);
    let closes = parse_day(&src, raw.closes.as_ref(), "closes", diags);
    if let (Some(o), Some(c)) = (opens, closes)
        && c < o
    {
        let span = raw.closes.as_ref().map(|s| s.span()).unwrap_or_default();
        diags.error(
            "invalid-date",
            src.pos(span),
            "closes",
            format!("the exhibition closes ({c}) before it opens ({o})"),
            "correct one of the two dates",
        );
    }
    Some(Exhibit {
        slug: slug.to_string(),
        dir: dir.to_path_buf(),
        pos: Pos::file(&src.shown),
        title: spanned_text(&src, Some(&raw.title)),
        summary: spanned_text(&src, raw.summary.as_ref()),
        intro: markdown_pair(root, dir, "intro", diags),
        status,
        order: raw.order.unwrap_or(100),
        room: spanned_text(&src, raw.room.as_ref()),
        opens,
        closes,
        cover: raw
            .cover
            .as_ref()
            .map(|c| (c.get_ref().trim().to_string(), src.pos(c.span()))),
        sections,
    })
}

/// A file name written in a content file, resolved inside `dir`. Refuses absolute paths and `..`
/// so that content can never make the build read or write outside its folder.
fn resolve_in(dir: &Path, file: &str) -> Option<PathBuf> {
    let p = Path::new(file);
    if file.is_empty() || p.components().any(|c| !matches!(c, Component::Normal(_))) {
        return None;
    }
    Some(on_disk(dir, p))
}

/// `rel` under `dir` as the disk spells it. Names in content files are NFC, while macOS and some
/// copy tools write names decomposed (NFD): "ảnh.jpg" in object.toml must still find the photo.
/// Components that match nothing are kept as written.
fn on_disk(dir: &Path, rel: &Path) -> PathBuf {
    let mut at = dir.to_path_buf();
    for c in rel.components() {
        let name = c.as_os_str();
        if !at.join(name).exists()
            && let Some(want) = name.to_str().map(nfc)
            && let Some(found) = std::fs::read_dir(&at).ok().and_then(|rd| {
                rd.filter_map(Result::ok)
                    .map(|e| e.file_name())
                    .find(|n| n.to_str().is_some_and(|n| nfc(n) == want))
            })
        {
            at.push(found);
        } else {
            at.push(name);
        }
    }
    at
}

fn ext_of(file: &str) -> String {
    Path::new(file)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// An object's `date`: all of it optional. Years alone get a text made from them; one year
/// alone means that year; a text alone leaves the years unknown.
fn load_dating(src: &Source, raw: Option<&Spanned<RawDate>>, diags: &mut Diagnostics) -> Dating {
    let Some(raw) = raw else {
        return Dating::default();
    };
    let d = raw.get_ref();
    let mut plausible = true;
    for (v, name) in [(&d.from, "date.from"), (&d.to, "date.to")] {
        if let Some(v) = v
            && !(-4_600_000_000..=2100).contains(v.get_ref())
        {
            plausible = false;
            diags.error(
                "invalid-date",
                src.pos(v.span()),
                name,
                format!("{} is not a plausible year", v.get_ref()),
                "write a year between -4600000000 (the age of the Earth, for geology) and 2100; negative years are BCE; leave the years out when they are not known",
            );
        }
    }
    let (from, to) = (
        d.from.as_ref().map(|v| *v.get_ref()),
        d.to.as_ref().map(|v| *v.get_ref()),
    );
    let years = match (from, to) {
        (Some(a), Some(b)) => Some((a, b)),
        (Some(a), None) | (None, Some(a)) => Some((a, a)),
        (None, None) => None,
    };
    if let (Some((a, b)), Some(to)) = (years, &d.to)
        && a > b
    {
        plausible = false;
        diags.error(
            "invalid-date",
            src.pos(to.span()),
            "date.to",
            format!("the date range ends ({b}) before it starts ({a})"),
            "date.from is the earliest year and date.to the latest; swap them",
        );
    }
    let years = years.filter(|_| plausible);
    let mut display = spanned_text(src, d.display.as_ref());
    if display.is_empty()
        && let Some((a, b)) = years
    {
        display.vi = Some(Dating::years_text(a, b, Lang::Vi));
        display.en = Some(Dating::years_text(a, b, Lang::En));
    }
    Dating { display, years }
}

fn load_item(root: &Path, dir: &Path, exhibit: &str, diags: &mut Diagnostics) -> Option<Item> {
    let path = dir.join("object.toml");
    let folder = dir.file_name().and_then(|n| n.to_str()).unwrap_or("").to_string();
    if !path.is_file() {
        diags.error(
            "no-object-toml",
            Pos::file(display_path(root, dir)),
            "",
            "this object folder has no object.toml",
            "create it with `vitrine new object <ID> --exhibit <name>`, or rename the folder to start with '_'",
        );
        return None;
    }
    let (raw, src): (RawItem, Source) = parse_file(root, &path, diags)?;
    let id = raw.id.get_ref().trim().to_string();
    let mut ok = true;
    if !is_valid_id(&id) {
        diags.error(
            "invalid-id",
            src.pos(raw.id.span()),
            "id",
            format!("\"{id}\" cannot be an object ID"),
            "use capital letters A-Z, digits, '-' and '.', at most 32 characters, e.g. HL-001",
        );
        ok = false;
    } else if id != folder {
        diags.error(
            "id-folder-mismatch",
            src.pos(raw.id.span()),
            "id",
            format!("the ID \"{id}\" differs from the folder name \"{folder}\""),
            "rename the folder or correct the ID: both must be the same",
        );
        ok = false;
    }
    require(
        diags,
        &spanned_text(&src, Some(&raw.title)),
        &Pos::file(&src.shown),
        "title",
    );
    let date = load_dating(&src, raw.date.as_ref(), diags);

    let mut images = Vec::new();
    for (i, im) in raw.image.iter().enumerate() {
        let r = im.get_ref();
        let file = r.file.get_ref().trim().to_string();
        let field = format!("image[{}].file", i + 1);
        let pos = src.pos(r.file.span());
        let Some(p) = resolve_in(dir, &file) else {
            diags.error(
                "invalid-path",
                pos,
                &field,
                format!("\"{file}\" is not a file name inside this object's folder"),
                "put the photo in the object's folder and write only its name, e.g. file = \"front.jpg\"",
            );
            ok = false;
            continue;
        };
        if !IMAGE_EXTENSIONS.contains(&ext_of(&file).as_str()) {
            diags.error(
                "unsupported-image",
                pos,
                &field,
                format!("\"{file}\" is not a JPEG, PNG or WebP image"),
                "export the photo as .jpg (photographs) or .png (drawings)",
            );
            ok = false;
            continue;
        }
        if !p.is_file() {
            diags.error(
                "missing-image",
                pos,
                &field,
                format!(
                    "there is no file \"{file}\" in {}",
                    display_path(root, dir).display()
                ),
                "copy the photo into the object's folder or correct the name (names are case-sensitive)",
            );
            ok = false;
            continue;
        }
        let (width, height) = match crate::media::probe_dimensions(&p) {
            Ok(wh) => wh,
            Err(e @ ProbeError::TooLarge { .. }) => {
                diags.error(
                    "image-too-large",
                    pos,
                    &field,
                    format!("\"{file}\" is too large: {e}"),
                    &format!(
                        "export the photo at most {SAFE_SIDE} px on its long side (deep zoom shows every detail of that), as JPEG"
                    ),
                );
                ok = false;
                continue;
            }
            Err(e) => {
                diags.error(
                    "unreadable-image",
                    pos,
                    &field,
                    format!("\"{file}\" cannot be read as an image: {e}"),
                    "open it in an image editor and save it again as JPEG or PNG",
                );
                ok = false;
                continue;
            }
        };
        let alt = spanned_text(&src, r.alt.as_ref());
        let mut alt = alt;
        if alt.pos.is_none() {
            alt.pos = Some(src.pos(im.span()));
        }
        images.push(ImageRef {
            path: p,
            file,
            pos: src.pos(im.span()),
            alt,
            caption: text(r.caption.as_ref()),
            credit: text(r.credit.as_ref()),
            width,
            height,
        });
    }

    let mut audio = Vec::new();
    for (i, au) in raw.audio.iter().enumerate() {
        let r = au.get_ref();
        let file = r.file.get_ref().trim().to_string();
        let field = format!("audio[{}].file", i + 1);
        let lang = Lang::parse(r.lang.get_ref().trim());
        if lang.is_none() {
            diags.error(
                "invalid-lang",
                src.pos(r.lang.span()),
                &format!("audio[{}].lang", i + 1),
                format!("\"{}\" is not a language of the site", r.lang.get_ref()),
                "write lang = \"vi\" or lang = \"en\"",
            );
        }
        let path = resolve_in(dir, &file).filter(|p| p.is_file());
        if path.is_none() || !AUDIO_EXTENSIONS.contains(&ext_of(&file).as_str()) {
            diags.error(
                "missing-audio",
                src.pos(r.file.span()),
                &field,
                format!("\"{file}\" is not an audio file (MP3, M4A, OGG, Opus) in this object's folder"),
                "copy the recording into the object's folder and write only its name",
            );
            ok = false;
        }
        let transcript = match &r.transcript {
            Some(t) => match resolve_in(dir, t.get_ref().trim()).filter(|p| p.is_file()) {
                Some(p) => read_text(root, &p, diags).map(|s| s.text),
                None => {
                    diags.error(
                        "missing-transcript",
                        src.pos(t.span()),
                        &format!("audio[{}].transcript", i + 1),
                        format!(
                            "there is no transcript file \"{}\" in this object's folder",
                            t.get_ref()
                        ),
                        "write the transcript in a .md file beside object.toml",
                    );
                    None
                }
            },
            None => None,
        };
        if let (Some(path), Some(lang)) = (path, lang) {
            audio.push(AudioRef {
                path,
                file,
                lang,
                transcript,
            });
        }
    }

    if !ok {
        return None;
    }
    Some(Item {
        id,
        exhibit: exhibit.to_string(),
        dir: dir.to_path_buf(),
        pos: Pos::file(&src.shown),
        id_pos: src.pos(raw.id.span()),
        accession: raw
            .accession
            .as_ref()
            .map(|a| nfc(a.get_ref().trim()))
            .filter(|a| !a.is_empty()),
        title: spanned_text(&src, Some(&raw.title)),
        kind: spanned_text(&src, raw.kind.as_ref()),
        maker: spanned_text(&src, raw.maker.as_ref()),
        date,
        period: spanned_text(&src, raw.period.as_ref()),
        culture: spanned_text(&src, raw.culture.as_ref()),
        material: spanned_text(&src, raw.material.as_ref()),
        technique: spanned_text(&src, raw.technique.as_ref()),
        dimensions: spanned_text(&src, raw.dimensions.as_ref()),
        inscription: spanned_text(&src, raw.inscription.as_ref()),
        find_place: spanned_text(&src, raw.find_place.as_ref()),
        provenance: spanned_text(&src, raw.provenance.as_ref()),
        acquisition: spanned_text(&src, raw.acquisition.as_ref()),
        location: spanned_text(&src, raw.location.as_ref()),
        credit: spanned_text(&src, raw.credit.as_ref()),
        rights: raw
            .rights
            .as_ref()
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty()),
        keywords: list(raw.keywords.as_ref()),
        related: raw
            .related
            .iter()
            .map(|r| (r.get_ref().trim().to_string(), src.pos(r.span())))
            .collect(),
        audio_number: raw
            .audio_number
            .as_ref()
            .map(|n| (*n.get_ref(), src.pos(n.span()))),
        images,
        audio,
        description: markdown_pair(root, dir, "", diags),
        plain: Default::default(),
    })
}

fn load_programme(root: &Path, path: &Path, exhibit: &str, diags: &mut Diagnostics) -> Option<Programme> {
    let (raw, src): (RawProgramme, Source) = parse_file(root, path, diags)?;
    let slug = file_slug(path, &src, "hoa-lu-lop-6.toml", diags)?;
    require(
        diags,
        &spanned_text(&src, Some(&raw.title)),
        &Pos::file(&src.shown),
        "title",
    );
    let grades = school_grades(&src, &raw.grades, diags);
    let duration_minutes = raw
        .duration_minutes
        .as_ref()
        .and_then(|d| match u32::try_from(*d.get_ref()) {
            Ok(v) if (1..=600).contains(&v) => Some(v),
            _ => {
                diags.error(
                    "invalid-duration",
                    src.pos(d.span()),
                    "duration_minutes",
                    format!("{} is not a duration in minutes", d.get_ref()),
                    "write the number of minutes, e.g. duration_minutes = 45",
                );
                None
            }
        });
    let mut stops = Vec::new();
    for (i, s) in raw.stop.iter().enumerate() {
        let r = s.get_ref();
        let question = r.question.as_ref().and_then(|q| {
            let field = format!("stop[{}].question", i + 1);
            load_question(&src, q.get_ref(), src.pos(q.span()), &field, false, diags)
        });
        stops.push(Stop {
            item: r.object.get_ref().trim().to_string(),
            pos: src.pos(r.object.span()),
            look: text(r.look.as_ref()),
            question,
        });
    }
    Some(Programme {
        slug,
        exhibit: exhibit.to_string(),
        pos: Pos::file(&src.shown),
        title: spanned_text(&src, Some(&raw.title)),
        summary: spanned_text(&src, raw.summary.as_ref()),
        grades,
        subject: text(raw.subject.as_ref()),
        curriculum: text(raw.curriculum.as_ref()),
        duration_minutes,
        objectives: list(raw.objectives.as_ref()),
        stops,
    })
}

/// A question of a programme's stop or of a contest's bank. `choices_only`: only single and
/// multiple choice are allowed (a contest is marked by the server alone).
pub(super) fn load_question(
    src: &Source,
    qr: &RawQuestion,
    at: Pos,
    field: &str,
    choices_only: bool,
    diags: &mut Diagnostics,
) -> Option<Question> {
    let kind = match qr.kind.get_ref().as_str() {
        "single" => QuestionKind::Single,
        "multiple" => QuestionKind::Multiple,
        "text" => QuestionKind::Text,
        "find" => QuestionKind::Find,
        other => {
            diags.error(
                "invalid-question",
                src.pos(qr.kind.span()),
                &format!("{field}.type"),
                format!("\"{other}\" is not a question type"),
                "write type = \"single\", \"multiple\", \"text\" or \"find\"",
            );
            return None;
        }
    };
    let correct = qr.choices.iter().filter(|c| c.correct).count();
    let choice_based = matches!(kind, QuestionKind::Single | QuestionKind::Multiple);
    if choices_only && !choice_based {
        diags.error(
            "invalid-question",
            src.pos(qr.kind.span()),
            &format!("{field}.type"),
            format!("a contest question cannot be of type \"{}\"", qr.kind.get_ref()),
            "write type = \"single\" or \"multiple\": a contest's answers are marked by the server",
        );
        return None;
    }
    let problem = match kind {
        _ if choice_based && qr.choices.len() < 2 => Some("a choice question needs at least two choices"),
        QuestionKind::Single if correct != 1 => {
            Some("a single-choice question needs exactly one choice with correct = true")
        }
        QuestionKind::Multiple if correct == 0 => {
            Some("a multiple-choice question needs at least one choice with correct = true")
        }
        QuestionKind::Text | QuestionKind::Find if !qr.choices.is_empty() => {
            Some("only single and multiple choice questions have choices")
        }
        _ => None,
    };
    let empty_choice = qr.choices.iter().any(|c| {
        c.vi.as_deref().is_none_or(|t| t.trim().is_empty())
            && c.en.as_deref().is_none_or(|t| t.trim().is_empty())
    });
    let problem = problem.or(empty_choice.then_some("a choice is empty in both languages"));
    if let Some(p) = problem {
        diags.error(
            "invalid-question",
            at,
            field,
            p,
            "mark the right answers with correct = true, e.g. { vi = \"…\", en = \"…\", correct = true }",
        );
    }
    Some(Question {
        kind,
        prompt: spanned_text(src, Some(&qr.prompt)),
        choices: qr
            .choices
            .iter()
            .map(|c| Choice {
                text: text(Some(&RawText {
                    vi: c.vi.clone(),
                    en: c.en.clone(),
                })),
                correct: c.correct,
            })
            .collect(),
        answer: text(qr.answer.as_ref()),
    })
}
