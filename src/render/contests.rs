// Contest pages: one page per contest with its rules and prizes, its rounds and where to learn
// the answers. The question bank is never written into the site: `vitrine serve` shows each
// entrant their own questions and marks them. A static host shows the page with a note that
// entries are taken on the museum's own server.

use serde::Serialize;

use super::events::moment_text;
use super::views::{Ctx, Link, Md, Txt, md, txt};
use super::{PageSpec, RenderInput, home_crumb_of, plain, ui};
use crate::content::{Contest, Day, Lang, Published};
use minijinja::Value;
use minijinja::value::Serde;

#[derive(Debug, Clone, Serialize)]
pub struct RoundView {
    pub number: u32,
    pub title: Option<Txt>,
    pub opens: String,
    pub closes: String,
    pub opens_iso: String,
    /// On the build's day: "upcoming", "open" or "over".
    pub state: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct ContestCard {
    pub slug: String,
    pub url: String,
    pub title: Option<Txt>,
    pub summary: Option<Txt>,
    /// On the build's day: "upcoming", "open" or "over".
    pub state: &'static str,
    pub rounds: Vec<RoundView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ContestView {
    #[serde(flatten)]
    pub card: ContestCard,
    pub text: Option<Md>,
    pub questions_per_entry: usize,
    pub time_limit_minutes: Option<u32>,
    pub prediction: bool,
    pub exhibits: Vec<Link>,
    pub event: Option<Link>,
}

fn round_state(opens: Day, closes: Day, today: Day) -> &'static str {
    if today < opens {
        "upcoming"
    } else if today > closes {
        "over"
    } else {
        "open"
    }
}

pub fn contest_card(ctx: &Ctx, c: &Contest, today: Day) -> ContestCard {
    let rounds: Vec<RoundView> = c
        .rounds
        .iter()
        .map(|r| RoundView {
            number: r.number,
            title: txt(&r.title, ctx.lang),
            opens: moment_text(r.opens, ctx.lang),
            closes: moment_text(r.closes, ctx.lang),
            opens_iso: r.opens.iso(),
            state: round_state(r.opens.day, r.closes.day, today),
        })
        .collect();
    let state = if rounds.iter().any(|r| r.state == "open") {
        "open"
    } else if rounds.iter().any(|r| r.state == "upcoming") {
        "upcoming"
    } else {
        "over"
    };
    ContestCard {
        slug: c.slug.clone(),
        url: ctx.url(&format!("thi/{}/", c.slug)),
        title: txt(&c.title, ctx.lang),
        summary: txt(&c.summary, ctx.lang),
        state,
        rounds,
    }
}

fn contest_view(ctx: &Ctx, c: &Contest, today: Day) -> ContestView {
    ContestView {
        card: contest_card(ctx, c, today),
        text: md(&c.text, ctx.lang),
        questions_per_entry: c.questions_per_entry,
        time_limit_minutes: c.time_limit_minutes,
        prediction: c.prediction,
        exhibits: super::events::exhibit_links(ctx, &c.exhibits),
        event: c
            .event
            .as_ref()
            .and_then(|(s, _)| ctx.published.events.iter().find(|e| &e.slug == s))
            .map(|e| Link {
                url: ctx.url(&format!("su-kien/{}/", e.slug)),
                title: txt(&e.title, ctx.lang),
            }),
    }
}

/// Contests for the events page: open and coming ones first, then those that are over.
pub fn cards(ctx: &Ctx, published: &Published, today: Day) -> Vec<ContestCard> {
    let mut v: Vec<ContestCard> = published
        .contests
        .iter()
        .map(|c| contest_card(ctx, c, today))
        .collect();
    v.sort_by_key(|c| c.state == "over");
    v
}

pub(super) fn specs(input: &RenderInput, lang: Lang, published: &Published) -> Vec<PageSpec> {
    let events_title = ui(lang, input.locales.text(lang, "events.title"));
    published
        .contests
        .iter()
        .map(|c| {
            let path = format!("thi/{}/", c.slug);
            let ctx = super::ctx_for(input, lang, &path, published);
            let view = contest_view(&ctx, c, input.today);
            PageSpec {
                path: path.clone(),
                template: "contest.html",
                title: view.card.title.clone(),
                description: plain(&view.card.summary),
                og_type: "article",
                nav: "events",
                crumbs: vec![
                    home_crumb_of(input, lang, &ctx),
                    (events_title.clone(), ctx.url("su-kien/")),
                ],
                data: Value::from(Serde(view)),
                ..Default::default()
            }
        })
        .collect()
}

/// The contest pages, for the sitemap.
pub fn page_paths(published: &Published) -> Vec<String> {
    published
        .contests
        .iter()
        .map(|c| format!("thi/{}/", c.slug))
        .collect()
}
