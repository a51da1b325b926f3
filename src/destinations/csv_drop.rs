//! The CSV file drop: each sync run writes one CSV file into a configured directory
//! (`csv_dir`), for a system segwright has no client for to pick up. Columns `op` (`add` or
//! `remove`), `external_id`, `email_sha256`, `phone_sha256`: the identifiers hashed as the
//! webhook sends them. The file appears complete or not at all: each batch writes its rows as a
//! part (temp file, then rename, so a batch sent again after a crash rewrites the same part),
//! and the batch that finds every part present joins them into a temp file in the directory,
//! renames it to `segwright-{segment}-v{version}-run{run}.csv`, then writes its manifest
//! (`….csv.manifest.json`: file, rows, adds, removes, SHA-256, segment, version, approval hash,
//! run) the same way. A reader that waits for the manifest never reads a partial file.

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::Digest;

use super::config::required;
use super::webhook::hashed_contact;
use super::{Batch, DestinationConfig, DestinationError, Op};
use crate::domain::spreadsheet::spreadsheet_safe;

/// The file's header row.
pub const HEADER: [&str; 4] = ["op", "external_id", "email_sha256", "phone_sha256"];

/// Where parts wait, under the drop directory (hidden, so a reader listing `*.csv` skips it).
const PARTS: &str = ".segwright-parts";

/// The name of the file a run writes.
pub fn file_name(b: &Batch<'_>) -> String {
    let segment: String = b
        .segment_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("segwright-{segment}-v{}-run{}.csv", b.version, b.run_id)
}

/// The CSV rows of one batch, without the header.
pub fn rows(b: &Batch<'_>) -> Vec<u8> {
    let op = match b.op {
        Op::Add | Op::Replace => "add",
        Op::Remove => "remove",
    };
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    for c in b.members {
        let (email, phone) = hashed_contact(c);
        let external_id = spreadsheet_safe(&c.external_id);
        w.write_record([
            op,
            &external_id,
            email.as_deref().unwrap_or_default(),
            phone.as_deref().unwrap_or_default(),
        ])
        .expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
}

/// What the manifest says of the run besides the file's own figures.
#[derive(Debug, Clone, serde::Serialize)]
struct Run {
    segment_id: String,
    version: i64,
    approval_hash: String,
    run_id: u64,
}

/// One batch's part and where it goes.
struct Part {
    dir: PathBuf,
    name: String,
    seq: usize,
    batches: usize,
    bytes: Vec<u8>,
    run: Run,
}

pub async fn send(cfg: &DestinationConfig, b: &Batch<'_>) -> Result<(), DestinationError> {
    let dir = required(&cfg.csv_dir, "CSV drop directory")?;
    let part = Part {
        dir: PathBuf::from(dir),
        name: file_name(b),
        seq: b.seq,
        batches: b.batches,
        bytes: rows(b),
        run: Run {
            segment_id: b.segment_id.to_string(),
            version: b.version,
            approval_hash: b.approval_hash.to_string(),
            run_id: b.run_id,
        },
    };
    tokio::task::spawn_blocking(move || drop_part(&part))
        .await
        .map_err(|e| DestinationError::File(e.to_string()))?
        .map_err(|e| DestinationError::File(format!("{dir}: {e}")))
}

/// Write `bytes` to `path` through a temp file beside it and a rename (owner-readable only).
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = path.with_file_name(format!(".{name}.tmp-{:016x}", rand::random::<u64>()));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let written = opts.open(&tmp).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    match written.and_then(|_| std::fs::rename(&tmp, path)) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

fn part_path(parts: &Path, seq: usize) -> PathBuf {
    parts.join(format!("{seq:06}.part"))
}

/// Store this batch's part; when every part of the run is there, publish the file.
fn drop_part(p: &Part) -> std::io::Result<()> {
    if !p.dir.is_dir() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "the drop directory does not exist",
        ));
    }
    let target = p.dir.join(&p.name);
    if target.exists() {
        // Already published (this batch is a resend after a crash).
        return Ok(());
    }
    let parts = p.dir.join(PARTS).join(&p.name);
    std::fs::create_dir_all(&parts)?;
    write_atomically(&part_path(&parts, p.seq), &p.bytes)?;
    if (1..=p.batches).all(|s| part_path(&parts, s).exists()) {
        publish(p, &parts, &target)?;
        let _ = std::fs::remove_dir_all(&parts);
    }
    Ok(())
}

/// Join the parts under the header into the file, then write its manifest.
fn publish(p: &Part, parts: &Path, target: &Path) -> std::io::Result<()> {
    let mut file = HEADER.join(",").into_bytes();
    file.push(b'\n');
    for s in 1..=p.batches {
        file.extend(std::fs::read(part_path(parts, s))?);
    }
    let (mut rows, mut removes) = (0usize, 0usize);
    for record in csv::Reader::from_reader(file.as_slice()).records() {
        let record = record.map_err(std::io::Error::other)?;
        rows += 1;
        removes += usize::from(record.get(0) == Some("remove"));
    }
    let manifest = serde_json::json!({
        "file": p.name,
        "rows": rows,
        "adds": rows - removes,
        "removes": removes,
        "columns": HEADER,
        "sha256": hex::encode(sha2::Sha256::digest(&file)),
        "run": p.run,
    });
    write_atomically(target, &file)?;
    let manifest_path = target.with_file_name(format!("{}.manifest.json", p.name));
    write_atomically(
        &manifest_path,
        &serde_json::to_vec_pretty(&manifest).expect("serializable"),
    )
}
