// Markdown from content files to HTML. Raw HTML in the source is shown as text and only safe link
// schemes are kept, so a content file can never inject script into a page.

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd, html};

fn safe_url(url: &str) -> bool {
    let u = url.trim().to_ascii_lowercase();
    match u.split_once(':') {
        // No scheme (relative link or #anchor), or a scheme before any '/', '?' or '#'.
        Some((scheme, _)) if !scheme.contains(['/', '?', '#']) => {
            matches!(scheme, "http" | "https" | "mailto" | "tel")
        }
        _ => true,
    }
}

fn shift(level: HeadingLevel, by: usize) -> HeadingLevel {
    const LEVELS: [HeadingLevel; 6] = [
        HeadingLevel::H1,
        HeadingLevel::H2,
        HeadingLevel::H3,
        HeadingLevel::H4,
        HeadingLevel::H5,
        HeadingLevel::H6,
    ];
    LEVELS[(level as usize - 1 + by).min(5)]
}

/// HTML of a Markdown text. Headings are moved one level down (the page has its own h1).
pub fn to_html(md: &str) -> String {
    to_html_below(md, 1)
}

/// HTML of a Markdown text whose `#` headings become h(1 + `by`): 1 for page-level text, 2 for
/// text inside a section that has its own h2.
pub fn to_html_below(md: &str, by: usize) -> String {
    let opts = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_SMART_PUNCTUATION;
    let events = Parser::new_ext(md, opts).map(|ev| match ev {
        Event::Html(t) | Event::InlineHtml(t) => Event::Text(t),
        Event::Start(Tag::Heading {
            level,
            id,
            classes,
            attrs,
        }) => Event::Start(Tag::Heading {
            level: shift(level, by),
            id,
            classes,
            attrs,
        }),
        Event::End(TagEnd::Heading(level)) => Event::End(TagEnd::Heading(shift(level, by))),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) if !safe_url(&dest_url) => Event::Start(Tag::Link {
            link_type,
            dest_url: CowStr::Borrowed("#"),
            title,
            id,
        }),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) if !safe_url(&dest_url) => Event::Start(Tag::Image {
            link_type,
            dest_url: CowStr::Borrowed("#"),
            title,
            id,
        }),
        other => other,
    });
    let mut out = String::with_capacity(md.len() * 3 / 2);
    html::push_html(&mut out, events);
    out
}

pub use crate::text::plain_of_markdown as to_plain;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_html_and_script_links_are_neutralised() {
        let h = to_html("<script>alert(1)</script>\n\n[x](javascript:alert(1)) <img src=x onerror=alert(1)>");
        assert!(!h.contains("<script"), "{h}");
        assert!(!h.contains("<img"), "{h}");
        assert!(!h.contains("javascript:"), "{h}");
        assert!(h.contains("&lt;script&gt;"), "{h}");
    }

    #[test]
    fn headings_move_down_and_links_stay() {
        let h = to_html("# Tiêu đề\n\n[Hoa Lư](https://vi.wikipedia.org/wiki/Hoa_L%C6%B0)");
        assert!(h.contains("<h2>Tiêu đề</h2>"), "{h}");
        assert!(h.contains("href=\"https://vi.wikipedia.org"), "{h}");
    }
}
