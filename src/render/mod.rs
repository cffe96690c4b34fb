// Pages: the minijinja environment over the theme, page contexts built from views, the search
// index, sitemap and open data. Produces files in memory; knows nothing of HTTP or of writing.

pub mod contests;
pub mod events;
mod iiif;
pub mod markdown;
mod opendata;
mod print;
mod search;
pub mod theme;
pub mod views;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use minijinja::value::{Kwargs, Serde};
use minijinja::{AutoEscape, Environment, State, UndefinedBehavior, Value, context};
use rayon::prelude::*;
use serde::Serialize;

use crate::content::{Day, Item, Lang, Published, Site};
use crate::media::Derived;
pub use crate::output::{Body, OutputError, Planned};
pub use theme::{Locales, Theme};
use views::*;

/// One file of the built site, by its path relative to the output root.
#[derive(Debug, Clone)]
pub struct OutFile {
    pub path: String,
    pub bytes: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("theme template {name}: {source:#}")]
    Template { name: String, source: minijinja::Error },
    #[error("page {page}: {source:#}")]
    Page { page: String, source: minijinja::Error },
    #[error(transparent)]
    Output(#[from] OutputError),
}

pub struct RenderInput<'a> {
    pub site: &'a Site,
    pub theme: &'a Theme,
    pub locales: &'a Locales,
    pub media: &'a HashMap<PathBuf, Derived>,
    /// Public path (relative to the site root) of each audio file, by source path.
    pub audio: &'a HashMap<PathBuf, String>,
    pub drafts: bool,
    pub today: Day,
}

#[derive(Debug, Clone, Serialize)]
struct Alternate {
    hreflang: &'static str,
    href: String,
}

#[derive(Debug, Clone, Serialize)]
struct Crumb {
    name: Option<Txt>,
    url: String,
}

#[derive(Debug, Clone, Serialize)]
struct HoursView {
    days: Option<Txt>,
    time: String,
}

#[derive(Debug, Clone, Serialize)]
struct SiteView {
    name: Option<Txt>,
    tagline: Option<Txt>,
    address: Option<Txt>,
    phone: Option<String>,
    email: Option<String>,
    hours: Vec<HoursView>,
    base_url: String,
}

/// What every page template gets besides its own `page` data.
#[derive(Debug, Clone, Serialize)]
struct Base {
    lang: &'static str,
    other_lang: &'static str,
    /// Relative path to the site root ("../../"); prefix of every asset and media URL.
    root: String,
    /// Relative URL of this language's home page.
    home: String,
    /// Relative URL of the same page in the other language.
    twin: String,
    canonical: String,
    alternates: Vec<Alternate>,
    /// Full `<title>`: page name · museum name.
    title: String,
    /// The page's own name (last breadcrumb, heading).
    name: Option<Txt>,
    /// The page's name in the breadcrumb trail, when it is not `name` (the tour of a programme
    /// has the programme's title, which is the crumb before it).
    crumb: Option<Txt>,
    description: String,
    og_type: &'static str,
    og_image: Option<String>,
    jsonld: Option<String>,
    /// Which part of the navigation is current: home, exhibits, programmes, search, none.
    nav: &'static str,
    breadcrumbs: Vec<Crumb>,
    site: SiteView,
    search_url: String,
    build_year: i32,
}

struct PageSpec {
    /// Language-neutral path of the page folder, "" for home, "o/HL-001/" for an object.
    path: String,
    template: &'static str,
    title: Option<Txt>,
    description: String,
    og_type: &'static str,
    og_image: Option<String>,
    jsonld: Option<serde_json::Value>,
    nav: &'static str,
    crumbs: Vec<(Option<Txt>, String)>,
    /// The last crumb (this page), when it differs from the title.
    crumb: Option<Txt>,
    data: Value,
}

impl Default for PageSpec {
    /// A page with no picture or JSON-LD of its own, shared as a "website".
    fn default() -> PageSpec {
        PageSpec {
            path: String::new(),
            template: "",
            title: None,
            description: String::new(),
            og_type: "website",
            og_image: None,
            jsonld: None,
            nav: "none",
            crumbs: Vec::new(),
            crumb: None,
            data: Value::from(()),
        }
    }
}

/// An interface string as a text of the page's own language.
fn ui(lang: Lang, text: String) -> Option<Txt> {
    Some(Txt {
        text,
        lang: lang.code(),
        missing: false,
    })
}

fn plain(t: &Option<Txt>) -> String {
    t.as_ref().map(|t| t.text.clone()).unwrap_or_default()
}

fn abs(site: &Site, path: &str) -> String {
    format!("{}/{}", site.config.base_url, path)
}

/// The path part of base_url ("/" or "/sub/"): root of pages that can be served at any address
/// (the 404 page).
fn base_path(site: &Site) -> String {
    let after_scheme = site.config.base_url.split_once("://").map_or("", |x| x.1);
    match after_scheme.find('/') {
        Some(i) => format!("{}/", after_scheme[i..].trim_end_matches('/')),
        None => "/".to_string(),
    }
}

fn json_for_script(v: &serde_json::Value) -> String {
    // '<' only occurs inside JSON strings, where \u003c means the same: no </script> can appear.
    serde_json::to_string(v)
        .unwrap_or_default()
        .replace('<', "\\u003c")
}

fn site_view(site: &Site, lang: Lang) -> SiteView {
    let m = &site.config.museum;
    SiteView {
        name: txt(&m.name, lang),
        tagline: txt(&m.tagline, lang),
        address: txt(&m.address, lang),
        phone: m.phone.clone(),
        email: m.email.clone(),
        hours: m
            .hours
            .iter()
            .map(|h| HoursView {
                days: txt(&h.days, lang),
                time: h.time.clone(),
            })
            .collect(),
        base_url: site.config.base_url.clone(),
    }
}

/// Asset file names with a content hash, so they can be cached for a year.
fn hashed_assets(theme: &Theme) -> (BTreeMap<String, String>, Vec<OutFile>) {
    let mut map = BTreeMap::new();
    let mut files = Vec::new();
    for (name, bytes) in theme.assets() {
        let hash = &blake3::hash(bytes).to_hex()[..10];
        let hashed = match name.rsplit_once('.') {
            Some((stem, ext)) => format!("assets/{stem}.{hash}.{ext}"),
            None => format!("assets/{name}.{hash}"),
        };
        map.insert(name.to_string(), hashed.clone());
        files.push(OutFile {
            path: hashed,
            bytes: bytes.to_vec(),
        });
    }
    (map, files)
}

/// The template environment: the theme's templates, autoescape, strict undefined, and the
/// functions `t`, `asset` and `txt`.
pub fn environment(
    theme: &Theme,
    locales: &Locales,
    assets: BTreeMap<String, String>,
) -> Result<Environment<'static>, RenderError> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    // HTML escaping of the five characters that matter, leaving '/' alone: URLs stay readable and
    // pages smaller than with minijinja's default, which also escapes '/'.
    env.set_formatter(|out, state, value| {
        if matches!(state.auto_escape(), AutoEscape::Html)
            && !value.is_safe()
            && let Some(s) = value.as_str()
        {
            return out.write_str(&escape_html(s)).map_err(minijinja::Error::from);
        }
        minijinja::escape_formatter(out, state, value)
    });
    for (name, source) in theme.templates() {
        env.add_template_owned(name.to_string(), source)
            .map_err(|source| RenderError::Template {
                name: name.to_string(),
                source,
            })?;
    }
    let locales = Arc::new(locales.clone());
    env.add_function(
        "t",
        move |state: &State, key: &str, kwargs: Kwargs| -> Result<String, minijinja::Error> {
            let lang = state
                .lookup("lang")
                .and_then(|l| l.as_str().and_then(Lang::parse))
                .unwrap_or(Lang::Vi);
            let mut s = locales.text(lang, key);
            for k in kwargs.args() {
                let v: Value = kwargs.get(k)?;
                s = s.replace(&format!("{{{k}}}"), &v.to_string());
            }
            Ok(s)
        },
    );
    let assets = Arc::new(assets);
    env.add_function(
        "asset",
        move |state: &State, name: &str| -> Result<String, minijinja::Error> {
            let root = state.lookup("root").map(|r| r.to_string()).unwrap_or_default();
            match assets.get(name) {
                Some(h) => Ok(format!("{root}{h}")),
                None => Err(minijinja::Error::new(
                    minijinja::ErrorKind::InvalidOperation,
                    format!("the theme has no asset assets/{name}"),
                )),
            }
        },
    );
    // Text with a lang attribute when it is shown in the other language.
    env.add_function(
        "txt",
        |state: &State, v: Value| -> Result<Value, minijinja::Error> {
            if v.is_none() || v.is_undefined() {
                return Ok(Value::from(""));
            }
            let text = v.get_attr("text")?;
            let missing = v.get_attr("missing")?.is_true();
            let page_lang = state.lookup("lang").map(|l| l.to_string()).unwrap_or_default();
            let lang = v.get_attr("lang")?.to_string();
            let esc = escape_html(&text.to_string());
            Ok(Value::from_safe_string(if missing && lang != page_lang {
                format!("<span lang=\"{lang}\">{esc}</span>")
            } else {
                esc
            }))
        },
    );
    Ok(env)
}

/// The environment for pages the server renders at request time (the staff area): the same
/// templates and functions, with assets at their hashed paths under `/`.
pub fn server_environment(theme: &Theme, locales: &Locales) -> Result<Environment<'static>, RenderError> {
    let (assets, _) = hashed_assets(theme);
    environment(theme, locales, assets)
}

/// Escape text for HTML content and quoted attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Decides whether an output file needs making: true when the live site already holds `path`
/// made from `key` (the file is then not made again).
pub type Known<'a> = dyn Fn(&str, &str) -> bool + Sync + 'a;

/// A short hex hash: the key of a file made from these bytes.
fn key_of(parts: &[&[u8]]) -> String {
    let mut h = blake3::Hasher::new();
    for p in parts {
        h.update(&(p.len() as u64).to_le_bytes());
        h.update(p);
    }
    h.finalize().to_hex()[..20].to_string()
}

/// A file made whole in this build, keyed by its bytes: unchanged, it is not written again.
fn plan_bytes(f: OutFile, known: &Known) -> Planned {
    let key = key_of(&[&f.bytes]);
    let body = if known(&f.path, &key) {
        Body::Known
    } else {
        Body::Bytes(f.bytes)
    };
    Planned {
        path: f.path,
        key,
        body,
    }
}

fn planned_bytes(files: Vec<OutFile>, known: &Known) -> Vec<Planned> {
    files.into_par_iter().map(|f| plan_bytes(f, known)).collect()
}

/// The version of Vitrine and the program file running it: another build of the program may
/// render the same data differently, so nothing it made is trusted by the next one.
pub fn program_identity() -> String {
    use std::os::unix::fs::MetadataExt;
    let exe = std::env::current_exe()
        .and_then(std::fs::metadata)
        .map(|m| format!("{}-{}-{}", m.len(), m.mtime(), m.mtime_nsec()))
        .unwrap_or_default();
    format!("{} {exe}", env!("CARGO_PKG_VERSION"))
}

/// What every page is made from besides its own data: the templates, UI strings and asset names,
/// and the version of Vitrine that renders them.
fn global_key(theme: &Theme, locales: &Locales, assets: &BTreeMap<String, String>) -> String {
    let mut h = blake3::Hasher::new();
    h.update(program_identity().as_bytes());
    let mut templates: Vec<(String, String)> = theme.templates().map(|(n, s)| (n.to_string(), s)).collect();
    templates.sort();
    for (n, s) in &templates {
        h.update(n.as_bytes());
        h.update(&[0]);
        h.update(s.as_bytes());
        h.update(&[0]);
    }
    h.update(&serde_json::to_vec(&(&locales.vi, &locales.en)).unwrap_or_default());
    h.update(&serde_json::to_vec(assets).unwrap_or_default());
    h.finalize().to_hex()[..20].to_string()
}

/// Render every page of the site in both languages, the search index, sitemap, robots.txt and
/// open data. Pages render in parallel; a page whose key (a hash of everything its template is
/// given, and of the templates) the live site already has is not rendered at all.
/// Puts one finished file into the output now (see `Output::place`), so rendered bytes are
/// not held until the end of the build.
pub type Place<'a> = dyn Fn(Planned) -> Result<Planned, OutputError> + Sync + 'a;

/// Published objects up to which the search index and the open data are made side by side.
const SIDE_BY_SIDE_UP_TO: usize = 10_000;

/// How long each part of a build took: (part, milliseconds).
pub type Timings = Vec<(&'static str, u128)>;

/// Every file of the site, placed as made. Also returns how long each part took (milliseconds),
/// for `vitrine build --timings`.
pub fn render_site(
    input: &RenderInput,
    known: &Known,
    place: &Place,
) -> Result<(Vec<Planned>, Timings), RenderError> {
    let mut timings = Vec::new();
    let mut t = std::time::Instant::now();
    let mut mark = |name: &'static str| {
        timings.push((name, t.elapsed().as_millis()));
        t = std::time::Instant::now();
    };
    let site = input.site;
    let (asset_map, mut files) = hashed_assets(input.theme);
    // The tour's service worker must sit above the pages it keeps, under a name that does not
    // change: it is published at the root of the site as well.
    if let Some((_, bytes)) = input.theme.assets().find(|(n, _)| *n == "tour-sw.js") {
        files.push(OutFile {
            path: "tour-sw.js".into(),
            bytes: bytes.to_vec(),
        });
    }
    let global = global_key(input.theme, input.locales, &asset_map);
    let env = environment(input.theme, input.locales, asset_map)?;
    let published = crate::content::Published::new(site, input.drafts);
    let (visible, exhibits, programmes) = (&published.items, &published.exhibits, &published.programmes);

    let mut jobs: Vec<(Lang, PageSpec)> = Vec::new();
    let mut later: Vec<(Lang, Later)> = Vec::new();
    for lang in Lang::ALL {
        let (specs, deferred) = page_specs(input, lang, &published);
        jobs.extend(specs.into_iter().map(|s| (lang, s)));
        later.extend(deferred.into_iter().map(|f| (lang, f)));
    }
    mark("render: page data");
    let place = |p: Planned| place(p).map_err(RenderError::from);
    let mut rendered: Vec<Planned> = jobs
        .par_iter()
        .map(|(lang, spec)| render_page(&env, input, *lang, spec, &global, known).and_then(place))
        .collect::<Result<_, _>>()?;
    drop(jobs);
    // Section pages and label sheets: each page's data made, rendered and dropped in one go.
    rendered.extend(
        later
            .par_iter()
            .map(|(lang, make)| render_page(&env, input, *lang, &make(), &global, known).and_then(place))
            .collect::<Result<Vec<_>, _>>()?,
    );
    drop(later);
    mark("render: pages");
    // Object pages, the bulk of a museum: each made, rendered and placed in one go. Their keys
    // come from what they are made from (see `ObjectKeys`), so the pages of unchanged objects
    // are not even made.
    let objects: Vec<(Lang, &str)> = Lang::ALL
        .into_iter()
        .flat_map(|lang| visible.iter().map(move |id| (lang, *id)))
        .collect();
    let keys = ObjectKeys::new(input, &published, &global);
    rendered.extend(
        objects
            .par_iter()
            .filter_map(|(lang, id)| {
                let key = keys.page(&published, *lang, id)?;
                let path = format!("{}o/{id}/index.html", lang.prefix());
                if known(&path, &key) {
                    let body = Body::Known;
                    return Some(place(Planned { path, key, body }));
                }
                let spec = object_spec(input, *lang, &published, id)?;
                let base = base_for(input, *lang, &spec, depth_root(*lang, &spec.path));
                Some(render_body(&env, &spec, &base, path, key).and_then(place))
            })
            .collect::<Result<Vec<_>, _>>()?,
    );
    // The pages printed QR codes lead to, at their upper-case address (QR alphanumeric mode): the
    // same file (a hard link in the output).
    let copies: Vec<Planned> = rendered
        .iter()
        .filter_map(|f| {
            let id = f.path.strip_prefix("o/")?.strip_suffix("/index.html")?;
            let upper = print::qr_target(input, &format!("o/{id}/"), true).upper_path?;
            Some(Planned {
                path: format!("{upper}index.html"),
                key: f.key.clone(),
                body: Body::Alias(f.path.clone()),
            })
        })
        .collect();
    rendered.extend(copies);
    mark("render: object pages");
    rendered.extend(print::qr_files(input, visible, exhibits, known, &place)?);
    rendered.extend(
        iiif::manifests(input, visible)
            .map(|f| place(plan_bytes(f, known)))
            .collect::<Result<Vec<_>, _>>()?,
    );
    mark("render: qr codes and manifests");
    for lang in Lang::ALL {
        files.extend(not_found_page(&env, input, lang)?);
    }
    // Every published object ID, one a line: the 404 page of a static host (case-sensitive)
    // reads it to suggest the object when an address names its ID in another case.
    files.push(OutFile {
        path: "data/ids.txt".into(),
        bytes: visible
            .iter()
            .flat_map(|id| [id.as_bytes(), b"\n"])
            .flatten()
            .copied()
            .collect(),
    });
    files.extend(iiif::files(input, visible, exhibits));
    files.extend(events::files(input, &published));
    // The search index (each language) and the open data: side by side, except in a large
    // collection, where their working sets added up would be the build's peak of memory (about
    // 220 MB at 30,000 objects): there one after the other.
    let side_by_side = visible.len() <= SIDE_BY_SIDE_UP_TO;
    let mut event_paths = events::page_paths(&published);
    event_paths.extend(contests::page_paths(&published));
    let (index, open) = if side_by_side {
        rayon::join(
            || search::index_files(input, &published, true),
            || opendata::files(input, visible, exhibits, programmes, event_paths),
        )
    } else {
        (
            search::index_files(input, &published, false),
            opendata::files(input, visible, exhibits, programmes, event_paths),
        )
    };
    files.extend(index);
    files.extend(open);
    mark("render: search and open data");
    rendered.extend(
        planned_bytes(files, known)
            .into_par_iter()
            .map(place)
            .collect::<Result<Vec<_>, _>>()?,
    );
    mark("render: other files");
    Ok((rendered, timings))
}

fn depth_root(lang: Lang, path: &str) -> String {
    "../".repeat(format!("{}{}", lang.prefix(), path).matches('/').count())
}

fn ctx_for<'a>(input: &'a RenderInput, lang: Lang, path: &str, published: &'a Published<'a>) -> Ctx<'a> {
    Ctx {
        site: input.site,
        media: input.media,
        lang,
        root: depth_root(lang, path),
        published,
    }
}

/// The page of one object in one language (made while rendering, so the data of thousands of
/// object pages is never held at once).
fn object_spec(input: &RenderInput, lang: Lang, published: &Published, id: &str) -> Option<PageSpec> {
    let site = input.site;
    let it = site.items.get(id)?;
    let path = format!("o/{id}/");
    let ctx = ctx_for(input, lang, &path, published);
    let view = item_view(&ctx, it, input.audio);
    let og_image = og_image_of(input, std::iter::once(id));
    let mut crumbs = vec![
        (
            txt(&site.config.museum.name, lang),
            format!("{}{}", ctx.root, lang.prefix()),
        ),
        (ui(lang, input.locales.text(lang, "nav.exhibits")), ctx.url("e/")),
    ];
    if let Some(e) = &view.exhibit {
        crumbs.push((e.title.clone(), e.url.clone()));
    }
    let description = match &view.description {
        Some(_) => crate::text::excerpt(it.plain().pick(lang).map_or("", |p| p.0), 200),
        None => plain(&view.title),
    };
    Some(PageSpec {
        path: path.clone(),
        template: "object.html",
        title: view.title.clone(),
        description,
        og_type: "article",
        og_image,
        jsonld: Some(opendata::item_jsonld(
            site,
            it,
            lang,
            input.media,
            published.home.get(id).copied(),
        )),
        nav: "exhibits",
        crumbs,
        crumb: None,
        data: Value::from(Serde(view)),
    })
}

/// `std::hash::Hash` values fed into blake3: the same value gives the same bytes in every build
/// (each string is followed by a marker, each list by its length), unlike `Debug`, which
/// escapes every Vietnamese letter and cost a tenth of a one-object rebuild.
struct Blake3Hasher<'a>(&'a mut blake3::Hasher);

impl std::hash::Hasher for Blake3Hasher<'_> {
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
    fn finish(&self) -> u64 {
        0
    }
}

fn hash_into(h: &mut blake3::Hasher, v: &impl std::hash::Hash) {
    v.hash(&mut Blake3Hasher(h));
}

/// The keys of object pages, from what an object's page is made of rather than from the page's
/// data: making the data of 10,000 pages (Markdown to HTML, cards, JSON-LD) only to find that
/// two changed cost more than the rest of a one-object rebuild. An object page is a function of
/// (see `object_spec`, `item_view`, `base_for`, `opendata::item_jsonld`):
/// - the templates, UI strings, assets and Vitrine's version (`global_key`), the settings pages
///   read (`base_url` and `[museum]`: the header, footer, breadcrumbs and JSON-LD) and the year of
///   the build;
/// - the object itself, all of it, with its photos' derivatives and its audio files' addresses;
/// - its exhibition (slug and title), the exhibitions showing it;
/// - the cards of its previous and next objects on the walk and of its related objects (ID,
///   title, date, kind, first photo), and which of those are published.
///
/// Objects, photos and derivatives are hashed whole (their `Hash`, every field, with file paths
/// made relative to the museum); the settings from their `Debug` form, once a build. Other
/// settings are left out on purpose: some name files on this disk (`ca_file`), which differ in
/// every snapshot a publication builds from. A setting, field or card part that an object page
/// starts to show must be added here; the incremental property test (`tests/it/incremental.rs`)
/// compares rebuilt sites with clean builds byte for byte.
struct ObjectKeys<'a> {
    common: blake3::Hash,
    /// Each published object, the hash of all of it as each language's page shows it (in
    /// `Lang::ALL` order), and of what its card shows.
    items: HashMap<&'a str, (&'a Item, [blake3::Hash; 2], blake3::Hash)>,
}

impl<'a> ObjectKeys<'a> {
    fn new(input: &RenderInput<'a>, published: &Published<'a>, global: &str) -> ObjectKeys<'a> {
        let mut h = blake3::Hasher::new();
        let museum = format!("{:?}", input.site.config.museum);
        let site = (&input.site.config.base_url, museum, input.today.year);
        hash_into(&mut h, &("object.html", global, site));
        let common = h.finalize();
        let media = |h: &mut blake3::Hasher, im: &crate::content::ImageRef| {
            hash_into(h, &input.media.get(&im.path));
        };
        let items = published
            .items
            .par_iter()
            .filter_map(|id| {
                let it = input.site.items.get(*id)?;
                let mut whole = blake3::Hasher::new();
                // The description counts in the language the page shows it in (the English page
                // of an object whose vi.md changed stays as it is when en.md exists).
                let mut bare = Item {
                    description: Default::default(),
                    plain: Default::default(),
                    ..it.clone()
                };
                // Files count by their place in the museum, not on this disk: a publication
                // builds from a new snapshot folder each time, and pages name no folder.
                let rel = |p: &mut PathBuf| {
                    if let Ok(r) = p.strip_prefix(&input.site.root) {
                        *p = r.to_path_buf();
                    }
                };
                rel(&mut bare.dir);
                bare.images.iter_mut().for_each(|im| rel(&mut im.path));
                bare.audio.iter_mut().for_each(|a| rel(&mut a.path));
                hash_into(&mut whole, &bare);
                it.images.iter().for_each(|im| media(&mut whole, im));
                for a in &it.audio {
                    hash_into(&mut whole, &input.audio.get(&a.path));
                }
                let whole = Lang::ALL.map(|lang| {
                    let mut h = whole.clone();
                    hash_into(&mut h, &it.description.pick(lang));
                    h.finalize()
                });
                let mut card = blake3::Hasher::new();
                hash_into(
                    &mut card,
                    &(&it.id, &it.title, &it.date.display, &it.kind, bare.images.first()),
                );
                it.images.first().iter().for_each(|im| media(&mut card, im));
                Some((*id, (it, whole, card.finalize())))
            })
            .collect();
        ObjectKeys { common, items }
    }

    /// The key of the page of `id` in `lang`, or None when it is not published.
    fn page(&self, published: &Published, lang: Lang, id: &str) -> Option<String> {
        let (item, whole, _) = self.items.get(id)?;
        let card = |h: &mut blake3::Hasher, id: Option<&str>| {
            match id.and_then(|id| self.items.get(id)) {
                Some((_, _, c)) => h.update(c.as_bytes()),
                None => h.update(b"-"),
            };
        };
        let mut h = blake3::Hasher::new();
        h.update(self.common.as_bytes());
        h.update(lang.code().as_bytes());
        h.update(whole[Lang::ALL.iter().position(|l| *l == lang)?].as_bytes());
        if let Some(ex) = published.home.get(id) {
            hash_into(&mut h, &("home", &ex.slug, &ex.title));
            let walk = published.walk_of(&ex.slug);
            let at = walk.iter().position(|x| *x == id);
            card(&mut h, at.and_then(|i| i.checked_sub(1)).map(|j| walk[j]));
            card(&mut h, at.and_then(|i| walk.get(i + 1)).copied());
        }
        h.update(b"related\0");
        for (r, _) in &item.related {
            // Only published ones are shown (`item_view`): the others hash as "-".
            card(&mut h, Some(r.as_str()));
        }
        h.update(b"shown\0");
        for ex in published.shown_in.get(id).into_iter().flatten() {
            hash_into(&mut h, &(&ex.slug, &ex.title));
        }
        Some(h.finalize().to_hex()[..20].to_string())
    }
}

/// A page whose data is made only when it is rendered (section pages and label sheets of a large
/// collection: made all at once, their data would hold every object's card at the same time).
type Later<'a> = Box<dyn Fn() -> PageSpec + Send + Sync + 'a>;

fn page_specs<'a>(
    input: &'a RenderInput,
    lang: Lang,
    published: &'a Published<'a>,
) -> (Vec<PageSpec>, Vec<Later<'a>>) {
    let (visible, exhibits, programmes) = (&published.items, &published.exhibits, &published.programmes);
    let site = input.site;
    let mut out = Vec::new();
    let mut later: Vec<Later<'a>> = Vec::new();
    let museum_name = txt(&site.config.museum.name, lang);
    let home_crumb = |ctx: &Ctx| home_crumb_of(input, lang, ctx);

    // Home.
    {
        let ctx = ctx_for(input, lang, "", published);
        let cards: Vec<ExhibitCard> = exhibits
            .iter()
            .map(|e| exhibit_card(&ctx, e, input.today))
            .collect();
        let current: Vec<&ExhibitCard> = cards.iter().filter(|c| c.current).collect();
        let og_image = exhibits
            .iter()
            .find_map(|e| og_image_of(input, e.cover_candidates()));
        out.push(PageSpec {
            path: String::new(),
            template: "home.html",
            title: museum_name.clone(),
            description: plain(&txt(&site.config.museum.tagline, lang)),
            og_type: "website",
            og_image,
            jsonld: Some(opendata::museum_jsonld(site, lang)),
            nav: "home",
            crumbs: vec![],
            crumb: None,
            data: Value::from(Serde(context_map([
                ("current", serde_json::to_value(&current).unwrap_or_default()),
                ("exhibits", serde_json::to_value(&cards).unwrap_or_default()),
                (
                    "events",
                    serde_json::to_value(events::next_events(&ctx, input.today, |_| true))
                        .unwrap_or_default(),
                ),
            ]))),
        });
    }
    // Exhibition list.
    {
        let path = "e/";
        let ctx = ctx_for(input, lang, path, published);
        let cards: Vec<ExhibitCard> = exhibits
            .iter()
            .map(|e| exhibit_card(&ctx, e, input.today))
            .collect();
        out.push(PageSpec {
            path: path.into(),
            template: "exhibits.html",
            title: ui(lang, input.locales.text(lang, "nav.exhibits")),
            description: plain(&txt(&site.config.museum.tagline, lang)),
            nav: "exhibits",
            crumbs: vec![home_crumb(&ctx)],
            data: Value::from(Serde(context_map([(
                "exhibits",
                serde_json::to_value(&cards).unwrap_or_default(),
            )]))),
            ..Default::default()
        });
    }
    // Each exhibition.
    for ex in exhibits {
        let path = format!("e/{}/", ex.slug);
        let ctx = ctx_for(input, lang, &path, published);
        let view = exhibit_view(&ctx, ex, input.today);
        let og_image = og_image_of(input, ex.cover_candidates());
        out.push(PageSpec {
            path: path.clone(),
            template: "exhibit.html",
            title: view.card.title.clone(),
            description: plain(&view.card.summary),
            og_type: "website",
            og_image: og_image.clone(),
            jsonld: Some(opendata::exhibit_jsonld(site, ex, lang, og_image)),
            nav: "exhibits",
            crumbs: vec![
                home_crumb(&ctx),
                (ui(lang, input.locales.text(lang, "nav.exhibits")), ctx.url("e/")),
            ],
            crumb: None,
            data: Value::from(Serde(view)),
        });
    }
    // The pages of each section of a large exhibition.
    for ex in exhibits {
        let ctx = ctx_for(input, lang, &format!("e/{}/", ex.slug), published);
        if !is_large(&ctx, ex) {
            continue;
        }
        for (anchor, section, items) in section_items(&ctx, ex) {
            let base = format!("e/{}/{anchor}/", ex.slug);
            let count = items.len().div_ceil(PAGE_CARDS).max(1);
            let (anchor, items) = (std::sync::Arc::new(anchor), std::sync::Arc::new(items));
            for n in 1..=count {
                let path = page_path(&base, n);
                let (anchor, items) = (anchor.clone(), items.clone());
                later.push(Box::new(move || {
                    let ctx = ctx_for(input, lang, &path, published);
                    let view = section_page_view(&ctx, ex, (&anchor, section, &items), n);
                    let mut title = view.title.clone();
                    if n > 1
                        && let Some(t) = &mut title
                    {
                        t.text = format!(
                            "{} · {}",
                            t.text,
                            input
                                .locales
                                .text(lang, "exhibit.page")
                                .replace("{n}", &n.to_string())
                        );
                    }
                    PageSpec {
                        path: path.clone(),
                        template: "section.html",
                        title,
                        description: plain(&txt(&ex.summary, lang)),
                        nav: "exhibits",
                        crumbs: vec![
                            home_crumb_of(input, lang, &ctx),
                            (ui(lang, input.locales.text(lang, "nav.exhibits")), ctx.url("e/")),
                            (view.exhibit.title.clone(), view.exhibit.url.clone()),
                        ],
                        data: Value::from(Serde(view)),
                        ..Default::default()
                    }
                }));
            }
        }
    }
    // Each object: made one at a time by `object_spec` while the pages are rendered.
    out.extend(events::specs(input, lang, published));
    out.extend(contests::specs(input, lang, published));
    // Programmes.
    {
        let path = "p/";
        let ctx = ctx_for(input, lang, path, published);
        let mut list: Vec<ProgrammeView> = programmes.iter().map(|p| programme_view(&ctx, p)).collect();
        // Shown to people: in dictionary order of the title in this language.
        crate::text::sort_vietnamese(&mut list, |p| p.title.as_ref().map_or("", |t| t.text.as_str()));
        // What the catalogue can be filtered by: every grade and subject on offer.
        let grades: std::collections::BTreeSet<u8> =
            list.iter().flat_map(|p| p.grades.iter().copied()).collect();
        let mut subjects: Vec<String> = list
            .iter()
            .filter_map(|p| p.subject.as_ref().map(|s| s.text.clone()))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        crate::text::sort_vietnamese(&mut subjects, |s| s.as_str());
        out.push(PageSpec {
            path: path.into(),
            template: "programmes.html",
            title: ui(lang, input.locales.text(lang, "nav.programmes")),
            description: input.locales.text(lang, "programmes.intro"),
            nav: "programmes",
            crumbs: vec![home_crumb(&ctx)],
            data: Value::from(Serde(context_map([
                ("programmes", serde_json::to_value(&list).unwrap_or_default()),
                ("grades", serde_json::to_value(&grades).unwrap_or_default()),
                ("subjects", serde_json::to_value(&subjects).unwrap_or_default()),
            ]))),
            ..Default::default()
        });
    }
    for p in programmes {
        let path = format!("p/{}/", p.slug);
        let ctx = ctx_for(input, lang, &path, published);
        let view = programme_view(&ctx, p);
        out.push(PageSpec {
            path: path.clone(),
            template: "programme.html",
            title: view.title.clone(),
            description: plain(&view.summary),
            nav: "programmes",
            crumbs: vec![
                home_crumb(&ctx),
                (
                    ui(lang, input.locales.text(lang, "nav.programmes")),
                    ctx.url("p/"),
                ),
            ],
            data: Value::from(Serde(view)),
            ..Default::default()
        });
    }
    // The student tour of each programme: every stop with its question as a form, answered
    // through `vitrine serve` (a static host shows the stops and says the tour needs the server).
    for p in programmes {
        let path = format!("p/{}/tour/", p.slug);
        let ctx = ctx_for(input, lang, &path, published);
        let view = programme_view(&ctx, p);
        out.push(PageSpec {
            path: path.clone(),
            template: "tour.html",
            title: view.title.clone(),
            description: plain(&view.summary),
            nav: "programmes",
            crumbs: vec![
                home_crumb(&ctx),
                (
                    ui(lang, input.locales.text(lang, "nav.programmes")),
                    ctx.url("p/"),
                ),
                (view.title.clone(), ctx.url(&format!("p/{}/", p.slug))),
            ],
            crumb: ui(lang, input.locales.text(lang, "tour.crumb")),
            data: Value::from(Serde(view)),
            ..Default::default()
        });
    }
    // Printable labels: a sheet of gallery labels and large showcase labels per exhibition, and a
    // page that gathers them with the exhibition and check-in QR codes.
    {
        let path = "labels/";
        let ctx = ctx_for(input, lang, path, published);
        let list: Vec<serde_json::Value> = exhibits
            .iter()
            .map(|e| {
                serde_json::json!({
                    "title": txt(&e.title, lang),
                    "sheet": ctx.url(&format!("e/{}/labels/", e.slug)),
                    "large": ctx.url(&format!("e/{}/labels/large/", e.slug)),
                    "qr": format!("{}qr/e-{}.svg", ctx.root, e.slug),
                    "qr_png": format!("{}qr/e-{}.png", ctx.root, e.slug),
                    "url": print::qr_target(input, &format!("e/{}/", e.slug), false).url,
                })
            })
            .collect();
        out.push(PageSpec {
            path: path.into(),
            template: "labels-index.html",
            title: ui(lang, input.locales.text(lang, "labels.title")),
            description: String::new(),
            nav: "none",
            crumbs: vec![home_crumb(&ctx)],
            data: Value::from(Serde(serde_json::json!({
                "exhibits": list,
                "checkin_qr": format!("{}qr/checkin.svg", ctx.root),
                "checkin_qr_png": format!("{}qr/checkin.png", ctx.root),
                "checkin_url": print::qr_target(input, "checkin/", false).url,
            }))),
            ..Default::default()
        });
    }
    for ex in exhibits {
        let ctx = ctx_for(input, lang, "", published);
        // A large exhibition prints part by part, PAGE_CARDS labels a sheet; its sheet pages
        // list the parts.
        let parts: Vec<(String, Option<Txt>, Vec<&crate::content::Item>)> = if is_large(&ctx, ex) {
            section_items(&ctx, ex)
                .into_iter()
                .flat_map(|(anchor, s, items)| {
                    let chunks: Vec<Vec<&crate::content::Item>> =
                        items.chunks(PAGE_CARDS).map(<[_]>::to_vec).collect();
                    let many = chunks.len() > 1;
                    chunks.into_iter().enumerate().map(move |(k, chunk)| {
                        let mut title = txt(&s.title, lang);
                        if many && let Some(t) = &mut title {
                            t.text = format!("{} ({}–{})", t.text, chunk[0].id, chunk[chunk.len() - 1].id);
                        }
                        (page_path(&format!("{anchor}/"), k + 1), title, chunk)
                    })
                })
                .collect()
        } else {
            vec![(
                String::new(),
                None,
                ex.item_ids()
                    .into_iter()
                    .filter(|id| visible.contains(id))
                    .filter_map(|id| site.items.get(id))
                    .collect(),
            )]
        };
        let large = parts.len() > 1 || parts.first().is_some_and(|p| !p.0.is_empty());
        let parts = std::sync::Arc::new(parts);
        for (kind, template, key) in [
            ("labels/", "labels.html", "labels.sheet"),
            ("labels/large/", "labels-large.html", "labels.large"),
        ] {
            let top = format!("e/{}/{kind}", ex.slug);
            // The sheet of a small exhibition, or the list of parts of a large one (no labels)
            // and a sheet per part: (path, part shown, labels from part).
            let mut pages: Vec<(String, Option<Txt>, Option<usize>)> = Vec::new();
            if large {
                pages.push((top.clone(), None, None));
                for (i, (sub, t, _)) in parts.iter().enumerate() {
                    pages.push((format!("{top}{sub}"), t.clone(), Some(i)));
                }
            } else {
                pages.push((top.clone(), None, Some(0)));
            }
            for (path, part, from) in pages {
                let (parts, top) = (parts.clone(), top.clone());
                later.push(Box::new(move || {
                    let sheet = format!("e/{}/labels/", ex.slug);
                    let large_sheet = format!("e/{}/labels/large/", ex.slug);
                    let title = txt(&ex.title, lang);
                    let ctx = ctx_for(input, lang, &path, published);
                    let items: &[&crate::content::Item] = from.map_or(&[], |i| &parts[i].2);
                    let labels: Vec<print::LabelView> = items
                        .iter()
                        .map(|it| print::label_view(input, it, &ctx.root))
                        .collect();
                    let index: Vec<serde_json::Value> = if large && path == top {
                        parts
                            .iter()
                            .map(|(sub, t, items)| {
                                // The part's IDs as runs ("L-0001:L-0200 T-001:T-002"), for
                                // choosing labels by ID.
                                let ids = crate::text::id_runs(items.iter().map(|it| it.id.as_str()))
                                    .iter()
                                    .map(|(a, b)| format!("{a}:{b}"))
                                    .collect::<Vec<_>>()
                                    .join(" ");
                                serde_json::json!({
                                    "title": t, "count": items.len(),
                                    "url": ctx.url(&format!("{top}{sub}")),
                                    "ids": ids,
                                })
                            })
                            .collect()
                    } else {
                        Vec::new()
                    };
                    let heading = match &part {
                        Some(p) => format!(
                            "{}: {} · {}",
                            input.locales.text(lang, key),
                            plain(&title),
                            p.text
                        ),
                        None => format!("{}: {}", input.locales.text(lang, key), plain(&title)),
                    };
                    let mut crumbs = vec![
                        home_crumb_of(input, lang, &ctx),
                        (
                            ui(lang, input.locales.text(lang, "labels.title")),
                            ctx.url("labels/"),
                        ),
                    ];
                    if part.is_some() {
                        crumbs.push((ui(lang, input.locales.text(lang, key)), ctx.url(&top)));
                    }
                    PageSpec {
                        path: path.clone(),
                        template,
                        title: ui(lang, heading),
                        description: String::new(),
                        nav: "none",
                        crumbs,
                        data: Value::from(Serde(serde_json::json!({
                            "exhibit": {"title": title, "url": ctx.url(&format!("e/{}/", ex.slug))},
                            "labels": labels,
                            "parts": index,
                            "per_sheet": PAGE_CARDS,
                            "sheet": ctx.url(&sheet),
                            "large": ctx.url(&large_sheet),
                        }))),
                        ..Default::default()
                    }
                }));
            }
        }
    }
    // Check-in: the page the entrance QR code leads to.
    {
        let path = "checkin/";
        let ctx = ctx_for(input, lang, path, published);
        out.push(PageSpec {
            path: path.into(),
            template: "checkin.html",
            title: ui(lang, input.locales.text(lang, "checkin.title")),
            description: input.locales.text(lang, "checkin.intro"),
            nav: "none",
            crumbs: vec![home_crumb(&ctx)],
            data: Value::from(()),
            ..Default::default()
        });
        // Where `vitrine serve` sends a visitor after a check-in.
        let ctx = ctx_for(input, lang, "checkin/thanks/", published);
        out.push(PageSpec {
            path: "checkin/thanks/".into(),
            template: "checkin-thanks.html",
            title: ui(lang, input.locales.text(lang, "checkin.thanks_title")),
            description: String::new(),
            nav: "none",
            crumbs: vec![home_crumb(&ctx)],
            data: Value::from(()),
            ..Default::default()
        });
    }
    // Joining a class tour: the form a student fills in with the class code (taken by `vitrine
    // serve`, which also shows it again with a refusal or with the code of a teacher's link).
    if !programmes.is_empty() {
        let path = "tour/";
        let ctx = ctx_for(input, lang, path, published);
        out.push(PageSpec {
            path: path.into(),
            template: "tour-join.html",
            title: ui(lang, input.locales.text(lang, "tour.join")),
            description: input.locales.text(lang, "tour.join_intro"),
            nav: "programmes",
            crumbs: vec![home_crumb(&ctx)],
            data: Value::from(()),
            ..Default::default()
        });
    }
    // Search.
    {
        let path = "search/";
        let ctx = ctx_for(input, lang, path, published);
        out.push(PageSpec {
            path: path.into(),
            template: "search.html",
            title: ui(lang, input.locales.text(lang, "nav.search")),
            description: input.locales.text(lang, "search.intro"),
            nav: "search",
            crumbs: vec![home_crumb(&ctx)],
            data: Value::from(Serde(context_map([(
                "index",
                serde_json::Value::String(format!("{}search/{}.json", ctx.root, lang.code())),
            )]))),
            ..Default::default()
        });
    }
    (out, later)
}

/// The first breadcrumb of every page: the museum's home in `lang`.
fn home_crumb_of(input: &RenderInput, lang: Lang, ctx: &Ctx) -> (Option<Txt>, String) {
    (
        txt(&input.site.config.museum.name, lang),
        format!("{}{}", ctx.root, lang.prefix()),
    )
}

fn context_map<const N: usize>(
    pairs: [(&str, serde_json::Value); N],
) -> serde_json::Map<String, serde_json::Value> {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// Absolute URL of the first image of the first of `ids` that has one, at a size social networks
/// like (about 960 px wide).
fn og_image_of<'a>(input: &RenderInput, ids: impl IntoIterator<Item = &'a str>) -> Option<String> {
    ids.into_iter()
        .filter_map(|id| input.site.items.get(id))
        .find_map(|it| it.images.first().and_then(|im| input.media.get(&im.path)))
        .map(|d| abs(input.site, &d.at_least(960).url))
}

fn base_for(input: &RenderInput, lang: Lang, spec: &PageSpec, root: String) -> Base {
    let site = input.site;
    let museum = plain(&txt(&site.config.museum.name, lang));
    let title = match &spec.title {
        Some(t) if spec.path.is_empty() => t.text.clone(),
        Some(t) => format!("{} · {museum}", t.text),
        None => museum.clone(),
    };
    Base {
        lang: lang.code(),
        other_lang: lang.other().code(),
        home: format!("{root}{}", lang.prefix()),
        twin: format!("{root}{}{}", lang.other().prefix(), spec.path),
        canonical: abs(site, &format!("{}{}", lang.prefix(), spec.path)),
        alternates: vec![
            Alternate {
                hreflang: "vi",
                href: abs(site, &spec.path),
            },
            Alternate {
                hreflang: "en",
                href: abs(site, &format!("en/{}", spec.path)),
            },
            Alternate {
                hreflang: "x-default",
                href: abs(site, &spec.path),
            },
        ],
        title,
        name: spec.title.clone(),
        crumb: spec.crumb.clone().or_else(|| spec.title.clone()),
        description: spec.description.clone(),
        og_type: spec.og_type,
        og_image: spec.og_image.clone(),
        jsonld: spec.jsonld.as_ref().map(json_for_script),
        nav: spec.nav,
        breadcrumbs: spec
            .crumbs
            .iter()
            .map(|(n, u)| Crumb {
                name: n.clone(),
                url: u.clone(),
            })
            .collect(),
        site: site_view(site, lang),
        search_url: format!("{root}{}search/", lang.prefix()),
        build_year: input.today.year,
        root,
    }
}

/// The key of a page: a hash of everything its template is given, streamed into the hasher
/// (no copy of the JSON is made). The parts cannot run into each other: none holds a NUL byte.
fn page_key(global: &str, template: &str, base: &impl Serialize, data: &Value) -> String {
    use std::io::Write;
    let mut h = blake3::Hasher::new();
    h.update(global.as_bytes());
    h.update(b"\0");
    h.update(template.as_bytes());
    h.update(b"\0");
    {
        let mut w = std::io::BufWriter::with_capacity(16 * 1024, &mut h);
        let _ = serde_json::to_writer(&mut w, base);
        let _ = w.write_all(b"\0");
        let _ = serde_json::to_writer(&mut w, data);
        let _ = w.flush();
    }
    h.finalize().to_hex()[..20].to_string()
}

fn render_page(
    env: &Environment,
    input: &RenderInput,
    lang: Lang,
    spec: &PageSpec,
    global: &str,
    known: &Known,
) -> Result<Planned, RenderError> {
    let root = depth_root(lang, &spec.path);
    let base = base_for(input, lang, spec, root);
    let path = format!("{}{}index.html", lang.prefix(), spec.path);
    // Everything the template is given: the page is the same exactly when this is.
    let key = page_key(global, spec.template, &base, &spec.data);
    if known(&path, &key) {
        return Ok(Planned {
            path,
            key,
            body: Body::Known,
        });
    }
    render_body(env, spec, &base, path, key)
}

/// The HTML of a page whose key is known not to be the live site's.
fn render_body(
    env: &Environment,
    spec: &PageSpec,
    base: &Base,
    path: String,
    key: String,
) -> Result<Planned, RenderError> {
    let html = env
        .get_template(spec.template)
        .and_then(|t| t.render(context! { page => spec.data.clone(), ..Value::from(Serde(base)) }))
        .map_err(|source| RenderError::Page {
            page: path.clone(),
            source,
        })?;
    Ok(Planned {
        path,
        key,
        body: Body::Bytes(html.into_bytes()),
    })
}

fn not_found_page(env: &Environment, input: &RenderInput, lang: Lang) -> Result<Vec<OutFile>, RenderError> {
    let spec = PageSpec {
        path: String::new(),
        template: "404.html",
        title: ui(lang, input.locales.text(lang, "notfound.title")),
        description: String::new(),
        nav: "none",
        crumbs: vec![],
        data: Value::from(()),
        ..Default::default()
    };
    // Served at any missing address: links must not depend on the page's own place.
    let root = base_path(input.site);
    let mut base = base_for(input, lang, &spec, root.clone());
    base.twin = format!("{root}{}404.html", lang.other().prefix());
    base.canonical = abs(input.site, &format!("{}404.html", lang.prefix()));
    base.alternates.clear();
    let path = format!("{}404.html", lang.prefix());
    let html = env
        .get_template("404.html")
        .and_then(|t| t.render(context! { page => Value::from(()), ..Value::from(Serde(&base)) }))
        .map_err(|source| RenderError::Page {
            page: path.clone(),
            source,
        })?;
    Ok(vec![OutFile {
        path,
        bytes: html.into_bytes(),
    }])
}
