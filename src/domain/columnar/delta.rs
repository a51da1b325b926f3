//! Changing the in-memory copy for a few customers instead of loading it again: after an ingested
//! batch, the customers it touched are read back whole (all their orders and events) and their
//! slices of the per-customer arrays are replaced; customers the batch created are appended.
//! Replacing with what the database holds makes applying the same change twice harmless, so a
//! copy loaded after the batch committed may receive it again.

use super::{Column, MISSING, Table};

/// One customer as the database holds it after a batch.
#[derive(Debug, Clone, PartialEq)]
pub struct Changed {
    pub id: i64,
    pub external_id: String,
    /// On the suppression list (used only when the customer is new to the copy).
    pub suppressed: bool,
    /// `(time, amount, quantity or NaN)`, any order.
    pub orders: Vec<(i64, f64, f64)>,
    /// `(time, name)`, any order.
    pub events: Vec<(i64, String)>,
}

/// Why a change cannot be applied in place (the caller loads the copy again instead).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("customer {id} is new but not after the last one in memory ({last})")]
pub struct OutOfOrder {
    pub id: i64,
    pub last: i64,
}

impl Table {
    /// This copy with `changed` customers' orders and events replaced and new customers appended.
    pub fn apply(mut self, mut changed: Vec<Changed>) -> Result<Table, OutOfOrder> {
        changed.sort_by_key(|c| c.id);
        changed.dedup_by_key(|c| c.id);
        let mut rows = Vec::with_capacity(changed.len());
        for c in &changed {
            match self.ids.binary_search(&c.id) {
                Ok(r) => rows.push(r),
                Err(_) => rows.push(self.append(c)?),
            }
        }
        self.replace_orders(&rows, &changed);
        self.replace_events(&rows, &changed);
        Ok(self)
    }

    /// A new customer at the end: no attributes, no contact, no rows yet.
    fn append(&mut self, c: &Changed) -> Result<usize, OutOfOrder> {
        if let Some(&last) = self.ids.last()
            && last >= c.id
        {
            return Err(OutOfOrder { id: c.id, last });
        }
        self.ids.push(c.id);
        self.external_ids.push(c.external_id.clone());
        self.has_email.push(false);
        self.has_phone.push(false);
        self.suppressed.push(c.suppressed);
        for col in self.columns.values_mut() {
            match col {
                Column::Num(v) => v.push(f64::NAN),
                Column::Text { codes, .. } => codes.push(MISSING),
            }
        }
        let end = |o: &mut Vec<u32>| {
            let last = o.last().copied().unwrap_or(0);
            if o.is_empty() {
                o.push(0);
            }
            o.push(last);
        };
        end(&mut self.orders.offsets);
        end(&mut self.events.offsets);
        Ok(self.ids.len() - 1)
    }

    fn replace_orders(&mut self, rows: &[usize], changed: &[Changed]) {
        let o = &mut self.orders;
        let fresh: Vec<Vec<(i64, f64, f64)>> = changed
            .iter()
            .map(|c| {
                let mut v = c.orders.clone();
                v.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
                v
            })
            .collect();
        let plan = Splice::new(&o.offsets, rows, fresh.iter().map(Vec::len));
        o.time = plan.rebuild(&o.time, fresh.iter().map(|v| v.iter().map(|x| x.0)));
        o.amount = plan.rebuild(&o.amount, fresh.iter().map(|v| v.iter().map(|x| x.1)));
        o.quantity = plan.rebuild(&o.quantity, fresh.iter().map(|v| v.iter().map(|x| x.2)));
        o.offsets = plan.offsets;
    }

    fn replace_events(&mut self, rows: &[usize], changed: &[Changed]) {
        let e = &mut self.events;
        let fresh: Vec<Vec<(i64, u32)>> = changed
            .iter()
            .map(|c| {
                let mut v: Vec<(i64, u32)> = c
                    .events
                    .iter()
                    .map(|(t, name)| (*t, code_of(&mut e.names, name)))
                    .collect();
                // The loader's order: by time, then name code.
                v.sort_unstable();
                v
            })
            .collect();
        let plan = Splice::new(&e.offsets, rows, fresh.iter().map(Vec::len));
        e.time = plan.rebuild(&e.time, fresh.iter().map(|v| v.iter().map(|x| x.0)));
        e.name = plan.rebuild(&e.name, fresh.iter().map(|v| v.iter().map(|x| x.1)));
        e.offsets = plan.offsets;
    }
}

/// The code of an event name, added to the names when it is new.
fn code_of(names: &mut Vec<String>, name: &str) -> u32 {
    match names.iter().position(|n| n == name) {
        Some(i) => i as u32,
        None => {
            names.push(name.to_string());
            (names.len() - 1) as u32
        }
    }
}

/// Where each replaced customer's rows go in arrays rebuilt from the old ones: the runs of
/// untouched customers between them are copied whole.
struct Splice {
    /// Old `(start, end)` of each replaced customer's rows, in row order.
    old: Vec<(usize, usize)>,
    offsets: Vec<u32>,
}

impl Splice {
    fn new(offsets: &[u32], rows: &[usize], lens: impl Iterator<Item = usize>) -> Self {
        let n = offsets.len().saturating_sub(1);
        let mut len: Vec<u32> = offsets.windows(2).map(|w| w[1] - w[0]).collect();
        let old: Vec<(usize, usize)> = rows
            .iter()
            .map(|&r| (offsets[r] as usize, offsets[r + 1] as usize))
            .collect();
        for (&r, l) in rows.iter().zip(lens) {
            len[r] = l as u32;
        }
        let mut out = Vec::with_capacity(n + 1);
        out.push(0u32);
        for l in len {
            out.push(out.last().copied().unwrap_or(0) + l);
        }
        Self { old, offsets: out }
    }

    /// `old` with each replaced customer's rows swapped for `fresh` (in the same order as `rows`).
    fn rebuild<T: Copy, I: Iterator<Item = T>>(
        &self,
        old: &[T],
        fresh: impl Iterator<Item = I>,
    ) -> Vec<T> {
        let mut out = Vec::with_capacity(*self.offsets.last().unwrap_or(&0) as usize);
        let mut at = 0;
        // Rows are sorted by customer, so their old ranges are in order and do not overlap.
        let mut order: Vec<usize> = (0..self.old.len()).collect();
        order.sort_by_key(|&i| self.old[i].0);
        let fresh: Vec<I> = fresh.collect();
        let mut fresh: Vec<Option<I>> = fresh.into_iter().map(Some).collect();
        for i in order {
            let (start, end) = self.old[i];
            out.extend_from_slice(&old[at..start]);
            out.extend(fresh[i].take().expect("each customer once"));
            at = end;
        }
        out.extend_from_slice(&old[at..]);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::columnar::{Events, Orders};

    fn table() -> Table {
        Table {
            ids: vec![1, 2, 3],
            external_ids: vec!["a".into(), "b".into(), "c".into()],
            columns: [("ads_consent".to_string(), Column::Num(vec![1.0, 0.0, 1.0]))].into(),
            has_email: vec![true; 3],
            has_phone: vec![false; 3],
            suppressed: vec![false; 3],
            orders: Orders {
                offsets: vec![0, 2, 2, 3],
                time: vec![10, 20, 30],
                amount: vec![1.0, 2.0, 3.0],
                quantity: vec![f64::NAN; 3],
            },
            events: Events {
                offsets: vec![0, 1, 1, 1],
                time: vec![5],
                name: vec![0],
                names: vec!["login".into()],
            },
        }
    }

    fn changed(id: i64, orders: Vec<(i64, f64, f64)>, events: Vec<(i64, &str)>) -> Changed {
        Changed {
            id,
            external_id: format!("x{id}"),
            suppressed: false,
            orders,
            events: events
                .into_iter()
                .map(|(t, n)| (t, n.to_string()))
                .collect(),
        }
    }

    #[test]
    fn a_customer_in_the_middle_gets_its_new_rows_and_the_others_keep_theirs() {
        let t = table()
            .apply(vec![changed(
                2,
                vec![(50, 5.0, 1.0), (40, 4.0, f64::NAN)],
                vec![(7, "cart")],
            )])
            .unwrap();
        assert_eq!(t.orders.offsets, vec![0, 2, 4, 5]);
        assert_eq!(t.orders.time, vec![10, 20, 40, 50, 30]);
        assert_eq!(t.orders.amount, vec![1.0, 2.0, 4.0, 5.0, 3.0]);
        assert_eq!(t.events.offsets, vec![0, 1, 2, 2]);
        assert_eq!(t.events.names, vec!["login".to_string(), "cart".into()]);
        assert_eq!(t.events.name, vec![0, 1]);
    }

    #[test]
    fn a_new_customer_is_appended_with_blank_columns_and_applying_twice_changes_nothing() {
        let c = vec![
            changed(9, vec![(60, 6.0, 2.0)], vec![(8, "login")]),
            changed(1, vec![(10, 1.0, f64::NAN)], vec![]),
        ];
        let once = table().apply(c.clone()).unwrap();
        assert_eq!(once.ids, vec![1, 2, 3, 9]);
        assert_eq!(once.orders.offsets, vec![0, 1, 1, 2, 3]);
        assert_eq!(once.orders.time, vec![10, 30, 60]);
        assert_eq!(once.events.offsets, vec![0, 0, 0, 0, 1]);
        match &once.columns["ads_consent"] {
            Column::Num(v) => assert!(v[3].is_nan() && v.len() == 4),
            _ => unreachable!(),
        }
        let twice = once.clone().apply(c).unwrap();
        assert_eq!(twice.ids, once.ids);
        assert_eq!(twice.orders.time, once.orders.time);
        assert_eq!(twice.events.time, once.events.time);
    }

    #[test]
    fn a_new_customer_before_the_last_one_is_refused() {
        let mut t = table();
        t.ids = vec![1, 2, 5];
        assert_eq!(
            t.apply(vec![changed(4, vec![], vec![])]).unwrap_err(),
            OutOfOrder { id: 4, last: 5 }
        );
    }
}
