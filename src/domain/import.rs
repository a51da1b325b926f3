//! Import rules without IO: which CSV column is which field (aliases, `--map`), how cells are
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
    OccurredAt,
    Amount,
    Quantity,
    Name,
    Properties,
}

use Target as T;

/// `(target, field name for --map, aliases)`, aliases already normalised.
const FIELDS: &[(Target, &str, &[&str])] = &[
    (T::ExternalId, "external_id", &["externalid", "customerid", "id", "customer", "clientid", "userid", "customerno", "customernumber"]),
    (T::CustomerId, "customer_id", &["customerid", "customer", "id", "clientid", "userid", "externalid", "customerno", "customernumber"]),
    (T::Email, "email", &["email", "emailaddress", "mail"]),
    (T::Phone, "phone", &["phone", "phonenumber", "mobile", "tel", "telephone", "cell"]),
    (T::FirstName, "first_name", &["firstname", "givenname", "first"]),
    (T::LastName, "last_name", &["lastname", "surname", "familyname", "last"]),
    (T::Country, "country", &["country", "countrycode"]),
    (T::Region, "region", &["region", "state", "province", "statecode"]),
    (T::City, "city", &["city", "town"]),
    (T::PostalCode, "postal_code", &["postalcode", "zip", "zipcode", "postcode"]),
    (T::SignupDate, "signup_date", &["signupdate", "signedup", "joined", "joindate", "registrationdate", "created", "signup"]),
    (
        T::EmailConsent,
        "email_consent",
        &[
            "emailconsent",
            "emailoptin",
            "acceptsemail",
            "subscribed",
            "emailsubscribed",
            "acceptsemailmarketing",
            "emailmarketing",
            "emailmarketingconsent",
            "acceptsmarketing",
        ],
    ),
    (T::SmsConsent, "sms_consent", &["smsconsent", "smsoptin", "acceptssms", "acceptssmsmarketing", "smsmarketing", "smsmarketingconsent"]),
    (T::AdsConsent, "ads_consent", &["adsconsent", "adsoptin", "adconsent", "acceptsads"]),
    (
        T::OrderId,
        "order_id",
        &[
            "orderid",
            "ordernumber",
            "orderno",
            "transactionid",
            "transactionref",
            "invoiceid",
            "invoicenumber",
            "invoiceno",
            "orderref",
            "receiptid",
            "receiptnumber",
            "txnid",
            "txnref",
            "txnno",
            "txnnum",
        ],
    ),
    (
        T::OccurredAt,
        "occurred_at",
        &[
            "occurredat",
            "date",
            "orderdate",
            "timestamp",
            "time",
            "createdat",
            "eventtime",
            "purchasedat",
            "datetime",
            "eventdate",
            "eventtimestamp",
            "invoicedate",
            "purchasedate",
            "transactiondate",
            "paymentdate",
            "occurred",
            "when",
            "txndate",
            "txntime",
            "txndatetime",
        ],
    ),
    (
        T::Amount,
        "amount",
        &[
            "amount",
            "revenue",
            "total",
            "dollarvalue",
            "price",
            "value",
            "ordertotal",
            "sales",
            "totalamount",
            "invoicetotal",
            "amountpaid",
            "grandtotal",
            "subtotal",
            "amt",
            "totalamt",
            "orderamt",
        ],
    ),
    (T::Quantity, "quantity", &["quantity", "qty", "items", "units"]),
    (T::Name, "name", &["name", "event", "eventname", "type", "eventtype"]),
    (T::Properties, "properties", &["properties", "props", "data", "attributes"]),
];

fn targets_of(kind: Kind) -> &'static [Target] {
    match kind {
        Kind::Customers => &[
            T::ExternalId,
            T::Email,
            T::Phone,
            T::FirstName,
            T::LastName,
            T::Country,
            T::Region,
            T::City,
            T::PostalCode,
            T::SignupDate,
            T::EmailConsent,
            T::SmsConsent,
            T::AdsConsent,
        ],
        Kind::Orders => &[T::CustomerId, T::OrderId, T::OccurredAt, T::Amount, T::Quantity],
        Kind::Events => &[T::CustomerId, T::Name, T::OccurredAt, T::Properties],
    }
}

fn required(kind: Kind) -> &'static [Target] {
    match kind {
        Kind::Customers => &[T::ExternalId],
        Kind::Orders => &[T::CustomerId, T::OccurredAt, T::Amount],
        Kind::Events => &[T::CustomerId, T::Name, T::OccurredAt],
    }
}

fn field_name(t: Target) -> &'static str {
    FIELDS.iter().find(|f| f.0 == t).map(|f| f.1).unwrap_or("?")
}

/// Why a file's columns cannot be used.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ImportError {
    #[error("no column for `{field}` (columns are: {headers}); name one with --map COLUMN={field}")]
    MissingColumn { field: String, headers: String },
    #[error("no column for `{field}`; the column `{column}` looks like it: import with --map \"{column}={field}\"")]
    LooksLikeId { field: String, column: String },
    #[error("columns `{first}` and `{second}` both map to `{field}`; choose one with --map")]
    DuplicateColumn { field: String, first: String, second: String },
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
    if out.is_empty() || !out.starts_with(|c: char| c.is_ascii_alphabetic()) || builtin.contains(&out.as_str()) { format!("attr_{out}") } else { out }
}

/// Decide what every column is: overrides first, then names and aliases.
pub fn plan_columns(kind: Kind, headers: &[String], overrides: &[(String, String)]) -> Result<ColumnPlan, ImportError> {
    let allowed = targets_of(kind);
    let mut uses: BTreeMap<usize, Use> = BTreeMap::new();
    for (column, field) in overrides {
        let i = headers
            .iter()
            .position(|h| h.trim() == column.trim() || normalize_header(h) == normalize_header(column))
            .ok_or_else(|| ImportError::UnknownMapColumn { column: column.clone() })?;
        if kind == Kind::Customers && field == "attribute" {
            uses.insert(i, Use::Custom(attribute_name(&headers[i])));
            continue;
        }
        let t = allowed
            .iter()
            .copied()
            .find(|t| field_name(*t) == field.as_str() || (*t == T::ExternalId && field == "customer_id"))
            .ok_or_else(|| ImportError::UnknownMapTarget { column: column.clone(), field: field.clone() })?;
        uses.insert(i, Use::Field(t));
    }
    let mut ignored = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        if uses.contains_key(&i) {
            continue;
        }
        let n = normalize_header(h);
        let taken = |t: Target, uses: &BTreeMap<usize, Use>| uses.values().any(|u| *u == Use::Field(t));
        let found = allowed
            .iter()
            .copied()
            .find(|t| !taken(*t, &uses) && FIELDS.iter().any(|f| f.0 == *t && (normalize_header(f.1) == n || f.2.contains(&n.as_str()))));
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
    recognise_id(kind, headers, &mut uses)?;
    ignored.retain(|h| !headers.iter().position(|x| x == h).is_some_and(|i| uses.contains_key(&i)));
    recognise_time(kind, headers, &mut uses, &mut ignored);
    check_plan(kind, headers, &uses)?;
    Ok(ColumnPlan { headers: headers.to_vec(), columns: uses.into_iter().collect(), ignored })
}

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

/// `(entity, suffix)` when a normalised header reads as "<entity> <id word>".
fn id_parts(n: &str) -> Option<(&'static str, &'static str)> {
    ID_SUFFIXES.iter().find_map(|s| {
        let entity = n.strip_suffix(s)?;
        ID_ENTITIES.iter().find(|e| **e == entity).map(|e| (*e, *s))
    })
}

/// With no alias for the file's customer key, a header that names a person-like entity and an
/// id word is the key ("Account ID"); failing that, the error names the column that looks like it.
fn recognise_id(kind: Kind, headers: &[String], uses: &mut BTreeMap<usize, Use>) -> Result<(), ImportError> {
    let key = if kind == Kind::Customers { T::ExternalId } else { T::CustomerId };
    if uses.values().any(|u| *u == Use::Field(key)) {
        return Ok(());
    }
    let free = |i: &usize| !matches!(uses.get(i), Some(Use::Field(_)));
    let found = (0..headers.len()).filter(free).find(|i| id_parts(&normalize_header(&headers[*i])).is_some());
    if let Some(i) = found {
        uses.insert(i, Use::Field(key));
        return Ok(());
    }
    let looks = (0..headers.len()).filter(free).find(|i| {
        let n = normalize_header(&headers[*i]);
        let last = last_word(&headers[*i]);
        ["id", "#", "number", "key"].contains(&last.as_str()) && n.len() > last.len() && !n.starts_with("order") && !n.starts_with("transaction")
    });
    match looks {
        Some(i) => Err(ImportError::LooksLikeId { field: field_name(key).into(), column: headers[i].trim().to_string() }),
        None => Ok(()),
    }
}

/// The last word of a header, split at separators and camelCase (`Widget ID`, `widgetId` → `id`;
/// `paid` → `paid`), lower-cased; `#` counts as a word.
fn last_word(h: &str) -> String {
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
    words.into_iter().rfind(|w| !w.is_empty()).unwrap_or_default()
}

/// With no alias for an orders or events file's time, the one column named like a date or
/// time is it (`Purchase Date`, `invoice_date`, `eventTimestamp`).
fn recognise_time(kind: Kind, headers: &[String], uses: &mut BTreeMap<usize, Use>, ignored: &mut Vec<String>) {
    if kind == Kind::Customers || uses.values().any(|u| *u == Use::Field(T::OccurredAt)) {
        return;
    }
    let timed: Vec<usize> = (0..headers.len())
        .filter(|i| !uses.contains_key(i))
        .filter(|i| ["date", "time", "timestamp", "datetime"].iter().any(|s| normalize_header(&headers[*i]).ends_with(s)))
        .collect();
    if let [i] = timed[..] {
        uses.insert(i, Use::Field(T::OccurredAt));
        ignored.retain(|h| *h != headers[i]);
    }
}

fn check_plan(kind: Kind, headers: &[String], uses: &BTreeMap<usize, Use>) -> Result<(), ImportError> {
    let mut seen: HashMap<&Use, usize> = HashMap::new();
    for (i, u) in uses {
        if let Some(first) = seen.insert(u, *i) {
            let field = match u {
                Use::Field(t) => field_name(*t).to_string(),
                Use::Custom(n) => n.clone(),
            };
            return Err(ImportError::DuplicateColumn { field, first: headers[first].clone(), second: headers[*i].clone() });
        }
    }
    for t in required(kind) {
        if !uses.values().any(|u| *u == Use::Field(*t)) {
            return Err(ImportError::MissingColumn { field: field_name(*t).into(), headers: headers.join(", ") });
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
pub use cells::*;

#[cfg(test)]
mod tests;
