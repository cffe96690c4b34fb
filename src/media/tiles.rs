// Deep zoom: IIIF Image API 3.0 level-0 static tiles (a pyramid of JPEG tiles under
// `x,y,w,h/w,h/0/default.jpg`) for photos larger than the largest derivative. The info.json that
// points at them is written by `render`, which knows the site's address.

use std::path::Path;

use image::RgbImage;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::encode;

/// What info.json needs to describe the tiles of one photo.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Hash)]
pub struct TileSet {
    pub width: u32,
    pub height: u32,
    pub tile: u32,
    pub scale_factors: Vec<u32>,
    /// Whole-image sizes available under `full/w,h/0/default.jpg`.
    pub sizes: Vec<(u32, u32)>,
    /// Number of tile files written.
    pub files: usize,
}

fn div_ceil(a: u32, b: u32) -> u32 {
    a.div_ceil(b)
}

/// Write the pyramid of `full` into `dir` (the image's IIIF folder). Returns the description and
/// the levels made on the way (1/2, 1/4, … of the full size), which derivatives can start from.
pub fn write_tiles(
    full: &RgbImage,
    dir: &Path,
    tile: u32,
    quality: u8,
) -> Result<(TileSet, Vec<RgbImage>), String> {
    let (w, h) = full.dimensions();
    let mut scale_factors = Vec::new();
    let mut levels: Vec<RgbImage> = Vec::new();
    let mut files = 0;
    let mut s = 1u32;
    loop {
        let (lw, lh) = (div_ceil(w, s), div_ceil(h, s));
        if s > 1 {
            let prev = levels.last().unwrap_or(full);
            let next = encode::resize_exact(prev, lw, lh)?;
            levels.push(next);
        }
        let level = if s == 1 {
            full
        } else {
            levels.last().unwrap_or(full)
        };
        scale_factors.push(s);
        let cols = div_ceil(lw, tile);
        let rows = div_ceil(lh, tile);
        let jobs: Vec<(u32, u32)> = (0..rows).flat_map(|r| (0..cols).map(move |c| (c, r))).collect();
        let written: Result<Vec<()>, String> = jobs
            .par_iter()
            .map(|&(c, r)| {
                let (tx, ty) = (c * tile, r * tile);
                let (tw, th) = (tile.min(lw - tx), tile.min(lh - ty));
                let region = (
                    tx * s,
                    ty * s,
                    (tile * s).min(w - tx * s),
                    (tile * s).min(h - ty * s),
                );
                let crop = image::imageops::crop_imm(level, tx, ty, tw, th).to_image();
                let name = format!("{},{},{},{}/{tw},{th}/0", region.0, region.1, region.2, region.3);
                write_jpeg(&dir.join(name), &crop, quality)
            })
            .collect();
        written?;
        files += jobs.len();
        if lw <= tile && lh <= tile {
            break;
        }
        s *= 2;
    }
    // The two smallest levels also as whole images, for thumbnails and quick previews.
    let mut sizes = Vec::new();
    for i in (0..scale_factors.len()).rev().take(2) {
        let level = if i == 0 { full } else { &levels[i - 1] };
        let (lw, lh) = level.dimensions();
        write_jpeg(&dir.join(format!("full/{lw},{lh}/0")), level, quality)?;
        files += 1;
        sizes.push((lw, lh));
    }
    sizes.sort_unstable();
    Ok((
        TileSet {
            width: w,
            height: h,
            tile,
            scale_factors,
            sizes,
            files,
        },
        levels,
    ))
}

fn write_jpeg(dir: &Path, img: &RgbImage, quality: u8) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot write tiles: {e}"))?;
    let bytes = encode::jpeg(img, quality)?;
    std::fs::write(dir.join("default.jpg"), bytes).map_err(|e| format!("cannot write tiles: {e}"))
}

/// IIIF Image API 3.0 info.json for a tile set published at `id` (an absolute URL).
pub fn info_json(id: &str, t: &TileSet) -> serde_json::Value {
    serde_json::json!({
        "@context": "http://iiif.io/api/image/3/context.json",
        "id": id,
        "type": "ImageService3",
        "protocol": "http://iiif.io/api/image",
        "profile": "level0",
        "width": t.width,
        "height": t.height,
        "sizes": t.sizes.iter().map(|(w, h)| serde_json::json!({"width": w, "height": h})).collect::<Vec<_>>(),
        "tiles": [{"width": t.tile, "height": t.tile, "scaleFactors": t.scale_factors}],
    })
}
