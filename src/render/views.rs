// View structs: what templates see, built from the model in one place (language fallback, image
// candidates, relative URLs). Templates only present these; they compute nothing.

use std::collections::HashMap;
use std::path::PathBuf;

use serde::Serialize;

use super::markdown;
use crate::content::{Day, Exhibit, ImageRef, Item, Lang, Localized, Programme, QuestionKind, Section, Site};
use crate::media::Derived;

/// A piece of text in the page's language, or in the other language when it is missing (then
/// `missing` is true and `lang` says which language it really is, for the `lang` attribute).
#[derive(Debug, Clone, Serialize)]
pub struct Txt {
    pub text: String,
    pub lang: &'static str,
    pub missing: bool,
}

pub fn txt(l: &Localized, lang: Lang) -> Option<Txt> {
    l.pick(lang).map(|(t, got)| Txt {
        text: t.to_string(),
        lang: got.code(),
        missing: got != lang,
    })
}

/// Rendered Markdown with the same fallback rule as [`Txt`].
#[derive(Debug, Clone, Serialize)]
pub struct Md {
    pub html: String,
    pub lang: &'static str,
    pub missing: bool,
}

pub fn md(l: &Localized, lang: Lang) -> Option<Md> {
    md_below(l, lang, 1)
}

/// Markdown inside a section with its own h2: its headings start at h3.
pub fn md_below(l: &Localized, lang: Lang, by: usize) -> Option<Md> {
    l.pick(lang).map(|(t, got)| Md {
        html: markdown::to_html_below(t, by),
        lang: got.code(),
        missing: got != lang,
    })
}

/// What a page needs to know about the rest of the site to build links.
pub struct Ctx<'a> {
    pub site: &'a Site,
    pub media: &'a HashMap<PathBuf, Derived>,
    pub lang: Lang,
    /// Relative path from the current page to the site root, e.g. `../../`.
    pub root: String,
    pub published: &'a crate::content::Published<'a>,
}

impl Ctx<'_> {
    /// Relative URL of a page given by its language-neutral path (`o/HL-001/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{}{}", self.root, self.lang.prefix(), path)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Img {
    pub src: String,
    /// JPEG candidates, for browsers without WebP.
    pub srcset: String,
    /// WebP candidates (the same widths), offered first in `<picture>`.
    pub webp_srcset: String,
    /// Relative URL of the IIIF tile folder (ends with '/', holds info.json) for deep zoom.
    pub zoom: Option<String>,
    pub width: u32,
    pub height: u32,
    pub alt: Option<Txt>,
    pub caption: Option<Txt>,
    pub credit: Option<Txt>,
    /// The largest derivative, for "view large".
    pub large: String,
    pub large_width: u32,
    pub large_height: u32,
}

pub fn img(ctx: &Ctx, im: &ImageRef) -> Option<Img> {
    let d = ctx.media.get(&im.path)?;
    let fallback = d.at_least(800);
    let large = d.largest();
    Some(Img {
        src: format!("{}{}", ctx.root, fallback.url),
        srcset: d.srcset(&ctx.root),
        webp_srcset: d.webp_srcset(&ctx.root),
        zoom: d.iiif_dir().map(|dir| format!("{}{dir}/", ctx.root)),
        width: fallback.width,
        height: fallback.height,
        alt: txt(&im.alt, ctx.lang),
        caption: txt(&im.caption, ctx.lang),
        credit: txt(&im.credit, ctx.lang),
        large: format!("{}{}", ctx.root, large.url),
        large_width: large.width,
        large_height: large.height,
    })
}

#[derive(Debug, Clone, Serialize)]
pub struct ItemCard {
    pub id: String,
    pub url: String,
    pub title: Option<Txt>,
    pub date: Option<Txt>,
    pub kind: Option<Txt>,
    pub image: Option<Img>,
}

pub fn item_card(ctx: &Ctx, it: &Item) -> ItemCard {
    ItemCard {
        id: it.id.clone(),
        url: ctx.url(&format!("o/{}/", it.id)),
        title: txt(&it.title, ctx.lang),
        date: txt(&it.date.display, ctx.lang),
        kind: txt(&it.kind, ctx.lang),
        image: it.images.first().and_then(|im| img(ctx, im)),
    }
}

/// A date as people of the language write it: 15/01/2026, or 15 January 2026.
pub fn format_day(d: Day, lang: Lang) -> String {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    match lang {
        Lang::Vi => format!("{:02}/{:02}/{}", d.day, d.month, d.year),
        Lang::En => format!(
            "{} {} {}",
            d.day,
            MONTHS[usize::from(d.month.clamp(1, 12)) - 1],
            d.year
        ),
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ExhibitCard {
    pub slug: String,
    pub url: String,
    pub title: Option<Txt>,
    pub summary: Option<Txt>,
    pub room: Option<Txt>,
    pub opens: Option<String>,
    pub closes: Option<String>,
    pub permanent: bool,
    pub current: bool,
    /// Closed before today.
    pub past: bool,
    pub draft: bool,
    pub count: usize,
    pub image: Option<Img>,
}

pub fn cover_image(ctx: &Ctx, ex: &Exhibit) -> Option<Img> {
    ex.cover_candidates()
        .into_iter()
        .filter_map(|id| ctx.site.items.get(id))
        .find_map(|it| it.images.first().and_then(|im| img(ctx, im)))
}

pub fn exhibit_card(ctx: &Ctx, ex: &Exhibit, today: Day) -> ExhibitCard {
    ExhibitCard {
        slug: ex.slug.clone(),
        url: ctx.url(&format!("e/{}/", ex.slug)),
        title: txt(&ex.title, ctx.lang),
        summary: txt(&ex.summary, ctx.lang),
        room: txt(&ex.room, ctx.lang),
        opens: ex.opens.map(|d| format_day(d, ctx.lang)),
        closes: ex.closes.map(|d| format_day(d, ctx.lang)),
        permanent: ex.closes.is_none(),
        current: ex.is_current(today),
        past: ex.closes.is_some_and(|c| c < today),
        draft: ex.status == crate::content::Status::Draft,
        count: ctx.published.walk_of(&ex.slug).len(),
        image: cover_image(ctx, ex),
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct SectionView {
    pub anchor: String,
    pub title: Option<Txt>,
    pub text: Option<Md>,
    pub items: Vec<ItemCard>,
    /// Objects in the section (the cards may show only the first of them).
    pub count: usize,
    /// The section's own pages, when the exhibition page shows only its first cards.
    pub more: Option<String>,
}

/// An exhibition with more published objects than this shows the first cards of each section and
/// gives every section pages of its own, this many cards (or labels) a page: every page stays
/// within a phone's first-view budget (150 KB) whatever the size of the collection.
pub const PAGE_CARDS: usize = 200;
/// Cards of each section shown on the page of a large exhibition.
pub const SECTION_PREVIEW: usize = 12;

/// The published objects of each section of `ex`, in order, with the section's anchor.
pub fn section_items<'a>(ctx: &Ctx<'a>, ex: &'a Exhibit) -> Vec<(String, &'a Section, Vec<&'a Item>)> {
    sections_of(ctx.site, &ctx.published.items, ex)
}

/// The objects of each section of `ex` that are in `visible`, in order, with the section's anchor.
pub fn sections_of<'a>(
    site: &'a Site,
    visible: &std::collections::BTreeSet<&str>,
    ex: &'a Exhibit,
) -> Vec<(String, &'a Section, Vec<&'a Item>)> {
    ex.sections
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let items = s
                .items
                .iter()
                .filter(|(id, _)| visible.contains(id.as_str()))
                .filter_map(|(id, _)| site.items.get(id))
                .collect();
            (format!("phan-{}", i + 1), s, items)
        })
        .collect()
}

/// Whether `ex` is large enough for pages per section.
pub fn is_large(ctx: &Ctx, ex: &Exhibit) -> bool {
    large(&section_items(ctx, ex))
}

fn large(sections: &[(String, &Section, Vec<&Item>)]) -> bool {
    sections.iter().map(|(_, _, v)| v.len()).sum::<usize>() > PAGE_CARDS
}

/// The paths of the section pages of `ex` (`e/slug/phan-1/`, `e/slug/phan-1/2/`, …), none when
/// the exhibition is small enough to show every card on its own page.
pub fn section_page_paths(
    site: &Site,
    visible: &std::collections::BTreeSet<&str>,
    ex: &Exhibit,
) -> Vec<String> {
    let sections = sections_of(site, visible, ex);
    if !large(&sections) {
        return Vec::new();
    }
    sections
        .iter()
        .flat_map(|(anchor, _, items)| {
            let base = format!("e/{}/{anchor}/", ex.slug);
            (1..=items.len().div_ceil(PAGE_CARDS).max(1)).map(move |n| page_path(&base, n))
        })
        .collect()
}

/// The path of page `n` (from 1) of a list at `base` (`e/slug/phan-1/`).
pub fn page_path(base: &str, n: usize) -> String {
    if n <= 1 {
        base.to_string()
    } else {
        format!("{base}{n}/")
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct PageLink {
    pub number: usize,
    pub url: String,
    pub current: bool,
}

/// Links to the `count` pages of the list at `base`, page `n` being the current one.
pub fn pager(ctx: &Ctx, base: &str, n: usize, count: usize) -> Vec<PageLink> {
    if count <= 1 {
        return Vec::new();
    }
    (1..=count)
        .map(|k| PageLink {
            number: k,
            url: ctx.url(&page_path(base, k)),
            current: k == n,
        })
        .collect()
}

/// One page of a section of a large exhibition.
#[derive(Debug, Clone, Serialize)]
pub struct SectionPageView {
    pub exhibit: Link,
    pub title: Option<Txt>,
    /// The section's text, on its first page.
    pub text: Option<Md>,
    pub count: usize,
    pub items: Vec<ItemCard>,
    pub number: usize,
    pub pages: Vec<PageLink>,
    pub prev: Option<String>,
    pub next: Option<String>,
}

pub fn section_page_view(
    ctx: &Ctx,
    ex: &Exhibit,
    (anchor, section, items): (&str, &Section, &[&Item]),
    n: usize,
) -> SectionPageView {
    let base = format!("e/{}/{anchor}/", ex.slug);
    let count = items.len().div_ceil(PAGE_CARDS).max(1);
    let pages = pager(ctx, &base, n, count);
    SectionPageView {
        exhibit: Link {
            url: ctx.url(&format!("e/{}/", ex.slug)),
            title: txt(&ex.title, ctx.lang),
        },
        title: txt(&section.title, ctx.lang),
        text: if n == 1 {
            md_below(&section.text, ctx.lang, 1)
        } else {
            None
        },
        count: items.len(),
        items: items
            .iter()
            .skip((n - 1) * PAGE_CARDS)
            .take(PAGE_CARDS)
            .map(|it| item_card(ctx, it))
            .collect(),
        number: n,
        prev: (n > 1).then(|| ctx.url(&page_path(&base, n - 1))),
        next: (n < count).then(|| ctx.url(&page_path(&base, n + 1))),
        pages,
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Link {
    pub url: String,
    pub title: Option<Txt>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExhibitView {
    #[serde(flatten)]
    pub card: ExhibitCard,
    pub intro: Option<Md>,
    pub sections: Vec<SectionView>,
    pub programmes: Vec<Link>,
    /// The next events linked to this exhibition.
    pub events: Vec<super::events::EventCard>,
}

pub fn exhibit_view(ctx: &Ctx, ex: &Exhibit, today: Day) -> ExhibitView {
    let parts = section_items(ctx, ex);
    let large = parts.iter().map(|(_, _, v)| v.len()).sum::<usize>() > PAGE_CARDS;
    let sections = parts
        .into_iter()
        .map(|(anchor, s, items)| {
            let count = items.len();
            let shown = if large { SECTION_PREVIEW } else { count };
            SectionView {
                more: (large && count > shown).then(|| ctx.url(&format!("e/{}/{anchor}/", ex.slug))),
                title: txt(&s.title, ctx.lang),
                text: md_below(&s.text, ctx.lang, 2),
                items: items.iter().take(shown).map(|it| item_card(ctx, it)).collect(),
                count,
                anchor,
            }
        })
        .collect();
    ExhibitView {
        events: super::events::next_events(ctx, today, |e| e.exhibits.iter().any(|(s, _)| s == &ex.slug)),
        card: exhibit_card(ctx, ex, today),
        intro: md(&ex.intro, ctx.lang),
        sections,
        programmes: ctx
            .published
            .programmes
            .iter()
            .filter(|p| {
                p.exhibit == ex.slug || p.stops.iter().any(|s| ex.item_ids().contains(&s.item.as_str()))
            })
            .map(|p| Link {
                url: ctx.url(&format!("p/{}/", p.slug)),
                title: txt(&p.title, ctx.lang),
            })
            .collect(),
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct AudioView {
    pub src: String,
    pub lang: &'static str,
    pub mime: &'static str,
    pub transcript: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ItemView {
    pub id: String,
    pub accession: Option<String>,
    pub title: Option<Txt>,
    pub kind: Option<Txt>,
    pub maker: Option<Txt>,
    pub date: Option<Txt>,
    pub period: Option<Txt>,
    pub culture: Option<Txt>,
    pub material: Option<Txt>,
    pub technique: Option<Txt>,
    pub dimensions: Option<Txt>,
    pub inscription: Option<Txt>,
    pub find_place: Option<Txt>,
    pub provenance: Option<Txt>,
    pub acquisition: Option<Txt>,
    pub location: Option<Txt>,
    pub credit: Option<Txt>,
    pub rights: Option<String>,
    pub keywords: Vec<String>,
    pub audio_number: Option<u32>,
    pub images: Vec<Img>,
    pub description: Option<Md>,
    pub related: Vec<ItemCard>,
    /// The exhibition this page belongs to, with previous and next objects in walking order.
    pub exhibit: Option<Link>,
    pub prev: Option<ItemCard>,
    pub next: Option<ItemCard>,
    /// Every visible exhibition that shows this object.
    pub shown_in: Vec<Link>,
    pub audio: Vec<AudioView>,
    /// Relative URL of the object's IIIF Presentation manifest; none without a photo (a manifest
    /// must have at least one canvas).
    pub manifest: Option<String>,
}

pub fn item_view(ctx: &Ctx, it: &Item, audio_urls: &HashMap<PathBuf, String>) -> ItemView {
    let home = ctx.published.home.get(it.id.as_str()).copied();
    let (mut prev, mut next) = (None, None);
    if let Some(ex) = home {
        let ids = ctx.published.walk_of(&ex.slug);
        if let Some(i) = ids.iter().position(|id| *id == it.id) {
            prev = i
                .checked_sub(1)
                .and_then(|j| ctx.site.items.get(ids[j]))
                .map(|x| item_card(ctx, x));
            next = ids
                .get(i + 1)
                .and_then(|id| ctx.site.items.get(*id))
                .map(|x| item_card(ctx, x));
        }
    }
    let keywords = {
        let k = it.keywords.get(ctx.lang);
        if k.is_empty() {
            it.keywords.get(ctx.lang.other()).to_vec()
        } else {
            k.to_vec()
        }
    };
    ItemView {
        id: it.id.clone(),
        accession: it.accession.clone(),
        title: txt(&it.title, ctx.lang),
        kind: txt(&it.kind, ctx.lang),
        maker: txt(&it.maker, ctx.lang),
        date: txt(&it.date.display, ctx.lang),
        period: txt(&it.period, ctx.lang),
        culture: txt(&it.culture, ctx.lang),
        material: txt(&it.material, ctx.lang),
        technique: txt(&it.technique, ctx.lang),
        dimensions: txt(&it.dimensions, ctx.lang),
        inscription: txt(&it.inscription, ctx.lang),
        find_place: txt(&it.find_place, ctx.lang),
        provenance: txt(&it.provenance, ctx.lang),
        acquisition: txt(&it.acquisition, ctx.lang),
        location: txt(&it.location, ctx.lang),
        credit: txt(&it.credit, ctx.lang),
        rights: it.rights.clone(),
        keywords,
        audio_number: it.audio_number.as_ref().map(|(n, _)| *n),
        images: it.images.iter().filter_map(|im| img(ctx, im)).collect(),
        description: md(&it.description, ctx.lang),
        related: it
            .related
            .iter()
            .filter(|(id, _)| ctx.published.items.contains(id.as_str()))
            .filter_map(|(id, _)| ctx.site.items.get(id))
            .map(|x| item_card(ctx, x))
            .collect(),
        exhibit: home.map(|e| Link {
            url: ctx.url(&format!("e/{}/", e.slug)),
            title: txt(&e.title, ctx.lang),
        }),
        prev,
        next,
        shown_in: ctx
            .published
            .shown_in
            .get(it.id.as_str())
            .into_iter()
            .flatten()
            .map(|e| Link {
                url: ctx.url(&format!("e/{}/", e.slug)),
                title: txt(&e.title, ctx.lang),
            })
            .collect(),
        manifest: super::iiif::has_manifest(ctx.media, it)
            .then(|| format!("{}iiif/o/{}/manifest.json", ctx.root, it.id)),
        audio: {
            // The page's language first, then the other.
            let mut a: Vec<&crate::content::AudioRef> = it.audio.iter().collect();
            a.sort_by_key(|x| x.lang != ctx.lang);
            a.into_iter()
                .filter_map(|x| {
                    let url = audio_urls.get(&x.path)?;
                    Some(AudioView {
                        src: format!("{}{}", ctx.root, url),
                        lang: x.lang.code(),
                        mime: audio_mime(&x.file),
                        transcript: x.transcript.as_deref().map(markdown::to_html),
                    })
                })
                .collect()
        },
    }
}

pub fn audio_mime(file: &str) -> &'static str {
    match file.rsplit('.').next().map(str::to_ascii_lowercase).as_deref() {
        Some("mp3") => "audio/mpeg",
        Some("m4a") => "audio/mp4",
        Some("ogg") => "audio/ogg",
        Some("opus") => "audio/ogg; codecs=opus",
        _ => "application/octet-stream",
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct QuestionView {
    pub kind: QuestionKind,
    pub prompt: Option<Txt>,
    pub choices: Vec<Option<Txt>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StopView {
    pub number: usize,
    pub item: Option<ItemCard>,
    pub look: Option<Txt>,
    pub question: Option<QuestionView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProgrammeView {
    pub slug: String,
    pub url: String,
    pub title: Option<Txt>,
    pub summary: Option<Txt>,
    pub grades: Vec<u8>,
    pub subject: Option<Txt>,
    pub curriculum: Option<Txt>,
    pub duration_minutes: Option<u32>,
    pub objectives: Vec<String>,
    pub objectives_lang: &'static str,
    pub exhibit: Option<Link>,
    pub stops: Vec<StopView>,
}

pub fn programme_view(ctx: &Ctx, p: &Programme) -> ProgrammeView {
    let (objectives, olang) = {
        let o = p.objectives.get(ctx.lang);
        if o.is_empty() {
            (p.objectives.get(ctx.lang.other()).to_vec(), ctx.lang.other())
        } else {
            (o.to_vec(), ctx.lang)
        }
    };
    ProgrammeView {
        slug: p.slug.clone(),
        url: ctx.url(&format!("p/{}/", p.slug)),
        title: txt(&p.title, ctx.lang),
        summary: txt(&p.summary, ctx.lang),
        grades: p.grades.clone(),
        subject: txt(&p.subject, ctx.lang),
        curriculum: txt(&p.curriculum, ctx.lang),
        duration_minutes: p.duration_minutes,
        objectives,
        objectives_lang: olang.code(),
        exhibit: ctx.site.exhibit(&p.exhibit).map(|e| Link {
            url: ctx.url(&format!("e/{}/", e.slug)),
            title: txt(&e.title, ctx.lang),
        }),
        stops: p
            .stops
            .iter()
            .enumerate()
            .map(|(i, s)| StopView {
                number: i + 1,
                item: ctx
                    .site
                    .items
                    .get(&s.item)
                    .filter(|it| ctx.published.items.contains(it.id.as_str()))
                    .map(|it| item_card(ctx, it)),
                look: txt(&s.look, ctx.lang),
                question: s.question.as_ref().map(|q| QuestionView {
                    kind: q.kind,
                    prompt: txt(&q.prompt, ctx.lang),
                    choices: q.choices.iter().map(|c| txt(&c.text, ctx.lang)).collect(),
                }),
            })
            .collect(),
    }
}
