//! Clause parsers for consent ("opted in to email or SMS", "unsubscribed from email", "no
//! marketing consent") and for the largest single order. A consent verb reads the channel list
//! after it; "and" asks for every channel, "or" for any of them.

use super::clauses::Clauses;
use super::lexicon::Lex;
use crate::domain::definition::{AggSource, Measure, Node, Op, Quantity, Value};

type Hit = Option<(Node, usize)>;

/// Every marketing consent the catalog has.
const ALL_CHANNELS: [&str; 3] = ["email_consent", "sms_consent", "ads_consent"];

impl<'a> Clauses<'a> {
    fn channel_at(&self, k: usize) -> Option<String> {
        self.items.get(k)?.lex.iter().find_map(|l| {
            if let Lex::Channel(f) = l {
                Some(f.clone())
            } else {
                None
            }
        })
    }

    fn consent_node(&self, field: &str, value: bool) -> Node {
        if field == "*" {
            let fields = ALL_CHANNELS
                .iter()
                .filter(|f| self.cx.catalog.get(f).is_some())
                .filter(|f| self.cx.catalog.sources.supplied(f));
            let each: Vec<Node> = fields.map(|f| self.consent_node(f, value)).collect();
            // Consent to any marketing at all; opting out of marketing means out of every channel.
            return if value {
                Node::Any { conditions: each }
            } else {
                Node::All { conditions: each }
            };
        }
        Node::Attribute {
            field: field.into(),
            op: Op::Eq,
            value: Some(Value::Bool(value)),
        }
    }

    /// "opted in to email, SMS and ads", "unsubscribed from email or SMS", "unsubscribed".
    pub(super) fn consent(&mut self, i: usize, value: bool) -> Hit {
        self.consent_ctx = true;
        match self.channel_at(i + 1) {
            Some(first) => self.channels(i + 1, first, value),
            None if self.cx.catalog.get("email_consent").is_some()
                && self.cx.catalog.sources.supplied("email_consent") =>
            {
                // "still subscribed" may be about a subscription, not a channel.
                self.doubt(0.6);
                self.assume(
                    i,
                    i + 1,
                    "read as email consent".into(),
                    vec!["SMS consent".into(), "ads consent".into()],
                );
                Some((self.consent_node("email_consent", value), i + 1))
            }
            None => None,
        }
    }

    /// A channel list: "email, SMS and ads"; also bare after a consent verb or a negation
    /// ("… but not email").
    pub(super) fn channels(&mut self, i: usize, first: String, value: bool) -> Hit {
        // "marketing emails": the channel named after "marketing" is the one meant.
        let (first, i) = match self.channel_at(i + 1) {
            Some(next) if first == "*" && next != "*" => (next, i + 1),
            _ => (first, i),
        };
        let mut fields = vec![first];
        let (mut j, mut any) = (i + 1, false);
        loop {
            let joiner = self.items.get(j).filter(|x| {
                x.has(|l| matches!(l, Lex::And | Lex::Or)) && !x.has(|l| matches!(l, Lex::Neg))
            });
            let k = if joiner.is_some() { j + 1 } else { j };
            match self.channel_at(k) {
                // "email and SMS *marketing*": a trailing "marketing" names no further channel.
                Some(f) if !(f == "*" && joiner.is_none()) => {
                    any |= joiner.is_some_and(|x| x.has(|l| *l == Lex::Or));
                    fields.push(f);
                    j = k + 1;
                }
                _ => break,
            }
        }
        // "email and SMS marketing": the trailing word names no further channel.
        if fields.iter().all(|f| f != "*") && self.channel_at(j).is_some_and(|f| f == "*") {
            j += 1;
        }
        let mut nodes: Vec<Node> = fields.iter().map(|f| self.consent_node(f, value)).collect();
        let node = match (nodes.len(), any) {
            (1, _) => nodes.pop().expect("one channel"),
            (_, true) => Node::Any { conditions: nodes },
            (_, false) => Node::All { conditions: nodes },
        };
        Some((node, j))
    }

    /// "biggest single order over $500": the largest order amount.
    pub(super) fn max_order(&mut self, i: usize) -> Hit {
        let (op, value, _, end) = self.comparison(i + 1, false)?;
        Some((
            Node::Aggregate {
                source: AggSource::Orders,
                event: None,
                measure: Measure::Max,
                of: Some(Quantity::Amount),
                window: None,
                op,
                value,
            },
            end,
        ))
    }
}
