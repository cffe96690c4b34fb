// Image derivatives: each source photo decoded once, oriented, resized to the configured widths
// and encoded, cached by a content hash so unchanged photos are never processed again. Knows
// nothing of pages: it returns file names and sizes for `render` to put in `srcset`.

use std::collections::HashMap;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use image::{DynamicImage, ImageDecoder, ImageReader, Limits};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Bump when the output of the pipeline changes, so caches from older versions are not reused.
const PIPELINE_VERSION: &str = "vitrine-media-1";

/// Images larger than this on a side are refused (decompression bombs, scanner mistakes).
pub const MAX_SIDE: u32 = 40_000;

#[derive(Debug, Clone, Hash)]
pub struct MediaSettings {
    pub widths: Vec<u32>,
    pub quality: u8,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Variant {
    /// Path relative to the site root, e.g. `media/1a2b3c4d5e6f7a8b9c0d-480.jpg`.
    pub url: String,
    pub width: u32,
    pub height: u32,
}

/// The derivatives of one source photo, smallest first.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Derived {
    /// Size of the photo as displayed (after EXIF orientation).
    pub width: u32,
    pub height: u32,
    pub variants: Vec<Variant>,
}

impl Derived {
    /// The smallest variant at least `w` wide, or the largest.
    pub fn at_least(&self, w: u32) -> &Variant {
        self.variants
            .iter()
            .find(|v| v.width >= w)
            .unwrap_or_else(|| self.largest())
    }

    pub fn largest(&self) -> &Variant {
        self.variants
            .last()
            .expect("a Derived always has at least one variant")
    }

    pub fn srcset(&self, prefix: &str) -> String {
        self.variants
            .iter()
            .map(|v| format!("{prefix}{} {}w", v.url, v.width))
            .collect::<Vec<_>>()
            .join(", ")
    }
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

fn limits() -> Limits {
    let mut l = Limits::default();
    l.max_image_width = Some(MAX_SIDE);
    l.max_image_height = Some(MAX_SIDE);
    l.max_alloc = Some(1 << 30);
    l
}

/// Pixel size from the file header only, without decoding the image.
pub fn probe_dimensions(path: &Path) -> Result<(u32, u32), String> {
    let mut r = ImageReader::open(path)
        .map_err(|e| e.to_string())?
        .with_guessed_format()
        .map_err(|e| e.to_string())?;
    r.limits(limits());
    let (w, h) = r.into_dimensions().map_err(|e| e.to_string())?;
    if w == 0 || h == 0 || w > MAX_SIDE || h > MAX_SIDE {
        return Err(format!(
            "{w}×{h} px is outside the supported size (1 to {MAX_SIDE} px a side)"
        ));
    }
    Ok((w, h))
}

/// Content hash of a source file and the settings: the cache key and the public file name stem.
fn cache_key(bytes: &[u8], settings: &MediaSettings) -> String {
    let mut h = blake3::Hasher::new();
    h.update(PIPELINE_VERSION.as_bytes());
    h.update(format!("{:?}|{}", settings.widths, settings.quality).as_bytes());
    h.update(bytes);
    h.finalize().to_hex()[..20].to_string()
}

/// Derive every photo in `sources` into `out_root/media/`, using and filling `cache_dir`.
/// `progress(done, total)` is called as photos finish. Work runs on rayon's pool.
pub fn derive_images(
    sources: &[PathBuf],
    settings: &MediaSettings,
    cache_dir: &Path,
    out_root: &Path,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> (HashMap<PathBuf, Derived>, Vec<MediaError>, MediaStats) {
    let media_out = out_root.join("media");
    let total = sources.len();
    let done = AtomicUsize::new(0);
    let decoded = AtomicUsize::new(0);
    let encoded = AtomicUsize::new(0);
    let reused = AtomicUsize::new(0);
    if let Err(e) = std::fs::create_dir_all(&media_out).and_then(|_| std::fs::create_dir_all(cache_dir)) {
        let err = MediaError {
            path: media_out.clone(),
            message: format!("cannot create folder: {e}"),
        };
        return (HashMap::new(), vec![err], MediaStats::default());
    }
    remove_dead_temporaries(cache_dir);
    let results: Vec<(PathBuf, Result<Derived, String>)> = sources
        .par_iter()
        .map(|src| {
            let r = derive_one(src, settings, cache_dir, &media_out, &decoded, &encoded, &reused);
            progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
            (src.clone(), r)
        })
        .collect();
    let mut map = HashMap::new();
    let mut errors = Vec::new();
    for (p, r) in results {
        match r {
            Ok(d) => {
                map.insert(p, d);
            }
            Err(message) => errors.push(MediaError { path: p, message }),
        }
    }
    let stats = MediaStats {
        sources: total,
        decoded: decoded.into_inner(),
        encoded: encoded.into_inner(),
        reused: reused.into_inner(),
    };
    (map, errors, stats)
}

fn derive_one(
    src: &Path,
    settings: &MediaSettings,
    cache_dir: &Path,
    media_out: &Path,
    decoded: &AtomicUsize,
    encoded: &AtomicUsize,
    reused: &AtomicUsize,
) -> Result<Derived, String> {
    let bytes = std::fs::read(src).map_err(|e| format!("cannot read: {e}"))?;
    let key = cache_key(&bytes, settings);
    let entry = cache_dir.join(&key);
    let meta_path = entry.join("meta.json");
    let derived = match std::fs::read(&meta_path)
        .ok()
        .and_then(|m| serde_json::from_slice::<Derived>(&m).ok())
    {
        Some(d) if d.variants.iter().all(|v| entry.join(file_name(&v.url)).is_file()) => {
            reused.fetch_add(1, Ordering::Relaxed);
            d
        }
        _ => encode_entry(&bytes, &key, settings, cache_dir, decoded, encoded)?,
    };
    for v in &derived.variants {
        let name = file_name(&v.url);
        let to = media_out.join(name);
        if !to.exists() {
            let from = entry.join(name);
            std::fs::hard_link(&from, &to)
                .or_else(|_| std::fs::copy(&from, &to).map(|_| ()))
                .map_err(|e| format!("cannot copy {name} into the site: {e}"))?;
        }
    }
    Ok(derived)
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

/// Decode, orient, resize and encode one photo into a new cache entry. The entry is written in a
/// temporary folder and renamed into place, so a killed build never leaves half an entry.
fn encode_entry(
    bytes: &[u8],
    key: &str,
    settings: &MediaSettings,
    cache_dir: &Path,
    decoded: &AtomicUsize,
    encoded: &AtomicUsize,
) -> Result<Derived, String> {
    let img = decode_oriented(bytes)?;
    decoded.fetch_add(1, Ordering::Relaxed);
    let (w, h) = (img.width(), img.height());
    let img = flatten(img);

    let mut widths: Vec<u32> = settings.widths.iter().copied().filter(|&x| x < w).collect();
    if widths.len() < settings.widths.len() {
        // Never upscale: the original width stands in for every larger step.
        widths.push(w);
    }
    let tmp = cache_dir.join(format!(
        ".tmp-{key}-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).map_err(|e| format!("cannot write the image cache: {e}"))?;
    let mut variants = Vec::new();
    // Largest first, each step resized from the previous one: less work than from the original.
    let mut current = img;
    for &tw in widths.iter().rev() {
        let th = ((u64::from(h) * u64::from(tw) + u64::from(w) / 2) / u64::from(w)).max(1) as u32;
        if current.width() != tw {
            current = current.resize_exact(tw, th, image::imageops::FilterType::CatmullRom);
        }
        let name = format!("{key}-{tw}.jpg");
        let file = std::fs::File::create(tmp.join(&name)).map_err(|e| format!("cannot write {name}: {e}"))?;
        let mut out = std::io::BufWriter::new(file);
        let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, settings.quality);
        current
            .to_rgb8()
            .write_with_encoder(enc)
            .map_err(|e| format!("cannot encode {name}: {e}"))?;
        encoded.fetch_add(1, Ordering::Relaxed);
        variants.push(Variant {
            url: format!("media/{name}"),
            width: tw,
            height: th,
        });
    }
    variants.reverse();
    let d = Derived {
        width: w,
        height: h,
        variants,
    };
    let meta = serde_json::to_vec_pretty(&d).map_err(|e| e.to_string())?;
    std::fs::write(tmp.join("meta.json"), meta).map_err(|e| format!("cannot write the image cache: {e}"))?;
    let entry = cache_dir.join(key);
    if std::fs::rename(&tmp, &entry).is_err() {
        // Another build made the same entry meanwhile, or a stale one is in the way.
        let _ = std::fs::remove_dir_all(&entry);
        if std::fs::rename(&tmp, &entry).is_err() {
            let _ = std::fs::remove_dir_all(&tmp);
        }
    }
    Ok(d)
}

/// Decode with size limits and apply the EXIF orientation, so a phone photo taken upright shows
/// upright.
fn decode_oriented(bytes: &[u8]) -> Result<DynamicImage, String> {
    let mut reader = ImageReader::new(BufReader::new(std::io::Cursor::new(bytes)))
        .with_guessed_format()
        .map_err(|e| e.to_string())?;
    reader.limits(limits());
    let mut decoder = reader.into_decoder().map_err(|e| e.to_string())?;
    let orientation = decoder.orientation().map_err(|e| e.to_string())?;
    let mut img = DynamicImage::from_decoder(decoder).map_err(|e| e.to_string())?;
    img.apply_orientation(orientation);
    Ok(img)
}

/// Transparent drawings are put on white before JPEG encoding, not on black.
fn flatten(img: DynamicImage) -> DynamicImage {
    if !img.color().has_alpha() {
        return img;
    }
    let mut rgba = img.to_rgba8();
    for p in rgba.pixels_mut() {
        let a = u16::from(p[3]);
        for c in 0..3 {
            p[c] = ((u16::from(p[c]) * a + 255 * (255 - a) + 127) / 255) as u8;
        }
        p[3] = 255;
    }
    DynamicImage::ImageRgba8(rgba)
}
