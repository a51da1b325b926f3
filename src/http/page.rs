//! The landing page: what segwright is serving and a small form to preview a definition.

use axum::response::Html;

const INDEX: &str = include_str!("../../templates/index.html");

pub async fn index() -> Html<&'static str> {
    Html(INDEX)
}
