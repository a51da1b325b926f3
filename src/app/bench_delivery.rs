//! `segwright bench-delivery`: times normalising, hashing and batching synthetic members into
//! each destination's request payloads (serialised bytes, no network), spread over all cores,
//! and prints the median seconds per destination for the README.

use std::time::Instant;

use clap::Args;

use crate::destinations::{self, Batch, Op};
use crate::domain::normalize::Contact;
use crate::domain::policy::Destination;

/// Options of `segwright bench-delivery`.
#[derive(Debug, Args, Clone)]
pub struct BenchDeliveryArgs {
    /// Synthetic members to deliver.
    #[arg(long, default_value_t = 1_000_000)]
    pub members: usize,
    /// Timed runs per destination (the median is reported).
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    /// Worker threads (default: the machine's cores).
    #[arg(long)]
    pub threads: Option<usize>,
}

const FIRST: [&str; 6] = ["Jane", "Zoë", "Mary-Ann", "José", "Li", "O'Neil"];
const LAST: [&str; 5] = ["Doe", "Pérez", "Smith Jones", "Nguyen", "Müller"];
const PLACES: [(&str, &str, &str, &str); 3] = [
    ("US", "California", "San Francisco", "94105-1234"),
    ("US", "NY", "New York", "10001"),
    ("GB", "England", "London", "SW1A 1AA"),
];

/// Deterministic members with every contact field, in the messy shapes imports bring.
pub fn synthetic(n: usize) -> Vec<Contact> {
    (0..n)
        .map(|i| {
            let (country, region, city, zip) = PLACES[i % PLACES.len()];
            let phone = if country == "GB" {
                format!("020 7{:03} {:04}", i % 1000, i % 10_000)
            } else {
                format!("+1 (415) 555-{:04}", i % 10_000)
            };
            Contact {
                ads_consent: Some(true),
                external_id: format!("c{i}"),
                email: Some(format!(" Member.{i}+news@Example.com ")),
                phone: (i % 5 != 0).then_some(phone),
                first_name: Some(FIRST[i % FIRST.len()].into()),
                last_name: Some(LAST[i % LAST.len()].into()),
                country: Some(country.into()),
                region: Some(region.into()),
                city: Some(city.into()),
                postal_code: Some(zip.into()),
            }
        })
        .collect()
}

/// Members per request for each destination, as the clients send them.
fn batch_size(d: Destination) -> usize {
    match d {
        Destination::Meta => destinations::meta::MAX_BATCH,
        Destination::Google => destinations::google::MAX_OPERATIONS,
        Destination::Linkedin => destinations::linkedin::MAX_ELEMENTS,
        _ => 10_000,
    }
}

/// Bytes of the request bodies one batch becomes at destination `d`.
fn encode(d: Destination, b: &Batch<'_>) -> usize {
    fn to_len(v: &impl serde::Serialize) -> usize {
        serde_json::to_vec(v).expect("serializable").len()
    }
    match d {
        Destination::Meta => to_len(&destinations::meta::payload(b, None)),
        Destination::Google => to_len(&destinations::google::AddOperations::new(
            &destinations::google::operations(b.op, b.members),
        )),
        Destination::Linkedin => to_len(&destinations::linkedin::Elements {
            elements: &destinations::linkedin::elements(b.op, b.members),
        }),
        Destination::Tiktok => destinations::tiktok::files(b.members)
            .iter()
            .map(|f| f.bytes.len() + destinations::tiktok::signature(&f.bytes).len())
            .sum(),
        _ => {
            let body = destinations::webhook::body(b);
            body.len() + destinations::webhook::signature("bench", &body).len()
        }
    }
}

/// Encode every batch of `members` for `d` on `threads` threads; returns (batches, bytes).
fn deliver_offline(d: Destination, members: &[Contact], threads: usize) -> (usize, usize) {
    let chunks: Vec<&[Contact]> = members.chunks(batch_size(d)).collect();
    let bytes: usize = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                let chunks = &chunks;
                s.spawn(move || {
                    let batch = |seq: usize, members| Batch {
                        op: Op::Add,
                        segment_id: "bench",
                        version: 1,
                        approval_hash: "h",
                        run_id: 1,
                        seq,
                        batches: chunks.len(),
                        total: 0,
                        members,
                        ..Batch::default()
                    };
                    chunks
                        .iter()
                        .enumerate()
                        .skip(t)
                        .step_by(threads)
                        .map(|(i, c)| encode(d, &batch(i + 1, c)))
                        .sum::<usize>()
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().expect("worker")).sum()
    });
    (chunks.len(), bytes)
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// Time each destination; a Markdown table.
pub fn run(args: &BenchDeliveryArgs) -> String {
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let members = synthetic(args.members);
    let mut out = format!(
        "{} members, {threads} threads, median of {} runs\n\n",
        args.members,
        args.runs.max(1)
    );
    out.push_str("| destination | batches | payload MB | median s |\n|---|---|---|---|\n");
    for d in [
        Destination::Meta,
        Destination::Google,
        Destination::Linkedin,
        Destination::Tiktok,
        Destination::Webhook,
    ] {
        let mut times = Vec::new();
        let mut shape = (0, 0);
        for _ in 0..args.runs.max(1) {
            let t = Instant::now();
            shape = deliver_offline(d, &members, threads);
            times.push(t.elapsed().as_secs_f64());
        }
        out.push_str(&format!(
            "| {} | {} | {:.0} | {:.2} |\n",
            d.as_str(),
            shape.0,
            shape.1 as f64 / 1e6,
            median(times)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_destination_turns_all_members_into_batches_within_its_limit() {
        let members = synthetic(25_001);
        assert_eq!(deliver_offline(Destination::Meta, &members, 2).0, 3);
        assert_eq!(deliver_offline(Destination::Linkedin, &members, 2).0, 6);
        let (one, two) = (
            deliver_offline(Destination::Google, &members, 1),
            deliver_offline(Destination::Google, &members, 2),
        );
        assert_eq!(one, two, "threads change the speed, not the payloads");
        assert!(synthetic(5).iter().all(|c| {
            crate::domain::normalize::google::user_data(c)
                .address
                .is_some()
        }));
    }
}
