//! A forest's trees laid flat for scoring. smartcore walks 80-byte nodes and allocates a vote
//! vector for every row of every one-tree forest; scoring a million customers that way took
//! seconds. Here each tree is an array of 24-byte nodes, walked tree by tree over a block of
//! rows (the tree stays in cache), eight rows side by side, blocks on every core. The votes are the same as smartcore's:
//! the walk takes the same branch (`value <= split`, a missing split going right) and a leaf
//! votes for the class smartcore's forest maps its output to (tested below).

use rayon::prelude::*;
use serde::Deserialize;

/// Rows scored together, tree by tree.
const BLOCK: usize = 512;
/// Rows walked down a tree side by side: their walks are independent, so the processor
/// overlaps their memory reads instead of waiting on one row's chain of nodes at a time.
const LANES: usize = 8;

/// A node; a leaf points to itself both ways (and compares NaN, so always goes `no`), so every
/// walk can take the tree's depth in steps and stop on its leaf.
#[derive(Debug, Clone, Copy)]
struct Node {
    /// NaN when smartcore has no split value (every comparison with it fails).
    split: f64,
    feature: u32,
    /// The child when `value <= split`.
    yes: u32,
    no: u32,
    /// A leaf's vote (0 or 1).
    vote: u32,
}

#[derive(Debug)]
struct Tree {
    nodes: Vec<Node>,
    depth: usize,
}

/// The trees of a forest, flat.
#[derive(Debug, Default)]
pub struct FlatForest {
    trees: Vec<Tree>,
}

/// The parts of smartcore's serialized one-tree forest that scoring reads.
#[derive(Deserialize)]
struct OneTreeForest {
    trees: Option<Vec<TreeNodes>>,
    classes: Option<Vec<i32>>,
}

#[derive(Deserialize)]
struct TreeNodes {
    nodes: Vec<SmartNode>,
}

#[derive(Deserialize)]
struct SmartNode {
    output: usize,
    split_feature: usize,
    split_value: Option<f64>,
    true_child: Option<usize>,
    false_child: Option<usize>,
}

impl FlatForest {
    /// Lay out smartcore one-tree forests (read through their serde form, as their nodes are
    /// private); `None` when one does not have the expected shape.
    pub fn of<T: serde::Serialize>(forests: &[T]) -> Option<Self> {
        let mut trees = Vec::with_capacity(forests.len());
        for f in forests {
            let f: OneTreeForest = serde_json::from_slice(&serde_json::to_vec(f).ok()?).ok()?;
            let classes = f.classes?;
            for t in f.trees? {
                trees.push(flatten(&t.nodes, &classes)?);
            }
        }
        Some(Self { trees })
    }

    /// How many trees vote positive, for each row.
    pub fn votes(&self, x: &[Vec<f64>]) -> Vec<u32> {
        x.par_chunks(BLOCK)
            .flat_map_iter(|rows| {
                let mut v = vec![0u32; rows.len()];
                for t in &self.trees {
                    for (v, rows) in v.chunks_mut(LANES).zip(rows.chunks(LANES)) {
                        t.add_votes(rows, v);
                    }
                }
                v
            })
            .collect()
    }
}

impl Tree {
    /// Add this tree's vote for each of up to [`LANES`] rows.
    fn add_votes(&self, rows: &[Vec<f64>], votes: &mut [u32]) {
        let mut at = [0usize; LANES];
        for _ in 0..self.depth {
            for (i, r) in at.iter_mut().zip(rows) {
                let n = &self.nodes[*i];
                *i = if r[n.feature as usize] <= n.split {
                    n.yes
                } else {
                    n.no
                } as usize;
            }
        }
        votes
            .iter_mut()
            .zip(at)
            .for_each(|(v, i)| *v += self.nodes[i].vote);
    }
}

fn flatten(nodes: &[SmartNode], classes: &[i32]) -> Option<Tree> {
    let id = |c: usize| {
        u32::try_from(c)
            .ok()
            .filter(|&c| (c as usize) < nodes.len())
    };
    let flat = nodes
        .iter()
        .enumerate()
        .map(|(k, n)| match (n.true_child, n.false_child) {
            (Some(yes), Some(no)) => Some(Node {
                split: n.split_value.unwrap_or(f64::NAN),
                feature: u32::try_from(n.split_feature).ok()?,
                yes: id(yes)?,
                no: id(no)?,
                vote: 0,
            }),
            (None, _) => {
                let me = id(k)?;
                Some(Node {
                    split: f64::NAN,
                    feature: 0,
                    yes: me,
                    no: me,
                    vote: u32::from(*classes.get(n.output)? == 1),
                })
            }
            (Some(_), None) => None,
        })
        .collect::<Option<Vec<Node>>>()?;
    let depth = depth(&flat)?;
    Some(Tree { nodes: flat, depth })
}

/// The longest path from the root to a leaf (in steps); `None` if the nodes do not form a tree
/// (a cycle or a child before its parent would make a walk endless).
fn depth(nodes: &[Node]) -> Option<usize> {
    let mut depth = vec![0usize; nodes.len()];
    let mut max = 0;
    for (k, n) in nodes.iter().enumerate() {
        if n.yes as usize == k {
            continue;
        }
        for c in [n.yes as usize, n.no as usize] {
            if c <= k {
                return None;
            }
            depth[c] = depth[k] + 1;
            max = max.max(depth[c]);
        }
    }
    Some(max)
}

#[cfg(test)]
mod tests {
    use super::super::model::{Forest, ForestParams};

    /// Rows whose label depends on two features, with ties and repeated values.
    fn data(n: usize) -> (Vec<Vec<f64>>, Vec<bool>) {
        let x: Vec<Vec<f64>> = (0..n)
            .map(|i| vec![(i % 17) as f64, ((i * 7) % 11) as f64, (i % 3) as f64 * 0.5])
            .collect();
        let y = x
            .iter()
            .enumerate()
            .map(|(i, r)| r[0] + r[1] > 12.0 || i % 13 == 0)
            .collect();
        (x, y)
    }

    #[test]
    fn flat_trees_vote_as_smartcore_does() {
        let (x, y) = data(600);
        let forest = Forest::fit(
            &x,
            &y,
            ForestParams {
                trees: 15,
                min_samples_leaf: 2,
                max_depth: 8,
                seed: 3,
            },
        )
        .unwrap();
        let (fresh, _) = data(1_500);
        let flat = forest.votes(&fresh).unwrap();
        let smart = forest.smartcore_votes(&fresh).unwrap();
        assert_eq!(flat, smart);
        assert!(
            flat.iter().any(|&v| v > 0.0 && v < 1.0),
            "some rows split the trees: {flat:?}"
        );
    }

    #[test]
    fn a_stored_forest_votes_the_same_after_a_round_trip() {
        let (x, y) = data(400);
        let forest = Forest::fit(
            &x,
            &y,
            ForestParams {
                trees: 5,
                min_samples_leaf: 1,
                max_depth: 6,
                seed: 9,
            },
        )
        .unwrap();
        let back: Forest = serde_json::from_str(&serde_json::to_string(&forest).unwrap()).unwrap();
        assert_eq!(back.votes(&x).unwrap(), forest.smartcore_votes(&x).unwrap());
    }
}
