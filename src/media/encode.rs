// Resizing (fast_image_resize, Lanczos3) and encoding (JPEG with the image crate, lossy WebP with
// libwebp). Encoders are given bare pixels, so no metadata (EXIF, GPS, profiles) is written.

use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::RgbImage;

/// Height for `width` keeping the aspect ratio of `w`×`h`, rounded, at least 1.
pub fn scaled_height(w: u32, h: u32, width: u32) -> u32 {
    ((u64::from(h) * u64::from(width) + u64::from(w) / 2) / u64::from(w)).max(1) as u32
}

/// A resized copy of `src`, exactly `width`×`height` pixels (Lanczos3).
pub fn resize_exact(src: &RgbImage, width: u32, height: u32) -> Result<RgbImage, String> {
    if src.dimensions() == (width, height) {
        return Ok(src.clone());
    }
    let view =
        ImageRef::new(src.width(), src.height(), src.as_raw(), PixelType::U8x3).map_err(|e| e.to_string())?;
    let mut dst = Image::new(width, height, PixelType::U8x3);
    let opts = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    Resizer::new()
        .resize(&view, &mut dst, &opts)
        .map_err(|e| e.to_string())?;
    RgbImage::from_raw(width, height, dst.into_vec())
        .ok_or_else(|| "resize produced too few pixels".to_string())
}

pub fn jpeg(img: &RgbImage, quality: u8) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity((img.width() * img.height() / 4) as usize);
    let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality);
    img.write_with_encoder(enc).map_err(|e| e.to_string())?;
    Ok(out)
}

pub fn webp(img: &RgbImage, quality: u8) -> Vec<u8> {
    webp::Encoder::from_rgb(img.as_raw(), img.width(), img.height())
        .encode(f32::from(quality))
        .to_vec()
}
