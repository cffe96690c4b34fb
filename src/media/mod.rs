// Image derivatives: each source photo decoded once (shrunk inside the JPEG decoder when only small
// sizes are needed), made upright and sRGB, resized to the configured widths and encoded as WebP
// and JPEG, plus IIIF deep-zoom tiles for large photos. Cached by content hash, so an unchanged
// photo is never decoded again. Knows nothing of pages: `render` turns the results into markup.

mod decode;
mod encode;
pub mod qr;
pub mod tiles;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};

use image::RgbImage;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

pub use decode::ProbeError;
pub use tiles::TileSet;

/// Bump when the output of the pipeline changes, so caches from older versions are not reused.
const PIPELINE_VERSION: &str = "vitrine-media-2";

/// Images larger than this on a side are refused (decompression bombs, scanner mistakes).
pub const MAX_SIDE: u32 = 40_000;
/// Images with more pixels than this are refused from their header, before decoding: decoded as
/// 8-bit RGBA they would fill the decoder's 1 GiB limit. A 150-megapixel medium-format camera and
/// long panoramas fit; a small file claiming 30,000 × 30,000 px (a decompression bomb) does not.
pub const MAX_PIXELS: u64 = 250_000_000;
/// The longest side that always fits MAX_PIXELS, whatever the shape: what curators are told.
pub const SAFE_SIDE: u32 = 15_000;

#[derive(Debug, Clone)]
pub struct MediaSettings {
    /// Widths of the derivatives, ascending.
    pub widths: Vec<u32>,
    /// JPEG quality; WebP uses the same number on its own scale.
    pub quality: u8,
    /// Make IIIF tiles for photos wider than the largest width.
    pub deep_zoom: bool,
    pub tile_size: u32,
    /// Upper bound of decoded pixel memory in use at once across parallel jobs, in bytes. A photo
    /// larger than this still runs, alone.
    pub memory_budget: u64,
}

impl MediaSettings {
    pub fn new(widths: Vec<u32>, quality: u8) -> MediaSettings {
        MediaSettings {
            widths,
            quality,
            deep_zoom: true,
            tile_size: 512,
            memory_budget: 160 << 20,
        }
    }

    fn fingerprint(&self) -> String {
        format!(
            "{PIPELINE_VERSION}|{:?}|{}|{}|{}",
            self.widths, self.quality, self.deep_zoom, self.tile_size
        )
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Hash)]
pub struct Variant {
    /// Path relative to the site root, e.g. `media/1a2b3c4d5e6f7a8b9c0d-400.webp`.
    pub url: String,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
}

/// The derivatives of one source photo.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Hash)]
pub struct Derived {
    /// Content hash of the source and settings: names every file made from it.
    pub key: String,
    /// Size of the photo as displayed (after EXIF orientation).
    pub width: u32,
    pub height: u32,
    /// JPEG fallbacks, smallest first.
    pub jpeg: Vec<Variant>,
    /// WebP versions of the same sizes, smallest first.
    pub webp: Vec<Variant>,
    /// Deep-zoom tiles under `iiif/<key>/`, when the photo is larger than the largest derivative.
    pub tiles: Option<TileSet>,
}

impl Derived {
    /// The smallest JPEG at least `w` wide, or the largest.
    pub fn at_least(&self, w: u32) -> &Variant {
        self.jpeg
            .iter()
            .find(|v| v.width >= w)
            .unwrap_or_else(|| self.largest())
    }

    pub fn largest(&self) -> &Variant {
        self.jpeg
            .last()
            .expect("a Derived always has at least one variant")
    }

    pub fn srcset(&self, prefix: &str) -> String {
        srcset(&self.jpeg, prefix)
    }

    pub fn webp_srcset(&self, prefix: &str) -> String {
        srcset(&self.webp, prefix)
    }

    /// Folder of the IIIF tiles, relative to the site root.
    pub fn iiif_dir(&self) -> Option<String> {
        self.tiles.as_ref().map(|_| format!("iiif/{}", self.key))
    }
}

fn srcset(v: &[Variant], prefix: &str) -> String {
    v.iter()
        .map(|v| format!("{prefix}{} {}w", v.url, v.width))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What a derivation run did: photos decoded and files encoded (zero on a warm rebuild).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MediaStats {
    pub sources: usize,
    pub decoded: usize,
    pub encoded: usize,
    pub reused: usize,
}

#[derive(Debug, Clone)]
pub struct MediaError {
    pub path: PathBuf,
    pub message: String,
}

/// Pixel size from the file header only, without decoding the image.
pub fn probe_dimensions(path: &Path) -> Result<(u32, u32), ProbeError> {
    // The header is in the first few kilobytes, except for JPEGs with big EXIF blocks.
    let bytes =
        std::fs::read(path).map_err(|e| ProbeError::Unreadable(format!("cannot read the file: {e}")))?;
    decode::probe(&bytes)
}

/// Counts decoded-pixel bytes in use, so parallel jobs on big photos do not exhaust memory.
struct MemoryBudget {
    limit: u64,
    used: Mutex<u64>,
    freed: Condvar,
}

impl MemoryBudget {
    fn acquire(&self, want: u64) -> u64 {
        let want = want.min(self.limit);
        let mut used = self.used.lock().unwrap_or_else(|e| e.into_inner());
        while *used + want > self.limit && *used > 0 {
            used = self.freed.wait(used).unwrap_or_else(|e| e.into_inner());
        }
        *used += want;
        want
    }

    fn release(&self, n: u64) {
        let mut used = self.used.lock().unwrap_or_else(|e| e.into_inner());
        *used -= n;
        self.freed.notify_all();
    }
}

/// Remembers the content hash of each source by its size and modification time, so a warm build
/// does not read unchanged photos at all (as git's index does).
#[derive(Default, Serialize, Deserialize)]
struct StatIndex {
    entries: HashMap<PathBuf, (u64, i128, String)>,
}

/// Size and modification time (ns since 1970) of a file: how unchanged files are recognised
/// without reading them.
pub(crate) fn stat_of(path: &Path) -> Option<(u64, i128)> {
    let m = std::fs::metadata(path).ok()?;
    let mtime = m
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_nanos() as i128;
    Some((m.len(), mtime))
}

/// A derived photo and the size and modification time its source had.
type Outcome = Result<(Derived, Option<(u64, i128)>), String>;

struct Run<'a> {
    settings: &'a MediaSettings,
    fingerprint: String,
    cache_dir: &'a Path,
    out_root: &'a Path,
    budget: MemoryBudget,
    index: &'a StatIndex,
    decoded: AtomicUsize,
    encoded: AtomicUsize,
    reused: AtomicUsize,
}

/// Derive every photo in `sources` into `out_root/media/` and `out_root/iiif/`, using and filling
/// `cache_dir`. `progress(done, total)` is called as photos finish. Work runs on rayon's pool.
pub fn derive_images(
    sources: &[PathBuf],
    settings: &MediaSettings,
    cache_dir: &Path,
    out_root: &Path,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> (HashMap<PathBuf, Derived>, Vec<MediaError>, MediaStats) {
    let total = sources.len();
    if let Err(e) =
        std::fs::create_dir_all(out_root.join("media")).and_then(|_| std::fs::create_dir_all(cache_dir))
    {
        let err = MediaError {
            path: cache_dir.to_path_buf(),
            message: format!("cannot create folder: {e}"),
        };
        return (HashMap::new(), vec![err], MediaStats::default());
    }
    remove_dead_temporaries(cache_dir);
    let index_path = cache_dir.join("index.json");
    let index: StatIndex = std::fs::read(&index_path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    let run = Run {
        settings,
        fingerprint: settings.fingerprint(),
        cache_dir,
        out_root,
        budget: MemoryBudget {
            limit: settings.memory_budget.max(1),
            used: Mutex::new(0),
            freed: Condvar::new(),
        },
        index: &index,
        decoded: AtomicUsize::new(0),
        encoded: AtomicUsize::new(0),
        reused: AtomicUsize::new(0),
    };
    let done = AtomicUsize::new(0);
    let results: Vec<(PathBuf, Outcome)> = sources
        .par_iter()
        .map(|src| {
            let r = run.derive_one(src);
            progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
            (src.clone(), r)
        })
        .collect();
    let mut map = HashMap::new();
    let mut errors = Vec::new();
    let mut new_index = StatIndex::default();
    for (p, r) in results {
        match r {
            Ok((d, stat)) => {
                if let Some((len, mtime)) = stat {
                    new_index.entries.insert(p.clone(), (len, mtime, d.key.clone()));
                }
                map.insert(p, d);
            }
            Err(message) => errors.push(MediaError { path: p, message }),
        }
    }
    let stats = MediaStats {
        sources: total,
        decoded: run.decoded.into_inner(),
        encoded: run.encoded.into_inner(),
        reused: run.reused.into_inner(),
    };
    // Keep what other projects sharing this cache remembered; replace ours. Written beside and
    // renamed, like every cache file.
    let mut merged = index;
    merged.entries.retain(|p, _| !new_index.entries.contains_key(p));
    merged.entries.extend(new_index.entries);
    if let Ok(bytes) = serde_json::to_vec(&merged) {
        let tmp = cache_dir.join(format!(".index-{}.json", std::process::id()));
        if std::fs::write(&tmp, bytes).is_ok() {
            let _ = std::fs::rename(&tmp, &index_path);
        }
    }
    (map, errors, stats)
}

impl Run<'_> {
    fn derive_one(&self, src: &Path) -> Outcome {
        let stat = stat_of(src);
        // Known and unchanged since the last build: no need to read the photo at all.
        if let (Some((len, mtime)), Some((l, m, key))) = (stat, self.index.entries.get(src))
            && (*l, *m) == (len, mtime)
            && key.len() == 20
            && let Some(d) = self.cached(key)
            && self.publish(&d).is_ok()
        {
            self.reused.fetch_add(1, Ordering::Relaxed);
            return Ok((d, stat));
        }
        let bytes = std::fs::read(src).map_err(|e| format!("cannot read: {e}"))?;
        let mut h = blake3::Hasher::new();
        h.update(self.fingerprint.as_bytes());
        h.update(&bytes);
        let key = h.finalize().to_hex()[..20].to_string();
        if let Some(d) = self.cached(&key)
            && self.publish(&d).is_ok()
        {
            self.reused.fetch_add(1, Ordering::Relaxed);
            return Ok((d, stat));
        }
        let d = self.encode_entry(&bytes, &key)?;
        self.publish(&d)?;
        Ok((d, stat))
    }

    /// A complete cache entry: one JPEG and one WebP per width, the key it claims.
    fn cached(&self, key: &str) -> Option<Derived> {
        let meta = std::fs::read(self.cache_dir.join(key).join("meta.json")).ok()?;
        let d = serde_json::from_slice::<Derived>(&meta).ok()?;
        let sound = d.key == key
            && !d.jpeg.is_empty()
            && d.jpeg.len() == d.webp.len()
            && d.jpeg.iter().zip(&d.webp).all(|(j, w)| j.width == w.width);
        sound.then_some(d)
    }

    /// Hard-link (or copy) a cache entry's files into the site being built.
    fn publish(&self, d: &Derived) -> Result<(), String> {
        let entry = self.cache_dir.join(&d.key);
        let media = self.out_root.join("media");
        for v in d.jpeg.iter().chain(&d.webp) {
            let name = file_name(&v.url);
            link(&entry.join(name), &media.join(name))?;
        }
        if d.tiles.is_some() {
            link_tree(&entry.join("iiif"), &self.out_root.join("iiif").join(&d.key))?;
        }
        Ok(())
    }

    /// Decode, orient, convert, resize and encode one photo into a new cache entry, written in a
    /// temporary folder and renamed into place, so a killed build never leaves half an entry.
    fn encode_entry(&self, bytes: &[u8], key: &str) -> Result<Derived, String> {
        let s = self.settings;
        let max_width = s.widths.last().copied().unwrap_or(1600);
        let (sw, sh) = decode::probe(bytes).map_err(|e| e.to_string())?;
        // Tiles need every pixel; derivatives alone only need the largest width.
        let may_tile = s.deep_zoom && sw.max(sh) > max_width;
        let min_width = if may_tile { 0 } else { max_width };
        let shrink = sw.max(sh).checked_div(min_width).map_or(1, |s| s.clamp(1, 8));
        let estimate = u64::from(sw) * u64::from(sh) * 3 * 2 / u64::from(shrink * shrink);
        let reserved = self.budget.acquire(estimate);
        let result = self.encode_reserved(bytes, key, min_width);
        self.budget.release(reserved);
        result
    }

    fn encode_reserved(&self, bytes: &[u8], key: &str, min_width: u32) -> Result<Derived, String> {
        let s = self.settings;
        let max_width = s.widths.last().copied().unwrap_or(1600);
        let (pixels, (w, h)) = decode::decode(bytes, min_width)?;
        self.decoded.fetch_add(1, Ordering::Relaxed);
        let img = pixels.image;

        let tmp = self.cache_dir.join(format!(
            ".tmp-{key}-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&tmp);
        std::fs::create_dir_all(&tmp).map_err(|e| format!("cannot write the image cache: {e}"))?;

        let mut levels: Vec<RgbImage> = Vec::new();
        let tiles = if s.deep_zoom && w > max_width && img.width() == w {
            let (t, lv) = tiles::write_tiles(&img, &tmp.join("iiif"), s.tile_size, s.quality)?;
            self.encoded.fetch_add(t.files, Ordering::Relaxed);
            levels = lv;
            Some(t)
        } else {
            None
        };

        let mut widths: Vec<u32> = s.widths.iter().copied().filter(|&x| x < w).collect();
        if widths.len() < s.widths.len() {
            // Never upscale: the photo's own width stands in for every larger step.
            widths.push(w);
        }
        let (mut jpeg, mut webp) = (Vec::new(), Vec::new());
        // Largest first; each size is made from the smallest image already at hand that is at
        // least as wide (the decoded photo, a tile level or the previous size).
        let mut previous: Option<RgbImage> = None;
        for &tw in widths.iter().rev() {
            let th = encode::scaled_height(w, h, tw);
            let source = std::iter::once(&img)
                .chain(levels.iter())
                .chain(previous.iter())
                .filter(|c| c.width() >= tw)
                .min_by_key(|c| c.width())
                .unwrap_or(&img);
            let sized = encode::resize_exact(source, tw, th)?;
            for (ext, data, list) in [
                ("jpg", encode::jpeg(&sized, s.quality)?, &mut jpeg),
                ("webp", encode::webp(&sized, s.quality), &mut webp),
            ] {
                let name = format!("{key}-{tw}.{ext}");
                std::fs::write(tmp.join(&name), &data).map_err(|e| format!("cannot write {name}: {e}"))?;
                self.encoded.fetch_add(1, Ordering::Relaxed);
                list.push(Variant {
                    url: format!("media/{name}"),
                    width: tw,
                    height: th,
                    bytes: data.len() as u64,
                });
            }
            previous = Some(sized);
        }
        jpeg.reverse();
        webp.reverse();
        let d = Derived {
            key: key.to_string(),
            width: w,
            height: h,
            jpeg,
            webp,
            tiles,
        };
        let meta = serde_json::to_vec_pretty(&d).map_err(|e| e.to_string())?;
        std::fs::write(tmp.join("meta.json"), meta)
            .map_err(|e| format!("cannot write the image cache: {e}"))?;
        let entry = self.cache_dir.join(key);
        if std::fs::rename(&tmp, &entry).is_err() {
            if self.cached(key).is_some() {
                // Another build made the same entry meanwhile (it may be linking from it): keep it.
                let _ = std::fs::remove_dir_all(&tmp);
            } else {
                // A broken entry is in the way: replace it.
                let _ = std::fs::remove_dir_all(&entry);
                if std::fs::rename(&tmp, &entry).is_err() {
                    let _ = std::fs::remove_dir_all(&tmp);
                }
            }
        }
        Ok(d)
    }
}

/// Put a cache file into the site as a hard link. Never writes through an existing path: the
/// site's files are links to the cache, and writing into one would change the cache, the live site
/// and every other link at once.
fn link(from: &Path, to: &Path) -> Result<(), String> {
    match std::fs::hard_link(from, to) {
        Ok(()) => Ok(()),
        // Another job published the same photo (two objects may share one file).
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        // Another file system (or no hard links): copy beside, then rename into place.
        Err(_) => {
            let tmp = to.with_file_name(format!(
                ".{}.{}-{:?}",
                to.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                std::process::id(),
                std::thread::current().id()
            ));
            std::fs::copy(from, &tmp)
                .and_then(|_| std::fs::rename(&tmp, to))
                .map_err(|e| format!("cannot put {} into the site: {e}", to.display()))
        }
    }
}

fn link_tree(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|e| format!("cannot create {}: {e}", to.display()))?;
    for e in std::fs::read_dir(from).map_err(|e| format!("cannot read {}: {e}", from.display()))? {
        let e = e.map_err(|e| e.to_string())?;
        let p = e.path();
        if p.is_dir() {
            link_tree(&p, &to.join(e.file_name()))?;
        } else {
            link(&p, &to.join(e.file_name()))?;
        }
    }
    Ok(())
}

/// Half-written cache entries of builds that were killed (`.tmp-<key>-<pid>-…` whose process is
/// gone). Complete entries are never touched.
fn remove_dead_temporaries(cache_dir: &Path) {
    let Ok(rd) = std::fs::read_dir(cache_dir) else {
        return;
    };
    for e in rd.filter_map(Result::ok) {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix(".tmp-") else {
            continue;
        };
        let pid = rest.split('-').nth(1).and_then(|p| p.parse::<u32>().ok());
        if pid.is_some_and(crate::proc::process_is_gone) {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

fn file_name(url: &str) -> &str {
    url.rsplit('/').next().unwrap_or(url)
}
