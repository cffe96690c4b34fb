// Serde mirrors of the content files, exactly as curators write them (unknown keys are errors).
// Only the loader sees these; everything else uses the validated model in `content`.

use serde::Deserialize;
use toml::Spanned;

#[derive(Deserialize, Default, Clone, Debug)]
#[serde(
    deny_unknown_fields,
    expecting = "text in both languages, written { vi = \"…\", en = \"…\" }"
)]
pub struct RawText {
    pub vi: Option<String>,
    pub en: Option<String>,
}

#[derive(Deserialize, Default, Clone, Debug)]
#[serde(
    deny_unknown_fields,
    expecting = "lists in both languages, written { vi = [\"…\", \"…\"], en = [\"…\"] }"
)]
pub struct RawList {
    pub vi: Option<Vec<String>>,
    pub en: Option<Vec<String>>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    pub format: Option<Spanned<i64>>,
    pub base_url: Spanned<String>,
    pub theme: Option<Spanned<String>>,
    pub museum: RawMuseum,
    #[serde(default)]
    pub images: RawImages,
    #[serde(default)]
    pub server: RawServer,
    #[serde(default)]
    pub report: RawReport,
    pub mail: Option<Spanned<RawMail>>,
    pub province: Option<Spanned<RawProvince>>,
}

/// `[province]`: where this museum sends its yearly report.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawProvince {
    pub url: Spanned<String>,
    pub institution: Spanned<String>,
    pub key_env: Option<Spanned<String>>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawMail {
    pub host: Spanned<String>,
    pub port: Option<Spanned<i64>>,
    pub security: Option<Spanned<String>>,
    pub user: Option<String>,
    pub password_env: Option<Spanned<String>>,
    pub from: Spanned<String>,
    pub reply_to: Option<Spanned<String>>,
    pub ca_file: Option<Spanned<String>>,
}

#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct RawServer {
    pub addr: Option<Spanned<String>>,
    pub database_url: Option<Spanned<String>>,
    pub retention_days: Option<Spanned<i64>>,
    pub tour_retention_days: Option<Spanned<i64>>,
    pub secure_cookies: Option<bool>,
    pub department: Option<bool>,
    pub ca_file: Option<Spanned<String>>,
}

#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct RawReport {
    pub deadline: Option<Spanned<String>>,
    #[serde(default)]
    pub target: Vec<Spanned<RawTarget>>,
    #[serde(default)]
    pub share: Vec<Spanned<RawShare>>,
}

/// `[[report.share]]`: a share of institutions that must meet the plan's indicator.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawShare {
    pub kind: Spanned<String>,
    pub level: Option<Spanned<String>>,
    pub by: Spanned<i32>,
    pub percent: Spanned<f64>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawTarget {
    pub from_year: i32,
    pub to_year: i32,
    pub min: f64,
    pub max: Option<f64>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawMuseum {
    pub name: Spanned<RawText>,
    pub tagline: Option<Spanned<RawText>>,
    pub address: Option<Spanned<RawText>>,
    pub phone: Option<String>,
    pub email: Option<String>,
    #[serde(default)]
    pub hours: Vec<RawHours>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawHours {
    pub days: Spanned<RawText>,
    pub time: String,
}

#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct RawImages {
    pub widths: Option<Spanned<Vec<u32>>>,
    pub quality: Option<Spanned<u8>>,
    pub deep_zoom: Option<bool>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawExhibit {
    pub title: Spanned<RawText>,
    pub summary: Option<Spanned<RawText>>,
    pub status: Option<Spanned<String>>,
    pub order: Option<i64>,
    pub room: Option<Spanned<RawText>>,
    pub opens: Option<Spanned<toml::value::Datetime>>,
    pub closes: Option<Spanned<toml::value::Datetime>>,
    pub cover: Option<Spanned<String>>,
    #[serde(default)]
    pub section: Vec<RawSection>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawSection {
    pub title: Spanned<RawText>,
    pub text: Option<Spanned<RawText>>,
    #[serde(default)]
    pub objects: Vec<Spanned<String>>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawItem {
    pub id: Spanned<String>,
    pub accession: Option<Spanned<String>>,
    pub title: Spanned<RawText>,
    pub kind: Option<Spanned<RawText>>,
    pub maker: Option<Spanned<RawText>>,
    pub date: Option<Spanned<RawDate>>,
    pub period: Option<Spanned<RawText>>,
    pub culture: Option<Spanned<RawText>>,
    pub material: Option<Spanned<RawText>>,
    pub technique: Option<Spanned<RawText>>,
    pub dimensions: Option<Spanned<RawText>>,
    pub inscription: Option<Spanned<RawText>>,
    pub find_place: Option<Spanned<RawText>>,
    pub provenance: Option<Spanned<RawText>>,
    pub acquisition: Option<Spanned<RawText>>,
    pub location: Option<Spanned<RawText>>,
    pub credit: Option<Spanned<RawText>>,
    pub rights: Option<String>,
    pub keywords: Option<RawList>,
    #[serde(default)]
    pub related: Vec<Spanned<String>>,
    pub audio_number: Option<Spanned<u32>>,
    #[serde(default)]
    pub image: Vec<Spanned<RawImage>>,
    #[serde(default)]
    pub audio: Vec<Spanned<RawAudio>>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawDate {
    pub display: Option<Spanned<RawText>>,
    pub from: Option<Spanned<i64>>,
    pub to: Option<Spanned<i64>>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawImage {
    pub file: Spanned<String>,
    pub alt: Option<Spanned<RawText>>,
    pub caption: Option<RawText>,
    pub credit: Option<RawText>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawAudio {
    pub file: Spanned<String>,
    pub lang: Spanned<String>,
    pub transcript: Option<Spanned<String>>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawProgramme {
    pub title: Spanned<RawText>,
    pub summary: Option<Spanned<RawText>>,
    #[serde(default)]
    pub grades: Vec<Spanned<i64>>,
    pub subject: Option<RawText>,
    pub curriculum: Option<RawText>,
    pub duration_minutes: Option<Spanned<i64>>,
    pub objectives: Option<RawList>,
    #[serde(default)]
    pub stop: Vec<Spanned<RawStop>>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawStop {
    pub object: Spanned<String>,
    pub look: Option<RawText>,
    pub question: Option<Spanned<RawQuestion>>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawQuestion {
    #[serde(rename = "type")]
    pub kind: Spanned<String>,
    pub prompt: Spanned<RawText>,
    #[serde(default)]
    pub choices: Vec<RawChoice>,
    pub answer: Option<RawText>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawChoice {
    pub vi: Option<String>,
    pub en: Option<String>,
    #[serde(default)]
    pub correct: bool,
}
