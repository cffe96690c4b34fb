// Decoding a source photo into upright sRGB pixels: size limits, JPEG shrink-on-load (the
// decoder's own 1/2, 1/4, 1/8 scaling) when only smaller sizes are needed, EXIF orientation, ICC
// profile converted to sRGB, transparency flattened on white. No encoding here.

use std::io::Cursor;

use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageError, ImageReader, Limits, RgbImage};

use super::{MAX_PIXELS, MAX_SIDE};

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

/// Why a photo cannot be used, found from its header alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeError {
    /// Not readable as an image: empty, damaged, or another format whatever its name says.
    Unreadable(String),
    /// A sound header, but more pixels than a build decodes (a decompression bomb looks the same).
    TooLarge { width: u32, height: u32 },
}

impl std::fmt::Display for ProbeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProbeError::Unreadable(m) => f.write_str(m),
            ProbeError::TooLarge { width, height } => write!(
                f,
                "{width} × {height} px ({} megapixels) is larger than Vitrine processes ({MAX_SIDE} px a side, {} megapixels in all)",
                u64::from(*width) * u64::from(*height) / 1_000_000,
                MAX_PIXELS / 1_000_000
            ),
        }
    }
}

/// A decoder's error in words a curator can act on.
pub fn describe(e: &ImageError) -> String {
    use image::error::{ImageFormatHint, UnsupportedErrorKind};
    match e {
        ImageError::Unsupported(u) => match u.kind() {
            UnsupportedErrorKind::Format(ImageFormatHint::Unknown) => {
                "its content is not a JPEG, PNG or WebP image, whatever its name says".to_string()
            }
            UnsupportedErrorKind::Format(ImageFormatHint::Exact(f)) => {
                let name = format!("{f:?}").to_uppercase();
                format!("it is a {name} image; Vitrine reads JPEG, PNG and WebP")
            }
            UnsupportedErrorKind::Format(_) => {
                "it is an image format Vitrine cannot read; it reads JPEG, PNG and WebP".to_string()
            }
            _ => format!("it uses a feature Vitrine cannot read ({e})"),
        },
        ImageError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            "the file is cut short (an incomplete copy or download)".to_string()
        }
        ImageError::Limits(_) => format!("it needs more memory to decode than Vitrine allows ({e})"),
        _ => format!("the file is damaged or cut short ({e})"),
    }
}

/// Pixel size from the file header only. Sizes are checked here rather than by the decoder's
/// limits, so a photo that is too large is reported with its size.
pub fn probe(bytes: &[u8]) -> Result<(u32, u32), ProbeError> {
    if bytes.is_empty() {
        return Err(ProbeError::Unreadable("the file is empty (0 bytes)".to_string()));
    }
    let mut r = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| ProbeError::Unreadable(e.to_string()))?;
    let mut l = limits();
    (l.max_image_width, l.max_image_height) = (None, None);
    r.limits(l);
    let (w, h) = r
        .into_dimensions()
        .map_err(|e| ProbeError::Unreadable(describe(&e)))?;
    if w == 0 || h == 0 {
        return Err(ProbeError::Unreadable(format!(
            "its header says it is {w} × {h} px"
        )));
    }
    if w > MAX_SIDE || h > MAX_SIDE || u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(ProbeError::TooLarge { width: w, height: h });
    }
    if cut_short(bytes) {
        return Err(ProbeError::Unreadable(
            "the file ends before its end marker: it is cut short (an incomplete copy or download)"
                .to_string(),
        ));
    }
    Ok((w, h))
}

/// Whether a JPEG, PNG or WebP file stops before its own end. JPEG decoders fill what is missing
/// with grey and carry on, so a half-copied photo would be published without a word.
fn cut_short(b: &[u8]) -> bool {
    if b.starts_with(&[0xFF, 0xD8]) {
        jpeg_cut_short(b)
    } else if b.starts_with(b"\x89PNG\r\n\x1a\n") {
        !b.windows(4).any(|w| w == b"IEND")
    } else if b.starts_with(b"RIFF") && b.get(8..12) == Some(b"WEBP".as_slice()) {
        let size = u32::from_le_bytes([b[4], b[5], b[6], b[7]]) as usize;
        b.len() < size.saturating_add(8)
    } else {
        false
    }
}

/// A JPEG ends with the end-of-image marker FF D9 after its scans. Compressed data never holds
/// FF D9 (an FF there is followed by 00 or a restart marker), but the segments before the first
/// scan may (an EXIF thumbnail is a whole JPEG): walk them by their lengths, then look for the
/// marker. False when the layout is not understood: the decoder judges those.
fn jpeg_cut_short(b: &[u8]) -> bool {
    let mut i = 2;
    loop {
        let (Some(&ff), Some(&marker)) = (b.get(i), b.get(i + 1)) else {
            return true;
        };
        if ff != 0xFF {
            return false;
        }
        match marker {
            // Fill byte, then markers without a length.
            0xFF => i += 1,
            0x01 | 0xD0..=0xD8 => i += 2,
            _ => {
                let Some(len) = b
                    .get(i + 2..i + 4)
                    .map(|l| usize::from(u16::from_be_bytes([l[0], l[1]])))
                else {
                    return true;
                };
                let next = i + 2 + len;
                if marker == 0xDA {
                    return b
                        .get(next..)
                        .is_none_or(|rest| !rest.windows(2).any(|w| w == [0xFF, 0xD9]));
                }
                i = next;
            }
        }
    }
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
    let mut decoder = reader.into_decoder().map_err(|e| describe(&e))?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let icc = decoder.icc_profile().ok().flatten();
    let img = DynamicImage::from_decoder(decoder).map_err(|e| describe(&e))?;
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
    let damaged = |e: jpeg_decoder::Error| format!("the JPEG file is damaged or cut short ({e})");
    d.read_info().map_err(damaged)?;
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
            .map_err(|e| describe(&e))?
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
    let (ow, oh) = d.scale(rw.max(1), rh.max(1)).map_err(damaged)?;
    let data = d.decode().map_err(damaged)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg(w: u32, h: u32) -> Vec<u8> {
        let img = RgbImage::from_fn(w, h, |x, y| image::Rgb([(x * 7) as u8, (y * 5) as u8, 60]));
        let mut out = Vec::new();
        img.write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85))
            .unwrap();
        out
    }

    #[test]
    fn a_jpeg_cut_short_is_found_even_with_a_whole_thumbnail_inside() {
        let main = jpeg(64, 48);
        assert!(!cut_short(&main));
        // An APP1 segment holding a complete JPEG (as an EXIF thumbnail does), end marker included.
        let thumb = jpeg(8, 6);
        let mut app1 = vec![0xFF, 0xE1];
        app1.extend(u16::try_from(thumb.len() + 2).unwrap().to_be_bytes());
        app1.extend(&thumb);
        let with_thumb: Vec<u8> = main[..2].iter().chain(&app1).chain(&main[2..]).copied().collect();
        assert!(!cut_short(&with_thumb));
        assert!(probe(&with_thumb).is_ok());
        for cut in [with_thumb.len() - 2, with_thumb.len() - 200, app1.len() + 300] {
            assert!(cut_short(&with_thumb[..cut]), "cut at {cut}");
        }
        // Bytes after the end marker (some cameras append data) are not a cut.
        let mut trailer = main.clone();
        trailer.extend_from_slice(&[0; 64]);
        assert!(!cut_short(&trailer));
    }

    #[test]
    fn probe_words_every_refusal_for_a_curator() {
        assert_eq!(
            probe(b""),
            Err(ProbeError::Unreadable("the file is empty (0 bytes)".into()))
        );
        let text = probe(b"just text").unwrap_err().to_string();
        assert!(text.contains("not a JPEG, PNG or WebP"), "{text}");
        let gif = probe(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;")
            .unwrap_err()
            .to_string();
        assert!(gif.contains("GIF"), "{gif}");
        let j = jpeg(64, 48);
        let cut = probe(&j[..j.len() / 2]).unwrap_err().to_string();
        assert!(cut.contains("cut short"), "{cut}");
    }
}
