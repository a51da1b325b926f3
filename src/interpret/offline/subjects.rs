//! Clause parsers for things customers did or are: events and orders with counts and windows,
//! comparisons that name their subject afterwards ("more than 5 orders"), catalog fields
//! ("NPS below 7", "last purchase before 2024", "with kids") and categorical values
//! ("in California or Texas", "annual plan").

/// Last words of number columns that hold an amount, where "with a …" means more than zero.
const HELD_AMOUNTS: &[&str] = &[
    "balance",
    "debt",
    "credit",
    "due",
    "owed",
    "outstanding",
    "arrears",
    "savings",
    "deposit",
];

use super::clauses::Clauses;
use super::lexicon::Lex;
use super::when::{When, days_in, when};
use crate::domain::catalog::{Field, FieldType, FieldUnit};
use crate::domain::definition::{AggSource, DateOp, Measure, Node, Op, Period, Quantity, Value};

type Hit = Option<(Node, usize)>;

fn num(v: f64) -> Value {
    Value::Number(v)
}

impl<'a> Clauses<'a> {
    fn count_word(&self, k: usize) -> Option<f64> {
        self.items.get(k)?.lex.iter().find_map(|l| {
            if let Lex::Count(n) | Lex::CountExact(n) = l {
                Some(*n)
            } else {
                None
            }
        })
    }

    /// A count phrase: "3+ times", "at least twice", "more than once", "exactly 2 times", "twice",
    /// "once or twice", "2 to 4 times".
    fn count(&mut self, j: usize) -> Option<(Op, Value, usize)> {
        let x = self.items.get(j)?;
        for l in &x.lex {
            match l {
                // "once or twice": between the two.
                Lex::Count(a)
                    if self
                        .items
                        .get(j + 1)
                        .is_some_and(|o| o.has(|l| *l == Lex::Or))
                        && self.count_word(j + 2).is_some() =>
                {
                    let b = self.count_word(j + 2).expect("checked");
                    return Some((
                        Op::Between,
                        Value::List(vec![num(a.min(b)), num(a.max(b))]),
                        j + 3,
                    ));
                }
                Lex::CountExact(n) => return Some((Op::Eq, num(*n), j + 1)),
                Lex::CountAtLeast(n) => return Some((Op::Gte, num(*n), j + 1)),
                Lex::Count(n) if *n == 1.0 => {
                    self.assume(
                        j,
                        j + 1,
                        "\"once\" read as exactly once".into(),
                        vec!["at least once".into()],
                    );
                    return Some((Op::Eq, num(1.0), j + 1));
                }
                Lex::Count(n) => {
                    self.assume(
                        j,
                        j + 1,
                        format!("read as at least {n} times"),
                        vec![format!("exactly {n} times")],
                    );
                    return Some((Op::Gte, num(*n), j + 1));
                }
                Lex::Cmp(op) => {
                    let next = self.items.get(j + 1)?;
                    // A money sign is never a count: "an order over $100" is about its amount.
                    if next.num.is_some_and(|a| a.money || a.percent) {
                        return None;
                    }
                    let n = next.num.map(|a| a.value).or_else(|| {
                        next.lex.iter().find_map(|l| {
                            if let Lex::Count(n) = l {
                                Some(*n)
                            } else {
                                None
                            }
                        })
                    })?;
                    let end = if self
                        .items
                        .get(j + 2)
                        .is_some_and(|t| t.has(|l| *l == Lex::Times))
                    {
                        j + 3
                    } else {
                        j + 2
                    };
                    return Some((*op, num(n), end));
                }
                _ => {}
            }
        }
        let (op, value, a, end) = self.comparison(j, true)?;
        if a.money || a.percent {
            return None;
        }
        let times = self
            .items
            .get(end)
            .is_some_and(|t| t.has(|l| *l == Lex::Times));
        if !times {
            return None;
        }
        if let (Op::Eq, Value::Number(n)) = (op, &value) {
            self.assume(
                j,
                end + 1,
                format!("read as at least {n} times"),
                vec![format!("exactly {n} times")],
            );
            return Some((Op::Gte, num(*n), end + 1));
        }
        Some((op, value, end + 1))
    }

    /// "bought 3+ times in the last 90 days", "opened an email this week", "visited since March",
    /// "opened at least 3 emails", "didn't buy in that time".
    pub(super) fn event(&mut self, i: usize, event: Option<&str>) -> Hit {
        let mut j = i + 1;
        let (mut count, mut window, mut sum) = (None, None, None);
        for _ in 0..6 {
            let Some(x) = self.items.get(j) else { break };
            // The verb's object says nothing more: "opened *emails*", "clicked *one*".
            let pronoun_one = x.num.is_some_and(|a| a.value == 1.0 && !a.money)
                && x.has(|l| matches!(l, Lex::NumWord(_)));
            if x.has(|l| *l == Lex::Object)
                || (pronoun_one
                    && !self
                        .items
                        .get(j + 1)
                        .is_some_and(|y| y.has(|l| matches!(l, Lex::Times | Lex::Unit(_)))))
            {
                j += 1;
                continue;
            }
            // "sent 3+ invites": a count written before the event's other word.
            if count.is_none() && event.is_some() {
                let counted = self
                    .comparison(j, true)
                    .filter(|c| !c.2.money && !c.2.percent);
                if let Some((op, n, _, e)) = counted.filter(|c| {
                    self.items.get(c.3).is_some_and(|y| {
                        y.has(|l| matches!(l, Lex::Event(x) if x.as_deref() == event))
                    })
                }) {
                    let op = if op == Op::Eq { Op::Gte } else { op };
                    (count, j) = (Some((op, n)), e + 1);
                    continue;
                }
            }
            if count.is_none()
                && sum.is_none()
                && let Some((op, n, e)) = self.count(j)
            {
                (count, j) = (Some((op, n)), e);
                continue;
            }
            if window.is_none() {
                if x.has(|l| *l == Lex::SamePeriod) && self.last_window.is_some() {
                    (window, j) = (self.last_window.clone(), j + 1);
                    continue;
                }
                if let Some((w, e)) = when(self.items, j, &self.cx.as_of) {
                    self.calendar_year(j);
                    (window, j) = (Some(self.period(&w)), e);
                    continue;
                }
                // The event's own other word: "sent 3+ *invites*".
                if event.is_some() && x.has(|l| matches!(l, Lex::Event(e) if e.as_deref() == event))
                {
                    j += 1;
                    continue;
                }
                // "have ordered before": ever.
                if x.has(|l| *l == Lex::Before)
                    && !self.items.get(j + 1).is_some_and(|y| {
                        y.num.is_some() || y.date.is_some() || y.has(|l| matches!(l, Lex::Month(_)))
                    })
                {
                    j += 1;
                    continue;
                }
            }
            if event.is_none()
                && count.is_none()
                && sum.is_none()
                && let Some((op, v, _, e)) = self.comparison(j, false).filter(|c| c.2.money)
            {
                (sum, j) = (Some((op, v)), e);
                continue;
            }
            if let Some(hit) = self.items_in_one_order(i, j, event, window.clone()) {
                return Some(hit);
            }
            if window.is_none() && self.object_before_time(j) {
                j += 1;
                continue;
            }
            break;
        }
        if window.is_some() {
            self.last_window = window.clone();
        }
        let source = if event.is_some() {
            AggSource::Events
        } else {
            AggSource::Orders
        };
        if let Some((op, value)) = sum {
            // "an order over $100": at least one order of that amount; "bought over $100": in all.
            let one = self.items[i].has(|l| *l == Lex::OneOrder) && matches!(op, Op::Gt | Op::Gte);
            let measure = if one { Measure::Max } else { Measure::Sum };
            if !one {
                self.assume(
                    i,
                    j,
                    "read as the total of the orders' amounts".into(),
                    vec!["at least one order of that amount".into()],
                );
            }
            let node = Node::Aggregate {
                source,
                event: None,
                measure,
                of: Some(Quantity::Amount),
                window,
                op,
                value,
            };
            return Some((node, j));
        }
        let counted = count.is_some();
        let (op, n) = count.unwrap_or((Op::Gte, num(1.0)));
        // "bought at least 10 items": units, not orders.
        if event.is_none()
            && counted
            && self
                .items
                .get(j)
                .is_some_and(|x| x.has(|l| matches!(l, Lex::Field(f) if f == "items_bought")))
        {
            let node = match window {
                None => Node::Attribute {
                    field: "items_bought".into(),
                    op,
                    value: Some(n),
                },
                Some(w) => Node::Aggregate {
                    source,
                    event: None,
                    measure: Measure::Sum,
                    of: Some(Quantity::Quantity),
                    window: Some(w),
                    op,
                    value: n,
                },
            };
            return Some((node, j + 1));
        }
        Some((
            Node::Aggregate {
                source,
                event: event.map(String::from),
                measure: Measure::Count,
                of: None,
                window,
                op,
                value: n,
            },
            j,
        ))
    }

    /// "booked *a flight* this year": a word that only shares a column's name (or names a date
    /// column of the export's own), between the verb and its time, is taken as what was bought, and asked about.
    fn object_before_time(&mut self, j: usize) -> bool {
        let Some(x) = self.items.get(j) else {
            return false;
        };
        let date = |f: &String| {
            self.cx.catalog.get(f).is_some_and(|f| {
                f.ty == FieldType::Date
                    && matches!(f.source, crate::domain::catalog::Source::Attribute(_))
            })
        };
        let weak_only = x.num.is_none()
            && !x.lex.is_empty()
            && x.lex.iter().all(|l| match l {
                Lex::FieldWord(_) | Lex::Filler => true,
                Lex::Field(f) => date(f),
                _ => false,
            });
        if !weak_only || when(self.items, j + 1, &self.cx.as_of).is_none() {
            return false;
        }
        self.doubt(0.7);
        self.assume(
            j,
            j + 1,
            "read as what was bought".into(),
            vec!["a condition on the column it names".into()],
        );
        true
    }

    /// "placed an order with 6 or more items": one order of that many units (its largest).
    fn items_in_one_order(
        &mut self,
        i: usize,
        j: usize,
        event: Option<&str>,
        window: Option<Period>,
    ) -> Hit {
        let one = event.is_none() && self.items[i].has(|l| *l == Lex::OneOrder);
        let (op, value, _, e) = self
            .comparison(j, false)
            .filter(|c| one && !c.2.money && !c.2.percent)?;
        let items = self.items.get(e).is_some_and(|y| {
            y.has(|l| matches!(l, Lex::Field(f) | Lex::FieldWord(f) if f == "items_bought"))
        });
        let op = if op == Op::Eq { Op::Gte } else { op };
        items.then(|| {
            (
                Node::Aggregate {
                    source: AggSource::Orders,
                    event: None,
                    measure: Measure::Max,
                    of: Some(Quantity::Quantity),
                    window,
                    op,
                    value,
                },
                e + 1,
            )
        })
    }

    /// A comparison first, its subject after: "more than 5 orders", "3+ purchases this year",
    /// "over $500 lifetime value", "over $500" (lifetime revenue, as an assumption).
    pub(super) fn measured(&mut self, i: usize) -> Hit {
        let (op, value, a, j) = self.comparison(i, true)?;
        let next = self.items.get(j);
        // "3+ orders in the last 90 days" counts orders in a window, not the lifetime total.
        let windowed = when(self.items, j + 1, &self.cx.as_of).is_some();
        let event_alt = next.and_then(|x| {
            x.lex.iter().find_map(|l| {
                if let Lex::Event(e) = l {
                    Some(e.clone())
                } else {
                    None
                }
            })
        });
        let subject = if let (true, Some(e)) = (windowed, event_alt) {
            Some((None, Some(e)))
        } else {
            None
        };
        // "for 3 weeks" is a duration: a unit word that is also a word of a column's name
        // ("classes per week") does not make the number that column's value.
        let duration = next.is_some_and(|x| x.has(|l| matches!(l, Lex::Unit(_))));
        let subject = subject.or_else(|| {
            next.and_then(|x| {
                x.lex.iter().find_map(|l| match l {
                    Lex::Event(e) => Some((None, Some(e.clone()))),
                    Lex::FieldWord(_) if duration => None,
                    Lex::Field(f) | Lex::FieldWord(f)
                        if self
                            .cx
                            .catalog
                            .get(f)
                            .is_some_and(|f| f.ty == FieldType::Number) =>
                    {
                        Some((Some(f.clone()), None))
                    }
                    _ => None,
                })
            })
        });
        match subject {
            // "one order over $100", "a single invoice over $5,000": at least one of that amount.
            Some((_, Some(None)))
                if op == Op::Eq && value == num(1.0) && self.money_at(j + 1).is_some() =>
            {
                let (mop, mv, e) = self.money_at(j + 1).expect("checked");
                Some((
                    Node::Aggregate {
                        source: AggSource::Orders,
                        event: None,
                        measure: Measure::Max,
                        of: Some(Quantity::Amount),
                        window: None,
                        op: mop,
                        value: mv,
                    },
                    e,
                ))
            }
            Some((_, Some(event))) => {
                let mut end = j + 1;
                let mut window = None;
                if let Some((w, e)) = when(self.items, end, &self.cx.as_of) {
                    (window, end) = (Some(self.period(&w)), e);
                }
                let source = if event.is_some() {
                    AggSource::Events
                } else {
                    AggSource::Orders
                };
                Some((
                    Node::Aggregate {
                        source,
                        event,
                        measure: Measure::Count,
                        of: None,
                        window,
                        op,
                        value,
                    },
                    end,
                ))
            }
            Some((Some(field), None)) => Some((
                Node::Attribute {
                    field,
                    op,
                    value: Some(value),
                },
                j + 1,
            )),
            // "NPS detractors (a score of 6 or lower)": a bound restated for the field just named.
            _ if !a.money && self.last_number_field.is_some() && op != Op::Eq => {
                let field = self.last_number_field.clone().expect("checked");
                Some((
                    Node::Attribute {
                        field,
                        op,
                        value: Some(value),
                    },
                    j,
                ))
            }
            // "over 60", "under-25s": of people, a bare number is their age.
            _ if !a.money
                && !a.percent
                && op != Op::Eq
                && self
                    .cx
                    .catalog
                    .get("age")
                    .is_some_and(|f| f.ty == FieldType::Number) =>
            {
                self.assume(i, j, "read as age".into(), vec![]);
                Some((
                    Node::Attribute {
                        field: "age".into(),
                        op,
                        value: Some(value),
                    },
                    j,
                ))
            }
            _ if a.money && op != Op::Eq => {
                self.assume(
                    i,
                    j,
                    "an amount on its own is read as lifetime revenue".into(),
                    vec!["average order value".into()],
                );
                Some((
                    Node::Attribute {
                        field: "lifetime_revenue".into(),
                        op,
                        value: Some(value),
                    },
                    j,
                ))
            }
            _ => None,
        }
    }

    /// A catalog field and what is said about it.
    pub(super) fn field(&mut self, i: usize, name: &str) -> Hit {
        let f = self.cx.catalog.get(name)?.clone();
        let weak = self.items[i].has(|l| matches!(l, Lex::FieldWord(x) if x == name))
            && !self.items[i].has(|l| matches!(l, Lex::Field(x) if x == name));
        self.weak_link(i, name, weak);
        // One word of it ("stayed"), not its name ("last stay").
        if self.items[i].word.is_some() {
            self.orders_too(i, &f);
        }
        let yes_no = if f.ty == FieldType::Categorical {
            super::linking::yes_no(&f.values)
        } else {
            None
        };
        if let Some((yes, _)) = yes_no.filter(|_| !self.value_follows(i, name)) {
            return Some(self.switched(
                i,
                Node::Attribute {
                    field: f.name,
                    op: Op::Eq,
                    value: Some(Value::Text(yes)),
                },
            ));
        }
        match f.ty {
            FieldType::Boolean => Some(self.switched(
                i,
                Node::Attribute {
                    field: f.name,
                    op: Op::Eq,
                    value: Some(Value::Bool(true)),
                },
            )),
            FieldType::Number => self.number_field(i, &f.name, f.unit),
            FieldType::Date => self.date_field(i, &f.name),
            FieldType::Categorical => {
                // "plan: annual", "tier gold": the value follows within two items.
                let k = (i + 1..(i + 3).min(self.items.len())).find(|k| {
                    self.items[*k].has(|l| matches!(l, Lex::Value { field, .. } if field == name))
                });
                match k {
                    Some(k) => self.value_for(k, Some(name)),
                    // "internet customers": any value but its "No" kind.
                    None => {
                        if let Some(hit) = self.has_yes(i, &f) {
                            return Some(hit);
                        }
                        match f.values.iter().find(|v| {
                            v.eq_ignore_ascii_case("no") || v.eq_ignore_ascii_case("none")
                        }) {
                            Some(no) => Some((
                                Node::Attribute {
                                    field: f.name,
                                    op: Op::Ne,
                                    value: Some(Value::Text(no.clone())),
                                },
                                i + 1,
                            )),
                            _ => self.is_set(i, name),
                        }
                    }
                }
            }
            FieldType::Text => self.is_set(i, name),
        }
    }

    /// "with digital access" over `Yes` / `No` / `Pending`: having it is `Yes`; the values
    /// that are neither ("Pending", "Lapsed") are left out, and the answer says so.
    fn has_yes(&mut self, i: usize, f: &Field) -> Option<(Node, usize)> {
        let is = |v: &String, set: &[&str]| set.contains(&v.trim().to_lowercase().as_str());
        let yes = f.values.iter().find(|v| is(v, &["yes", "y", "true"]))?;
        let no = f.values.iter().find(|v| is(v, &["no", "n", "false"]))?;
        let third: Vec<&String> = f.values.iter().filter(|v| *v != yes && *v != no).collect();
        if !third.is_empty() {
            let others = third.iter().map(|v| format!("\"{v}\"")).collect::<Vec<_>>();
            self.assume(
                i,
                i + 1,
                format!("read as {} = {yes}", f.name),
                vec![format!("{} = {yes} or {}", f.name, others.join(" or "))],
            );
        }
        Some((
            Node::Attribute {
                field: f.name.clone(),
                op: Op::Eq,
                value: Some(Value::Text(yes.clone())),
            },
            i + 1,
        ))
    }

    /// A money comparison at `j`: "over $100".
    fn money_at(&self, j: usize) -> Option<(Op, Value, usize)> {
        self.comparison(j, false)
            .filter(|c| c.2.money && matches!(c.0, Op::Gt | Op::Gte))
            .map(|c| (c.0, c.1, c.3))
    }

    fn value_follows(&self, i: usize, name: &str) -> bool {
        (i + 1..(i + 3).min(self.items.len()))
            .any(|k| self.items[k].has(|l| matches!(l, Lex::Value { field, .. } if field == name)))
    }

    /// A yes/no condition and the state written after it: "paperless billing *turned off*".
    fn switched(&self, i: usize, node: Node) -> (Node, usize) {
        match self.items.get(i + 1).and_then(|x| {
            x.lex.iter().find_map(|l| {
                if let Lex::Switch(b) = l {
                    Some(*b)
                } else {
                    None
                }
            })
        }) {
            Some(true) => (node, i + 2),
            Some(false) => (super::grammar::negate(node), i + 2),
            None => (node, i + 1),
        }
    }

    /// A field reached through one word of its name: sure only when no other field has it.
    /// A field named exactly is sure unless a column of the data's own fits the words too
    /// ("revenue": `lifetime_revenue` or your `mrr_usd`?); one reached through one word of its
    /// name is sure only when no other field has that word.
    /// "haven't stayed in the past year" read through a word of the export's `last_stay_date`:
    /// the orders file may say otherwise, so the answer says which it read and asks.
    fn orders_too(&mut self, i: usize, f: &crate::domain::catalog::Field) {
        let summary = matches!(f.source, crate::domain::catalog::Source::Attribute(_))
            && f.ty == FieldType::Date
            && matches!(super::tokenize::words(&f.name).as_slice(), [l, _, d] if l == "last" && d == "date");
        if summary && self.cx.catalog.orders {
            self.doubt(0.5);
            self.assume(
                i,
                i + 1,
                format!("read as the `{}` column", f.name),
                vec!["the orders".into()],
            );
        }
    }

    fn weak_link(&mut self, i: usize, name: &str, weak: bool) {
        let custom = |f: &str| {
            self.cx
                .catalog
                .get(f)
                .is_some_and(|f| matches!(f.source, crate::domain::catalog::Source::Attribute(_)))
        };
        let mut others: Vec<String> = Vec::new();
        for l in &self.items[i].lex {
            if let Lex::FieldWord(f) | Lex::Field(f) = l
                && f != name
                && !others.contains(f)
                && (weak || (custom(f) && !custom(name)))
            {
                others.push(f.clone());
            }
        }
        match (others.is_empty(), weak) {
            (true, true) => self.doubt(0.8),
            (true, false) => {}
            (false, _) => {
                self.doubt(0.5);
                self.assume(i, i + 1, format!("read as the `{name}` field"), others);
            }
        }
    }

    fn number_field(&mut self, i: usize, name: &str, unit: FieldUnit) -> Hit {
        let mut j = i + 1;
        if self.items.get(j).is_some_and(|x| x.has(|l| *l == Lex::In))
            && self
                .items
                .get(j + 1)
                .is_some_and(|x| x.has(|l| matches!(l, Lex::Top | Lex::Bottom)))
        {
            j += 1;
        }
        if self
            .items
            .get(j)
            .is_some_and(|x| x.has(|l| matches!(l, Lex::Top | Lex::Bottom)))
        {
            let (node, end) = self.clause_percentile_for(j, name)?;
            return Some((node, end));
        }
        self.last_number_field = Some(name.to_string());
        // "NPS detractors": the band says it all.
        if self
            .items
            .get(j)
            .is_some_and(|x| x.has(|l| matches!(l, Lex::Band(f, _) if f == name)))
        {
            return self.clause(j);
        }
        let Some((mut op, mut value, _, mut end)) = self.comparison(j, true) else {
            return self.is_set(i, name);
        };
        if let Some(hit) = self.counted_event_instead(i, end, op, &value) {
            return Some(hit);
        }
        // "a score of 1 or 2": either number.
        let either = self
            .items
            .get(end)
            .is_some_and(|x| x.has(|l| *l == Lex::Or))
            && self.items.get(end + 1).and_then(|x| x.num).is_some();
        if let (true, Op::Eq, Value::Number(a)) = (either, op, &value) {
            let b = self.items[end + 1].num.map_or(*a, |n| n.value);
            value = Value::List(vec![num(*a), num(b)]);
            end += 2;
            return Some((
                Node::Attribute {
                    field: name.into(),
                    op: Op::In,
                    value: Some(value),
                },
                end,
            ));
        }
        if self
            .items
            .get(end)
            .is_some_and(|x| x.has(|l| matches!(l, Lex::FieldWord(f) | Lex::Field(f) if f == name)))
        {
            end += 1;
        }
        // "tenure over 2 years" on a field counted in days.
        let per = self.items.get(end).and_then(|x| {
            x.lex
                .iter()
                .find_map(|l| if let Lex::Unit(u) = l { Some(*u) } else { None })
        });
        if let (Some(u), FieldUnit::Days) = (per, unit) {
            value = match value {
                Value::Number(n) => Value::Number(days_in(n, u)),
                Value::List(v) => Value::List(
                    v.into_iter()
                        .map(|x| {
                            if let Value::Number(n) = x {
                                Value::Number(days_in(n, u))
                            } else {
                                x
                            }
                        })
                        .collect(),
                ),
                other => other,
            };
            end += 1;
        } else if let (Some(u), FieldUnit::None) = (per, unit) {
            // A column of the export's own does not say its unit: the number is taken as written.
            self.doubt(0.7);
            self.assume(
                i,
                end + 1,
                format!(
                    "compared `{name}` with the number as written, in {}",
                    u.word(2)
                ),
                vec![format!("`{name}` is counted in another unit")],
            );
            end += 1;
        }
        // "a streak of 30 days or more": the bound follows the unit or the field's own word.
        if let (Op::Eq, Some(post)) = (
            op,
            self.items.get(end).and_then(|x| {
                x.lex.iter().find_map(|l| {
                    if let Lex::PostCmp(o) = l {
                        Some(*o)
                    } else {
                        None
                    }
                })
            }),
        ) {
            op = post;
            end += 1;
        }
        Some((
            Node::Attribute {
                field: name.into(),
                op,
                value: Some(value),
            },
            end,
        ))
    }

    /// "*completed* 10 or more *lessons*": a word shared with a column (`courses_completed`) but
    /// counted in an event's noun (`lesson_completed`) counts the event.
    fn counted_event_instead(&mut self, i: usize, end: usize, op: Op, value: &Value) -> Hit {
        let weak = !self.items[i].has(|l| matches!(l, Lex::Field(_)));
        let e = self.items.get(end)?.lex.iter().find_map(|l| {
            if let Lex::Event(Some(e)) = l {
                Some(e.clone())
            } else {
                None
            }
        })?;
        if !weak {
            return None;
        }
        let (node, stop) = self.event(end, Some(&e))?;
        let op = if op == Op::Eq { Op::Gte } else { op };
        match node {
            Node::Aggregate {
                source,
                event,
                measure: Measure::Count,
                of,
                window,
                ..
            } => Some((
                Node::Aggregate {
                    source,
                    event,
                    measure: Measure::Count,
                    of,
                    window,
                    op,
                    value: value.clone(),
                },
                stop,
            )),
            _ => None,
        }
    }

    /// "customers with an NPS score" / "with no NPS score": whether a custom attribute is known
    /// at all, when its full name is written and nothing is said about its value.
    fn is_set(&self, i: usize, name: &str) -> Hit {
        let f = self.cx.catalog.get(name)?;
        let column = matches!(f.source, crate::domain::catalog::Source::Attribute(_))
            || ["email", "phone"].contains(&name);
        // Only the field's own name, meaning nothing else: "churn risk" is the glossary term,
        // "purchases" the orders, "credit" one word of `credit_score`.
        let other =
            self.items[i].has(|l| matches!(l, Lex::Value { .. } | Lex::Term(_) | Lex::Event(_)));
        let named = !other && self.items[i].has(|l| matches!(l, Lex::Field(x) if x == name));
        // A number column named in the plural counts things: "with certificates" is more than
        // none, "with no certificates" none.
        let counts = f.ty == FieldType::Number
            && name.rsplit('_').next().is_some_and(|w| {
                (w.len() > 3 && w.ends_with('s') && !w.ends_with("ss"))
                        // An amount held or owed: "with an unpaid balance" is more than zero.
                        || HELD_AMOUNTS.contains(&w)
            });
        let node = if counts {
            Node::Attribute {
                field: name.into(),
                op: Op::Gt,
                value: Some(num(0.0)),
            }
        } else {
            Node::Attribute {
                field: name.into(),
                op: Op::IsSet,
                value: None,
            }
        };
        (column && named).then_some((node, i + 1))
    }

    fn clause_percentile_for(&mut self, j: usize, name: &str) -> Hit {
        let (node, end) = self.clause(j)?;
        match node {
            Node::Percentile {
                direction, percent, ..
            } => Some((
                Node::Percentile {
                    field: name.into(),
                    direction,
                    percent,
                },
                end,
            )),
            _ => None,
        }
    }

    fn date_field(&mut self, i: usize, name: &str) -> Hit {
        let j = i + 1;
        let date = |op: DateOp,
                    amount: Option<i64>,
                    unit: Option<crate::domain::time::Unit>,
                    date: Option<String>,
                    from: Option<String>,
                    to: Option<String>| {
            Node::Date {
                field: name.into(),
                op,
                amount,
                unit,
                date,
                from,
                to,
            }
        };
        // "registered for more than 5 years" ("for over", "for at least": one phrase): as long
        // ago as that, at least.
        let longer = self
            .items
            .get(j)
            .is_some_and(|x| x.word.is_none() && x.has(|l| *l == Lex::For))
            // "haven't logged in for over 30 days" is the time since, negated: left to `when`.
            && !i.checked_sub(1).is_some_and(|k| {
                self.items[k].has(|l| matches!(l, Lex::Neg | Lex::Never))
            });
        let unit = |k: usize| {
            self.items.get(k).and_then(|x| {
                x.lex
                    .iter()
                    .find_map(|l| if let Lex::Unit(u) = l { Some(*u) } else { None })
            })
        };
        if let (true, Some(n), Some(u)) = (
            longer,
            self.items.get(j + 1).and_then(|x| x.num),
            unit(j + 2),
        ) {
            let node = date(
                DateOp::MoreThanAgo,
                Some(n.value as i64),
                Some(u),
                None,
                None,
                None,
            );
            return Some((node, j + 3));
        }
        let cmp_at = |k: usize| {
            self.items
                .get(k)
                .and_then(|x| x.lex.iter().find(|l| matches!(l, Lex::Cmp(_))))
        };
        // "more than 60 days ago" / "less than 30 days ago".
        if let Some(Lex::Cmp(op)) = cmp_at(j) {
            let unit_at = |k: usize| {
                self.items.get(k).and_then(|x| {
                    x.lex
                        .iter()
                        .find_map(|l| if let Lex::Unit(u) = l { Some(*u) } else { None })
                })
            };
            // "over a year ago": the article is the number one.
            let (n, u, k) = match self.items.get(j + 1).and_then(|x| x.num) {
                Some(n) => (Some(n.value), unit_at(j + 2), j + 3),
                None => (Some(1.0), unit_at(j + 1), j + 2),
            };
            if let (Some(n), Some(u)) = (n, u) {
                let ago = self.items.get(k).is_some_and(|x| x.has(|l| *l == Lex::Ago));
                let dop = if matches!(op, Op::Gt | Op::Gte) {
                    DateOp::MoreThanAgo
                } else {
                    DateOp::WithinLast
                };
                let node = date(dop, Some(n as i64), Some(u), None, None, None);
                return Some((node, k + usize::from(ago)));
            }
        }
        let Some((w, end)) = when(self.items, j, &self.cx.as_of) else {
            return self.is_set(i, name);
        };
        self.calendar_year(j);
        self.month_without_year(j, end);
        let d = |x: chrono::NaiveDate| Some(x.format("%Y-%m-%d").to_string());
        let node = match w {
            When::Last(n, u) => date(DateOp::WithinLast, Some(n), Some(u), None, None, None),
            When::Ago(n, u) => date(DateOp::MoreThanAgo, Some(n), Some(u), None, None, None),
            When::Dates(a, b) => date(DateOp::Between, None, None, None, d(a), d(b)),
            When::Before(x) => date(DateOp::Before, None, None, d(x), None, None),
            When::After(x) => date(DateOp::After, None, None, d(x), None, None),
        };
        Some((node, end))
    }

    /// "contracts ending before October" in June: a column of its own may hold days still to
    /// come (contract ends, renewals, due dates), so last October and the coming one are both
    /// readings; the month is asked about rather than guessed.
    fn month_without_year(&mut self, j: usize, end: usize) {
        use chrono::Datelike;
        let now = self.cx.as_of.date();
        for k in j..end.min(self.items.len()) {
            let month = self.items[k].lex.iter().find_map(|l| match l {
                Lex::Month(m) => Some(*m),
                _ => None,
            });
            let year_next = (k + 1..(k + 3).min(self.items.len())).any(|y| {
                self.items[y]
                    .num
                    .is_some_and(|a| a.value >= 1900.0 && a.value <= 2999.0)
            });
            if let Some(m) = month.filter(|m| *m > now.month() && !year_next) {
                self.doubt(0.5);
                self.assume(
                    k,
                    k + 1,
                    format!("read as {} {}", month_name(m), now.year() - 1),
                    vec![format!("{} {}", month_name(m), now.year())],
                );
            }
        }
    }
}

fn month_name(m: u32) -> &'static str {
    u8::try_from(m)
        .ok()
        .and_then(|m| chrono::Month::try_from(m).ok())
        .map_or("that month", |x| x.name())
}
