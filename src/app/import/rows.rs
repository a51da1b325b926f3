//! Row parsing for imports: turns CSV records into store rows, with errors naming line, column
//! and value; buffers a batch; writes rejected rows with their reasons.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use chrono_tz::Tz;

use super::{AppError, ImportOptions};
use crate::domain::catalog::AttributeSpec;
use crate::domain::import::{self as imp, AttrCell, ColumnPlan, Kind, Target};
use crate::store::{Bind, CustomerRow, EventRow, ImportTx, OrderRow};

/// Customer columns a file can fill, with the store column each one writes.
const CUSTOMER_COLUMNS: &[(Target, &str)] = &[
    (Target::Email, "email"),
    (Target::Phone, "phone"),
    (Target::FirstName, "first_name"),
    (Target::LastName, "last_name"),
    (Target::Country, "country"),
    (Target::Region, "region"),
    (Target::City, "city"),
    (Target::PostalCode, "postal_code"),
    (Target::SignupDate, "signup_date"),
    (Target::EmailConsent, "email_consent"),
    (Target::SmsConsent, "sms_consent"),
    (Target::AdsConsent, "ads_consent"),
];

/// The largest cell an import accepts.
pub(super) const MAX_CELL_BYTES: usize = 64 * 1024;

/// Why a row is refused: its line (a file's line, or a batch's row index), the column (header)
/// and the value (cut short), and the reason.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RowError {
    pub line: u64,
    pub column: String,
    pub value: String,
    pub reason: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {}, column `{}`, value `{}`: {}",
            self.line, self.column, self.value, self.reason
        )
    }
}

/// Rows parsed and waiting to be written.
pub(super) struct Batch<'a> {
    kind: Kind,
    index: HashMap<Target, usize>,
    headers: Vec<String>,
    /// Built-in customer columns present in the file: (csv index, target, store column).
    customer_cols: Vec<(usize, Target, &'static str)>,
    attrs: &'a [(usize, AttributeSpec)],
    tz: Tz,
    customers: Vec<CustomerRow>,
    orders: Vec<OrderRow>,
    events: Vec<EventRow>,
    /// How often each content key has been seen in this file (identical rows stay distinct).
    seen: HashMap<u64, u32>,
}

fn cell(rec: &csv::StringRecord, i: usize) -> &str {
    rec.get(i).unwrap_or("").trim()
}

impl<'a> Batch<'a> {
    pub(super) fn new(
        kind: Kind,
        plan: &ColumnPlan,
        attrs: &'a [(usize, AttributeSpec)],
        tz: Tz,
    ) -> Self {
        let index: HashMap<Target, usize> = plan.targets().collect();
        let customer_cols = CUSTOMER_COLUMNS
            .iter()
            .filter_map(|(t, c)| index.get(t).map(|i| (*i, *t, *c)))
            .collect();
        let headers = plan.headers().to_vec();
        Self {
            kind,
            index,
            headers,
            customer_cols,
            attrs,
            tz,
            customers: Vec::new(),
            orders: Vec::new(),
            events: Vec::new(),
            seen: HashMap::new(),
        }
    }

    pub(super) fn len(&self) -> usize {
        self.customers.len() + self.orders.len() + self.events.len()
    }

    fn get<'r>(&self, rec: &'r csv::StringRecord, t: Target) -> Option<(usize, &'r str)> {
        self.index.get(&t).map(|i| (*i, cell(rec, *i)))
    }

    /// The error naming line, column and value (a long value cut short).
    fn err(&self, line: u64, col: usize, value: &str, why: String) -> RowError {
        let shown: String = value.chars().take(80).collect();
        let cut = if shown.len() < value.len() { "…" } else { "" };
        RowError {
            line,
            column: self.headers.get(col).cloned().unwrap_or_else(|| "?".into()),
            value: format!("{shown}{cut}"),
            reason: why,
        }
    }

    /// A cell larger than any value segwright keeps is a broken row (often a missing quote that
    /// swallowed the lines after it), refused before it reaches the store.
    fn check_sizes(&self, rec: &csv::StringRecord, line: u64) -> Result<(), RowError> {
        match rec.iter().position(|c| c.len() > MAX_CELL_BYTES) {
            Some(i) => Err(self.err(
                line,
                i,
                cell(rec, i),
                format!(
                    "a value of {} bytes; a cell holds at most {MAX_CELL_BYTES} (is a closing quote missing?)",
                    rec[i].len()
                ),
            )),
            None => Ok(()),
        }
    }

    fn required<'r>(
        &self,
        rec: &'r csv::StringRecord,
        t: Target,
        line: u64,
    ) -> Result<(usize, &'r str), RowError> {
        let (i, v) = self.get(rec, t).expect("required columns are planned");
        if v.is_empty() {
            return Err(self.err(line, i, v, "a value is required".into()));
        }
        Ok((i, v))
    }

    /// Parse one record into the batch, or say why it is rejected.
    pub(super) fn push(&mut self, rec: &csv::StringRecord, line: u64) -> Result<(), RowError> {
        self.check_sizes(rec, line)?;
        match self.kind {
            Kind::Customers => self.push_customer(rec, line),
            Kind::Orders => self.push_order(rec, line),
            Kind::Events => self.push_event(rec, line),
        }
    }

    fn push_customer(&mut self, rec: &csv::StringRecord, line: u64) -> Result<(), RowError> {
        let (_, id) = self.required(rec, Target::ExternalId, line)?;
        let country = self
            .get(rec, Target::Country)
            .map(|(_, v)| v)
            .filter(|v| !v.is_empty())
            .map(imp::normalize_country)
            .transpose()
            .map_err(|e| {
                let (i, v) = self.get(rec, Target::Country).expect("present");
                self.err(line, i, v, e)
            })?;
        let mut values = Vec::with_capacity(self.customer_cols.len());
        for (i, t, _) in &self.customer_cols {
            let v = cell(rec, *i);
            let b = if v.is_empty() {
                blank(*t)
            } else {
                customer_value(*t, v, country.as_deref()).map_err(|e| self.err(line, *i, v, e))?
            };
            values.push(b);
        }
        let mut attributes = Vec::with_capacity(self.attrs.len());
        for (i, spec) in self.attrs {
            let v = cell(rec, *i);
            let parsed = imp::cell_value(spec.ty, v).map_err(|e| self.err(line, *i, v, e))?;
            let (num, text) = match parsed {
                Some(AttrCell::Num(x)) => (Some(x), None),
                Some(AttrCell::Text(t)) => (None, Some(t)),
                None => (None, None),
            };
            attributes.push((spec.name.clone(), num, text));
        }
        self.customers.push(CustomerRow {
            external_id: id.to_string(),
            values,
            attributes,
        });
        Ok(())
    }

    fn occurrence_key(&mut self, parts: &[&str]) -> String {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        parts.hash(&mut h);
        let n = self.seen.entry(h.finish()).or_insert(0);
        *n += 1;
        format!("h:{}#{}", imp::row_key(parts), n)
    }

    fn push_order(&mut self, rec: &csv::StringRecord, line: u64) -> Result<(), RowError> {
        let (_, customer) = self.required(rec, Target::CustomerId, line)?;
        let (ti, t) = self.required(rec, Target::OccurredAt, line)?;
        let occurred_at = imp::parse_instant(t, self.tz).map_err(|e| self.err(line, ti, t, e))?;
        let (ai, a) = self.required(rec, Target::Amount, line)?;
        let amount = imp::parse_number(a).map_err(|e| self.err(line, ai, a, e))?;
        let quantity = match self.get(rec, Target::Quantity) {
            Some((_, "")) | None => None,
            Some((qi, q)) => Some(parse_count(q).map_err(|e| self.err(line, qi, q, e))?),
        };
        let key = match self.get(rec, Target::OrderId) {
            Some((_, id)) if !id.is_empty() => format!("id:{id}"),
            _ => self.occurrence_key(&[
                customer,
                t,
                a,
                &quantity.map(|q| q.to_string()).unwrap_or_default(),
            ]),
        };
        self.orders.push(OrderRow {
            key,
            customer: customer.to_string(),
            occurred_at,
            amount,
            quantity,
        });
        Ok(())
    }

    fn push_event(&mut self, rec: &csv::StringRecord, line: u64) -> Result<(), RowError> {
        let (_, customer) = self.required(rec, Target::CustomerId, line)?;
        let (_, name) = self.required(rec, Target::Name, line)?;
        let (ti, t) = self.required(rec, Target::OccurredAt, line)?;
        let occurred_at = imp::parse_instant(t, self.tz).map_err(|e| self.err(line, ti, t, e))?;
        let properties = match self.get(rec, Target::Properties) {
            Some((_, "")) | None => None,
            Some((pi, p)) => {
                serde_json::from_str::<serde_json::Value>(p)
                    .map_err(|e| self.err(line, pi, p, format!("not valid JSON ({e})")))?;
                Some(p.to_string())
            }
        };
        let key = match self.get(rec, Target::EventId) {
            Some((_, id)) if !id.is_empty() => format!("id:{id}"),
            _ => self.occurrence_key(&[customer, name, t, properties.as_deref().unwrap_or("")]),
        };
        self.events.push(EventRow {
            key,
            customer: customer.to_string(),
            name: name.to_string(),
            occurred_at,
            properties,
        });
        Ok(())
    }

    /// Hand over the buffered rows, for the writer.
    pub(super) fn take(&mut self) -> Rows {
        Rows {
            expected: None,
            columns: self.customer_cols.iter().map(|c| c.2).collect(),
            customers: std::mem::take(&mut self.customers),
            orders: std::mem::take(&mut self.orders),
            events: std::mem::take(&mut self.events),
        }
    }
}

/// Parsed rows on their way to the database.
pub(super) struct Rows {
    /// On the first batch: about how many rows the whole file holds.
    pub(super) expected: Option<u64>,
    columns: Vec<&'static str>,
    customers: Vec<CustomerRow>,
    orders: Vec<OrderRow>,
    events: Vec<EventRow>,
}

impl Rows {
    /// The customers these rows name (each once), and what they change in the data's summary.
    pub(super) fn touched(&self) -> (Vec<String>, crate::store::IngestMarks) {
        let mut names: Vec<String> = self.events.iter().map(|e| e.name.clone()).collect();
        names.sort();
        names.dedup();
        let marks = crate::store::IngestMarks {
            latest_order_at: self.orders.iter().map(|o| o.occurred_at).max(),
            latest_event_at: self.events.iter().map(|e| e.occurred_at).max(),
            event_names: names,
        };
        let mut customers: Vec<String> = (self.orders.iter().map(|o| o.customer.clone()))
            .chain(self.events.iter().map(|e| e.customer.clone()))
            .collect();
        customers.sort();
        customers.dedup();
        (customers, marks)
    }

    pub(super) async fn write(self, tx: &mut ImportTx) -> Result<(), AppError> {
        if !self.customers.is_empty() {
            tx.upsert_customers(&self.columns, self.customers).await?;
        }
        if !self.orders.is_empty() {
            if let Some(n) = self.expected {
                tx.plan_orders(n).await?;
            }
            tx.upsert_orders(self.orders).await?;
        }
        if !self.events.is_empty() {
            if let Some(n) = self.expected {
                tx.plan_events(n).await?;
            }
            tx.upsert_events(self.events).await?;
        }
        Ok(())
    }
}

/// A blank cell: a typed null.
fn blank(t: Target) -> Bind {
    match t {
        Target::SignupDate | Target::EmailConsent | Target::SmsConsent | Target::AdsConsent => {
            Bind::Int(None)
        }
        _ => Bind::Text(None),
    }
}

fn customer_value(t: Target, v: &str, country: Option<&str>) -> Result<Bind, String> {
    Ok(match t {
        Target::Email => Bind::Text(Some(imp::normalize_email(v)?)),
        Target::Country => Bind::Text(Some(imp::normalize_country(v)?)),
        Target::Region => Bind::Text(Some(imp::normalize_region(v, country))),
        Target::SignupDate => Bind::Int(Some(imp::parse_day(v)?)),
        Target::EmailConsent | Target::SmsConsent | Target::AdsConsent => {
            Bind::Int(Some(i64::from(imp::parse_bool(v)?)))
        }
        _ => Bind::Text(Some(v.to_string())),
    })
}

fn parse_count(v: &str) -> Result<i64, String> {
    let x = imp::parse_number(v)?;
    if x < 0.0 || x.fract() != 0.0 {
        return Err("a quantity must be a whole number, 0 or more".into());
    }
    Ok(x as i64)
}

/// The rejected-rows file of `--skip-invalid`.
pub(super) struct Rejects {
    writer: Option<(csv::Writer<std::fs::File>, String)>,
    path: Option<std::path::PathBuf>,
    headers: Vec<String>,
}

impl Rejects {
    pub(super) fn open(opts: &ImportOptions, headers: &[String]) -> Result<Self, AppError> {
        let path = opts.skip_invalid.then(|| {
            opts.rejects
                .clone()
                .unwrap_or_else(|| opts.file.with_extension("rejected.csv"))
        });
        Ok(Self {
            writer: None,
            path,
            headers: headers.to_vec(),
        })
    }

    pub(super) fn write(&mut self, rec: &csv::StringRecord, reason: &str) -> Result<(), AppError> {
        let io = |e: csv::Error| AppError::File(format!("writing rejected rows: {e}"));
        if self.writer.is_none() {
            let path = self.path.clone().expect("only with --skip-invalid");
            let mut w = csv::Writer::from_path(&path).map_err(io)?;
            w.write_record(
                self.headers
                    .iter()
                    .map(String::as_str)
                    .chain(std::iter::once("reason")),
            )
            .map_err(io)?;
            self.writer = Some((w, path.display().to_string()));
        }
        let (w, _) = self.writer.as_mut().expect("opened above");
        w.write_record(rec.iter().chain(std::iter::once(reason)))
            .map_err(io)
    }

    /// Flush and return the file's path if anything was rejected.
    pub(super) fn finish(self) -> Result<Option<String>, AppError> {
        match self.writer {
            Some((mut w, p)) => {
                w.flush().map_err(|e| AppError::File(e.to_string()))?;
                Ok(Some(p))
            }
            None => Ok(None),
        }
    }
}
