//! The in-memory columnar copy of the customer data: what is kept in memory so a long-running
//! server answers previews in milliseconds. Customers are rows of typed columns (numbers with
//! NaN for missing, text as dictionary codes); orders and events are stored per customer in
//! time order (compressed sparse rows). [`eval`] evaluates a `ValidDefinition` over it with the
//! same meaning as the SQL and the reference evaluator (the property tests check all three).

pub mod delta;
pub mod eval;

use std::collections::HashMap;

/// Code of a missing text value.
pub const MISSING: u32 = u32::MAX;

/// One column of customers.
#[derive(Debug, Clone)]
pub enum Column {
    /// Numbers (booleans as 0/1, dates as day numbers); NaN when missing.
    Num(Vec<f64>),
    /// Text as codes into `dict`; [`MISSING`] when missing.
    Text { codes: Vec<u32>, dict: Vec<String> },
}

/// Builds a text column, interning values.
#[derive(Debug, Default)]
pub struct TextBuilder {
    codes: Vec<u32>,
    dict: Vec<String>,
    index: HashMap<String, u32>,
}

impl TextBuilder {
    pub fn push(&mut self, v: Option<&str>) {
        let code = match v {
            None => MISSING,
            Some(s) => match self.index.get(s) {
                Some(c) => *c,
                None => {
                    let c = self.dict.len() as u32;
                    self.dict.push(s.to_string());
                    self.index.insert(s.to_string(), c);
                    c
                }
            },
        };
        self.codes.push(code);
    }

    pub fn finish(self) -> Column {
        Column::Text {
            codes: self.codes,
            dict: self.dict,
        }
    }
}

/// Orders of all customers, grouped by customer in time order.
#[derive(Debug, Clone, Default)]
pub struct Orders {
    /// `offsets[i]..offsets[i + 1]` are customer `i`'s orders.
    pub offsets: Vec<u32>,
    pub time: Vec<i64>,
    pub amount: Vec<f64>,
    /// NaN when missing.
    pub quantity: Vec<f64>,
}

/// Events of all customers, grouped by customer in time order.
#[derive(Debug, Clone, Default)]
pub struct Events {
    pub offsets: Vec<u32>,
    pub time: Vec<i64>,
    pub name: Vec<u32>,
    pub names: Vec<String>,
}

/// The whole in-memory copy.
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// Internal ids, ascending (row `i` is customer `ids[i]`).
    pub ids: Vec<i64>,
    pub external_ids: Vec<String>,
    /// Columns by catalog field name (built-in columns and custom attributes).
    pub columns: HashMap<String, Column>,
    /// Has an email / a phone; on the suppression list.
    pub has_email: Vec<bool>,
    pub has_phone: Vec<bool>,
    pub suppressed: Vec<bool>,
    pub orders: Orders,
    pub events: Events,
}

impl Table {
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Rough memory use in bytes, for logs.
    pub fn approx_bytes(&self) -> usize {
        self.ids.len() * 40
            + self.orders.time.len() * 28
            + self.events.time.len() * 12
            + self.columns.len() * self.ids.len() * 8
    }

    /// Group rows `(customer row index, …)` sorted by customer into offsets.
    pub fn offsets(n: usize, customer_rows: impl Iterator<Item = usize>) -> Vec<u32> {
        let mut counts = vec![0u32; n + 1];
        for r in customer_rows {
            counts[r + 1] += 1;
        }
        for i in 1..=n {
            counts[i] += counts[i - 1];
        }
        counts
    }
}
