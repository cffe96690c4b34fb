// Crash safety: `vitrine build` killed with SIGKILL at moments spread over a build leaves either
// the previous complete site or the new complete site, never a mix, and a cache the next build
// uses to make exactly the site a clean build makes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use crate::support::*;

/// Whether the moment to kill the build has come: from the build's pid, the number of cache
/// entries before it started, and the time since it started.
type Reached<'a> = dyn Fn(u32, usize, Duration) -> bool + 'a;

/// How two snapshots differ, for failure messages.
fn diff(a: &BTreeMap<PathBuf, Vec<u8>>, b: &BTreeMap<PathBuf, Vec<u8>>) -> String {
    let mut out = differences(a, b);
    out.truncate(12);
    out.join("\n")
}

/// A photo big enough that encoding its derivatives and tiles takes a noticeable part of the
/// build, different for every `seed`.
fn photo(path: &Path, seed: u32) {
    let img = image::RgbImage::from_fn(3000, 2000, |x, y| {
        let v = x
            .wrapping_mul(7)
            .wrapping_add(y.wrapping_mul(13))
            .wrapping_add(seed * 31);
        image::Rgb([(v % 251) as u8, ((x ^ y) % 241) as u8, ((y + seed) % 239) as u8])
    });
    img.save(path).unwrap();
}

fn spawn_build(root: &Path, dir: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_vitrine"))
        .arg("build")
        .arg("--quiet")
        .arg("--root")
        .arg(root)
        .arg("--out")
        .arg(dir.join("public"))
        .arg("--cache")
        .arg(dir.join("cache"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("vitrine runs")
}

fn build_to_end(root: &Path, dir: &Path) {
    let out = spawn_build(root, dir).wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "build failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn builds_killed_at_any_moment_leave_the_old_or_the_new_site_and_a_usable_cache() {
    use std::os::unix::process::ExitStatusExt;

    let (tmp, root) = copy_fixture("tiny");
    let object = root.join("exhibits/kho-bau/objects/T-002");
    let site_dir = tmp.path().join("site");
    let toml = std::fs::read_to_string(object.join("object.toml")).unwrap();
    assert!(toml.contains("hưng bảo\""));
    photo(&object.join("coin.png"), 0);
    build_to_end(&root, &site_dir);

    // How long a build of one changed photo takes here, to spread the kills over it.
    photo(&object.join("coin.png"), 1);
    let started = Instant::now();
    build_to_end(&root, &site_dir);
    let span = started.elapsed();

    // The moments of the kills: right after the start (loading), while the new photo is being
    // encoded (a half-written cache entry exists), once its cache entry is in place, once the
    // build's own folder exists, while the spare tree is being brought up to date, and at
    // pseudo-random times spread over the measured span.
    let media = site_dir.join("cache/media");
    let entries = |tmp: bool| -> usize {
        std::fs::read_dir(&media)
            .map(|rd| {
                rd.filter_map(Result::ok)
                    .filter(|e| e.file_name().to_string_lossy().starts_with(".tmp-") == tmp)
                    .count()
            })
            .unwrap_or(0)
    };
    // The folder of this build's photo derivatives, and the moment the spare tree (the previous
    // site, brought up to date and then exchanged with the live one) is being changed: its record
    // is removed first, so only the live tree's record is left.
    let side = |pid: u32| site_dir.join(format!(".public.building-{pid}")).is_dir();
    let records = || -> usize {
        let mut n = 0;
        walk(&site_dir.join("cache/sites"), &mut |p| {
            n += usize::from(p.extension().is_some_and(|e| e == "keys"))
        });
        n
    };
    let spare = site_dir.join(".public.spare");
    let moments: Vec<(&str, Box<Reached>)> = vec![
        ("at the start", Box::new(|_, _, _| true)),
        ("while encoding", Box::new(|_, _, _| entries(true) > 0)),
        ("once encoded", Box::new(|_, before, _| entries(false) > before)),
        ("once its folder exists", Box::new(|pid, _, _| side(pid))),
        (
            "while the spare is changed",
            Box::new(|_, _, _| spare.is_dir() && records() < 2),
        ),
        (
            "after 30 % of a build",
            Box::new(move |_, _, t| t >= span * 3 / 10),
        ),
        (
            "after 70 % of a build",
            Box::new(move |_, _, t| t >= span * 7 / 10),
        ),
    ];

    let mut killed_midway = 0;
    let mut outcomes = Vec::new();
    for (run, (moment, reached)) in moments.iter().enumerate() {
        let seed = run as u32 + 2;
        let old = snapshot(&site_dir.join("public"));
        // The new content: another photo and a changed title.
        photo(&object.join("coin.png"), seed);
        std::fs::write(
            object.join("object.toml"),
            toml.replacen("hưng bảo\"", &format!("hưng bảo (lần {seed})\""), 1),
        )
        .unwrap();
        // What a clean build of the new content makes, with a cache of its own.
        let reference_dir = tmp.path().join(format!("reference-{run}"));
        build_into(&root, &reference_dir).unwrap();
        let new = snapshot(&reference_dir.join("public"));
        assert_ne!(old, new);

        let before = entries(false);
        let started = Instant::now();
        let mut child = spawn_build(&root, &site_dir);
        while child.try_wait().unwrap().is_none() && !reached(child.id(), before, started.elapsed()) {
            std::thread::park_timeout(Duration::from_micros(200));
        }
        let _ = child.kill();
        let status = child.wait().unwrap();
        let midway = status.signal() == Some(9);
        killed_midway += u32::from(midway);
        let delay = started.elapsed();
        let after = snapshot(&site_dir.join("public"));
        let which = if after == old {
            "old"
        } else if after == new {
            "new"
        } else {
            panic!(
                "run {run}: killed {moment} ({delay:?}), the site is neither the old nor the new one:\n\
                 against the old:\n{}\nagainst the new:\n{}",
                diff(&old, &after),
                diff(&new, &after)
            )
        };
        outcomes.push(format!(
            "{moment} ({delay:?}){} → {which}",
            if midway { " (killed)" } else { " (had finished)" }
        ));

        // The next build completes from whatever the killed one left in the cache, and makes
        // exactly what a clean build makes.
        build_to_end(&root, &site_dir);
        let rebuilt = snapshot(&site_dir.join("public"));
        assert!(
            rebuilt == new,
            "run {run}: the build after the kill differs from a clean build:\n{}",
            diff(&new, &rebuilt)
        );
        std::fs::remove_dir_all(&reference_dir).unwrap();
    }
    eprintln!("build span {span:?}; kills: {}", outcomes.join(", "));
    // Every kill but the timed ones and the short moment of the spare's update landed while the
    // build ran.
    assert!(
        killed_midway as usize >= moments.len() - 3,
        "only {killed_midway} of {} kills landed during a build: {outcomes:?}",
        moments.len()
    );
}
