//! How much the saved segments overlap (`/segments/overlaps`): a matrix of the customers each
//! pair shares, and the same pairs as a list, largest share first (readable on a phone).
//! The counts are the previews' own overlaps (`app::overlaps`).

use axum::Extension;
use axum::extract::State;
use axum::response::Response;
use minijinja::context;
use minijinja::value::Serde;

use super::super::AppState;
use super::super::auth::Caller;
use super::render;
use super::segments::{actor, page_error};
use super::session::user_context;

pub async fn page(State(app): State<AppState>, Extension(caller): Extension<Caller>) -> Response {
    let as_of = match app.as_of(None) {
        Ok(a) => a,
        Err(e) => return page_error(&caller, e),
    };
    match app.segment_overlaps(as_of, &actor(&caller)).await {
        Ok(m) => {
            // Each pair in words, with the percent of the smaller segment it covers.
            let pairs: Vec<_> = m
                .pairs
                .iter()
                .map(|p| {
                    context! {
                        a => m.segments[p.a].name.clone(), b => m.segments[p.b].name.clone(),
                        both => p.both, percent => (p.share_of_smaller * 100.0).round() as i64,
                    }
                })
                .collect();
            render(
                "overlaps.html",
                context! { m => Serde(&m), pairs, ..user_context(&caller) },
            )
        }
        Err(e) => page_error(&caller, e),
    }
}
