//! The command line as a user drives it: imports that fail cleanly or skip bad rows, global
//! options anywhere, one-line errors with a non-zero exit, demo data, and `serve` answering
//! `/health` and shutting down gracefully on SIGTERM.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Output, Stdio};

struct Cli {
    dir: tempfile::TempDir,
}

impl Cli {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn db(&self) -> String {
        format!("sqlite://{}", self.dir.path().join("cli.db").display())
    }

    fn file(&self, name: &str, text: &str) -> String {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_segwright"))
            .args(args)
            .arg("--database-url")
            .arg(self.db())
            .arg("--as-of")
            .arg("2026-11-22")
            .output()
            .unwrap()
    }

    fn count(&self) -> usize {
        let everyone = self.file(
            "everyone.json",
            r#"{"version":1,"root":{"type":"all","conditions":[]}}"#,
        );
        let out = self.run(&["members", &everyone]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).lines().count() - 1
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).trim().to_string()
}

const ORDERS: &str =
    "customer_id,date,amount\nc1,2026-11-01,10\nc2,2026-11-02,abc\nc3,2026-11-03,5\n";

#[test]
fn a_bad_row_stops_the_import_naming_line_column_and_value_and_keeps_nothing() {
    let cli = Cli::new();
    let f = cli.file("orders.csv", ORDERS);
    let out = cli.run(&["import", "orders", &f]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("line 3")
            && err.contains("`amount`")
            && err.contains("`abc`")
            && err.contains("not a number"),
        "{err}"
    );
    assert_eq!(cli.count(), 0);
}

#[test]
fn skip_invalid_imports_the_good_rows_and_writes_the_rejected_ones_with_reasons() {
    let cli = Cli::new();
    let f = cli.file("orders.csv", ORDERS);
    let out = cli.run(&["import", "orders", &f, "--skip-invalid"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("rejected 1 rows"));
    let rejected = std::fs::read_to_string(cli.dir.path().join("orders.rejected.csv")).unwrap();
    assert!(
        rejected.starts_with(
            "customer_id,date,amount,reason\nc2,2026-11-02,abc,\"line 3, column `amount`"
        ),
        "{rejected}"
    );
    assert_eq!(cli.count(), 2);
}

#[test]
fn a_missing_column_is_reported_with_the_columns_seen_and_map_fixes_it() {
    let cli = Cli::new();
    let f = cli.file("orders.csv", "who,when,paid\nc1,2026-11-01,10\n");
    let out = cli.run(&["import", "orders", &f]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("no column for `customer_id` (columns are: who, when, paid)"),
        "{}",
        stderr(&out)
    );
    let out = cli.run(&[
        "import",
        "orders",
        &f,
        "--map",
        "who=customer_id",
        "--map",
        "when=occurred_at",
        "--map",
        "paid=amount",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(cli.count(), 1);
}

#[test]
fn global_options_work_before_or_after_the_subcommand() {
    let cli = Cli::new();
    let out = Command::new(env!("CARGO_BIN_EXE_segwright"))
        .args([
            "--database-url",
            &cli.db(),
            "catalog",
            "--timezone",
            "Europe/Paris",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("lifetime_revenue"));
}

#[test]
fn bad_options_and_definitions_fail_with_one_line() {
    let cli = Cli::new();
    let out = cli.run(&["catalog", "--timezone", "Mars/Olympus"]);
    assert!(!out.status.success());
    assert_eq!(
        stderr(&out),
        "error: unknown time zone `Mars/Olympus` (use an IANA name such as Europe/Paris)"
    );
    let bad = cli.file(
        "bad.json",
        r#"{"version":1,"root":{"type":"attribute","field":"revenu","op":"gt","value":1}}"#,
    );
    let out = cli.run(&["validate", &bad]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("$.root.field") && err.contains("unknown field `revenu`"),
        "{err}"
    );
    let out = cli.run(&["preview", "/no/such/file.json"]);
    assert!(stderr(&out).starts_with("error: cannot read /no/such/file.json"));
}

#[test]
fn the_demo_builds_data_that_previews_answer() {
    let cli = Cli::new();
    let out = cli.run(&["demo", "--no-serve", "--customers", "300", "--seed", "1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(cli.count(), 300);
    let printed = String::from_utf8_lossy(&out.stdout);
    for user in [
        "marketer@demo.test",
        "manager@demo.test",
        "manager2@demo.test",
        "admin@demo.test",
    ] {
        assert!(
            printed
                .lines()
                .any(|l| l.contains(user) && l.contains("password ")),
            "{user} in {printed}"
        );
    }
    let def = cli.file(
        "hv.json",
        r#"{"version":1,"root":{"type":"term","name":"high_value"}}"#,
    );
    let out = cli.run(&["preview", &def]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["size"]["count"], 60, "top 20% of 300 (ties included)");
    assert!(v["thresholds"][0]["value"].as_f64().unwrap() > 0.0);
}

#[test]
fn users_get_roles_generated_passwords_and_api_tokens() {
    let cli = Cli::new();
    let out = cli.run(&["user", "add", "Ann@Example.com", "--role", "manager"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(
        printed.starts_with("ann@example.com (campaign_manager) password: "),
        "{printed}"
    );
    let out = cli.run(&["user", "add", "ann@example.com", "--role", "admin"]);
    assert!(
        stderr(&out).ends_with("a user `ann@example.com` already exists"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&cli.run(&["user", "add", "bob@example.com", "--role", "root"]))
            .contains("unknown role `root`")
    );
    let out = cli.run(&["user", "list"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("ann@example.com"));
    let out = cli.run(&["token", "create", "ann@example.com"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .starts_with("sw_")
    );
    assert!(
        !cli.run(&["token", "create", "nobody@example.com"])
            .status
            .success()
    );
}

#[test]
fn the_review_workflow_runs_from_the_command_line_and_audit_verify_detects_tampering() {
    let cli = Cli::new();
    let fixtures =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/customers.csv");
    assert!(
        cli.run(&["import", "customers", fixtures.to_str().unwrap()])
            .status
            .success()
    );
    for (email, role) in [
        ("mia@example.com", "marketer"),
        ("max@example.com", "manager"),
    ] {
        assert!(
            cli.run(&["user", "add", email, "--role", role])
                .status
                .success()
        );
    }
    let def = cli.file(
        "us.json",
        r#"{"version":1,"root":{"type":"attribute","field":"country","op":"eq","value":"US"}}"#,
    );
    let ok = |args: &[&str]| {
        let out = cli.run(args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    ok(&[
        "segments",
        "save",
        "--name",
        "us",
        &def,
        "--as",
        "mia@example.com",
    ]);
    let out = cli.run(&[
        "segments",
        "submit",
        "us",
        "--destination",
        "webhook",
        "--as",
        "max@example.com",
    ]);
    assert!(
        stderr(&out).contains("may not"),
        "a manager does not submit: {}",
        stderr(&out)
    );
    ok(&[
        "segments",
        "submit",
        "us",
        "--destination",
        "webhook",
        "--as",
        "mia@example.com",
    ]);
    let out = cli.run(&["segments", "approve", "us", "--as", "mia@example.com"]);
    assert!(!out.status.success(), "a marketer does not approve");
    ok(&["segments", "approve", "us", "--as", "max@example.com"]);
    let review: serde_json::Value = serde_json::from_str(&ok(&[
        "segments",
        "activate",
        "us",
        "--as",
        "max@example.com",
    ]))
    .unwrap();
    assert_eq!(review["status"], "active");
    assert!(
        review["sync_run"].is_i64(),
        "activating queues the first sync: {review}"
    );
    ok(&["suppress", "email", "Bob@Example.com"]);
    assert!(ok(&["audit", "list", "--action", "suppression.add"]).contains("value_sha256"));
    assert!(ok(&["audit", "verify"]).starts_with("audit log intact: "));
    let csv = ok(&["audit", "list", "--segment", "us", "--format", "csv"]);
    assert_eq!(
        csv.lines().count(),
        6,
        "header, create, submit, approve, activate, sync start: {csv}"
    );

    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let pool = sqlx::SqlitePool::connect(&cli.db()).await.unwrap();
        sqlx::query("DELETE FROM audit_log WHERE action = 'segment.submit'")
            .execute(&pool)
            .await
            .unwrap();
    });
    let out = cli.run(&["audit", "verify"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("audit log tampered at entry"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_partly_understood_answer_is_not_saved_until_its_words_are_removed() {
    let cli = Cli::new();
    let fixtures =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/customers.csv");
    assert!(
        cli.run(&["import", "customers", fixtures.to_str().unwrap()])
            .status
            .success()
    );
    let out = cli.run(&["ask", "customers in Texas in Iceland"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Partly understood: not saveable until the words \"Iceland\" are removed"),
        "{text}"
    );

    let out = cli.run(&["ask", "customers in Texas in Iceland", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let partial = cli.file("partial.json", &answer["definition"].to_string());
    for args in [
        vec!["segments", "save", "--name", "texas", &partial],
        vec!["segments", "update", "texas", &partial],
    ] {
        let out = cli.run(&args);
        assert!(
            !out.status.success(),
            "{args:?} refuses a partial definition"
        );
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.contains("\"Iceland\" were not understood") && err.contains("without `unresolved`"),
            "{err}"
        );
    }

    let mut accepted = answer["definition"].clone();
    accepted.as_object_mut().unwrap().remove("unresolved");
    let accepted = cli.file("accepted.json", &accepted.to_string());
    let out = cli.run(&["segments", "save", "--name", "texas", &accepted]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = cli.run(&["segments", "update", "texas", &partial]);
    assert!(!out.status.success(), "an update may not be partial either");
}

#[test]
fn serve_answers_health_and_stops_gracefully_on_sigterm() {
    let cli = Cli::new();
    let mut child = Command::new(env!("CARGO_BIN_EXE_segwright"))
        .args([
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--database-url",
            &cli.db(),
        ])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    let addr = loop {
        line.clear();
        assert!(err.read_line(&mut line).unwrap() > 0, "server exited early");
        if let Some(rest) = line.trim().strip_prefix("segwright is serving on http://") {
            break rest.to_string();
        }
    };
    let mut s = std::net::TcpStream::connect(&addr).unwrap();
    write!(
        s,
        "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    assert!(
        resp.starts_with("HTTP/1.1 200") && resp.contains("\"status\":\"ok\""),
        "{resp}"
    );
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(child.wait().unwrap().success());
}
