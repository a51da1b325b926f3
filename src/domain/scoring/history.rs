//! Score history: one model's scores as of one instant, kept compactly so that backtests read
//! them instead of scoring every customer again. A snapshot holds the scored customers' ids
//! (ascending, as varint gaps: about one byte each), their scores exactly (as codes into the
//! distinct values when there are few, as a forest's calibrated vote shares are: one byte each;
//! else the 8 bytes of each value) and their deciles (one byte each).

use super::super::columnar::{Column, Table, TextBuilder};
use super::{FeatureSpec, Model, ScoringError, Task, decile_attribute, deciles, tier_attribute};

const MAGIC: &[u8; 4] = b"SWS1";

/// The scores of one model as of one instant, by customer id.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// Internal customer ids, ascending.
    pub ids: Vec<i64>,
    pub scores: Vec<f64>,
    /// 1 for the highest 10%, 10 for the lowest (as [`deciles`]).
    pub deciles: Vec<u8>,
}

impl Snapshot {
    /// The scores of table rows `rows` (ascending, as the scoring rows are), deciles computed
    /// among them as when they are stored as attributes.
    pub fn of_rows(t: &Table, rows: &[usize], scores: Vec<f64>) -> Self {
        Self {
            ids: rows.iter().map(|&r| t.ids[r]).collect(),
            deciles: deciles(&scores),
            scores,
        }
    }

    /// The compact bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(16 + self.ids.len() * 3);
        out.extend_from_slice(MAGIC);
        put_varint(&mut out, self.ids.len() as u64);
        let mut prev = 0i64;
        for &id in &self.ids {
            put_varint(&mut out, (id - prev) as u64);
            prev = id;
        }
        let mut distinct: Vec<u64> = self.scores.iter().map(|s| s.to_bits()).collect();
        distinct.sort_unstable();
        distinct.dedup();
        if distinct.len() <= 256 {
            put_varint(&mut out, distinct.len() as u64);
            distinct
                .iter()
                .for_each(|b| out.extend_from_slice(&b.to_le_bytes()));
            for s in &self.scores {
                let code = distinct
                    .binary_search(&s.to_bits())
                    .expect("a listed value");
                out.push(code as u8);
            }
        } else {
            put_varint(&mut out, 0);
            self.scores
                .iter()
                .for_each(|s| out.extend_from_slice(&s.to_le_bytes()));
        }
        out.extend_from_slice(&self.deciles);
        out
    }

    /// Read [`Snapshot::encode`]'s bytes.
    pub fn decode(bytes: &[u8]) -> Result<Self, String> {
        let mut r = Reader { bytes, at: 0 };
        if r.take(4)? != MAGIC {
            return Err("not a score history snapshot".into());
        }
        let n = r.varint()? as usize;
        let mut ids = Vec::with_capacity(n.min(bytes.len()));
        let mut prev = 0i64;
        for _ in 0..n {
            prev += r.varint()? as i64;
            ids.push(prev);
        }
        let k = r.varint()? as usize;
        let scores = if k == 0 {
            let raw = r.take(n * 8)?;
            raw.chunks_exact(8)
                .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
                .collect()
        } else {
            let values: Vec<f64> = r
                .take(k * 8)?
                .chunks_exact(8)
                .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
                .collect();
            let codes = r.take(n)?;
            codes
                .iter()
                .map(|&c| {
                    values
                        .get(c as usize)
                        .copied()
                        .ok_or("a score code out of range")
                })
                .collect::<Result<_, _>>()?
        };
        let deciles = r.take(n)?.to_vec();
        if r.at != bytes.len() {
            return Err("trailing bytes after a score history snapshot".into());
        }
        Ok(Self {
            ids,
            scores,
            deciles,
        })
    }

    /// The columns the scores are stored in (the score, its tier and its decile; missing for
    /// customers not scored), over the rows of `t`; `None` when a scored customer is not in
    /// `t` (the snapshot was taken on other data).
    pub fn columns(
        &self,
        t: &Table,
        task: &Task,
        attribute: &str,
    ) -> Option<Vec<(String, Column)>> {
        let mut score = vec![f64::NAN; t.len()];
        let mut decile = vec![f64::NAN; t.len()];
        let mut tier = vec![Option::<&str>::None; t.len()];
        let mut from = 0;
        for ((&id, &p), &d) in self.ids.iter().zip(&self.scores).zip(&self.deciles) {
            // Both ascending: each id is searched only past the previous one.
            let r = from + t.ids[from..].binary_search(&id).ok()?;
            (score[r], decile[r], tier[r]) = (p, f64::from(d), Some(task.tier(p)));
            from = r + 1;
        }
        let mut tiers = TextBuilder::default();
        tier.into_iter().for_each(|v| tiers.push(v));
        Some(vec![
            (attribute.to_string(), Column::Num(score)),
            (tier_attribute(attribute), tiers.finish()),
            (decile_attribute(attribute), Column::Num(decile)),
        ])
    }
}

/// Score the task's scoring rows as of `at` with a stored model: the snapshot a re-score keeps.
pub fn snapshot_at(
    t: &Table,
    task: &Task,
    spec: &FeatureSpec,
    model: &Model,
    at: i64,
) -> Result<Snapshot, ScoringError> {
    let (rows, probs) = super::score_task(t, task, spec, model, at)?;
    Ok(Snapshot::of_rows(t, &rows, probs))
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len());
        let end = end.ok_or("a score history snapshot cut short")?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }

    fn varint(&mut self) -> Result<u64, String> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.take(1)?[0];
            v |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Ok(v);
            }
        }
        Err("a malformed number in a score history snapshot".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(s: &Snapshot) -> Snapshot {
        Snapshot::decode(&s.encode()).expect("decodes")
    }

    #[test]
    fn few_distinct_scores_take_a_byte_each_and_come_back_exactly() {
        // 101 distinct values, as a 100-tree forest's vote shares.
        let scores: Vec<f64> = (0..1000).map(|i| f64::from(i % 101) / 100.0).collect();
        let s = Snapshot {
            ids: (0..1000).map(|i| 5 + i * 2).collect(),
            deciles: deciles(&scores),
            scores,
        };
        let bytes = s.encode();
        // Ids, codes and deciles a byte each, and the distinct values.
        assert!(
            bytes.len() <= 1000 * 3 + 101 * 8 + 16,
            "{} bytes",
            bytes.len()
        );
        let back = roundtrip(&s);
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(
            (back.ids, bits(&back.scores), back.deciles),
            (s.ids, bits(&s.scores), s.deciles)
        );
    }

    #[test]
    fn many_distinct_scores_and_large_id_gaps_come_back_exactly() {
        let scores: Vec<f64> = (0..600)
            .map(|i| (f64::from(i) * 0.7311).sin().abs())
            .collect();
        let s = Snapshot {
            ids: (0..600).map(|i| i * i * 1_000_003).collect(),
            deciles: deciles(&scores),
            scores,
        };
        assert_eq!(roundtrip(&s), s);
        assert_eq!(
            roundtrip(&Snapshot {
                ids: vec![],
                scores: vec![],
                deciles: vec![]
            })
            .ids,
            Vec::<i64>::new()
        );
    }

    #[test]
    fn damaged_bytes_are_an_error_never_a_panic() {
        let s = Snapshot {
            ids: vec![1, 2, 3],
            scores: vec![0.1, 0.2, 0.1],
            deciles: vec![1, 2, 3],
        };
        let bytes = s.encode();
        for cut in 0..bytes.len() {
            assert!(Snapshot::decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(Snapshot::decode(&longer).is_err());
        assert!(Snapshot::decode(b"XXXX").is_err());
    }
}
