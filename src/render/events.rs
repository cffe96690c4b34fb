// Events: the list of upcoming and past events, a page per event, iCalendar files (one per event
// and one of all, per language), schema.org Event JSON-LD and `data/events.json` for portals.

use serde::Serialize;
use serde_json::{Value as Json, json};

use super::views::{Ctx, ItemCard, Link, Md, Txt, format_day, item_card, md, txt};
use super::{OutFile, PageSpec, RenderInput, abs, home_crumb_of, plain, ui};
use crate::content::{Audience, Day, Event, EventStatus, Lang, Moment, Published, VIETNAM_OFFSET};
use minijinja::Value;
use minijinja::value::Serde;

/// Upcoming events shown on the home page and on an exhibition's page.
pub const NEXT_SHOWN: usize = 3;

#[derive(Debug, Clone, Serialize)]
pub struct EventCard {
    pub slug: String,
    pub url: String,
    pub title: Option<Txt>,
    pub summary: Option<Txt>,
    /// "Thứ Ba, 18/05/2027, 08:00–11:30" / "Tuesday 18 May 2027, 08:00–11:30".
    pub when: String,
    /// For `<time datetime>`.
    pub start_iso: String,
    pub place: Option<Txt>,
    pub audience: Audience,
    pub grades: Vec<u8>,
    pub occasion: Option<String>,
    pub cancelled: bool,
    pub past: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct EventView {
    #[serde(flatten)]
    pub card: EventCard,
    pub text: Option<Md>,
    pub price: Option<Txt>,
    pub capacity: Option<u32>,
    /// When sign-up opens and closes, as people read it.
    pub signup_opens: Option<String>,
    pub signup_closes: Option<String>,
    pub exhibits: Vec<Link>,
    pub objects: Vec<ItemCard>,
    pub programmes: Vec<Link>,
    pub ics: String,
    pub phone: Option<String>,
    pub email: Option<String>,
}

fn weekday(d: Day, lang: Lang) -> &'static str {
    // 1970-01-01 was a Thursday.
    let n = (d.to_unix().div_euclid(86_400) + 4).rem_euclid(7) as usize;
    match lang {
        Lang::Vi => [
            "Chủ nhật",
            "Thứ Hai",
            "Thứ Ba",
            "Thứ Tư",
            "Thứ Năm",
            "Thứ Sáu",
            "Thứ Bảy",
        ][n],
        Lang::En => [
            "Sunday",
            "Monday",
            "Tuesday",
            "Wednesday",
            "Thursday",
            "Friday",
            "Saturday",
        ][n],
    }
}

pub fn moment_text(m: Moment, lang: Lang) -> String {
    let day = format_day(m.day, lang);
    match (m.clock(), lang) {
        (Some(c), Lang::Vi) => format!("{c}, {day}"),
        (Some(c), Lang::En) => format!("{day}, {c}"),
        (None, _) => day,
    }
}

/// When an event takes place, as people of the language write it.
pub fn when(e: &Event, lang: Lang) -> String {
    let day = |d: Day| {
        let sep = if lang == Lang::Vi { ", " } else { " " };
        format!("{}{sep}{}", weekday(d, lang), format_day(d, lang))
    };
    let start = e.starts;
    match e.ends {
        Some(end) if end.day != start.day => {
            format!("{} – {}", moment_text(start, lang), moment_text(end, lang))
        }
        Some(end) => match (start.clock(), end.clock()) {
            (Some(a), Some(b)) => format!("{}, {a}–{b}", day(start.day)),
            (Some(a), None) => format!("{}, {a}", day(start.day)),
            _ => day(start.day),
        },
        None => match start.clock() {
            Some(a) => format!("{}, {a}", day(start.day)),
            None => day(start.day),
        },
    }
}

fn occasion_name(e: &Event, lang: Lang) -> Option<String> {
    e.occasion.map(|d| match lang {
        Lang::Vi => d.vi.to_string(),
        Lang::En => d.en.to_string(),
    })
}

pub fn event_card(ctx: &Ctx, e: &Event, today: Day) -> EventCard {
    EventCard {
        slug: e.slug.clone(),
        url: ctx.url(&format!("su-kien/{}/", e.slug)),
        title: txt(&e.title, ctx.lang),
        summary: txt(&e.summary, ctx.lang),
        when: when(e, ctx.lang),
        start_iso: e.starts.iso(),
        place: txt(&e.place, ctx.lang),
        audience: e.audience,
        grades: e.grades.clone(),
        occasion: occasion_name(e, ctx.lang),
        cancelled: e.status == EventStatus::Cancelled,
        past: e.is_past(today),
    }
}

fn event_view(ctx: &Ctx, e: &Event, today: Day) -> EventView {
    let site = ctx.site;
    EventView {
        card: event_card(ctx, e, today),
        text: md(&e.text, ctx.lang),
        price: txt(&e.price, ctx.lang),
        capacity: e.capacity,
        signup_opens: e.signup_opens.map(|m| moment_text(m, ctx.lang)),
        signup_closes: e.signup_closes.map(|m| moment_text(m, ctx.lang)),
        exhibits: exhibit_links(ctx, &e.exhibits),
        objects: e
            .objects
            .iter()
            .filter(|(id, _)| ctx.published.items.contains(id.as_str()))
            .filter_map(|(id, _)| site.items.get(id))
            .map(|it| item_card(ctx, it))
            .collect(),
        programmes: e
            .programmes
            .iter()
            .filter_map(|(s, _)| ctx.published.programmes.iter().find(|p| &p.slug == s))
            .map(|p| Link {
                url: ctx.url(&format!("p/{}/", p.slug)),
                title: txt(&p.title, ctx.lang),
            })
            .collect(),
        ics: format!("{}{}su-kien/{}.ics", ctx.root, ctx.lang.prefix(), e.slug),
        phone: site.config.museum.phone.clone(),
        email: site.config.museum.email.clone(),
    }
}

/// Links to the visible exhibitions of an `exhibits` list.
pub(super) fn exhibit_links(ctx: &Ctx, slugs: &[(String, crate::diag::Pos)]) -> Vec<Link> {
    slugs
        .iter()
        .filter_map(|(s, _)| ctx.published.exhibits.iter().find(|x| &x.slug == s))
        .map(|x| Link {
            url: ctx.url(&format!("e/{}/", x.slug)),
            title: txt(&x.title, ctx.lang),
        })
        .collect()
}

/// Upcoming events first (soonest first), then past ones (latest first).
fn split<'a>(published: &Published<'a>, today: Day) -> (Vec<&'a Event>, Vec<&'a Event>) {
    let (mut past, upcoming): (Vec<&Event>, Vec<&Event>) =
        published.events.iter().copied().partition(|e| e.is_past(today));
    past.reverse();
    (upcoming, past)
}

/// The next events (not cancelled) that satisfy `keep`, soonest first.
pub fn next_events(ctx: &Ctx, today: Day, keep: impl Fn(&Event) -> bool) -> Vec<EventCard> {
    ctx.published
        .events
        .iter()
        .filter(|e| !e.is_past(today) && e.status != EventStatus::Cancelled && keep(e))
        .take(NEXT_SHOWN)
        .map(|e| event_card(ctx, e, today))
        .collect()
}

pub(super) fn specs(input: &RenderInput, lang: Lang, published: &Published) -> Vec<PageSpec> {
    let mut out = Vec::new();
    let title = ui(lang, input.locales.text(lang, "events.title"));
    {
        let path = "su-kien/";
        let ctx = super::ctx_for(input, lang, path, published);
        let (upcoming, past) = split(published, input.today);
        let cards = |v: Vec<&Event>| -> Vec<EventCard> {
            v.into_iter().map(|e| event_card(&ctx, e, input.today)).collect()
        };
        out.push(PageSpec {
            path: path.into(),
            template: "events.html",
            title: title.clone(),
            description: input.locales.text(lang, "events.intro"),
            nav: "events",
            crumbs: vec![home_crumb_of(input, lang, &ctx)],
            data: Value::from(Serde(json!({
                "upcoming": cards(upcoming),
                "past": cards(past),
                "ics": format!("{}{}su-kien/lich.ics", ctx.root, lang.prefix()),
                "contests": super::contests::cards(&ctx, published, input.today),
                "today": format_day(input.today, lang),
            }))),
            ..Default::default()
        });
    }
    for e in &published.events {
        let path = format!("su-kien/{}/", e.slug);
        let ctx = super::ctx_for(input, lang, &path, published);
        let view = event_view(&ctx, e, input.today);
        let og_image = super::og_image_of(input, e.objects.iter().map(|(id, _)| id.as_str()));
        out.push(PageSpec {
            path: path.clone(),
            template: "event.html",
            title: view.card.title.clone(),
            description: plain(&view.card.summary),
            og_type: "article",
            og_image: og_image.clone(),
            jsonld: Some(jsonld(input, e, lang, og_image)),
            nav: "events",
            crumbs: vec![
                home_crumb_of(input, lang, &ctx),
                (title.clone(), ctx.url("su-kien/")),
            ],
            data: Value::from(Serde(view)),
            ..Default::default()
        });
    }
    out
}

fn jsonld(input: &RenderInput, e: &Event, lang: Lang, image: Option<String>) -> Json {
    let site = input.site;
    let m = &site.config.museum;
    let pick = |l: &crate::content::Localized| l.pick(lang).map(|(t, _)| t.to_string());
    let mut v = json!({
        "@context": "https://schema.org",
        "@type": "Event",
        "name": pick(&e.title),
        "url": abs(site, &format!("{}su-kien/{}/", lang.prefix(), e.slug)),
        "inLanguage": lang.code(),
        "startDate": e.starts.iso(),
        "eventStatus": if e.status == EventStatus::Cancelled { "https://schema.org/EventCancelled" } else { "https://schema.org/EventScheduled" },
        "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
        "isAccessibleForFree": e.price.is_empty(),
        "location": {
            "@type": "Place",
            "name": pick(&e.place).or_else(|| pick(&m.name)),
            "address": pick(&m.address),
        },
        "organizer": { "@type": "Museum", "name": pick(&m.name), "url": abs(site, lang.prefix()) },
    });
    let extra = [
        ("description", pick(&e.summary).map(Json::from)),
        ("endDate", e.ends.map(|m| Json::from(m.iso()))),
        ("image", image.map(Json::from)),
        ("maximumAttendeeCapacity", e.capacity.map(Json::from)),
        (
            "audience",
            (e.audience != Audience::Everyone).then(|| {
                json!({ "@type": if e.audience == Audience::Schools { "EducationalAudience" } else { "Audience" },
                        "audienceType": serde_json::to_value(e.audience).unwrap_or_default() })
            }),
        ),
    ];
    for (k, val) in extra {
        if let Some(val) = val {
            v[k] = val;
        }
    }
    v
}

/// iCalendar text: `\`, `;`, `,` and new lines escaped (RFC 5545 §3.3.11).
fn ics_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A content line folded at 75 octets, never inside a UTF-8 character (RFC 5545 §3.1).
fn fold(line: &str, out: &mut String) {
    let mut used = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if used + n > 75 {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(c);
        used += n;
    }
    out.push_str("\r\n");
}

fn utc(secs: i64) -> String {
    let d = Day::from_unix(secs);
    let s = secs.rem_euclid(86_400);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        d.year,
        d.month,
        d.day,
        s / 3600,
        s % 3600 / 60,
        s % 60
    )
}

fn ics_day(d: Day) -> String {
    format!("{:04}{:02}{:02}", d.year, d.month, d.day)
}

fn vevent(input: &RenderInput, e: &Event, lang: Lang, lines: &mut Vec<String>) {
    let site = input.site;
    let m = &site.config.museum;
    let pick = |l: &crate::content::Localized| l.pick(lang).map(|(t, _)| t.to_string()).unwrap_or_default();
    let host = site
        .config
        .base_url
        .split_once("://")
        .map_or(site.config.base_url.as_str(), |x| x.1)
        .split('/')
        .next()
        .unwrap_or("vitrine");
    let url = abs(site, &format!("{}su-kien/{}/", lang.prefix(), e.slug));
    lines.push("BEGIN:VEVENT".into());
    lines.push(format!("UID:{}@{host}", e.slug));
    // The day of the build: calendars that imported the file see a newer copy after a change.
    lines.push(format!("DTSTAMP:{}", utc(input.today.to_unix() - VIETNAM_OFFSET)));
    match (e.starts.minute, e.ends) {
        (None, end) => {
            lines.push(format!("DTSTART;VALUE=DATE:{}", ics_day(e.starts.day)));
            // DTEND of whole days is exclusive: the day after the last.
            let last = end.map_or(e.starts.day, |x| x.day);
            lines.push(format!("DTEND;VALUE=DATE:{}", ics_day(last.add_days(1))));
        }
        (Some(_), end) => {
            lines.push(format!("DTSTART:{}", utc(e.starts.unix())));
            if let Some(end) = end {
                let secs = if end.minute.is_some() {
                    end.unix()
                } else {
                    end.day.add_days(1).to_unix() - VIETNAM_OFFSET
                };
                lines.push(format!("DTEND:{}", utc(secs)));
            }
        }
    }
    lines.push(format!("SUMMARY:{}", ics_text(&pick(&e.title))));
    let summary = pick(&e.summary);
    let description = if summary.is_empty() {
        url.clone()
    } else {
        format!("{summary}\n\n{url}")
    };
    lines.push(format!("DESCRIPTION:{}", ics_text(&description)));
    let place = [pick(&e.place), pick(&m.name), pick(&m.address)]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ");
    if !place.is_empty() {
        lines.push(format!("LOCATION:{}", ics_text(&place)));
    }
    lines.push(format!("URL:{url}"));
    lines.push(format!(
        "STATUS:{}",
        if e.status == EventStatus::Cancelled {
            "CANCELLED"
        } else {
            "CONFIRMED"
        }
    ));
    lines.push("END:VEVENT".into());
}

fn calendar(input: &RenderInput, events: &[&Event], lang: Lang) -> Vec<u8> {
    let name = input.site.config.museum.name.pick(lang).map_or("", |(t, _)| t);
    let mut lines: Vec<String> = vec![
        "BEGIN:VCALENDAR".into(),
        "VERSION:2.0".into(),
        format!(
            "PRODID:-//Vitrine//Vitrine {}//{}",
            env!("CARGO_PKG_VERSION"),
            lang.code().to_uppercase()
        ),
        "CALSCALE:GREGORIAN".into(),
        "METHOD:PUBLISH".into(),
        format!("X-WR-CALNAME:{}", ics_text(name)),
        "X-WR-TIMEZONE:Asia/Ho_Chi_Minh".into(),
    ];
    for e in events {
        vevent(input, e, lang, &mut lines);
    }
    lines.push("END:VCALENDAR".into());
    let mut out = String::new();
    for l in &lines {
        fold(l, &mut out);
    }
    out.into_bytes()
}

/// The iCalendar files and `data/events.json`.
pub(super) fn files(input: &RenderInput, published: &Published) -> Vec<OutFile> {
    let mut out = Vec::new();
    for lang in Lang::ALL {
        out.push(OutFile {
            path: format!("{}su-kien/lich.ics", lang.prefix()),
            bytes: calendar(input, &published.events, lang),
        });
        for e in &published.events {
            out.push(OutFile {
                path: format!("{}su-kien/{}.ics", lang.prefix(), e.slug),
                bytes: calendar(input, &[*e], lang),
            });
        }
    }
    let site = input.site;
    let list: Vec<Json> = published
        .events
        .iter()
        .map(|e| {
            json!({
                "slug": e.slug,
                "title": { "vi": e.title.vi, "en": e.title.en },
                "summary": { "vi": e.summary.vi, "en": e.summary.en },
                "starts": e.starts.iso(),
                "ends": e.ends.map(|m| m.iso()),
                "place": { "vi": e.place.vi, "en": e.place.en },
                "audience": e.audience,
                "grades": e.grades,
                "occasion": e.occasion.map(|o| o.key),
                "capacity": e.capacity,
                "free": e.price.is_empty(),
                "status": e.status,
                "url": { "vi": abs(site, &format!("su-kien/{}/", e.slug)), "en": abs(site, &format!("en/su-kien/{}/", e.slug)) },
            })
        })
        .collect();
    out.push(OutFile {
        path: "data/events.json".into(),
        bytes: serde_json::to_vec_pretty(&json!({ "events": list })).unwrap_or_default(),
    });
    out
}

/// Paths of the event pages, for the sitemap.
pub fn page_paths(published: &Published) -> Vec<String> {
    let mut v = vec!["su-kien/".to_string()];
    v.extend(published.events.iter().map(|e| format!("su-kien/{}/", e.slug)));
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ics_lines_fold_at_75_octets_between_characters() {
        let line = format!("SUMMARY:{}", "Ngày Di sản văn hoá Việt Nam ".repeat(6));
        let mut out = String::new();
        fold(&line, &mut out);
        for l in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(l.len() <= 75, "{} octets: {l}", l.len());
        }
        let unfolded = out.trim_end_matches("\r\n").replace("\r\n ", "");
        assert_eq!(unfolded, line);
    }

    #[test]
    fn ics_text_escapes_separators_and_new_lines() {
        assert_eq!(ics_text("a, b; c\\d\ne\u{7}"), "a\\, b\\; c\\\\d\\ne");
    }

    #[test]
    fn weekdays_are_named_in_both_languages() {
        let d = Day {
            year: 2027,
            month: 5,
            day: 18,
        };
        assert_eq!(weekday(d, Lang::Vi), "Thứ Ba");
        assert_eq!(weekday(d, Lang::En), "Tuesday");
        assert_eq!(utc(d.to_unix() + 3600), "20270518T010000Z");
    }
}
