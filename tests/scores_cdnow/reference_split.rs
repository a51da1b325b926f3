//! The reference script's hold-out, reproduced: `train_test_split(X, y, test_size=0.25,
//! stratify=y, random_state=42)` of scikit-learn, so our hold-out ROC AUC is measured on exactly
//! the customers scikit-learn's figures (../shared/README.md) were measured on.
//!
//! Re-derived from the documented behaviour of the two pieces involved: numpy's legacy
//! `RandomState(42)` (a Mersenne Twister seeded with `init_genrand`, bounded integers by masked
//! rejection of 32-bit draws, `permutation` as a Fisher–Yates shuffle from the last element) and
//! scikit-learn's `StratifiedShuffleSplit` (per-class train/test counts by "approximate mode",
//! then one permutation per class, classes in sorted order). The unit test pins numpy's known
//! `permutation(10)` for seed 42; the CDNOW test checks the recency baseline on this split gives
//! the reference's own figures, which only the same split can.

use rand_mt::Mt;

/// numpy's legacy `RandomState` as far as a stratified split needs it.
struct NumpyRandomState(Mt);

impl NumpyRandomState {
    fn new(seed: u32) -> Self {
        Self(Mt::new(seed))
    }

    /// A uniform integer in `[0, max]`: 32-bit draws masked to `max`'s bit width, redrawn while
    /// above `max` (numpy's legacy `random_interval`).
    fn interval(&mut self, max: u32) -> u32 {
        if max == 0 {
            return 0;
        }
        let mask = u32::MAX >> max.leading_zeros();
        loop {
            let v = self.0.next_u32() & mask;
            if v <= max {
                return v;
            }
        }
    }

    /// `permutation(n)`: `0..n` shuffled by swapping each position from the last down to 1 with a
    /// uniform earlier-or-equal one.
    fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut a: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            let j = self.interval(i as u32) as usize;
            a.swap(i, j);
        }
        a
    }
}

/// How many of `draws` go to each class: the floor of each class's proportional share, the rest
/// to the largest remainders (ties broken at random, which consumes draws as numpy's `choice`
/// without replacement does).
fn approximate_mode(counts: &[usize], draws: usize, rng: &mut NumpyRandomState) -> Vec<usize> {
    let total = counts.iter().sum::<usize>() as f64;
    let continuous: Vec<f64> = counts
        .iter()
        .map(|&c| c as f64 / total * draws as f64)
        .collect();
    let mut floored: Vec<usize> = continuous.iter().map(|c| c.floor() as usize).collect();
    let mut need = draws - floored.iter().sum::<usize>();
    let remainder: Vec<f64> = continuous
        .iter()
        .zip(&floored)
        .map(|(c, &f)| c - f as f64)
        .collect();
    let mut values = remainder.clone();
    values.sort_by(|a, b| b.total_cmp(a));
    values.dedup();
    for value in values {
        if need == 0 {
            break;
        }
        let tied: Vec<usize> = (0..remainder.len())
            .filter(|&i| remainder[i] == value)
            .collect();
        let now = tied.len().min(need);
        for k in rng.permutation(tied.len()).into_iter().take(now) {
            floored[tied[k]] += 1;
        }
        need -= now;
    }
    floored
}

/// Indices of the 25% test part, sorted, for labels `y` in the order the reference holds its rows
/// (customers sorted by id as text).
pub fn reference_test_rows(y: &[bool]) -> Vec<usize> {
    let mut rng = NumpyRandomState::new(42);
    let class_rows: Vec<Vec<usize>> = [false, true]
        .map(|c| (0..y.len()).filter(|&i| y[i] == c).collect())
        .to_vec();
    let counts: Vec<usize> = class_rows.iter().map(Vec::len).collect();
    let n_test = (y.len() as f64 * 0.25).ceil() as usize;
    let n_train = approximate_mode(&counts, y.len() - n_test, &mut rng);
    let left: Vec<usize> = counts.iter().zip(&n_train).map(|(c, t)| c - t).collect();
    let n_test = approximate_mode(&left, n_test, &mut rng);
    let mut test = Vec::with_capacity(n_test.iter().sum());
    for (k, rows) in class_rows.iter().enumerate() {
        let perm = rng.permutation(rows.len());
        test.extend(
            perm[n_train[k]..n_train[k] + n_test[k]]
                .iter()
                .map(|&p| rows[p]),
        );
    }
    test.sort_unstable();
    test
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_42_permutes_ten_items_as_numpy_does() {
        assert_eq!(
            NumpyRandomState::new(42).permutation(10),
            vec![8, 1, 5, 0, 7, 2, 9, 4, 3, 6]
        );
    }

    #[test]
    fn a_quarter_of_each_class_is_held_out() {
        let y: Vec<bool> = (0..100).map(|i| i % 5 == 0).collect();
        let test = reference_test_rows(&y);
        assert_eq!(test.len(), 25);
        assert_eq!(test.iter().filter(|&&i| y[i]).count(), 5);
    }
}
