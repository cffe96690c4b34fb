// QR codes for printed gallery labels: the stable URL in QR alphanumeric mode when it allows
// (upper-case, so the code has fewer, larger modules and scans from further away), error
// correction Q (a quarter of the code may be scratched or dirty), a 4-module quiet zone.

use qrcode::bits::Bits;
use qrcode::{Color, EcLevel, QrCode, Version};

/// Characters QR alphanumeric mode can hold.
pub fn is_alphanumeric(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase() || b" $%*+-./:".contains(&b))
}

/// The quiet zone, in modules, that the QR standard asks for around a code.
pub const QUIET_ZONE: usize = 4;

pub struct Qr {
    code: QrCode,
    pub alphanumeric: bool,
}

impl Qr {
    /// Modules per side, quiet zone included.
    pub fn size(&self) -> usize {
        self.code.width() + 2 * QUIET_ZONE
    }

    pub fn version(&self) -> i16 {
        match self.code.version() {
            Version::Normal(v) | Version::Micro(v) => v,
        }
    }

    fn dark(&self, x: usize, y: usize) -> bool {
        let w = self.code.width();
        if x < QUIET_ZONE || y < QUIET_ZONE || x >= w + QUIET_ZONE || y >= w + QUIET_ZONE {
            return false;
        }
        self.code[(x - QUIET_ZONE, y - QUIET_ZONE)] == Color::Dark
    }
}

/// Encode `data` at error correction level Q in the smallest version that holds it,
/// alphanumeric mode when every character allows, byte mode otherwise.
pub fn encode(data: &str) -> Result<Qr, String> {
    let alphanumeric = is_alphanumeric(data);
    for v in 1..=40 {
        let mut bits = Bits::new(Version::Normal(v));
        let pushed = if alphanumeric {
            bits.push_alphanumeric_data(data.as_bytes())
        } else {
            bits.push_byte_data(data.as_bytes())
        };
        if pushed.is_ok() && bits.push_terminator(EcLevel::Q).is_ok() {
            let code = QrCode::with_bits(bits, EcLevel::Q).map_err(|e| e.to_string())?;
            return Ok(Qr { code, alphanumeric });
        }
    }
    Err(format!("\"{data}\" is too long for a QR code"))
}

/// An SVG drawing, one unit per module, that prints at any size without blurring.
pub fn svg(qr: &Qr, title: &str) -> String {
    let n = qr.size();
    let mut path = String::new();
    for y in 0..n {
        let mut x = 0;
        while x < n {
            if qr.dark(x, y) {
                let start = x;
                while x < n && qr.dark(x, y) {
                    x += 1;
                }
                path.push_str(&format!("M{start} {y}h{}v1h-{}z", x - start, x - start));
            } else {
                x += 1;
            }
        }
    }
    let title = crate::render::escape_html(title);
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {n} {n}\" shape-rendering=\"crispEdges\" role=\"img\">\
         <title>{title}</title><rect width=\"{n}\" height=\"{n}\" fill=\"#fff\"/><path fill=\"#000\" d=\"{path}\"/></svg>\n"
    )
}

/// A black-and-white PNG (1 bit per pixel: small and quick to write) at least `min_px` pixels
/// wide, every module the same whole number of pixels (no blurred module edges).
pub fn png(qr: &Qr, min_px: u32) -> Result<Vec<u8>, String> {
    let n = qr.size();
    let scale = (min_px as usize).div_ceil(n).max(1);
    let side = n * scale;
    let row_bytes = side.div_ceil(8);
    let mut data = Vec::with_capacity(row_bytes * side);
    for my in 0..n {
        // One pixel row per module row, repeated `scale` times. 1 = white at bit depth 1.
        let mut row = vec![0u8; row_bytes];
        for x in 0..side {
            if !qr.dark(x / scale, my) {
                row[x / 8] |= 0x80 >> (x % 8);
            }
        }
        for _ in 0..scale {
            data.extend_from_slice(&row);
        }
    }
    let side = side as u32;
    let mut out = Vec::new();
    let mut enc = ::png::Encoder::new(&mut out, side, side);
    enc.set_color(::png::ColorType::Grayscale);
    enc.set_depth(::png::BitDepth::One);
    enc.set_compression(::png::Compression::Fast);
    let mut w = enc.write_header().map_err(|e| e.to_string())?;
    w.write_image_data(&data).map_err(|e| e.to_string())?;
    w.finish().map_err(|e| e.to_string())?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upper_case_urls_use_alphanumeric_mode_and_smaller_codes() {
        let up = encode("HTTPS://BAOTANG.NINHBINH.EXAMPLE/O/HL-001/").unwrap();
        let low = encode("https://baotang.ninhbinh.example/o/HL-001/").unwrap();
        assert!(up.alphanumeric && !low.alphanumeric);
        assert!(
            up.version() < low.version(),
            "{} vs {}",
            up.version(),
            low.version()
        );
        assert_eq!(up.size(), up.code.width() + 8);
    }
}
