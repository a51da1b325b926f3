//! The layering rule, enforced: the domain imports no infrastructure crate, and HTTP handlers
//! never reach the store or SQL directly.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

fn violations(dir: &str, forbidden: &[&str]) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut found = Vec::new();
    for file in rust_files(&root) {
        let text = std::fs::read_to_string(&file).expect("read source");
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for f in forbidden {
                if code.contains(f) {
                    found.push(format!("{}:{}: uses `{f}`", file.display(), n + 1));
                }
            }
        }
    }
    found
}

#[test]
fn the_domain_imports_no_infrastructure_crate() {
    let v = violations(
        "src/domain",
        &[
            "axum",
            "sqlx",
            "tokio",
            "reqwest",
            "async_openai",
            "minijinja",
            "tower",
            "crate::store",
            "crate::http",
            "crate::app",
        ],
    );
    assert!(v.is_empty(), "the domain must stay pure:\n{}", v.join("\n"));
}

#[test]
fn http_handlers_do_not_touch_sql() {
    let v = violations("src/http", &["sqlx", "crate::store", "SELECT ", "INSERT "]);
    assert!(
        v.is_empty(),
        "handlers must go through app:\n{}",
        v.join("\n")
    );
}

#[test]
fn only_the_store_imports_sqlx() {
    let v = violations("src/app", &["sqlx"]);
    assert!(v.is_empty(), "sqlx belongs to store:\n{}", v.join("\n"));
}

#[test]
fn migrations_are_kept_in_lockstep() {
    let list = |d: &str| {
        let mut v: Vec<String> = std::fs::read_dir(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("migrations")
                .join(d),
        )
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
        v.sort();
        v
    };
    assert_eq!(list("sqlite"), list("postgres"));
}

#[test]
fn the_interpreters_grammar_is_pure_and_only_the_llm_client_talks_to_the_network() {
    let v: Vec<String> = violations(
        "src/interpret",
        &[
            "axum",
            "sqlx",
            "tokio",
            "reqwest",
            "minijinja",
            "tower",
            "crate::store",
            "crate::http",
            "crate::app",
        ],
    )
    .into_iter()
    .chain(violations("src/interpret", &["async_openai"]))
    .filter(|line| !line.contains("src/interpret/llm"))
    .collect();
    assert!(
        v.is_empty(),
        "only src/interpret/llm* may use infrastructure:\n{}",
        v.join("\n")
    );
}

#[test]
fn only_the_llm_client_imports_async_openai() {
    let v: Vec<String> = violations("src", &["async_openai"])
        .into_iter()
        .filter(|line| !line.contains("src/interpret/llm"))
        .collect();
    assert!(
        v.is_empty(),
        "async_openai belongs to src/interpret/llm*:\n{}",
        v.join("\n")
    );
}

#[test]
fn unsafe_code_and_sqlites_c_api_stay_in_the_bulk_reader() {
    // The keyword as code (`unsafe {`, `unsafe fn`, `unsafe impl`), not a content security
    // policy's `'unsafe-inline'` (src/http/headers.rs).
    let v: Vec<String> = violations("src", &["unsafe ", "unsafe{", "libsqlite3_sys"])
        .into_iter()
        .filter(|line| !line.contains("src/store/sqlite_scan.rs"))
        .collect();
    assert!(
        v.is_empty(),
        "only src/store/sqlite_scan.rs may call SQLite's C API:\n{}",
        v.join("\n")
    );
}
