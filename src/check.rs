// Diagnostics over a loaded Site: references between files, translations, alt text, image sizes.
// Reads the model only; the per-file problems were already found by the loader.

use std::collections::BTreeMap;

use crate::content::{Lang, Localized, Site, Status};
use crate::diag::{Diagnostics, Pos};

/// Images whose longer side is below this are reported: they look blurred on a tablet and cannot
/// be zoomed.
pub const MIN_IMAGE_SIDE: u32 = 1200;

pub fn check_site(site: &Site) -> Diagnostics {
    let mut d = Diagnostics::default();
    check_references(site, &mut d);
    check_translations(site, &mut d);
    check_images(site, &mut d);
    d
}

fn known(site: &Site, id: &str) -> bool {
    site.items.contains_key(id) || site.broken_ids.contains(id)
}

fn unknown_object(d: &mut Diagnostics, site: &Site, pos: &Pos, field: &str, id: &str) {
    let near = site
        .items
        .keys()
        .map(|k| (crate::text::edit_distance(&id.to_uppercase(), k), k))
        .filter(|(dist, _)| *dist <= 2)
        .min()
        .map(|(_, k)| format!("did you mean {k}? "))
        .unwrap_or_default();
    d.error(
        "unknown-object",
        pos.clone(),
        field,
        format!("there is no object with the ID \"{id}\""),
        &format!(
            "{near}IDs are the folder names under exhibits/<exhibition>/objects/ and are case-sensitive"
        ),
    );
}

fn check_references(site: &Site, d: &mut Diagnostics) {
    for dup in &site.duplicates {
        let first = &site.items[&dup.id];
        d.error(
            "duplicate-id",
            dup.id_pos.clone(),
            "id",
            format!(
                "the ID {} is already used by {}",
                dup.id,
                first.pos.file.display()
            ),
            "every object needs its own ID across the whole museum; give this one another accession number",
        );
    }
    for ex in &site.exhibits {
        if ex.status == Status::Draft {
            d.warn(
                "draft-exhibit",
                ex.pos.clone(),
                "status",
                format!("the exhibition \"{}\" is a draft and is not published", ex.slug),
                "write status = \"published\" when it is ready (preview with `vitrine build --drafts`)",
            );
        }
        for (si, s) in ex.sections.iter().enumerate() {
            for (id, pos) in &s.items {
                if !known(site, id) {
                    unknown_object(d, site, pos, &format!("section[{}].objects", si + 1), id);
                }
            }
        }
        if let Some((id, pos)) = &ex.cover
            && !known(site, id)
        {
            unknown_object(d, site, pos, "cover", id);
        }
    }
    let in_sections: std::collections::BTreeSet<&str> = site
        .exhibits
        .iter()
        .flat_map(|e| {
            e.sections
                .iter()
                .flat_map(|s| s.items.iter().map(|(i, _)| i.as_str()))
        })
        .collect();
    let mut audio_numbers: BTreeMap<u32, &str> = BTreeMap::new();
    for it in site.items.values() {
        for (id, pos) in &it.related {
            if !known(site, id) {
                unknown_object(d, site, pos, "related", id);
            }
        }
        if !in_sections.contains(it.id.as_str()) {
            d.warn(
                "orphan-object",
                it.pos.clone(),
                "",
                format!("the object {} is in no section of any exhibition", it.id),
                "add its ID to a [[section]] objects list in an exhibit.toml, or it is reachable only by its address",
            );
        }
        if let Some((n, pos)) = &it.audio_number
            && let Some(other) = audio_numbers.insert(*n, &it.id)
        {
            d.error(
                "duplicate-audio-number",
                pos.clone(),
                "audio_number",
                format!("audio guide number {n} is also used by {other}"),
                "give each object its own audio guide number",
            );
        }
    }
    let mut slugs: BTreeMap<&str, &Pos> = BTreeMap::new();
    for p in &site.programmes {
        if let Some(first) = slugs.insert(&p.slug, &p.pos) {
            d.error(
                "duplicate-programme",
                p.pos.clone(),
                "",
                format!(
                    "a programme named {} already exists in {}",
                    p.slug,
                    first.file.display()
                ),
                "programme file names must be unique across the museum; rename one of them",
            );
        }
        for (i, s) in p.stops.iter().enumerate() {
            if !known(site, &s.item) {
                unknown_object(d, site, &s.pos, &format!("stop[{}].object", i + 1), &s.item);
            }
        }
    }
    for e in &site.events {
        for (id, pos) in &e.objects {
            if !known(site, id) {
                unknown_object(d, site, pos, "objects", id);
            }
        }
        unknown_exhibits(d, site, &e.exhibits);
        for (slug, pos) in &e.programmes {
            if !site.programmes.iter().any(|p| &p.slug == slug) {
                d.error(
                    "unknown-programme",
                    pos.clone(),
                    "programmes",
                    format!("there is no programme \"{slug}\""),
                    "write the file name of a programme under exhibits/<exhibition>/programmes/, without .toml",
                );
            }
        }
        if e.capacity.is_none() && (e.signup_opens.is_some() || e.signup_closes.is_some()) {
            d.warn(
                "signup-without-capacity",
                e.pos.clone(),
                "capacity",
                "the event has a sign-up window but no capacity, so any number of people can sign up",
                "add capacity = <number of people>, or remove signup_opens and signup_closes",
            );
        }
    }
    for c in &site.contests {
        unknown_exhibits(d, site, &c.exhibits);
        if let Some((slug, pos)) = &c.event
            && !site.events.iter().any(|e| &e.slug == slug)
        {
            d.error(
                "unknown-event",
                pos.clone(),
                "event",
                format!("there is no event \"{slug}\""),
                "write the file name of an event under events/, without .toml",
            );
        }
        for (i, q) in c.questions.iter().enumerate() {
            if let Some((target, pos)) = &q.learn
                && !known(site, target)
                && site.exhibit(target).is_none()
            {
                unknown_object(d, site, pos, &format!("question[{}].learn", i + 1), target);
            }
        }
    }
}

/// An error for each exhibition named in an `exhibits` list that does not exist.
fn unknown_exhibits(d: &mut Diagnostics, site: &Site, slugs: &[(String, Pos)]) {
    for (slug, pos) in slugs {
        if site.exhibit(slug).is_none() {
            let names: Vec<&str> = site.exhibits.iter().map(|x| x.slug.as_str()).collect();
            d.error(
                "unknown-exhibit",
                pos.clone(),
                "exhibits",
                format!("there is no exhibition \"{slug}\""),
                &format!("write the name of a folder under exhibits/: {}", names.join(", ")),
            );
        }
    }
}

fn missing_translation(d: &mut Diagnostics, t: &Localized, fallback: &Pos, field: &str) {
    missing_translation_in(d, t, fallback, field, None);
}

/// `file_stem`: for Markdown texts, the file to write (`intro` → intro.en.md, "" → en.md).
fn missing_translation_in(
    d: &mut Diagnostics,
    t: &Localized,
    fallback: &Pos,
    field: &str,
    file_stem: Option<&str>,
) {
    if t.is_empty() {
        return;
    }
    for lang in t.missing() {
        let (name, other) = match lang {
            Lang::Vi => ("Vietnamese", "English"),
            Lang::En => ("English", "Vietnamese"),
        };
        d.warn(
            "missing-translation",
            t.pos.clone().unwrap_or_else(|| fallback.clone()),
            &format!("{field}.{}", lang.code()),
            format!("there is no {name} text; the {name} page shows the {other} text with a note"),
            &match file_stem {
                Some("") => format!("write {}.md beside the other language's file", lang.code()),
                Some(stem) => format!("write {stem}.{}.md beside the other language's file", lang.code()),
                None => format!("add {} = \"…\"", lang.code()),
            },
        );
    }
}

fn check_translations(site: &Site, d: &mut Diagnostics) {
    let m = &site.config.museum;
    let cfg = Pos::file("vitrine.toml");
    missing_translation(d, &m.name, &cfg, "museum.name");
    missing_translation(d, &m.tagline, &cfg, "museum.tagline");
    for ex in &site.exhibits {
        missing_translation(d, &ex.title, &ex.pos, "title");
        missing_translation(d, &ex.summary, &ex.pos, "summary");
        let intro_pos = Pos::file(ex.pos.file.with_file_name("intro.vi.md"));
        missing_translation_in(d, &ex.intro, &intro_pos, "intro", Some("intro"));
        for (i, s) in ex.sections.iter().enumerate() {
            missing_translation(d, &s.title, &ex.pos, &format!("section[{}].title", i + 1));
            missing_translation(d, &s.text, &ex.pos, &format!("section[{}].text", i + 1));
        }
    }
    for it in site.items.values() {
        let fields = [
            (&it.title, "title"),
            (&it.kind, "kind"),
            (&it.date.display, "date.display"),
            (&it.period, "period"),
            (&it.culture, "culture"),
            (&it.material, "material"),
            (&it.technique, "technique"),
            (&it.dimensions, "dimensions"),
            (&it.maker, "maker"),
            (&it.inscription, "inscription"),
            (&it.find_place, "find_place"),
            (&it.provenance, "provenance"),
            (&it.acquisition, "acquisition"),
            (&it.location, "location"),
            (&it.credit, "credit"),
        ];
        for (t, name) in fields {
            missing_translation(d, t, &it.pos, name);
        }
        let desc_pos = Pos::file(it.pos.file.with_file_name("vi.md"));
        if it.description.is_empty() {
            d.warn(
                "missing-description",
                desc_pos,
                "",
                format!("the object {} has no description", it.id),
                "write the long description in vi.md and en.md beside object.toml",
            );
        } else {
            missing_translation_in(d, &it.description, &desc_pos, "description", Some(""));
        }
    }
    for p in &site.programmes {
        missing_translation(d, &p.title, &p.pos, "title");
        missing_translation(d, &p.summary, &p.pos, "summary");
    }
    for e in &site.events {
        missing_translation(d, &e.title, &e.pos, "title");
        missing_translation(d, &e.summary, &e.pos, "summary");
        missing_translation(d, &e.place, &e.pos, "place");
        missing_translation(d, &e.price, &e.pos, "price");
        let text_pos = Pos::file(e.pos.file.with_file_name(format!("{}.vi.md", e.slug)));
        missing_translation_in(d, &e.text, &text_pos, "text", Some(&e.slug));
    }
    for c in &site.contests {
        missing_translation(d, &c.title, &c.pos, "title");
        missing_translation(d, &c.summary, &c.pos, "summary");
        let text_pos = Pos::file(c.pos.file.with_file_name(format!("{}.vi.md", c.slug)));
        missing_translation_in(d, &c.text, &text_pos, "text", Some(&c.slug));
        for (i, r) in c.rounds.iter().enumerate() {
            missing_translation(d, &r.title, &c.pos, &format!("round[{}].title", i + 1));
        }
        for (i, q) in c.questions.iter().enumerate() {
            missing_translation(
                d,
                &q.question.prompt,
                &q.pos,
                &format!("question[{}].prompt", i + 1),
            );
            for (j, ch) in q.question.choices.iter().enumerate() {
                missing_translation(
                    d,
                    &ch.text,
                    &q.pos,
                    &format!("question[{}].choices[{}]", i + 1, j + 1),
                );
            }
            missing_translation(
                d,
                &q.question.answer,
                &q.pos,
                &format!("question[{}].answer", i + 1),
            );
        }
    }
}

fn check_images(site: &Site, d: &mut Diagnostics) {
    for it in site.items.values() {
        if it.images.is_empty() {
            d.warn(
                "no-image",
                it.pos.clone(),
                "image",
                format!("the object {} has no photograph", it.id),
                "add an [[image]] block with file = \"…\" and put the photo in the object's folder",
            );
        }
        for (i, im) in it.images.iter().enumerate() {
            let field = format!("image[{}].alt", i + 1);
            if im.alt.is_empty() {
                d.warn(
                    "missing-alt",
                    im.pos.clone(),
                    &field,
                    format!("the image \"{}\" has no alt text", im.file),
                    "describe what the photo shows for people who cannot see it: alt = { vi = \"…\", en = \"…\" }",
                );
            } else {
                for lang in im.alt.missing() {
                    d.warn(
                        "missing-alt",
                        im.alt.pos.clone().unwrap_or_else(|| im.pos.clone()),
                        &format!("{field}.{}", lang.code()),
                        format!("the image \"{}\" has no {} alt text", im.file, lang.code()),
                        &format!("add {} = \"…\" to alt", lang.code()),
                    );
                }
            }
            if im.width.max(im.height) < MIN_IMAGE_SIDE {
                d.warn(
                    "small-image",
                    im.pos.clone(),
                    &format!("image[{}].file", i + 1),
                    format!(
                        "\"{}\" is only {}×{} px; it will look blurred on large screens and cannot be zoomed",
                        im.file, im.width, im.height
                    ),
                    &format!("use a photo at least {MIN_IMAGE_SIDE} px on its longer side"),
                );
            }
        }
    }
}
