//! Evaluation of predicted probabilities against 0/1 outcomes: ROC AUC (ties averaged), PR AUC
//! (average precision), Brier score, a 10-bin calibration table, and lift and capture rate in
//! the top decile.

use serde::{Deserialize, Serialize};

/// One calibration bin: predictions in `[from, to)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationBin {
    pub from: f64,
    pub to: f64,
    pub count: usize,
    pub mean_predicted: f64,
    pub observed_rate: f64,
}

/// All metrics of one set of scores on held-out data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    pub roc_auc: f64,
    pub pr_auc: f64,
    /// Mean squared error of the probability; `None` for scores that are not probabilities.
    pub brier: Option<f64>,
    /// Positive rate in the top 10% by score ÷ the overall positive rate.
    pub top_decile_lift: f64,
    /// Share of all positives found in the top 10% by score.
    pub top_decile_capture: f64,
    pub calibration: Vec<CalibrationBin>,
}

/// Evaluate `scores` (higher = more likely positive) against `labels`. `probabilities` says
/// whether the scores are probabilities (Brier and calibration are computed only then).
pub fn evaluate(labels: &[bool], scores: &[f64], probabilities: bool) -> Metrics {
    let (lift, capture) = top_decile(labels, scores);
    Metrics {
        roc_auc: roc_auc(labels, scores),
        pr_auc: average_precision(labels, scores),
        brier: probabilities.then(|| brier(labels, scores)),
        top_decile_lift: lift,
        top_decile_capture: capture,
        calibration: if probabilities {
            calibration(labels, scores)
        } else {
            Vec::new()
        },
    }
}

fn order_desc(scores: &[f64]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..scores.len()).collect();
    idx.sort_by(|a, b| scores[*b].total_cmp(&scores[*a]));
    idx
}

/// Area under the ROC curve (Mann–Whitney, tied scores share their average rank).
pub fn roc_auc(labels: &[bool], scores: &[f64]) -> f64 {
    let mut idx: Vec<usize> = (0..scores.len()).collect();
    idx.sort_by(|a, b| scores[*a].total_cmp(&scores[*b]));
    let (mut rank_sum, mut i) = (0.0, 0);
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && scores[idx[j + 1]] == scores[idx[i]] {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        rank_sum += idx[i..=j].iter().filter(|&&k| labels[k]).count() as f64 * avg;
        i = j + 1;
    }
    let pos = labels.iter().filter(|&&l| l).count() as f64;
    let neg = labels.len() as f64 - pos;
    if pos == 0.0 || neg == 0.0 {
        return f64::NAN;
    }
    (rank_sum - pos * (pos + 1.0) / 2.0) / (pos * neg)
}

/// Average precision: the mean of precision at each positive, tied scores taken as one step.
pub fn average_precision(labels: &[bool], scores: &[f64]) -> f64 {
    let idx = order_desc(scores);
    let pos = labels.iter().filter(|&&l| l).count() as f64;
    if pos == 0.0 {
        return f64::NAN;
    }
    let (mut tp, mut seen, mut ap, mut i) = (0.0, 0.0, 0.0, 0);
    while i < idx.len() {
        let mut j = i;
        let mut step_tp = 0.0;
        while j < idx.len() && scores[idx[j]] == scores[idx[i]] {
            step_tp += if labels[idx[j]] { 1.0 } else { 0.0 };
            j += 1;
        }
        tp += step_tp;
        seen += (j - i) as f64;
        ap += step_tp / pos * (tp / seen);
        i = j;
    }
    ap
}

pub fn brier(labels: &[bool], p: &[f64]) -> f64 {
    labels
        .iter()
        .zip(p)
        .map(|(&l, &x)| (x - if l { 1.0 } else { 0.0 }).powi(2))
        .sum::<f64>()
        / p.len().max(1) as f64
}

/// Ten equal-width bins of predicted probability, empty bins left out.
pub fn calibration(labels: &[bool], p: &[f64]) -> Vec<CalibrationBin> {
    let mut bins = vec![(0usize, 0.0, 0.0); 10];
    for (&l, &x) in labels.iter().zip(p) {
        let b = &mut bins[((x * 10.0) as usize).min(9)];
        b.0 += 1;
        b.1 += x;
        b.2 += if l { 1.0 } else { 0.0 };
    }
    bins.into_iter()
        .enumerate()
        .filter(|(_, b)| b.0 > 0)
        .map(|(i, (n, s, y))| CalibrationBin {
            from: i as f64 / 10.0,
            to: (i + 1) as f64 / 10.0,
            count: n,
            mean_predicted: s / n as f64,
            observed_rate: y / n as f64,
        })
        .collect()
}

/// `(lift, capture)` of the top 10% by score.
pub fn top_decile(labels: &[bool], scores: &[f64]) -> (f64, f64) {
    let idx = order_desc(scores);
    let k = labels.len().div_ceil(10);
    let pos = labels.iter().filter(|&&l| l).count() as f64;
    if k == 0 || pos == 0.0 {
        return (f64::NAN, f64::NAN);
    }
    let hit = idx[..k].iter().filter(|&&i| labels[i]).count() as f64;
    let rate = pos / labels.len() as f64;
    (hit / k as f64 / rate, hit / pos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_counts_ties_as_half() {
        let l = [false, true, false, true];
        assert_eq!(roc_auc(&l, &[0.1, 0.9, 0.2, 0.8]), 1.0);
        assert_eq!(roc_auc(&l, &[0.5, 0.5, 0.5, 0.5]), 0.5);
        assert!((roc_auc(&l, &[0.1, 0.3, 0.35, 0.8]) - 0.75).abs() < 1e-12);
    }

    #[test]
    fn average_precision_and_decile() {
        let l = [true, false, true, false];
        assert!(
            (average_precision(&l, &[0.9, 0.8, 0.7, 0.1]) - (1.0 + 2.0 / 3.0) / 2.0).abs() < 1e-12
        );
        let labels: Vec<bool> = (0..20).map(|i| i < 2).collect();
        let scores: Vec<f64> = (0..20).map(|i| 1.0 - i as f64 / 20.0).collect();
        assert_eq!(top_decile(&labels, &scores), (10.0, 1.0));
    }

    #[test]
    fn calibration_bins_and_brier() {
        let m = evaluate(&[true, false], &[0.95, 0.05], true);
        assert_eq!(m.calibration.len(), 2);
        assert!((m.brier.unwrap() - 0.0025).abs() < 1e-12);
    }
}
