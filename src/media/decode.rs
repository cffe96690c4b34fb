// Decoding a source photo into upright sRGB pixels: size limits, JPEG shrink-on-load (the
// decoder's own 1/2, 1/4, 1/8 scaling) when only smaller sizes are needed, EXIF orientation, ICC
// profile converted to sRGB, transparency flattened on white. No encoding here.

use std::io::Cursor;

use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageReader, Limits, RgbImage};

use super::MAX_SIDE;

/// An upright sRGB image, 8 bits per channel, no alpha.
pub struct Pixels {
    pub image: RgbImage,
}

fn limits() -> Limits {
    let mut l = Limits::default();
    l.max_image_width = Some(MAX_SIDE);
    l.max_image_height = Some(MAX_SIDE);
    l.max_alloc = Some(1 << 30);
    l
}

/// Pixel size from the file header only.
pub fn probe(bytes: &[u8]) -> Result<(u32, u32), String> {
    let mut r = ImageReader::new(Cursor::new(bytes))
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

fn swaps_sides(o: Orientation) -> bool {
    matches!(
        o,
        Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH
    )
}

/// Decode `bytes` so that the upright result is at least `min_width` pixels wide (or full size
/// when `min_width` is 0 or the photo is not a JPEG). Returns the pixels and the photo's full
/// upright size.
pub fn decode(bytes: &[u8], min_width: u32) -> Result<(Pixels, (u32, u32)), String> {
    let is_jpeg = bytes.starts_with(&[0xFF, 0xD8, 0xFF]);
    if is_jpeg && min_width > 0 {
        decode_jpeg_scaled(bytes, min_width)
    } else {
        decode_full(bytes)
    }
}

fn decode_full(bytes: &[u8]) -> Result<(Pixels, (u32, u32)), String> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| e.to_string())?;
    reader.limits(limits());
    let mut decoder = reader.into_decoder().map_err(|e| e.to_string())?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let icc = decoder.icc_profile().ok().flatten();
    let img = DynamicImage::from_decoder(decoder).map_err(|e| e.to_string())?;
    let mut rgb = flatten(img);
    to_srgb(&mut rgb, icc.as_deref());
    let mut img = DynamicImage::ImageRgb8(rgb);
    img.apply_orientation(orientation);
    let rgb = img.into_rgb8();
    let size = rgb.dimensions();
    Ok((Pixels { image: rgb }, size))
}

fn decode_jpeg_scaled(bytes: &[u8], min_width: u32) -> Result<(Pixels, (u32, u32)), String> {
    let mut d = jpeg_decoder::Decoder::new(Cursor::new(bytes));
    d.set_max_decoding_buffer_size(1 << 30);
    d.read_info().map_err(|e| e.to_string())?;
    let info = d.info().ok_or("no JPEG header")?;
    let (sw, sh) = (u32::from(info.width), u32::from(info.height));
    if sw > MAX_SIDE || sh > MAX_SIDE || sw == 0 || sh == 0 {
        return Err(format!("{sw}×{sh} px is outside the supported size"));
    }
    if info.pixel_format != jpeg_decoder::PixelFormat::RGB24
        && info.pixel_format != jpeg_decoder::PixelFormat::L8
    {
        // CMYK and 16-bit JPEGs: the general decoder handles them.
        return decode_full(bytes);
    }
    // The orientation is only known after decoding the markers; read them first with the
    // general decoder's cheap header pass.
    let orientation = {
        let mut r = ImageReader::new(Cursor::new(bytes))
            .with_guessed_format()
            .map_err(|e| e.to_string())?;
        r.limits(limits());
        r.into_decoder()
            .map_err(|e| e.to_string())?
            .orientation()
            .unwrap_or(Orientation::NoTransforms)
    };
    let upright = if swaps_sides(orientation) {
        (sh, sw)
    } else {
        (sw, sh)
    };
    // Smallest DCT scale whose upright width is still at least min_width (the same factor for
    // both sides, whatever the orientation).
    let need = (f64::from(min_width) / f64::from(upright.0)).min(1.0);
    let (rw, rh) = (
        (f64::from(sw) * need).ceil() as u16,
        (f64::from(sh) * need).ceil() as u16,
    );
    let (ow, oh) = d.scale(rw.max(1), rh.max(1)).map_err(|e| e.to_string())?;
    let data = d.decode().map_err(|e| e.to_string())?;
    let icc = d.icc_profile();
    let (ow, oh) = (u32::from(ow), u32::from(oh));
    let decoded_upright_width = if swaps_sides(orientation) { oh } else { ow };
    if decoded_upright_width < min_width.min(upright.0) {
        return decode_full(bytes);
    }
    let mut rgb = match info.pixel_format {
        jpeg_decoder::PixelFormat::L8 => RgbImage::from_fn(ow, oh, |x, y| {
            let v = data[(y * ow + x) as usize];
            image::Rgb([v, v, v])
        }),
        _ => RgbImage::from_raw(ow, oh, data).ok_or("the JPEG decoder returned too few pixels")?,
    };
    to_srgb(&mut rgb, icc.as_deref());
    let mut img = DynamicImage::ImageRgb8(rgb);
    img.apply_orientation(orientation);
    Ok((
        Pixels {
            image: img.into_rgb8(),
        },
        upright,
    ))
}

/// Transparent drawings go on white, not black.
fn flatten(img: DynamicImage) -> RgbImage {
    if !img.color().has_alpha() {
        return img.into_rgb8();
    }
    let rgba = img.into_rgba8();
    RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let p = rgba.get_pixel(x, y);
        let a = u16::from(p[3]);
        let c = |v: u8| ((u16::from(v) * a + 255 * (255 - a) + 127) / 255) as u8;
        image::Rgb([c(p[0]), c(p[1]), c(p[2])])
    })
}

/// Convert pixels described by an embedded ICC profile to sRGB, the colour space browsers assume
/// for untagged images; the derivatives then carry no profile (metadata stripped) and still show
/// the right colours. Profiles that cannot be read are ignored (the pixels are taken as sRGB).
fn to_srgb(img: &mut RgbImage, icc: Option<&[u8]>) {
    let Some(icc) = icc else { return };
    let Some(src) = qcms::Profile::new_from_slice(icc, false) else {
        return;
    };
    let dst = qcms::Profile::new_sRGB();
    if let Some(t) = qcms::Transform::new(&src, &dst, qcms::DataType::RGB8, qcms::Intent::Perceptual) {
        t.apply(img.as_mut());
    }
}
