//! How much the saved segments overlap: for each pair, the customers in both, counted by the
//! previews' own overlap (each segment's full preview already counts its members in every saved
//! segment, from memory or in SQL), so the figures are the ones the chat shows.

use serde::Serialize;

use super::{Actor, App, AppError};
use crate::domain::access::Permission;
use crate::domain::time::AsOf;

/// Segments compared at most (each is one preview).
pub const MAX_COMPARED: usize = 12;

/// One saved segment of the comparison, with its size today.
#[derive(Debug, Clone, Serialize)]
pub struct OverlapSegment {
    pub id: String,
    pub name: String,
    pub size: i64,
}

/// Two segments and the customers they share.
#[derive(Debug, Clone, Serialize)]
pub struct OverlapPair {
    pub a: usize,
    pub b: usize,
    pub both: i64,
    /// `both` as a share of the smaller segment (0–1): 1 means one contains the other.
    pub share_of_smaller: f64,
}

/// The pairwise overlaps of the saved segments.
#[derive(Debug, Clone, Serialize, Default)]
pub struct OverlapMatrix {
    pub segments: Vec<OverlapSegment>,
    /// `cells[i][j]`: customers in both segment `i` and segment `j` (`None` when not counted).
    pub cells: Vec<Vec<Option<i64>>>,
    /// Every pair, largest share first.
    pub pairs: Vec<OverlapPair>,
    /// Segments left out, and why.
    pub notices: Vec<String>,
    /// More segments are saved than compared.
    pub more: usize,
}

impl App {
    /// The overlaps of the saved segments (the first [`MAX_COMPARED`]; any signed-in role).
    pub async fn segment_overlaps(
        &self,
        as_of: AsOf,
        actor: &Actor,
    ) -> Result<OverlapMatrix, AppError> {
        actor.allow(Permission::Read)?;
        let saved = self.store.list_segments().await?;
        let mut m = OverlapMatrix {
            more: saved.len().saturating_sub(MAX_COMPARED),
            ..Default::default()
        };
        let mut counted: Vec<Vec<(String, i64)>> = Vec::new();
        for seg in saved.into_iter().take(MAX_COMPARED) {
            let preview = match self.definition_of(&seg.id, None).await {
                Ok(def) => self.preview_reach(&def, as_of).await,
                Err(e) => Err(e),
            };
            match preview {
                Ok(p) => {
                    counted.push(
                        p.overlaps
                            .iter()
                            .map(|o| (o.segment.clone(), o.overlap))
                            .collect(),
                    );
                    m.segments.push(OverlapSegment {
                        id: seg.id,
                        name: seg.name,
                        size: p.size.count,
                    });
                }
                Err(e) => {
                    tracing::warn!(segment = %seg.id, error = %e, "segment left out of the overlaps");
                    m.notices.push(format!(
                        "“{}” is left out: it could not be counted today.",
                        seg.name
                    ));
                }
            }
        }
        m.cells = counted
            .iter()
            .map(|row| {
                m.segments
                    .iter()
                    .map(|s| row.iter().find(|(id, _)| *id == s.id).map(|(_, n)| *n))
                    .collect()
            })
            .collect();
        m.pairs = pairs(&m.segments, &m.cells);
        Ok(m)
    }
}

/// Every pair once (`a < b`), largest share of the smaller segment first.
fn pairs(segments: &[OverlapSegment], cells: &[Vec<Option<i64>>]) -> Vec<OverlapPair> {
    let mut out = Vec::new();
    for a in 0..segments.len() {
        for b in a + 1..segments.len() {
            let Some(both) = cells[a][b].or(cells[b][a]) else {
                continue;
            };
            let smaller = segments[a].size.min(segments[b].size);
            let share = if smaller > 0 {
                both as f64 / smaller as f64
            } else {
                0.0
            };
            out.push(OverlapPair {
                a,
                b,
                both,
                share_of_smaller: share,
            });
        }
    }
    out.sort_by(|x, y| {
        y.share_of_smaller
            .total_cmp(&x.share_of_smaller)
            .then(y.both.cmp(&x.both))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_listed_once_largest_share_first() {
        let seg = |n: &str, size| OverlapSegment {
            id: n.into(),
            name: n.into(),
            size,
        };
        let s = [seg("a", 100), seg("b", 10), seg("c", 50)];
        let cells = vec![
            vec![Some(100), Some(10), Some(5)],
            vec![Some(10), Some(10), None],
            vec![Some(5), None, Some(50)],
        ];
        let p = pairs(&s, &cells);
        assert_eq!(p.len(), 2, "b–c was not counted: {p:?}");
        assert_eq!((p[0].a, p[0].b, p[0].both), (0, 1, 10));
        assert!(
            (p[0].share_of_smaller - 1.0).abs() < 1e-9
                && (p[1].share_of_smaller - 0.1).abs() < 1e-9
        );
    }
}
