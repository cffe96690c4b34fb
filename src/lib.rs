//! Vitrine: bilingual (Vietnamese/English) museum exhibition sites from content folders.
//!
//! The pipeline runs one way: `content` (load) → `check` → `media` → `render` → `build` (write and
//! swap in). The command line in `cli` only calls into these.

pub mod accounts;
pub mod build;
pub mod check;
pub mod cli;
pub mod content;
pub mod contests;
pub mod diag;
pub mod learn;
pub mod mail;
pub mod media;
pub mod output;
pub mod proc;
pub mod province;
pub mod publish;
pub mod render;
pub mod report;
pub mod scaffold;
pub mod serve;
pub mod sheet;
pub mod signups;
pub mod store;
pub mod text;
pub mod visits;
