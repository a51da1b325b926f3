//! The layering rule, enforced: the domain imports no infrastructure crate; only `app` reaches
//! the store, and every public use case there takes the acting user (the edges only
//! authenticate); no new store row goes out to clients as it is; configuration is read in one
//! place.

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

/// The code of a file with `//` comments removed, line by line (strings are kept: a store call
/// in a string is still worth a look).
fn code_lines(file: &Path) -> Vec<String> {
    std::fs::read_to_string(file)
        .expect("read source")
        .lines()
        .map(|l| l.split("//").next().unwrap_or("").to_string())
        .collect()
}

fn src(dir: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(dir)
}

/// A file's path under `src/` (`app/sync.rs`).
fn relative(file: &Path) -> String {
    file.strip_prefix(src("src"))
        .unwrap()
        .to_string_lossy()
        .to_string()
}

#[test]
fn only_the_app_reaches_the_store() {
    let mut found = Vec::new();
    for file in rust_files(&src("src")) {
        let rel = relative(&file);
        if rel.starts_with("app/") || rel.starts_with("store/") {
            continue;
        }
        for (n, line) in code_lines(&file).iter().enumerate() {
            for f in ["crate::store", "store::", ".store.", ".store)", ".store;"] {
                if line.contains(f) {
                    found.push(format!("src/{rel}:{}: uses `{f}`", n + 1));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "only src/app may use the store; the edges call use cases that check the actor:\n{}",
        found.join("\n")
    );
    let app = std::fs::read_to_string(src("src/app/mod.rs")).unwrap();
    assert!(
        !app.contains("pub store:") && !app.contains("pub(crate) store:"),
        "App.store must stay private to src/app"
    );
}

#[test]
fn the_edges_authenticate_and_leave_permission_checks_to_the_app() {
    let v: Vec<String> = violations("src/http", &[".require(", ".allow("])
        .into_iter()
        .chain(violations("src/cli", &[".require(", ".allow("]))
        .collect();
    assert!(
        v.is_empty(),
        "whether a user may do something is decided in src/app (each use case checks its actor); \
         the edges only say who is asking (showing or hiding a button by role is fine):\n{}",
        v.join("\n")
    );
}

/// Public async functions of `src/app` that are not use cases a user calls, each with why it
/// takes no actor.
const NOT_USE_CASES: &[(&str, &str)] = &[
    ("open", "builds the App itself"),
    ("close", "closes the database connections"),
    (
        "health",
        "the open liveness probe (`/health`): answers only whether the database is up",
    ),
    (
        "warm_up",
        "loads the in-memory copy at start; returns nothing a user could read",
    ),
    (
        "authenticate_token",
        "authentication: finds who the actor is",
    ),
    (
        "authenticate_session",
        "authentication: finds who the actor is",
    ),
    (
        "login",
        "authentication: opens the session that names the actor",
    ),
    ("logout", "authentication: ends a session by its own cookie"),
    (
        "user",
        "authentication of the CLI's `--as EMAIL`: finds who the actor is",
    ),
    (
        "drain_syncs",
        "the sync worker's loop: sends runs a campaign manager already started",
    ),
    (
        "sync_once",
        "the sync worker's step: sends one batch of a run already started",
    ),
    (
        "refresh_all",
        "the refresh schedule's step over segments already approved and active",
    ),
    (
        "generate_demo",
        "the `demo` command builds its own database",
    ),
    (
        "create_demo_users",
        "the `demo` command creates its own users",
    ),
];

/// Files of `src/app` that hold tools, not use cases: benchmarks and the NL evaluation build
/// their own databases (they are to move out of `app/`, issue #21 item 5).
const TOOL_FILES: &[&str] = &["app/bench", "app/eval_nl"];

/// `(file, name, signature)` of every `pub` or `pub(crate)` async function in `src/app`.
fn public_async_fns() -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for file in rust_files(&src("src/app")) {
        let rel = relative(&file);
        let text = code_lines(&file).join("\n");
        for start in ["pub async fn ", "pub(crate) async fn "] {
            for (at, _) in text.match_indices(start) {
                let rest = &text[at + start.len()..];
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                let end = rest.find('{').unwrap_or(rest.len());
                out.push((rel.clone(), name, rest[..end].to_string()));
            }
        }
    }
    out
}

#[test]
fn every_public_use_case_takes_the_acting_user() {
    let fns = public_async_fns();
    assert!(
        fns.iter().any(|(_, n, _)| n == "preview") && fns.len() > 40,
        "the scan must find the use cases (found {})",
        fns.len()
    );
    let missing: Vec<String> = fns
        .iter()
        .filter(|(file, name, sig)| {
            !sig.contains("Actor")
                && !NOT_USE_CASES.iter().any(|(n, _)| n == name)
                && !TOOL_FILES.iter().any(|t| file.starts_with(t))
        })
        .map(|(file, name, _)| format!("src/{file}: `{name}`"))
        .collect();
    assert!(
        missing.is_empty(),
        "a public use case takes the acting user (`actor: &Actor`) and checks its permission; \
         make a helper `pub(super)`, or list it in NOT_USE_CASES with the reason:\n{}",
        missing.join("\n")
    );
    // The allow-list stays true: each name is still a public async function without an actor.
    for (name, why) in NOT_USE_CASES {
        assert!(
            fns.iter()
                .any(|(_, n, s)| n == name && !s.contains("Actor")),
            "`{name}` ({why}) is no longer a public async fn without an actor: remove it from NOT_USE_CASES"
        );
    }
}

/// Store rows that still derive `Serialize` and go out to clients as they are. Issue #21 item 1
/// turns each into a domain value with a DTO in `http`; this list may only shrink.
const SERIALIZED_ROWS_LEFT: &[&str] = &[
    "Freshness",
    "SuppressionRecord",
    "TurnRecord",
    "DestinationRecord",
    "SubmissionRecord",
    "DecisionRecord",
    "ModelRecord",
    "SegmentSummaryRow",
    "PendingRow",
    "SegmentRecord",
    "VersionRecord",
    "SyncRunRecord",
    "BatchProgress",
    "UserRecord",
    "TokenRecord",
];

/// Names of the `pub struct`s in `src/store` whose derive list names `Serialize`.
fn serialized_store_types() -> Vec<String> {
    let mut out = Vec::new();
    for file in rust_files(&src("src/store")) {
        let lines = code_lines(&file);
        let mut derives_serialize = false;
        for line in &lines {
            let t = line.trim();
            if t.starts_with("#[derive(") {
                derives_serialize = t
                    .split(|c: char| !c.is_alphanumeric() && c != '_')
                    .any(|w| w == "Serialize");
            } else if let Some(rest) = t.strip_prefix("pub struct ") {
                if derives_serialize {
                    let name: String = rest
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    out.push(name);
                }
                derives_serialize = false;
            } else if !t.starts_with("#[") && !t.starts_with("///") && !t.is_empty() {
                derives_serialize = false;
            }
        }
    }
    out.sort();
    out
}

#[test]
fn no_new_store_row_goes_out_to_clients_as_it_is() {
    let found = serialized_store_types();
    let new: Vec<&String> = found
        .iter()
        .filter(|n| !SERIALIZED_ROWS_LEFT.contains(&n.as_str()))
        .collect();
    assert!(
        new.is_empty(),
        "store rows must not derive Serialize: return domain values and put the JSON shape in a \
         DTO in src/http: {new:?}"
    );
    let gone: Vec<&&str> = SERIALIZED_ROWS_LEFT
        .iter()
        .filter(|n| !found.iter().any(|f| f == *n))
        .collect();
    assert!(
        gone.is_empty(),
        "no longer serialized, remove from SERIALIZED_ROWS_LEFT: {gone:?}"
    );
}

/// Environment variables a tool declares for itself (not the app's configuration), each with
/// why it is not in the settings module.
const TOOL_ENV: &[(&str, &str)] = &[(
    "SEGWRIGHT_BENCH_POSTGRES",
    "`segwright bench --postgres-url`: the benchmark's own PostgreSQL server",
)];

#[test]
fn configuration_is_read_in_the_settings_module_only() {
    let settings = src("src/cli/settings");
    let mut found = Vec::new();
    for file in rust_files(&src("src")) {
        if file.starts_with(&settings) {
            continue;
        }
        for (n, line) in code_lines(&file).iter().enumerate() {
            for f in [
                "env::var",
                "env::vars",
                "var_os(",
                "EnvFilter::from_default_env",
                "EnvFilter::try_from_default_env",
                "env = \"",
            ] {
                if line.contains(f) && !TOOL_ENV.iter().any(|(v, _)| line.contains(v)) {
                    found.push(format!("{}:{}: uses `{f}`", file.display(), n + 1));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "flags' environment variables and environment reads belong to src/cli/settings (one \
         Settings, documented in docs/configuration.md):\n{}",
        found.join("\n")
    );
    // The rule sees what it guards: the settings module does read the environment.
    let read = rust_files(&settings)
        .iter()
        .flat_map(|f| code_lines(f))
        .filter(|l| l.contains("env::var") || l.contains("env = \""))
        .count();
    assert!(
        read >= 5,
        "the scan must find the settings module's reads (found {read})"
    );
}

#[test]
fn every_setting_is_in_the_configuration_table() {
    let table =
        std::fs::read_to_string(src("docs/configuration.md")).expect("docs/configuration.md");
    let mut missing = Vec::new();
    for file in rust_files(&src("src")) {
        let text = code_lines(&file).join("\n");
        for (at, _) in text.match_indices('"') {
            let name: String = text[at + 1..]
                .chars()
                .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
                .collect();
            let is_var = name.starts_with("SEGWRIGHT_")
                || name.starts_with("OPENAI_")
                || name == "DATABASE_URL"
                || name == "RUST_LOG";
            let closed = text[at + 1 + name.len()..].starts_with('"');
            if is_var && closed && !table.contains(&format!("`{name}`")) && !missing.contains(&name)
            {
                missing.push(name);
            }
        }
    }
    assert!(
        missing.is_empty(),
        "settings read in src/ but not in docs/configuration.md: {missing:?}"
    );
}

/// Edge crates still used in `src/app`, each with where and why; this list may only shrink.
const EDGE_CRATES_IN_APP: &[(&str, &str, &str)] = &[
    (
        "app/bench",
        "clap",
        "the benchmarks' arguments; benchmarks are to move out of app/ (issue #21 item 5)",
    ),
    (
        "app/demo.rs",
        "indicatif",
        "the demo build's progress bar; to become a progress callback the CLI draws",
    ),
    (
        "app/import.rs",
        "indicatif",
        "an import's progress bar; to become a progress callback the CLI draws",
    ),
];

#[test]
fn the_app_uses_no_edge_crate() {
    let edges = [
        "reqwest",
        "axum",
        "tower",
        "minijinja",
        "async_openai",
        "clap",
        "indicatif",
    ];
    let mut found = Vec::new();
    let mut allowed_seen = vec![false; EDGE_CRATES_IN_APP.len()];
    for file in rust_files(&src("src/app")) {
        let rel = relative(&file);
        for (n, line) in code_lines(&file).iter().enumerate() {
            for c in edges {
                if !line.contains(c) {
                    continue;
                }
                match EDGE_CRATES_IN_APP
                    .iter()
                    .position(|(f, k, _)| rel.starts_with(f) && *k == c)
                {
                    Some(i) => allowed_seen[i] = true,
                    None => found.push(format!("src/{rel}:{}: uses `{c}`", n + 1)),
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "app/ holds use cases; HTTP clients belong to src/destinations (its HttpClient), servers \
         to src/http, command lines to src/cli:\n{}",
        found.join("\n")
    );
    for ((file, c, _), seen) in EDGE_CRATES_IN_APP.iter().zip(allowed_seen) {
        assert!(
            seen,
            "src/{file} no longer uses `{c}`: remove it from EDGE_CRATES_IN_APP"
        );
    }
}

/// main → cli → http → app → {interpret, destinations, store} → domain: no module imports one
/// above it (the domain's own, stricter rule is above).
#[test]
fn imports_only_run_down_the_layers() {
    let above: &[(&str, &[&str])] = &[
        ("src/http", &["crate::cli"]),
        ("src/app", &["crate::cli", "crate::http"]),
        (
            "src/interpret",
            &["crate::cli", "crate::http", "crate::app"],
        ),
        (
            "src/destinations",
            &["crate::cli", "crate::http", "crate::app", "crate::store"],
        ),
        (
            "src/store",
            &[
                "crate::cli",
                "crate::http",
                "crate::app",
                "crate::interpret",
            ],
        ),
    ];
    let v: Vec<String> = above
        .iter()
        .flat_map(|(dir, forbidden)| violations(dir, forbidden))
        .collect();
    assert!(
        v.is_empty(),
        "an import runs back up the layers (see ARCHITECTURE.md):\n{}",
        v.join("\n")
    );
}
