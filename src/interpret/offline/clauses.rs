//! The clause parsers: each reads one kind of phrase starting at an item and returns the
//! condition it means and where it ends, or nothing. Choices made without the user saying so
//! (a default window, which field "over $500" is about) are recorded as assumptions.

use super::grammar::Cx;
use super::lexicon::Lex;
use super::when::{Amount, Item, When, days_in, when};
use crate::domain::catalog::{FieldType, Source};
use crate::domain::definition::{AggSource, Direction, Measure, Node, Op, Period, Quantity, Value};
use crate::domain::time::Unit;

/// An assumption: what was read, over which tokens, and what else it could have been.
#[derive(Debug, Clone, PartialEq)]
pub struct Assume {
    pub from: usize,
    pub to: usize,
    pub text: String,
    pub alternatives: Vec<String>,
}

pub struct Clauses<'a> {
    pub items: &'a [Item],
    pub cx: &'a Cx<'a>,
    pub assumptions: Vec<Assume>,
    /// A consent verb was read: bare channel words that follow are consents ("but not email").
    pub consent_ctx: bool,
    /// The window of the last event condition, for "in that time".
    pub last_window: Option<Period>,
    /// The last number field compared, for a restated bound ("detractors (a score of 6 or lower)").
    pub last_number_field: Option<String>,
    /// The weakest link made by the clause being read (1 = the words name it exactly).
    pub doubt: f32,
    /// The clause being read also used the items from here up to its start.
    pub took_from: Option<usize>,
}

type Hit = Option<(Node, usize)>;

fn num(v: f64) -> Value {
    Value::Number(v)
}

impl<'a> Clauses<'a> {
    fn at(&self, k: usize) -> Option<&'a Item> {
        self.items.get(k)
    }

    fn is(&self, k: usize, f: impl Fn(&Lex) -> bool) -> bool {
        self.at(k).is_some_and(|x| x.has(f))
    }

    /// The negation of a condition as a careful reader means it: a yes/no column's "no"
    /// ("without online backup" = `No`, not every other value), a column with a "No" kind
    /// ("without internet" = `No`), anything else as [`negate`](super::grammar::negate).
    pub fn negated(&mut self, node: Node, (from, end): (usize, usize)) -> Node {
        if let Node::Attribute {
            field,
            op: Op::Eq | Op::Ne,
            value: Some(Value::Text(v)),
        } = &node
        {
            let f = self.cx.catalog.get(field);
            if let Some((yes, no)) = f
                .and_then(|f| super::linking::yes_no(&f.values))
                .filter(|(yes, _)| yes == v)
            {
                let third: Vec<String> = f
                    .map(|f| {
                        f.values
                            .iter()
                            .filter(|x| **x != yes && **x != no)
                            .cloned()
                            .collect()
                    })
                    .unwrap_or_default();
                if !third.is_empty() {
                    let alt = format!(
                        "everyone but {field} = {yes} (also \"{}\")",
                        third.join("\", \"")
                    );
                    self.assume(from, end, format!("read as {field} = {no}"), vec![alt]);
                }
                return Node::Attribute {
                    field: field.clone(),
                    op: Op::Eq,
                    value: Some(Value::Text(no)),
                };
            }
            if matches!(node, Node::Attribute { op: Op::Ne, .. }) {
                return Node::Attribute {
                    field: field.clone(),
                    op: Op::Eq,
                    value: Some(Value::Text(v.clone())),
                };
            }
        }
        super::grammar::negate(node)
    }

    /// A reading that needs orders, on data that has none, is a question.
    fn no_orders(&mut self, i: usize) {
        self.doubt(0.3);
        self.assume(
            i,
            i + 1,
            "read as orders, but your data has no orders".into(),
            vec!["one of your own columns".into()],
        );
    }

    /// A glossary term defined on orders (spend, counts), on data that has none.
    fn needs_orders(&mut self, i: usize, key: &str) {
        let on_orders = self.cx.glossary.get(key).is_some_and(|t| {
            let d = t.definition.to_string();
            [
                "lifetime_revenue",
                "order_count",
                "average_order_value",
                "\"orders\"",
                "last_order",
                "first_order",
                "items_bought",
            ]
            .iter()
            .any(|f| d.contains(f))
        });
        if on_orders && !self.cx.catalog.orders {
            self.no_orders(i);
        }
    }

    /// "bought an *annual lounge pass*": what was bought is a value of a column, so the words may
    /// mean that value alone rather than an order as well; asked, not guessed.
    fn bought_a_value(&mut self, i: usize, event: Option<&str>) {
        let object = self.items.get(i + 1).is_some_and(|x| {
            x.num.is_none() && x.has(|l| matches!(l, Lex::Value { .. } | Lex::Values { .. }))
        });
        if event.is_none() && object {
            self.doubt(0.6);
            self.assume(
                i,
                i + 1,
                "read as having placed an order".into(),
                vec!["only the value that follows".into()],
            );
        }
    }

    /// A word that names both something of the export's own (`is_active_member`, the value `VIP` of
    /// `Customer Group`) and a glossary term ("inactive", "VIP" = high-value) has two readings, so
    /// the answer asks whichever the lexicon tried first.
    fn term_too(&mut self, i: usize) {
        let lex = &self.items[i].lex;
        let term = lex.iter().position(|l| matches!(l, Lex::Term(_)));
        let custom = lex.iter().position(|l| self.own_column(l).is_some());
        let (Some(t), Some(c)) = (term, custom) else {
            return;
        };
        let Lex::Term(name) = &lex[t] else { return };
        let column = format!(
            "the `{}` column",
            self.own_column(&lex[c]).unwrap_or_default()
        );
        let glossary = format!("the glossary's `{name}`");
        let (read, other) = if t < c {
            (glossary, column)
        } else {
            (column, glossary)
        };
        self.doubt(0.6);
        self.assume(i, i + 1, format!("read as {read}"), vec![other]);
    }

    /// The export's own column a meaning links to, if any (built-in facts are not the user's).
    fn own_column<'l>(&self, l: &'l Lex) -> Option<&'l str> {
        let field = match l {
            Lex::Field(f) | Lex::FieldWord(f) | Lex::FieldNot(f) => f,
            Lex::Value { field, .. } | Lex::Values { field, .. } | Lex::BoolValue { field, .. } => {
                field
            }
            _ => return None,
        };
        let custom = self
            .cx
            .catalog
            .get(field)
            .is_some_and(|f| matches!(f.source, crate::domain::catalog::Source::Attribute(_)));
        custom.then_some(field.as_str())
    }

    /// Lower the confidence of the clause being read.
    pub(super) fn doubt(&mut self, confidence: f32) {
        self.doubt = self.doubt.min(confidence);
    }

    pub(super) fn assume(&mut self, i: usize, end: usize, text: String, alternatives: Vec<String>) {
        let (from, to) = (self.items[i].from, self.items[end.max(i + 1) - 1].to);
        self.assumptions.push(Assume {
            from,
            to,
            text,
            alternatives,
        });
    }

    /// The item's meanings in lexicon order, except that a word naming both a column and an
    /// event ("completed": `courses_completed`, `lesson_completed`) is the event when the
    /// event's other word follows ("completed 10 or more *lessons*").
    fn meanings(&self, i: usize) -> Vec<Lex> {
        let mut lex = self.items[i].lex.clone();
        let event = lex.iter().find_map(|l| {
            if let Lex::Event(Some(e)) = l {
                Some(e.clone())
            } else {
                None
            }
        });
        if let Some(e) = event {
            let again = (i + 1..(i + 5).min(self.items.len()))
                .any(|k| self.items[k].has(|l| matches!(l, Lex::Event(Some(x)) if *x == e)));
            if again {
                lex.sort_by_key(|l| !matches!(l, Lex::Event(Some(x)) if *x == e));
            }
        }
        if self.counts_something_else(i) {
            lex.retain(|l| !matches!(l, Lex::FieldWord(_)));
        }
        lex
    }

    /// "never made a gift" where the export also has `lifetime_giving`, `largest_gift`: the
    /// orders file and the customer file's own summary of it may disagree, so the answer says
    /// which it read and asks.
    fn summarised_too(&mut self, i: usize) {
        let own: Vec<String> = self.items[i]
            .lex
            .iter()
            .filter_map(|l| match l {
                Lex::FieldWord(f) | Lex::Field(f) => Some(f.clone()),
                _ => None,
            })
            .filter(|f| {
                self.cx
                    .catalog
                    .get(f)
                    .is_some_and(|x| matches!(x.source, Source::Attribute(_)))
            })
            .collect();
        if own.is_empty() {
            return;
        }
        self.doubt(0.5);
        let alternatives = own.iter().map(|f| format!("the `{f}` column")).collect();
        self.assume(i, i + 1, "read as the orders file".into(), alternatives);
    }

    /// "players who made 3 or more purchases", "drivers with 2 or more damage reports": the
    /// audience noun (also a word of `player_level`) leaves the number to what follows it.
    fn counts_something_else(&self, i: usize) -> bool {
        let items = self.items;
        if !items[i].has(|l| *l == Lex::Filler) {
            return false;
        }
        let content = |x: &Item| !x.is_filler() && x.num.is_none() && !x.lex.is_empty();
        let mut k = i + 1;
        // "who made": verbs with no number of their own come before it.
        while k < items.len() && items[k].num.is_none() && k <= i + 2 {
            k += 1;
        }
        if items.get(k).is_none_or(|x| x.num.is_none()) {
            return false;
        }
        k += 1;
        while items
            .get(k)
            .is_some_and(|x| x.has(|l| matches!(l, Lex::PostCmp(_) | Lex::Or)))
        {
            k += 1;
        }
        items
            .get(k)
            .is_some_and(|x| content(x) && !x.has(|l| matches!(l, Lex::Unit(_))))
    }

    /// Try every meaning of the item at `i`, in lexicon order.
    pub fn clause(&mut self, i: usize) -> Hit {
        let it = &self.items[i];
        if (self.consent_ctx
            || i.checked_sub(1)
                .is_some_and(|k| self.is(k, |l| matches!(l, Lex::Neg | Lex::Never))))
            && let Some(Lex::Channel(f)) = it.lex.iter().find(|l| matches!(l, Lex::Channel(_)))
        {
            return self.channels(i, f.clone(), true);
        }
        self.term_too(i);
        for lex in self.meanings(i) {
            let hit = match &lex {
                Lex::Consent(v) => self.consent(i, *v),
                Lex::MaxOrder => self.max_order(i),
                Lex::Band(field, band) => {
                    let (op, value) = match band {
                        0 => (Op::Lte, num(6.0)),
                        1 => (Op::Between, Value::List(vec![num(7.0), num(8.0)])),
                        _ => (Op::Gte, num(9.0)),
                    };
                    self.assume(
                        i,
                        i + 1,
                        "NPS bands: detractors 0–6, passives 7–8, promoters 9–10".into(),
                        vec![],
                    );
                    self.last_number_field = Some(field.clone());
                    Some((
                        Node::Attribute {
                            field: field.clone(),
                            op,
                            value: Some(value),
                        },
                        i + 1,
                    ))
                }
                Lex::Term(t) => self.term(i, t).inspect(|_| self.needs_orders(i, t)),
                Lex::Top | Lex::Bottom => self.percentile(i),
                Lex::Spend => self.spend(i),
                Lex::Pay => self.pay(i, None),
                Lex::PayPer(u) => self.pay(i, Some(*u)),
                Lex::Avg => self.avg(i),
                // With no orders in the data, "a transaction" is another of the word's meanings.
                Lex::Event(None)
                    if !self.cx.catalog.orders
                        && it
                            .lex
                            .iter()
                            .any(|l| matches!(l, Lex::Field(_) | Lex::FieldWord(_))) =>
                {
                    None
                }
                Lex::Event(e) => {
                    if e.is_none() && !self.cx.catalog.orders {
                        self.no_orders(i);
                    }
                    if e.is_none() {
                        self.summarised_too(i);
                    }
                    self.bought_a_value(i, e.as_deref());
                    self.event(i, e.as_deref())
                }
                Lex::Cmp(_) | Lex::Between => self.measured(i),
                Lex::Field(f) | Lex::FieldWord(f) => self.field(i, f),
                Lex::FieldNot(f) => self.field(i, f).map(|(n, e)| (self.negated(n, (i, e)), e)),
                Lex::Value { .. } => self.value(i),
                Lex::Values { field, values } => {
                    let list = values.iter().map(|v| Value::Text(v.clone())).collect();
                    Some((
                        Node::Attribute {
                            field: field.clone(),
                            op: Op::In,
                            value: Some(Value::List(list)),
                        },
                        i + 1,
                    ))
                }
                Lex::BoolValue { field, value } => Some((
                    Node::Attribute {
                        field: field.clone(),
                        op: Op::Eq,
                        value: Some(Value::Bool(*value)),
                    },
                    i + 1,
                )),
                _ => None,
            };
            if hit.is_some() {
                return hit;
            }
        }
        if it.num.is_some_and(|n| n.percent)
            && let Some(hit) =
                self.score_rank(i + 1, Direction::Top, it.num.map_or(0.0, |n| n.value))
        {
            return Some(hit);
        }
        if it.num.is_some() {
            self.measured(i)
        } else {
            None
        }
    }

    /// "(top 10%) *most likely to buy*", "(the 20%) *least likely to churn*": a share of customers
    /// ranked by the score a likelihood term is defined on; "least" ranks from the bottom.
    fn score_rank(&self, j: usize, direction: Direction, percent: f64) -> Hit {
        let least = self.is(j, |l| *l == Lex::Bottom);
        if !least && !self.is(j, |l| *l == Lex::Top) {
            return None;
        }
        let field = self.at(j + 1)?.lex.iter().find_map(|l| match l {
            Lex::Term(t) => {
                let def = &self.cx.glossary.get(t)?.definition;
                let f = def.get("field")?.as_str()?;
                (def.get("type")?.as_str()? == "attribute"
                    && self
                        .cx
                        .catalog
                        .get(f)
                        .is_some_and(|f| f.ty == FieldType::Number))
                .then(|| f.to_string())
            }
            _ => None,
        })?;
        let direction = match (least, direction) {
            (true, Direction::Top) => Direction::Bottom,
            (true, Direction::Bottom) => Direction::Top,
            (false, d) => d,
        };
        Some((
            Node::Percentile {
                field,
                direction,
                percent: (percent * 100.0).round() / 100.0,
            },
            j + 2,
        ))
    }

    /// A comparison: "over 5", "between 50 and 200", "3 or more", "3+", and with `exact` a bare number.
    pub fn comparison(&self, j: usize, exact: bool) -> Option<(Op, Value, Amount, usize)> {
        let x = self.at(j)?;
        if let Some(op) = x.lex.iter().find_map(|l| {
            if let Lex::Cmp(op) = l {
                Some(*op)
            } else {
                None
            }
        }) {
            let a = self.at(j + 1)?.num?;
            return Some((op, num(a.value), a, j + 2));
        }
        if x.has(|l| *l == Lex::Between) {
            let a = self.at(j + 1)?.num?;
            self.at(j + 2).filter(|m| m.has(|l| *l == Lex::And))?;
            let b = self.at(j + 3)?.num?;
            let money = Amount {
                money: a.money || b.money,
                ..a
            };
            return Some((
                Op::Between,
                Value::List(vec![num(a.value.min(b.value)), num(a.value.max(b.value))]),
                money,
                j + 4,
            ));
        }
        let a = x.num?;
        // "2 to 4 times", "2 to 5 orders": a range ("to" is a filler word).
        if let Some(b) = self
            .at(j + 1)
            .filter(|y| y.lex.is_empty() || y.has(|l| matches!(l, Lex::NumWord(_))))
            .and_then(|y| y.num)
            && b.value > a.value
            && !a.percent
            && !b.percent
            && !a.plus
        {
            let money = Amount {
                money: a.money || b.money,
                ..a
            };
            return Some((
                Op::Between,
                Value::List(vec![num(a.value), num(b.value)]),
                money,
                j + 2,
            ));
        }
        if let Some(op) = self.at(j + 1).and_then(|y| {
            y.lex.iter().find_map(|l| {
                if let Lex::PostCmp(op) = l {
                    Some(*op)
                } else {
                    None
                }
            })
        }) {
            return Some((op, num(a.value), a, j + 2));
        }
        if a.plus {
            return Some((Op::Gte, num(a.value), a, j + 1));
        }
        exact.then_some((Op::Eq, num(a.value), a, j + 1))
    }

    /// A glossary term, with its parameters when the request gives them ("inactive for 45 days").
    fn term(&mut self, i: usize, key: &str) -> Hit {
        let term = self.cx.glossary.get(key)?.clone();
        let mut params = serde_json::Map::new();
        let mut end = i + 1;
        if term.params.contains_key("days") {
            let mut j = i + 1;
            while self.is(j, |l| {
                matches!(
                    l,
                    Lex::For
                        | Lex::In
                        | Lex::Within
                        | Lex::Last
                        | Lex::Past
                        | Lex::Cmp(Op::Gt)
                        | Lex::Cmp(Op::Gte)
                )
            }) {
                j += 1;
            }
            let unit = self.at(j + 1).and_then(|u| {
                u.lex
                    .iter()
                    .find_map(|l| if let Lex::Unit(u) = l { Some(*u) } else { None })
            });
            if let (Some(a), Some(u)) = (self.at(j).and_then(|x| x.num), unit) {
                // Months and years are calendar ones: "2 months" before June 30 is since April 30.
                let days = match u {
                    Unit::Months | Unit::Years if a.value.fract() == 0.0 && a.value >= 0.0 => {
                        (self.cx.as_of.date() - self.cx.as_of.minus(a.value as u32, u)).num_days()
                            as f64
                    }
                    _ => days_in(a.value, u).round(),
                };
                params.insert("days".into(), serde_json::json!(days as i64));
                end = j + 2;
                if u != Unit::Days && u != Unit::Weeks {
                    self.assume(
                        j,
                        end,
                        format!("{} {} = {days} days", a.value, u.word(2)),
                        vec![],
                    );
                }
            }
        }
        if term.params.contains_key("threshold") {
            if let Some((Op::Gt | Op::Gte, Value::Number(t), _, e)) = self.comparison(i + 1, false)
            {
                params.insert("threshold".into(), serde_json::json!(t));
                end = e;
            }
            end = self.horizon(end, &term);
        }
        self.term_assumption(i, end, key, &term, &params);
        Some((
            Node::Term {
                name: key.to_string(),
                params,
            },
            end,
        ))
    }

    /// "(likely to buy) *in the next month*": a score predicts over its model's fixed horizon, so
    /// the words are read as that horizon and the assumption says which it is.
    fn horizon(&mut self, j: usize, term: &crate::domain::glossary::Term) -> usize {
        let k = if self.is(j, |l| matches!(l, Lex::In | Lex::Within | Lex::For)) {
            j + 1
        } else {
            j
        };
        if !self.is(k, |l| *l == Lex::Next) {
            return j;
        }
        let unit_at = |x: usize| self.is(x, |l| matches!(l, Lex::Unit(_)));
        let end = match self.at(k + 1) {
            Some(x) if x.num.is_some() && unit_at(k + 2) => k + 3,
            _ if unit_at(k + 1) => k + 2,
            _ => return j,
        };
        self.assume(j, end, format!("{} predicts over its model's own horizon (see its definition); these words do not change it", term.label), vec![]);
        end
    }

    fn term_assumption(
        &mut self,
        i: usize,
        end: usize,
        key: &str,
        term: &crate::domain::glossary::Term,
        given: &serde_json::Map<String, serde_json::Value>,
    ) {
        let defaults: Vec<String> = term
            .params
            .iter()
            .filter(|(k, _)| !given.contains_key(*k))
            .map(|(k, v)| format!("{k} = {v}"))
            .collect();
        let pct = term.definition.get("percent").and_then(|p| p.as_f64());
        if defaults.is_empty() && pct.is_none() {
            return;
        }
        let mut alternatives = Vec::new();
        if let Some(p) = pct {
            alternatives = [10.0, 20.0, 30.0]
                .iter()
                .filter(|x| **x != p)
                .map(|x| format!("top {x}%"))
                .collect();
        }
        if let Some(d) = term
            .params
            .get("days")
            .filter(|_| !given.contains_key("days"))
        {
            alternatives = [30.0, 60.0, 90.0, 180.0]
                .iter()
                .filter(|x| *x != d)
                .map(|x| format!("{x} days"))
                .collect();
        }
        let text = format!("{} = {}", term.label, term.description);
        let _ = key;
        self.assume(i, end, text, alternatives);
    }

    /// A negated window with its subject left out: "bought in 2025 *but not in 2026*", "ordered
    /// in the last 90 days *but not in the last 30*" repeats the condition before with a new window.
    pub fn elided(&mut self, i: usize, last: &Node) -> Hit {
        let (source, event, measure, of, op, value, old) = match last {
            // "bought 3+ times in 2025 but never in 2026": not at all in 2026, whatever the count before.
            Node::Aggregate {
                source,
                event,
                measure: Measure::Count,
                window,
                ..
            } => (
                *source,
                event.clone(),
                Measure::Count,
                None,
                Op::Gte,
                num(1.0),
                window.clone(),
            ),
            Node::Aggregate {
                source,
                event,
                measure,
                of,
                window,
                op,
                value,
            } => (
                *source,
                event.clone(),
                *measure,
                *of,
                *op,
                value.clone(),
                window.clone(),
            ),
            _ => return None,
        };
        let year = self
            .at(i)
            .and_then(|x| x.num)
            .filter(|a| !a.money && a.value.fract() == 0.0 && (1900.0..=2100.0).contains(&a.value));
        let (window, end) = match when(self.items, i, &self.cx.as_of) {
            Some((w, e)) => (self.period(&w), e),
            // "bought in 2024 and 2025": a bare year after the first.
            None if year.is_some() => {
                let y = year.map_or(0, |a| a.value as i32);
                (
                    Period::Dates {
                        from: format!("{y}-01-01"),
                        to: format!("{y}-12-31"),
                    },
                    i + 1,
                )
            }
            None => {
                // "the last 30": the unit of the window before.
                let Some(Period::Last { unit, .. }) = old else {
                    return None;
                };
                let j = if self.is(i, |l| matches!(l, Lex::In | Lex::Within)) {
                    i + 1
                } else {
                    i
                };
                self.at(j)
                    .filter(|x| x.has(|l| matches!(l, Lex::Last | Lex::Past)))?;
                let n = self.at(j + 1)?.num?;
                (
                    Period::Last {
                        last: n.value as i64,
                        unit,
                    },
                    j + 2,
                )
            }
        };
        Some((
            Node::Aggregate {
                source,
                event,
                measure,
                of,
                window: Some(window),
                op,
                value,
            },
            end,
        ))
    }

    /// "top 10% by spend", "bottom quartile", "top 2 deciles of orders".
    fn percentile(&mut self, i: usize) -> Hit {
        let direction = if self.is(i, |l| *l == Lex::Top) {
            Direction::Top
        } else {
            Direction::Bottom
        };
        let share = |x: &Item| {
            x.lex.iter().find_map(|l| {
                if let Lex::Share(s) = l {
                    Some(*s)
                } else {
                    None
                }
            })
        };
        let (percent, mut j) = match (
            self.at(i + 1).and_then(|x| x.num),
            self.at(i + 2).and_then(share),
            self.at(i + 1).and_then(share),
        ) {
            (Some(a), _, _) if a.percent => (a.value, i + 2),
            (Some(a), Some(s), _) => (a.value * s, i + 3),
            (None, _, Some(s)) => (s, i + 2),
            _ => return None,
        };
        // A share outside (0, 100] ranks nobody or more than everyone: not a ranking (tests/fuzz.rs).
        let percent = (percent * 100.0).round() / 100.0;
        if !(percent > 0.0 && percent <= 100.0) {
            return None;
        }
        if let Some(hit) = self.score_rank(j, direction, percent) {
            return Some(hit);
        }
        while self.is(j, |l| matches!(l, Lex::By | Lex::In | Lex::For)) {
            j += 1;
        }
        let field = self.at(j).and_then(|x| {
            x.lex.iter().find_map(|l| match l {
                Lex::Field(f) | Lex::FieldWord(f)
                    if self
                        .cx
                        .catalog
                        .get(f)
                        .is_some_and(|f| f.ty == FieldType::Number) =>
                {
                    Some(f.clone())
                }
                Lex::Spend => Some("lifetime_revenue".into()),
                Lex::Event(None) => Some("order_count".into()),
                _ => None,
            })
        });
        let (field, end) = match field {
            Some(f) => (f, j + 1),
            None => {
                self.assume(
                    i,
                    j,
                    "ranked by lifetime revenue".into(),
                    vec!["order count".into(), "average order value".into()],
                );
                ("lifetime_revenue".to_string(), j)
            }
        };
        Some((
            Node::Percentile {
                field,
                direction,
                percent: (percent * 100.0).round() / 100.0,
            },
            end,
        ))
    }

    /// "spent over $100 in the last 90 days", "spend between $50 and $200".
    fn spend(&mut self, i: usize) -> Hit {
        let mut j = i + 1;
        let mut window = None;
        if let Some((w, e)) = when(self.items, j, &self.cx.as_of) {
            (window, j) = (Some(w), e);
        }
        let (op, value, _, mut end) = self.comparison(j, false)?;
        // "spent more than €200 *on trips* this year": what was paid for is the orders.
        while self.is(end, |l| matches!(l, Lex::Object | Lex::Event(None))) {
            end += 1;
        }
        if window.is_none()
            && let Some((w, e)) = when(self.items, end, &self.cx.as_of)
        {
            (window, end) = (Some(w), e);
        }
        if let Some(w) = &window {
            self.last_window = Some(self.period(w));
        }
        Some((
            self.orders_measure(Measure::Sum, window, op, value, "lifetime_revenue"),
            end,
        ))
    }

    /// Sum or average of order amounts: a fact when no window is given, an aggregate otherwise.
    fn orders_measure(
        &self,
        measure: Measure,
        window: Option<When>,
        op: Op,
        value: Value,
        fact: &str,
    ) -> Node {
        match window {
            None => Node::Attribute {
                field: fact.into(),
                op,
                value: Some(value),
            },
            Some(w) => Node::Aggregate {
                source: AggSource::Orders,
                event: None,
                measure,
                of: Some(Quantity::Amount),
                window: Some(self.period(&w)),
                op,
                value,
            },
        }
    }

    /// "last year": the calendar year before, or the past twelve months? Asked, not picked.
    pub fn calendar_year(&mut self, j: usize) {
        let last = self.is(j, |l| *l == Lex::Last)
            || (self.is(j, |l| *l == Lex::In) && self.is(j + 1, |l| *l == Lex::Last));
        let k = if self.is(j, |l| *l == Lex::Last) {
            j + 1
        } else {
            j + 2
        };
        if last && self.is(k, |l| *l == Lex::Unit(Unit::Years)) {
            self.doubt(0.6);
            self.assume(
                j,
                k + 1,
                "\"last year\" read as the calendar year before this one".into(),
                vec!["the past 12 months".into()],
            );
        }
    }

    /// An aggregate window for a time expression.
    pub fn period(&self, w: &When) -> Period {
        let d = |x: chrono::NaiveDate| x.format("%Y-%m-%d").to_string();
        let as_of = self.cx.as_of.date();
        match w {
            When::Last(n, u) => Period::Last { last: *n, unit: *u },
            When::Dates(a, b) => Period::Dates {
                from: d(*a),
                to: d(*b),
            },
            When::Before(x) => Period::Dates {
                from: "1900-01-01".into(),
                to: d(x.pred_opt().unwrap_or(*x)),
            },
            When::After(x) => Period::Dates {
                from: d(x.succ_opt().unwrap_or(*x)),
                to: d(as_of),
            },
            When::Ago(n, u) => Period::Dates {
                from: "1900-01-01".into(),
                to: d(self.cx.as_of.minus((*n).clamp(0, 36_600) as u32, *u)),
            },
        }
    }

    /// "paying more than $80 a month": a money attribute, preferably one named for the period.
    fn pay(&mut self, i: usize, fixed: Option<Unit>) -> Hit {
        // "pay by credit card", "paid with PayPal", "paid by direct debit": the words after say how.
        let k = if self.is(i + 1, |l| matches!(l, Lex::By | Lex::Within)) {
            i + 2
        } else {
            i + 1
        };
        let how = self.is(k, |l| {
            matches!(
                l,
                Lex::Value { .. } | Lex::Field(_) | Lex::FieldWord(_) | Lex::BoolValue { .. }
            )
        });
        if how && !self.is(k, |l| matches!(l, Lex::Cmp(_))) && fixed.is_none() {
            return self.clause(k);
        }
        let (op, value, _, mut end) = self.comparison(i + 1, false)?;
        let mut per = self.at(end).and_then(|x| {
            x.lex
                .iter()
                .find_map(|l| if let Lex::Unit(u) = l { Some(*u) } else { None })
        });
        if per.is_some() {
            end += 1;
        }
        per = per.or(fixed);
        let hints: &[&str] = match per {
            Some(Unit::Months) => &["month", "monthly"],
            Some(Unit::Years) => &["year", "yearly", "annual"],
            Some(Unit::Weeks) => &["week", "weekly"],
            _ => &[],
        };
        let money_words = [
            "fee",
            "charge",
            "price",
            "payment",
            "bill",
            "subscription",
            "cost",
            "rate",
            "spend",
            "amount",
            "mrr",
            "arpu",
        ];
        let score = |name: &str| {
            let ws = super::tokenize::words(name);
            let h = hints.iter().filter(|w| ws.iter().any(|x| x == *w)).count() * 2;
            h + money_words
                .iter()
                .filter(|w| ws.iter().any(|x| x.starts_with(*w)))
                .count()
        };
        // "paying over $500 MRR": the field named after the amount.
        let named = self.at(end).and_then(|x| {
            x.lex.iter().find_map(|l| match l {
                Lex::Field(f) | Lex::FieldWord(f)
                    if self
                        .cx
                        .catalog
                        .get(f)
                        .is_some_and(|f| f.ty == FieldType::Number) =>
                {
                    Some(f.clone())
                }
                _ => None,
            })
        });
        if let Some(field) = named {
            return Some((
                Node::Attribute {
                    field,
                    op,
                    value: Some(value),
                },
                end + 1,
            ));
        }
        let best = self
            .cx
            .catalog
            .fields
            .iter()
            .filter(|f| f.ty == FieldType::Number && matches!(f.source, Source::Attribute(_)))
            .map(|f| (score(&f.name), &f.name))
            .filter(|(s, _)| *s > 0)
            .max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(a.1)));
        let field = match best {
            Some((_, f)) => f.clone(),
            None if per.is_none() => "lifetime_revenue".into(),
            None => return None,
        };
        self.assume(i, end, format!("read as the `{field}` field"), vec![]);
        Some((
            Node::Attribute {
                field,
                op,
                value: Some(value),
            },
            end,
        ))
    }

    /// "average order over $50", "average spend above 40 in the last year".
    fn avg(&mut self, i: usize) -> Hit {
        let j = if self.is(i + 1, |l| {
            matches!(l, Lex::Spend | Lex::Event(None) | Lex::Field(_))
        }) {
            i + 2
        } else {
            i + 1
        };
        let (op, value, _, mut end) = self.comparison(j, false)?;
        let mut window = None;
        if let Some((w, e)) = when(self.items, end, &self.cx.as_of) {
            (window, end) = (Some(w), e);
        }
        Some((
            self.orders_measure(Measure::Avg, window, op, value, "average_order_value"),
            end,
        ))
    }
}
