//! Import rules without IO: which CSV column is which field (aliases, `--map`, rules), how cells are
//! parsed (numbers, booleans, dates, instants, emails, countries), and how the type of a custom
//! attribute column is inferred from bounded statistics.

use std::collections::{BTreeMap, HashMap};

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Customers,
    Orders,
    Events,
}

/// A known field a column can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    ExternalId,
    Email,
    Phone,
    FirstName,
    LastName,
    Country,
    Region,
    City,
    PostalCode,
    SignupDate,
    EmailConsent,
    SmsConsent,
    AdsConsent,
    CustomerId,
    OrderId,
    /// An event's own id (its key: the same id again is the same event).
    EventId,
    OccurredAt,
    Amount,
    Quantity,
    Name,
    Properties,
}

impl Target {
    /// The name the store records a mapped header under (`external_id`, `email_consent`).
    pub fn key(self) -> &'static str {
        match self {
            T::ExternalId => "external_id",
            T::Email => "email",
            T::Phone => "phone",
            T::FirstName => "first_name",
            T::LastName => "last_name",
            T::Country => "country",
            T::Region => "region",
            T::City => "city",
            T::PostalCode => "postal_code",
            T::SignupDate => "signup_date",
            T::EmailConsent => "email_consent",
            T::SmsConsent => "sms_consent",
            T::AdsConsent => "ads_consent",
            T::CustomerId => "customer_id",
            T::OrderId => "order_id",
            T::EventId => "event_id",
            T::OccurredAt => "occurred_at",
            T::Amount => "amount",
            T::Quantity => "quantity",
            T::Name => "name",
            T::Properties => "properties",
        }
    }
}

use Target as T;
/// Why a file's columns cannot be used.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ImportError {
    #[error("no column for `{field}` (columns are: {headers}); name one with --map COLUMN={field}")]
    MissingColumn { field: String, headers: String },
    #[error(
        "no column for `{field}`; the column `{column}` looks like it: import with --map \"{column}={field}\""
    )]
    LooksLikeId { field: String, column: String },
    #[error(
        "several columns could be `{field}`: {columns}; choose one with --map \"{first}={field}\""
    )]
    Ambiguous {
        field: String,
        columns: String,
        first: String,
    },
    #[error("columns `{first}` and `{second}` both map to `{field}`; choose one with --map")]
    DuplicateColumn {
        field: String,
        first: String,
        second: String,
    },
    #[error("--map {column}={field}: `{field}` is not a field of this file")]
    UnknownMapTarget { column: String, field: String },
    #[error("--map {column}=…: the file has no column `{column}`")]
    UnknownMapColumn { column: String },
}

/// How a column is used.
#[derive(Debug, Clone, PartialEq)]
pub enum Use {
    Field(Target),
    Custom(String),
}

/// Which column is which field.
#[derive(Debug, Clone)]
pub struct ColumnPlan {
    headers: Vec<String>,
    columns: Vec<(usize, Use)>,
    /// Columns of orders/events files that are not used.
    pub ignored: Vec<String>,
}

impl ColumnPlan {
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// `(target, column index)` of every mapped known field.
    pub fn targets(&self) -> impl Iterator<Item = (Target, usize)> + '_ {
        self.columns.iter().filter_map(|(i, u)| match u {
            Use::Field(t) => Some((*t, *i)),
            Use::Custom(_) => None,
        })
    }

    /// `(column index, header, attribute name)` of custom attribute columns.
    pub fn custom_columns(&self) -> Vec<(usize, String, String)> {
        self.columns
            .iter()
            .filter_map(|(i, u)| match u {
                Use::Custom(n) => Some((*i, self.headers[*i].clone(), n.clone())),
                Use::Field(_) => None,
            })
            .collect()
    }
}

/// Lowercase and drop separators: `Customer-ID` → `customerid`.
pub fn normalize_header(h: &str) -> String {
    // Units and qualifiers in brackets say nothing about which field it is: `Total ($)` is `total`.
    let mut depth = 0usize;
    let mut out = String::new();
    for c in h.trim().trim_start_matches('\u{feff}').chars() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth = depth.saturating_sub(1),
            _ if depth == 0 && (c.is_alphanumeric() || c == '#') => out.extend(c.to_lowercase()),
            _ => {}
        }
    }
    out
}

/// `PlanType` → `plan_type`, `Monthly Fee` → `monthly_fee`; safe as an attribute name.
pub fn attribute_name(header: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in header.trim().chars() {
        if c.is_ascii_alphanumeric() {
            if c.is_ascii_uppercase() && prev_lower && !out.ends_with('_') {
                out.push('_');
            }
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
            prev_lower = false;
        }
    }
    let out = out.trim_end_matches('_').to_string();
    let builtin = [
        "external_id",
        "email",
        "phone",
        "first_name",
        "last_name",
        "country",
        "region",
        "city",
        "postal_code",
        "signup_date",
        "email_consent",
        "sms_consent",
        "ads_consent",
        "lifetime_revenue",
        "order_count",
        "average_order_value",
        "items_bought",
        "first_order_date",
        "last_order_date",
        "last_activity_date",
        "days_since_last_order",
        "days_since_last_activity",
        "tenure_days",
        "churn_risk",
        "purchase_propensity",
    ];
    if out.is_empty()
        || !out.starts_with(|c: char| c.is_ascii_alphabetic())
        || builtin.contains(&out.as_str())
    {
        format!("attr_{out}")
    } else {
        out
    }
}

/// Decide what every column is from the headers alone: overrides first, then names and aliases,
/// then the rules of [`recognise`].
pub fn plan_columns(
    kind: Kind,
    headers: &[String],
    overrides: &[(String, String)],
) -> Result<ColumnPlan, ImportError> {
    plan_columns_sampled(kind, headers, overrides, &[])
}

/// [`plan_columns`] with the first rows of the file, whose values confirm what a header promises
/// (a key's values are unique, a time's are dates, an amount's are numbers).
pub fn plan_columns_sampled(
    kind: Kind,
    headers: &[String],
    overrides: &[(String, String)],
    rows: &[Vec<String>],
) -> Result<ColumnPlan, ImportError> {
    let allowed = targets_of(kind);
    let mut uses: BTreeMap<usize, Use> = BTreeMap::new();
    for (column, field) in overrides {
        let i = headers
            .iter()
            .position(|h| {
                h.trim() == column.trim() || normalize_header(h) == normalize_header(column)
            })
            .ok_or_else(|| ImportError::UnknownMapColumn {
                column: column.clone(),
            })?;
        if kind == Kind::Customers && field == "attribute" {
            uses.insert(i, Use::Custom(attribute_name(&headers[i])));
            continue;
        }
        let t = allowed
            .iter()
            .copied()
            .find(|t| {
                field_name(*t) == field.as_str() || (*t == T::ExternalId && field == "customer_id")
            })
            .ok_or_else(|| ImportError::UnknownMapTarget {
                column: column.clone(),
                field: field.clone(),
            })?;
        uses.insert(i, Use::Field(t));
    }
    let mut ignored = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        if uses.contains_key(&i) {
            continue;
        }
        let n = normalize_header(h);
        let taken =
            |t: Target, uses: &BTreeMap<usize, Use>| uses.values().any(|u| *u == Use::Field(t));
        let found = allowed.iter().copied().find(|t| {
            !taken(*t, &uses)
                && FIELDS
                    .iter()
                    .any(|f| f.0 == *t && (normalize_header(f.1) == n || f.2.contains(&n.as_str())))
        });
        match (found, kind) {
            (Some(t), _) => {
                uses.insert(i, Use::Field(t));
            }
            (None, Kind::Customers) => {
                uses.insert(i, Use::Custom(attribute_name(h)));
            }
            (None, _) => ignored.push(h.clone()),
        }
    }
    recognise::recognise(
        &recognise::Evidence {
            kind,
            headers,
            rows,
        },
        &mut uses,
        &mut ignored,
    )?;
    check_plan(kind, headers, &uses)?;
    Ok(ColumnPlan {
        headers: headers.to_vec(),
        columns: uses.into_iter().collect(),
        ignored,
    })
}

fn check_plan(
    kind: Kind,
    headers: &[String],
    uses: &BTreeMap<usize, Use>,
) -> Result<(), ImportError> {
    let mut seen: HashMap<&Use, usize> = HashMap::new();
    for (i, u) in uses {
        if let Some(first) = seen.insert(u, *i) {
            let field = match u {
                Use::Field(t) => field_name(*t).to_string(),
                Use::Custom(n) => n.clone(),
            };
            return Err(ImportError::DuplicateColumn {
                field,
                first: headers[first].clone(),
                second: headers[*i].clone(),
            });
        }
    }
    for t in required(kind) {
        if !uses.values().any(|u| *u == Use::Field(*t)) {
            return Err(ImportError::MissingColumn {
                field: field_name(*t).into(),
                headers: headers.join(", "),
            });
        }
    }
    Ok(())
}

impl std::hash::Hash for Use {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        match self {
            Use::Field(t) => t.hash(state),
            Use::Custom(n) => n.hash(state),
        }
    }
}
impl Eq for Use {}

mod cells;
pub mod encoding;
mod fields;
mod recognise;
pub use cells::*;
use fields::{FIELDS, field_name, required, targets_of};

#[cfg(test)]
mod tests;
