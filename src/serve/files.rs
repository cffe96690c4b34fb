// The built site, served from memory (pages as gzip; files over 256 KB from disk): content
// types, validators (ETag, 304), gzip made once at
// load, cache lifetimes (a year for content-hashed files, revalidation for pages), the site's own
// 404 page. A request for an object page is reported as a page hit: through its QR address
// (`/O/<ID>/`) a scan, otherwise a view; the visitor gets the page in the same single response.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Files at most this large are held in memory (pages, scripts, QR codes, small pictures); larger
/// ones (photos, big open-data files) are read from the built folder when asked for, so the
/// server's memory does not grow with the collection's photographs.
pub const IN_MEMORY_MAX: u64 = 256 * 1024;

/// Where a file's bytes are.
enum Stored {
    Memory(Bytes),
    /// Only the gzip form is held (in `gzip`): every browser takes it, and it is a third of the
    /// size; the rare client that does not is sent it decompressed.
    Gzipped,
    Disk(std::path::PathBuf),
}

/// One file of the site.
pub struct StaticFile {
    body: Stored,
    gzip: Option<Bytes>,
    etag: HeaderValue,
    content_type: &'static str,
    cache: &'static str,
}

/// Every file of the built site, by path relative to the site root (`o/HL-001/index.html`).
#[derive(Default)]
pub struct SiteFiles {
    files: HashMap<String, Arc<StaticFile>>,
    /// Object IDs by their lower-case form (`hl-001` → `HL-001`), for addresses typed or
    /// scanned in another case; IDs that differ only in case are left out (no guessing).
    ids: HashMap<String, String>,
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, e)| e) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("webp") => "image/webp",
        Some("mp3") => "audio/mpeg",
        Some("m4a") => "audio/mp4",
        Some("ogg" | "opus") => "audio/ogg",
        Some("xml") => "application/xml",
        Some("csv") => "text/csv; charset=utf-8",
        Some("txt") => "text/plain; charset=utf-8",
        Some("pdf") => "application/pdf",
        Some("ics") => "text/calendar; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Files whose names carry their content hash never change: a year, immutable. Pages and other
/// files are revalidated (a cheap 304), so a rebuilt site is seen at once and scans still reach
/// the server.
fn cache_control(path: &str) -> &'static str {
    let hashed = path.starts_with("assets/") && path.matches('.').count() >= 2
        || path.starts_with("media/")
        || path.starts_with("iiif/") && !path.ends_with(".json");
    if hashed {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    }
}

fn compressible(ct: &str) -> bool {
    ct.starts_with("text/") || ct == "application/json" || ct == "image/svg+xml" || ct == "application/xml"
}

impl SiteFiles {
    /// Read the built site at `dir` into memory.
    pub fn load(dir: &Path) -> std::io::Result<SiteFiles> {
        SiteFiles::load_with(dir, None)
    }

    /// Load the site, with `snippet` placed before `</body>` of every page (the reload script of
    /// `--watch`), before the pages are compressed.
    pub fn load_with(dir: &Path, snippet: Option<&str>) -> std::io::Result<SiteFiles> {
        let mut paths = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d)? {
                let e = e?;
                let p = e.path();
                if e.file_type()?.is_dir() {
                    stack.push(p);
                    continue;
                }
                let Some(rel) = p.strip_prefix(dir).ok().and_then(|r| r.to_str()) else {
                    continue;
                };
                let rel = rel.replace('\\', "/");
                if !rel.starts_with('.') {
                    paths.push(rel);
                }
            }
        }
        let loaded: std::io::Result<Vec<(String, Arc<StaticFile>)>> = {
            use rayon::prelude::*;
            paths
                .into_par_iter()
                .map(|rel| load_file(dir, &rel, snippet).map(|f| (rel, Arc::new(f))))
                .collect()
        };
        Ok(SiteFiles::new(loaded?.into_iter().collect()))
    }

    /// This site with the files a build changed read again from `dir` (all of them when the
    /// build does not know what changed), the others shared.
    pub fn refreshed(
        &self,
        dir: &Path,
        changes: &crate::output::Changes,
        snippet: Option<&str>,
    ) -> std::io::Result<SiteFiles> {
        if changes.all {
            return SiteFiles::load_with(dir, snippet);
        }
        let mut files = self.files.clone();
        for r in &changes.removed {
            files.remove(r);
        }
        let loaded: std::io::Result<Vec<(String, Arc<StaticFile>)>> = {
            use rayon::prelude::*;
            changes
                .changed
                .par_iter()
                .filter(|rel| !rel.starts_with('.'))
                .map(|rel| load_file(dir, rel, snippet).map(|f| (rel.clone(), Arc::new(f))))
                .collect()
        };
        files.extend(loaded?);
        Ok(SiteFiles::new(files))
    }

    fn new(files: HashMap<String, Arc<StaticFile>>) -> SiteFiles {
        let mut ids: HashMap<String, Option<String>> = HashMap::new();
        for key in files.keys() {
            if let Some(id) = key.strip_prefix("o/").and_then(|r| r.strip_suffix("/index.html"))
                && !id.contains('/')
            {
                ids.entry(id.to_lowercase())
                    .and_modify(|known| {
                        if known.as_deref() != Some(id) {
                            *known = None
                        }
                    })
                    .or_insert_with(|| Some(id.to_string()));
            }
        }
        let ids = ids.into_iter().filter_map(|(k, v)| Some((k, v?))).collect();
        SiteFiles { files, ids }
    }

    /// Where an object address written in another case should go (`/o/hl-001/` →
    /// `/o/HL-001/`, `/en/O/hl-001` → `/en/o/HL-001/`): the page of the object whose ID matches
    /// without regard to case; a QR address (`/O/…`) goes to the QR address of that object, where
    /// the scan is counted. None when no object matches.
    pub fn object_in_other_case(&self, path: &str) -> Option<String> {
        let rel = path.trim_start_matches('/');
        let (prefix, rel) = match rel.get(..3) {
            Some(p) if p.eq_ignore_ascii_case("en/") => ("en/", &rel[3..]),
            _ => ("", rel),
        };
        let qr = rel.starts_with("O/");
        let rest = rel.strip_prefix("o/").or(rel.strip_prefix("O/"))?;
        let rest = rest.strip_suffix("index.html").unwrap_or(rest);
        let id = rest.strip_suffix('/').unwrap_or(rest);
        if id.is_empty() || id.contains('/') {
            return None;
        }
        let id = self.ids.get(&id.to_lowercase())?;
        let upper = format!("{prefix}O/{}/", id.to_uppercase());
        let to = if qr && self.files.contains_key(&format!("{upper}index.html")) {
            upper
        } else {
            format!("{prefix}o/{id}/")
        };
        let to = format!("/{to}");
        (to != path).then_some(to)
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The file for a request path (`/o/HL-001/`), or where a path without its slash should go.
    pub fn lookup(&self, path: &str) -> Lookup {
        let rel = path.trim_start_matches('/');
        if rel.split('/').any(|c| c == ".." || c == ".") {
            return Lookup::Missing;
        }
        let key = if rel.is_empty() || rel.ends_with('/') {
            format!("{rel}index.html")
        } else {
            rel.to_string()
        };
        if let Some(f) = self.files.get(&key) {
            return Lookup::Found(f.clone());
        }
        if !rel.is_empty() && !rel.ends_with('/') && self.files.contains_key(&format!("{rel}/index.html")) {
            return Lookup::AddSlash;
        }
        Lookup::Missing
    }

    /// The 404 page in the language of the requested path.
    pub fn not_found(&self, path: &str) -> Option<Arc<StaticFile>> {
        let key = if path.starts_with("/en/") {
            "en/404.html"
        } else {
            "404.html"
        };
        self.files.get(key).cloned()
    }
}

impl StaticFile {
    /// The file's bytes, uncompressed (for a page the server completes before sending).
    pub async fn bytes(&self) -> std::io::Result<Bytes> {
        match &self.body {
            Stored::Memory(b) => Ok(b.clone()),
            Stored::Gzipped => match &self.gzip {
                Some(z) => gunzip(z).map(Bytes::from),
                None => Err(std::io::Error::other("no body")),
            },
            Stored::Disk(p) => tokio::fs::read(p).await.map(Bytes::from),
        }
    }
}

fn gunzip(z: &[u8]) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut out = Vec::with_capacity(z.len() * 4);
    flate2::read::GzDecoder::new(z).read_to_end(&mut out)?;
    Ok(out)
}

/// One file of the built site: in memory (gzip made once) when small, else its place on disk.
fn load_file(dir: &Path, rel: &str, snippet: Option<&str>) -> std::io::Result<StaticFile> {
    let p = dir.join(rel);
    let ct = content_type(rel);
    let meta = std::fs::metadata(&p)?;
    if meta.len() > IN_MEMORY_MAX {
        // Validator from size and time: the file is not read until someone asks for it.
        use std::os::unix::fs::MetadataExt;
        let etag = HeaderValue::from_str(&format!(
            "\"{:x}-{:x}-{:x}\"",
            meta.len(),
            meta.mtime(),
            meta.mtime_nsec()
        ))
        .expect("hex is a header");
        return Ok(StaticFile {
            body: Stored::Disk(p),
            gzip: None,
            etag,
            content_type: ct,
            cache: cache_control(rel),
        });
    }
    let mut body = std::fs::read(&p)?;
    if let Some(snip) = snippet
        && rel.ends_with(".html")
        && let Some(at) = body.windows(7).rposition(|w| w == b"</body>")
    {
        body.splice(at..at, snip.bytes());
    }
    let gzip = (compressible(ct) && body.len() > 1024).then(|| {
        let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
        z.write_all(&body).expect("gzip into memory");
        Bytes::from(z.finish().expect("gzip into memory"))
    });
    let hash = blake3::hash(&body);
    let etag = HeaderValue::from_str(&format!("\"{}\"", &hash.to_hex()[..20])).expect("hex is a header");
    Ok(StaticFile {
        body: if gzip.is_some() {
            Stored::Gzipped
        } else {
            Stored::Memory(Bytes::from(body))
        },
        gzip,
        etag,
        content_type: ct,
        cache: cache_control(rel),
    })
}

pub enum Lookup {
    Found(Arc<StaticFile>),
    AddSlash,
    Missing,
}

/// A response for `file`, honouring HEAD, If-None-Match and Accept-Encoding.
pub async fn respond(file: &StaticFile, status: StatusCode, method: &Method, req: &HeaderMap) -> Response {
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(file.content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(file.cache));
    headers.insert(header::ETAG, file.etag.clone());
    if file.gzip.is_some() {
        headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    }
    if status == StatusCode::OK
        && req
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(',').any(|t| t.trim() == file.etag || t.trim() == "*"))
    {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    let gzip_ok = req
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip")));
    let body = match (&file.gzip, gzip_ok) {
        (Some(z), true) => {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            z.clone()
        }
        _ => match &file.body {
            Stored::Memory(b) => b.clone(),
            Stored::Gzipped => match file.gzip.as_ref().map(|z| gunzip(z)) {
                Some(Ok(b)) => Bytes::from(b),
                _ => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
            },
            // Files too large to hold: read when asked for (off the runtime's threads). A file
            // gone since the site was loaded (a rebuild in between) is a 404.
            Stored::Disk(p) => match tokio::fs::read(p).await {
                Ok(b) => Bytes::from(b),
                Err(_) => return StatusCode::NOT_FOUND.into_response(),
            },
        },
    };
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
    if method == Method::HEAD {
        return (status, headers, Body::empty()).into_response();
    }
    (status, headers, body).into_response()
}

/// `o/HL-001/`, `en/o/HL-001/` or `O/HL-001/` → (object ID, language, through the QR address).
pub fn object_of(path: &str) -> Option<(&str, &'static str, bool)> {
    let rel = path.trim_start_matches('/');
    let (rel, lang) = match rel.strip_prefix("en/") {
        Some(r) => (r, "en"),
        None => (rel, "vi"),
    };
    let (rest, qr) = if let Some(r) = rel.strip_prefix("O/") {
        (r, true)
    } else {
        (rel.strip_prefix("o/")?, false)
    };
    let id = rest.strip_suffix('/').or(Some(rest)
        .filter(|r| r.ends_with("index.html"))
        .and_then(|r| r.strip_suffix("/index.html")))?;
    (!id.is_empty() && !id.contains('/')).then_some((id, lang, qr))
}

/// A coarse device class from the User-Agent, or None for crawlers (not counted).
pub fn device_class(ua: &str) -> Option<&'static str> {
    let l = ua.to_ascii_lowercase();
    if l.is_empty()
        || [
            "bot", "spider", "crawl", "slurp", "preview", "curl", "wget", "wrk",
        ]
        .iter()
        .any(|b| l.contains(b))
    {
        return None;
    }
    if l.contains("ipad") || l.contains("tablet") || (l.contains("android") && !l.contains("mobile")) {
        Some("tablet")
    } else if l.contains("mobi") || l.contains("iphone") || l.contains("android") {
        Some("phone")
    } else {
        Some("desktop")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_paths() {
        assert_eq!(object_of("/o/HL-001/"), Some(("HL-001", "vi", false)));
        assert_eq!(object_of("/en/o/HL-001/"), Some(("HL-001", "en", false)));
        assert_eq!(object_of("/O/HL-001/"), Some(("HL-001", "vi", true)));
        assert_eq!(object_of("/o/HL-001/index.html"), Some(("HL-001", "vi", false)));
        assert_eq!(object_of("/o/"), None);
        assert_eq!(object_of("/e/trang-an/"), None);
        assert_eq!(object_of("/o/HL-001/x/"), None);
    }

    #[test]
    fn object_addresses_in_another_case_find_the_object() {
        let page = || {
            Arc::new(StaticFile {
                body: Stored::Memory(Bytes::new()),
                gzip: None,
                etag: HeaderValue::from_static("\"x\""),
                content_type: "text/html; charset=utf-8",
                cache: "no-cache",
            })
        };
        let site = SiteFiles::new(
            [
                "o/HL-001/index.html",
                "en/o/HL-001/index.html",
                "O/HL-001/index.html",
                "o/Ab-1/index.html",
                "o/ab-1/index.html",
                "o/TA-2/index.html",
            ]
            .into_iter()
            .map(|k| (k.to_string(), page()))
            .collect(),
        );
        let to = |p: &str| site.object_in_other_case(p);
        assert_eq!(to("/o/hl-001/"), Some("/o/HL-001/".into()));
        assert_eq!(to("/o/hl-001"), Some("/o/HL-001/".into()));
        assert_eq!(to("/en/o/hl-001/"), Some("/en/o/HL-001/".into()));
        assert_eq!(to("/EN/O/Hl-001/index.html"), Some("/en/o/HL-001/".into()));
        // A scan keeps its QR address, where it is counted.
        assert_eq!(to("/O/hl-001/"), Some("/O/HL-001/".into()));
        // No QR address published: the object's page.
        assert_eq!(to("/O/ta-2/"), Some("/o/TA-2/".into()));
        // Two IDs that differ only in case: no guess.
        assert_eq!(to("/o/AB-1/"), None);
        assert_eq!(to("/o/nothing/"), None);
        assert_eq!(to("/e/hl-001/"), None);
        assert_eq!(to("/o/hl-001/x/"), None);
    }

    #[test]
    fn devices() {
        let android_phone =
            "Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36";
        assert_eq!(device_class(android_phone), Some("phone"));
        assert_eq!(
            device_class("Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X)"),
            Some("tablet")
        );
        assert_eq!(
            device_class("Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0"),
            Some("desktop")
        );
        assert_eq!(device_class("Googlebot/2.1"), None);
        assert_eq!(device_class(""), None);
    }
}
