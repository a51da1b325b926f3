//! The web app in a real Chromium (headless, through chromedriver), walked as people would, one
//! walk per module: a marketer asks, refines, edits a chip, saves and submits, and a manager
//! sends it (`marketer`); a manager reviews a version 2 with its diff and sends 10,000 members
//! to the demo webhook (`review_v2`); an admin adds a user and a destination (`admin`); a request
//! nobody matches and the other dead ends (`dead_ends`); an unrecognized place (`partial`).
//! Seeding data is the only thing done outside the pages.
//!
//! Screenshots: every main page, whole, at 1400 px and 390 px in `target/screenshots/`, and each
//! walk's steps in `target/screenshots/steps/WALK/` (see `harness`).
//!
//! Needs `chromium` and `chromium-driver` (Debian). Without them each test prints a note and does
//! nothing, unless `SEGWRIGHT_REQUIRE_BROWSER=1` (as CI sets), which makes their absence a failure.

#[path = "../common/mod.rs"]
mod common;

mod admin;
mod dead_ends;
mod harness;
mod marketer;
mod partial;
mod review_v2;
