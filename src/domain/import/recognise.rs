//! Columns no alias names, recognised by rule: the customer key (`<anything> ID`, `Ref`, `Number`),
//! the time (`<anything>_at`, `_ts`, `… Date`, or values that are dates), the amount (the one
//! money-like numeric column, `Fare Paid`, `amount_usd`) and the event name (the one low-cardinality
//! text column named like `activity`, `action`, `type`). Values from the first rows of the file, when
//! given, confirm what a header promises. When more than one column fits, the import is refused
//! with the candidates and the `--map` to use: a column is never guessed silently.

use std::collections::{BTreeMap, HashSet};

use super::fields::field_name;
use super::{ImportError, Kind, Target, Use, normalize_header, parse_instant, parse_number};

/// Who a CRM, billing or analytics export names its people by: `Account ID`, `Record ID`,
/// `Member #`, `subscriberId`, `Customer Number`.
const ID_ENTITIES: &[&str] = &[
    "account",
    "acct",
    "record",
    "contact",
    "customer",
    "cust",
    "client",
    "member",
    "subscriber",
    "user",
    "person",
    "patient",
    "guest",
    "player",
    "profile",
    "lead",
    "crm",
    "shopper",
    "buyer",
    "household",
    "policyholder",
    "subscription",
    "patron",
    "student",
    "passenger",
    "donor",
];
const ID_SUFFIXES: &[&str] = &["id", "number", "no", "num", "nr", "#", "key", "ref", "code"];
/// The last word of a header that names an identifier of something.
const ID_WORDS: &[&str] = &[
    "id",
    "number",
    "no",
    "num",
    "nr",
    "#",
    "key",
    "ref",
    "reference",
    "uuid",
    "guid",
];
/// Things an orders or events file has one id per row of; their ids are not the customer key.
const ROW_ENTITIES: &[&str] = &[
    "order",
    "transaction",
    "txn",
    "payment",
    "invoice",
    "booking",
    "receipt",
    "purchase",
    "sale",
    "ticket",
    "reservation",
    "event",
    "session",
    "item",
    "line",
    "product",
    "sku",
    "message",
    "charge",
    "refund",
    "shipment",
    "course",
    "lesson",
];
/// The last word of a header that names a moment: `Placed At`, `paid_at`, `event_ts`, `Booked On`.
const TIME_WORDS: &[&str] = &[
    "at",
    "ts",
    "time",
    "timestamp",
    "date",
    "datetime",
    "dt",
    "on",
    "when",
];
/// Words of a header that name money: `Fare Paid`, `Basket Total`, `amount_usd`.
const MONEY_WORDS: &[&str] = &[
    "amount", "amt", "total", "subtotal", "paid", "price", "fare", "value", "revenue", "sales",
    "cost", "spend", "spent", "charged", "gmv", "gross", "net",
];
/// Words of a header that name what happened in an events file.
const NAME_WORDS: &[&str] = &[
    "event", "activity", "action", "type", "name", "kind", "verb",
];

/// A file's headers, the first rows (possibly none) and its kind.
pub(super) struct Evidence<'a> {
    pub kind: Kind,
    pub headers: &'a [String],
    pub rows: &'a [Vec<String>],
}

impl Evidence<'_> {
    /// The non-empty cells of column `i` in the sample.
    fn values(&self, i: usize) -> Vec<&str> {
        self.rows
            .iter()
            .filter_map(|r| r.get(i))
            .map(|c| c.trim())
            .filter(|c| !c.is_empty())
            .collect()
    }

    /// `None` without sampled values; else whether every value passes `test`.
    fn all(&self, i: usize, test: impl Fn(&str) -> bool) -> Option<bool> {
        let v = self.values(i);
        if v.is_empty() {
            None
        } else {
            Some(v.into_iter().all(test))
        }
    }

    fn unique(&self, i: usize) -> Option<bool> {
        let v = self.values(i);
        if v.is_empty() {
            None
        } else {
            Some(v.iter().collect::<HashSet<_>>().len() == v.len())
        }
    }

    fn dates(&self, i: usize) -> Option<bool> {
        self.all(i, |c| parse_instant(c, chrono_tz::UTC).is_ok())
    }

    fn numbers(&self, i: usize) -> Option<bool> {
        self.all(i, |c| parse_number(c).is_ok())
    }

    /// Text (not numbers, not dates) with few distinct values, like event names.
    fn low_cardinality_text(&self, i: usize) -> Option<bool> {
        let v = self.values(i);
        if v.is_empty() {
            return None;
        }
        let distinct = v.iter().collect::<HashSet<_>>().len();
        Some(
            self.numbers(i) != Some(true)
                && self.dates(i) != Some(true)
                && (distinct <= 50 || distinct * 2 <= v.len()),
        )
    }

    fn column(&self, i: usize) -> String {
        self.headers[i].trim().to_string()
    }
}

/// Recognise, in order, the key, time, amount and event name that no alias or `--map` named.
pub(super) fn recognise(
    e: &Evidence,
    uses: &mut BTreeMap<usize, Use>,
    ignored: &mut Vec<String>,
) -> Result<(), ImportError> {
    recognise_id(e, uses)?;
    if e.kind != Kind::Customers {
        recognise_field(e, uses, Target::OccurredAt, time_candidates)?;
    }
    if e.kind == Kind::Orders {
        recognise_field(e, uses, Target::Amount, amount_candidates)?;
    }
    if e.kind == Kind::Events {
        recognise_field(e, uses, Target::Name, name_candidates)?;
    }
    ignored.retain(|h| {
        !e.headers
            .iter()
            .position(|x| x == h)
            .is_some_and(|i| uses.contains_key(&i))
    });
    Ok(())
}

fn taken(uses: &BTreeMap<usize, Use>, t: Target) -> bool {
    uses.values().any(|u| *u == Use::Field(t))
}

/// The one candidate is `t`; several are refused with their names and the `--map` to use.
fn pick(e: &Evidence, t: Target, candidates: &[usize]) -> Result<Option<usize>, ImportError> {
    match candidates {
        [] => Ok(None),
        [i] => Ok(Some(*i)),
        _ => {
            let columns: Vec<String> = candidates
                .iter()
                .map(|i| format!("`{}`", e.column(*i)))
                .collect();
            Err(ImportError::Ambiguous {
                field: field_name(t).into(),
                columns: columns.join(", "),
                first: e.column(candidates[0]),
            })
        }
    }
}

fn recognise_field(
    e: &Evidence,
    uses: &mut BTreeMap<usize, Use>,
    t: Target,
    find: fn(&Evidence, &[usize]) -> Vec<usize>,
) -> Result<(), ImportError> {
    if taken(uses, t) {
        return Ok(());
    }
    let free: Vec<usize> = (0..e.headers.len())
        .filter(|i| !uses.contains_key(i))
        .collect();
    if let Some(i) = pick(e, t, &find(e, &free))? {
        uses.insert(i, Use::Field(t));
    }
    Ok(())
}

/// Columns named like a moment whose sampled values are dates; with none named so, the columns
/// whose values are all dates.
fn time_candidates(e: &Evidence, free: &[usize]) -> Vec<usize> {
    let named: Vec<usize> = free
        .iter()
        .copied()
        .filter(|i| time_like(&e.headers[*i]) && e.dates(*i) != Some(false))
        .collect();
    if !named.is_empty() {
        return named;
    }
    free.iter()
        .copied()
        .filter(|i| !id_like(&e.headers[*i]) && e.dates(*i) == Some(true))
        .collect()
}

fn amount_candidates(e: &Evidence, free: &[usize]) -> Vec<usize> {
    free.iter()
        .copied()
        .filter(|i| {
            let h = &e.headers[*i];
            !id_like(h)
                && !time_like(h)
                && words(h).iter().any(|w| MONEY_WORDS.contains(&w.as_str()))
                && e.numbers(*i) != Some(false)
        })
        .collect()
}

fn name_candidates(e: &Evidence, free: &[usize]) -> Vec<usize> {
    free.iter()
        .copied()
        .filter(|i| {
            let h = &e.headers[*i];
            !id_like(h)
                && !time_like(h)
                && words(h).iter().any(|w| NAME_WORDS.contains(&w.as_str()))
                && e.low_cardinality_text(*i) != Some(false)
        })
        .collect()
}

fn time_like(h: &str) -> bool {
    let n = normalize_header(h);
    words(h)
        .last()
        .is_some_and(|w| TIME_WORDS.contains(&w.as_str()))
        || ["date", "time", "timestamp", "datetime"]
            .iter()
            .any(|s| n.ends_with(s))
}

fn id_like(h: &str) -> bool {
    id_parts(&normalize_header(h)).is_some()
        || words(h)
            .last()
            .is_some_and(|w| ID_WORDS.contains(&w.as_str()))
}

/// `(entity, suffix)` when a normalised header reads as "<entity> <id word>".
fn id_parts(n: &str) -> Option<(&'static str, &'static str)> {
    ID_SUFFIXES.iter().find_map(|s| {
        let entity = n.strip_suffix(s)?;
        ID_ENTITIES.iter().find(|e| **e == entity).map(|e| (*e, *s))
    })
}

/// With no alias for the file's customer key: a header that names a person-like entity and an id
/// word ("Account ID"), else the one column named like an id that can be the key (see
/// [`key_candidates`]); several are refused by name, and a lone one without evidence is named.
fn recognise_id(e: &Evidence, uses: &mut BTreeMap<usize, Use>) -> Result<(), ImportError> {
    let key = if e.kind == Kind::Customers {
        Target::ExternalId
    } else {
        Target::CustomerId
    };
    if taken(uses, key) {
        return Ok(());
    }
    let free: Vec<usize> = (0..e.headers.len())
        .filter(|i| !matches!(uses.get(i), Some(Use::Field(_))))
        .collect();
    let found = free
        .iter()
        .copied()
        .find(|i| id_parts(&normalize_header(&e.headers[*i])).is_some());
    if let Some(i) = found {
        uses.insert(i, Use::Field(key));
        return Ok(());
    }
    let candidates = key_candidates(e, &free);
    let chosen = match (e.kind, &candidates[..]) {
        (_, []) => None,
        (Kind::Customers, [0, ..]) => Some(0),
        (Kind::Customers, [i]) if e.unique(*i) == Some(true) => Some(*i),
        (Kind::Customers, [i]) => {
            return Err(ImportError::LooksLikeId {
                field: field_name(key).into(),
                column: e.column(*i),
            });
        }
        _ => pick(e, key, &candidates)?,
    };
    if let Some(i) = chosen {
        uses.insert(i, Use::Field(key));
    }
    Ok(())
}

/// Columns named like an id that can be the customer key: in a customers file, values unique;
/// in an orders or events file, not the id of a row (`payment_id`, `Order No`), and when several
/// remain, the one whose values repeat (a customer has many orders).
fn key_candidates(e: &Evidence, free: &[usize]) -> Vec<usize> {
    let named: Vec<usize> = free
        .iter()
        .copied()
        .filter(|i| {
            words(&e.headers[*i])
                .last()
                .is_some_and(|w| ID_WORDS.contains(&w.as_str()))
        })
        .filter(|i| match e.kind {
            Kind::Customers => e.unique(*i) != Some(false),
            _ => !words(&e.headers[*i])
                .first()
                .is_some_and(|w| ROW_ENTITIES.contains(&w.as_str())),
        })
        .collect();
    if e.kind == Kind::Customers || named.len() < 2 {
        return named;
    }
    let repeating: Vec<usize> = named
        .iter()
        .copied()
        .filter(|i| e.unique(*i) == Some(false))
        .collect();
    if repeating.len() == 1 {
        repeating
    } else {
        named
    }
}

/// The words of a header, split at separators and camelCase (`Widget ID`, `widgetId` → `widget`,
/// `id`; `amount_usd` → `amount`, `usd`), lower-cased; `#` counts as a word.
fn words(h: &str) -> Vec<String> {
    let mut words: Vec<String> = vec![String::new()];
    let mut prev_lower = false;
    for c in h.trim().chars() {
        if c == '#' {
            words.push("#".into());
            words.push(String::new());
            prev_lower = false;
        } else if c.is_alphanumeric() {
            if c.is_uppercase() && prev_lower {
                words.push(String::new());
            }
            prev_lower = c.is_lowercase() || c.is_ascii_digit();
            words.last_mut().expect("one word").extend(c.to_lowercase());
        } else {
            words.push(String::new());
            prev_lower = false;
        }
    }
    words.retain(|w| !w.is_empty());
    words
}
