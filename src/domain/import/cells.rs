//! Cell parsing and custom-column typing for imports.

use std::collections::BTreeSet;

use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use sha2::Digest;

use crate::domain::catalog::{AttributeSpec, FieldType};
use crate::domain::geo;
use crate::domain::time::day_number;

/// `1234.5`, `1,234.50`, `$12.00`, `€5`, `-3`.
pub fn parse_number(s: &str) -> Result<f64, String> {
    let t: String = s
        .trim()
        .chars()
        .filter(|c| !matches!(c, ',' | '$' | '€' | '£' | ' '))
        .collect();
    match t.parse::<f64>() {
        Ok(x)
            if x.is_finite()
                && !t.is_empty()
                && !t
                    .chars()
                    .any(|c| c.is_ascii_alphabetic() && c != 'e' && c != 'E') =>
        {
            Ok(x)
        }
        _ => Err("not a number".into()),
    }
}

/// Yes/No, Y/N, true/false, T/F, 1/0 (any case).
pub fn parse_bool(s: &str) -> Result<bool, String> {
    match s.trim().to_lowercase().as_str() {
        "yes" | "y" | "true" | "t" | "1" => Ok(true),
        "no" | "n" | "false" | "f" | "0" => Ok(false),
        _ => Err("not a yes/no value (use Yes/No, true/false, Y/N or 1/0)".into()),
    }
}

fn parse_naive_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    // The usual `YYYY-MM-DD` without chrono's format interpreter, which showed in import profiles.
    if let Some(d) = iso_date(s.as_bytes()) {
        return Some(d);
    }
    for f in ["%Y-%m-%d", "%Y/%m/%d", "%Y%m%d"] {
        if let Ok(d) = NaiveDate::parse_from_str(s, f)
            && (f != "%Y%m%d" || s.len() == 8)
        {
            return Some(d);
        }
    }
    None
}

/// Exactly `YYYY-MM-DD` in ASCII digits and a valid day; anything else is left to the formats.
fn iso_date(b: &[u8]) -> Option<NaiveDate> {
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| {
        b[r].iter().try_fold(0u32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)
}

/// A calendar day (day number): `YYYY-MM-DD`, `YYYY/MM/DD`, `YYYYMMDD`, or a timestamp's date.
pub fn parse_day(s: &str) -> Result<i64, String> {
    let s = s.trim();
    let head = s.split(['T', ' ']).next().unwrap_or(s);
    parse_naive_date(head)
        .map(day_number)
        .ok_or_else(|| "not a date (use YYYY-MM-DD)".into())
}

/// An instant (epoch seconds): RFC 3339, `YYYY-MM-DD HH:MM[:SS]` in `tz`, or a bare date
/// (noon of that day in `tz`, safely inside it for any window).
pub fn parse_instant(s: &str, tz: Tz) -> Result<i64, String> {
    let s = s.trim();
    // Date-only cells are the common case in order exports: try that shape first.
    if s.len() <= 10
        && let Some(d) = parse_naive_date(s)
    {
        return local(d.and_hms_opt(12, 0, 0).expect("noon exists"), tz);
    }
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Ok(t.timestamp());
    }
    // Offsets written apart or without a colon, as Shopify exports them: `2024-01-10 18:42:32 -0400`.
    for f in [
        "%Y-%m-%d %H:%M:%S %z",
        "%Y-%m-%d %H:%M:%S%z",
        "%Y-%m-%dT%H:%M:%S%z",
        "%Y-%m-%d %H:%M %z",
    ] {
        if let Ok(t) = chrono::DateTime::parse_from_str(s, f) {
            return Ok(t.timestamp());
        }
    }
    for f in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
        "%Y/%m/%d %H:%M:%S",
    ] {
        if let Ok(n) = NaiveDateTime::parse_from_str(s, f) {
            return local(n, tz);
        }
    }
    match parse_naive_date(s) {
        Some(d) => local(d.and_hms_opt(12, 0, 0).expect("noon exists"), tz),
        None => Err("not a date or time (use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)".into()),
    }
}

fn local(n: NaiveDateTime, tz: Tz) -> Result<i64, String> {
    tz.from_local_datetime(&n)
        .earliest()
        .map(|t| t.timestamp())
        .ok_or_else(|| "a time that does not exist in the time zone".into())
}

/// Trimmed, lowercased, and shaped like an address.
pub fn normalize_email(s: &str) -> Result<String, String> {
    let e = s.trim().to_lowercase();
    let ok = match e.split_once('@') {
        Some((l, d)) => {
            !l.is_empty()
                && d.contains('.')
                && !d.starts_with('.')
                && !d.ends_with('.')
                && !d.contains('@')
                && !e.contains(char::is_whitespace)
        }
        None => false,
    };
    if ok {
        Ok(e)
    } else {
        Err("not an email address".into())
    }
}

/// ISO 3166 alpha-2 code from a code or an English name.
pub fn normalize_country(s: &str) -> Result<String, String> {
    if let Some(c) = geo::country_code(s) {
        return Ok(c.to_string());
    }
    let t = s.trim();
    if t.len() == 2 && t.chars().all(|c| c.is_ascii_alphabetic()) {
        return Ok(t.to_ascii_uppercase());
    }
    Err("not a known country (use an ISO code such as US or a name such as Canada)".into())
}

/// US state names become codes; other regions are kept as given.
pub fn normalize_region(s: &str, country: Option<&str>) -> String {
    match (country, geo::us_state_code(s)) {
        (Some("US") | None, Some(code)) => code.to_string(),
        _ => s.trim().to_string(),
    }
}

/// Distinct values kept per column while typing it.
const MAX_DISTINCT: usize = 64;

/// A longer value is prose or a blob, never a category label: its column is text, and the
/// catalog (which lists a categorical column's values) never holds it.
pub const MAX_CATEGORY_CHARS: usize = 100;

/// Bounded statistics of one custom column.
#[derive(Debug, Default, Clone)]
pub struct ColumnStats {
    non_blank: u64,
    all_bool: bool,
    all_number: bool,
    all_date: bool,
    started: bool,
    distinct: BTreeSet<String>,
    too_many: bool,
}

impl ColumnStats {
    /// Feed one non-blank cell.
    pub fn observe(&mut self, cell: &str) {
        let c = cell.trim();
        if !self.started {
            (self.all_bool, self.all_number, self.all_date, self.started) =
                (true, true, true, true);
        }
        self.non_blank += 1;
        self.all_bool &= parse_bool(c).is_ok();
        self.all_number &= parse_number(c).is_ok();
        self.all_date &= parse_day(c).is_ok() && c.len() >= 8;
        if !self.too_many && !self.distinct.contains(c) {
            if self.distinct.len() >= MAX_DISTINCT || c.chars().count() > MAX_CATEGORY_CHARS {
                self.too_many = true;
            } else {
                self.distinct.insert(c.to_string());
            }
        }
    }

    /// How many non-blank cells were seen.
    pub fn non_blank(&self) -> u64 {
        self.non_blank
    }

    /// The attribute's type and, for categorical columns, its values.
    pub fn infer(&self, column: &str, name: &str) -> AttributeSpec {
        let n = self.distinct.len();
        let ty = if !self.started {
            FieldType::Text
        } else if self.all_bool
            && !self.too_many
            && (!self.all_number || self.distinct.iter().all(|v| v == "0" || v == "1"))
        {
            FieldType::Boolean
        } else if self.all_number {
            FieldType::Number
        } else if self.all_date {
            FieldType::Date
        } else if !self.too_many && n <= 50 && (n <= 20 || (n as u64) * 5 <= self.non_blank) {
            FieldType::Categorical
        } else {
            FieldType::Text
        };
        let values = if ty == FieldType::Categorical {
            self.distinct.iter().cloned().collect()
        } else {
            Vec::new()
        };
        AttributeSpec {
            name: name.to_string(),
            ty,
            values,
            column: column.to_string(),
        }
    }
}

/// A stored custom attribute value.
#[derive(Debug, Clone, PartialEq)]
pub enum AttrCell {
    Num(f64),
    Text(String),
}

/// Parse a custom attribute cell by type; blank is `None`.
pub fn cell_value(ty: FieldType, cell: &str) -> Result<Option<AttrCell>, String> {
    let c = cell.trim();
    if c.is_empty() {
        return Ok(None);
    }
    Ok(Some(match ty {
        FieldType::Boolean => AttrCell::Num(if parse_bool(c)? { 1.0 } else { 0.0 }),
        FieldType::Number => AttrCell::Num(parse_number(c)?),
        FieldType::Date => AttrCell::Num(parse_day(c)? as f64),
        FieldType::Text | FieldType::Categorical => AttrCell::Text(c.to_string()),
    }))
}

/// A content key for rows without an id (the caller adds an occurrence number).
pub fn row_key(parts: &[&str]) -> String {
    hex::encode(sha2::Sha256::digest(parts.join("\u{1f}").as_bytes()))[..32].to_string()
}
