//! The CSV importer, end to end on SQLite: any file of any kind, with rejected rows set aside
//! or not, imports or is refused with a message (`BadInput`); never a panic, a store error or
//! an I/O error. Seeds are the files in `tests/fuzz/corpus/csv/` (the kind is the file name's
//! first word); generated files mix the headers the importer knows with arbitrary ones, and
//! cells with quotes, separators, line breaks, huge and Latin-1 values.

use proptest::prelude::*;

use segwright::app::{Actor, App, AppError, ImportOptions};
use segwright::domain::import::Kind;

use super::common;

/// One generated file: its kind, its bytes, and whether bad rows are set aside.
type Case = (Kind, Vec<u8>, bool);

fn header() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("CustomerId".to_string()),
        Just("customer_id".into()),
        Just("email".into()),
        Just("phone".into()),
        Just("First Name".into()),
        Just("Country".into()),
        Just("State".into()),
        Just("Signup Date".into()),
        Just("Accepts Email".into()),
        Just("ads_consent".into()),
        Just("PlanType".into()),
        Just("MonthlyFee".into()),
        Just("order_id".into()),
        Just("amount".into()),
        Just("quantity".into()),
        Just("order_date".into()),
        Just("event".into()),
        Just("timestamp".into()),
        Just("properties".into()),
        "\\PC{0,12}",
    ]
}

fn cell() -> impl Strategy<Value = Vec<u8>> {
    let text = prop_oneof![
        Just(String::new()),
        Just("c1".to_string()),
        Just("US".into()),
        Just("Canada".into()),
        Just("Yes".into()),
        Just("no".into()),
        Just("2024-02-01".into()),
        Just("2026-11-02T10:00:00Z".into()),
        Just("12.5".into()),
        Just("-1e308".into()),
        Just("NaN".into()),
        Just("=HYPERLINK(\"x\")".into()),
        Just("{\"a\": 1}".into()),
        "-?[0-9]{1,20}(\\.[0-9]{0,4})?",
        "[a-z@.]{0,16}",
        "\\PC{0,16}",
    ]
    .prop_map(String::into_bytes);
    prop_oneof![
        8 => text,
        // Quoted, with separators, quotes and line breaks inside (or an unbalanced quote).
        1 => "[a-z,\"\\n ]{0,12}".prop_map(|s| format!("\"{}\"", s.replace('"', "\"\"")).into_bytes()),
        1 => "[a-z\"]{0,6}".prop_map(String::into_bytes),
        // Latin-1 and other bytes that are not UTF-8.
        1 => proptest::collection::vec(any::<u8>(), 0..8),
        // Larger than any cell the importer keeps.
        1 => Just(vec![b'x'; 70 * 1024]),
    ]
}

fn file() -> impl Strategy<Value = Case> {
    let kind = prop_oneof![
        Just(Kind::Customers),
        Just(Kind::Orders),
        Just(Kind::Events)
    ];
    let headers = proptest::collection::vec(header(), 1..7);
    let rows = proptest::collection::vec(proptest::collection::vec(cell(), 0..8), 0..6);
    (kind, headers, rows, any::<bool>()).prop_map(|(kind, headers, rows, skip)| {
        let mut out = headers.join(",").into_bytes();
        for row in rows {
            out.push(b'\n');
            out.extend(row.join(&b","[..]));
        }
        (kind, out, skip)
    })
}

fn kind_of(name: &str) -> Kind {
    match name.split(['-', '.']).next() {
        Some("orders") => Kind::Orders,
        Some("events") => Kind::Events,
        _ => Kind::Customers,
    }
}

fn seeds() -> Vec<Case> {
    let dir = format!("{}/tests/fuzz/corpus/csv", env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    names
        .into_iter()
        .flat_map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            let bytes = std::fs::read(&p).unwrap();
            [false, true].map(|skip| (kind_of(&name), bytes.clone(), skip))
        })
        .collect()
}

/// Import one case; anything but a report or a `BadInput` fails. True when it imported.
async fn check(app: &App, dir: &std::path::Path, (kind, bytes, skip): Case) -> bool {
    let path = dir.join("case.csv");
    std::fs::write(&path, &bytes).unwrap();
    let rejects = skip.then(|| dir.join("rejects.csv"));
    let opts = ImportOptions::new(kind, path, Vec::new(), skip, rejects, false);
    let shown = String::from_utf8_lossy(&bytes[..bytes.len().min(400)]).to_string();
    match app.import(opts, &Actor::cli()).await {
        Ok(r) => {
            assert_eq!(
                r.rows_written + r.rows_rejected,
                r.rows_read,
                "{kind:?} {shown:?}: every row read is written or rejected"
            );
            assert!(skip || r.rows_rejected == 0, "{shown:?}");
            true
        }
        Err(AppError::BadInput(m)) => {
            assert!(!m.is_empty() && m.len() < 4_096, "{shown:?}: {m}");
            false
        }
        Err(e) => panic!("{kind:?} {shown:?} (skip {skip}): {e:?}"),
    }
}

#[test]
fn the_csv_importer_imports_any_file_or_says_why_not() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let db = common::sqlite_db();
    let app = rt.block_on(common::app(&db));
    let dir = tempfile::tempdir().unwrap();
    let (imported, refused) = (std::cell::Cell::new(0), std::cell::Cell::new(0));
    super::fuzz(seeds(), file(), |case| {
        let n = if rt.block_on(check(&app, dir.path(), case)) {
            &imported
        } else {
            &refused
        };
        n.set(n.get() + 1);
    });
    assert!(
        imported.get() > 0 && refused.get() > 0,
        "both outcomes are reached"
    );
}
