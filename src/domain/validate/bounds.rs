//! Static contradictions: conditions of one `all` group that no customer can satisfy together,
//! such as `lifetime_revenue > 500` and `lifetime_revenue < 100`.

use std::collections::BTreeMap;

use super::{Code, Issue};
use crate::domain::pred::{Cmp, Expr, Pred, Scalar, Test};

/// A numeric interval with open/closed ends.
#[derive(Clone, Copy)]
struct Interval {
    lo: f64,
    lo_open: bool,
    hi: f64,
    hi_open: bool,
}

impl Interval {
    const ALL: Interval = Interval {
        lo: f64::NEG_INFINITY,
        lo_open: false,
        hi: f64::INFINITY,
        hi_open: false,
    };

    fn lower(&mut self, x: f64, open: bool) {
        if x > self.lo || (x == self.lo && open) {
            self.lo = x;
            self.lo_open = open;
        }
    }

    fn upper(&mut self, x: f64, open: bool) {
        if x < self.hi || (x == self.hi && open) {
            self.hi = x;
            self.hi_open = open;
        }
    }

    fn is_empty(&self) -> bool {
        self.lo > self.hi || (self.lo == self.hi && (self.lo_open || self.hi_open))
    }
}

/// The first contradiction among the direct children of an `all` group, if any.
pub(super) fn contradiction(children: &[Pred], path: &str) -> Option<Issue> {
    let mut by_field: BTreeMap<&str, Interval> = BTreeMap::new();
    let mut text_eq: BTreeMap<&str, &str> = BTreeMap::new();
    for p in children {
        let Pred::Test {
            expr: Expr::Field(f),
            test,
        } = p
        else {
            continue;
        };
        let iv = by_field.entry(f.name.as_str()).or_insert(Interval::ALL);
        match test {
            Test::Cmp {
                op,
                value: Scalar::Text(s),
            } if *op == Cmp::Eq => {
                if let Some(prev) = text_eq.insert(f.name.as_str(), s.as_str())
                    && prev != s
                {
                    return Some(Issue::new(
                        path,
                        Code::Contradiction,
                        format!("`{}` cannot equal both `{prev}` and `{s}`", f.name),
                    ));
                }
            }
            Test::Cmp { op, value } => {
                let Some(x) = value.as_f64() else { continue };
                match op {
                    Cmp::Eq => {
                        iv.lower(x, false);
                        iv.upper(x, false);
                    }
                    Cmp::Gt => iv.lower(x, true),
                    Cmp::Gte => iv.lower(x, false),
                    Cmp::Lt => iv.upper(x, true),
                    Cmp::Lte => iv.upper(x, false),
                    Cmp::Ne => {}
                }
            }
            Test::Between { lo, hi } => {
                if let (Some(a), Some(b)) = (lo.as_f64(), hi.as_f64()) {
                    iv.lower(a, false);
                    iv.upper(b, false);
                }
            }
            _ => {}
        }
        if iv.is_empty() {
            return Some(Issue::new(
                path,
                Code::Contradiction,
                format!(
                    "no customer can satisfy these conditions on `{}` together (the allowed range is empty)",
                    f.name
                ),
            ));
        }
    }
    None
}
