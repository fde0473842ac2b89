//! What a run leaves behind: one [`Record`] per step (a line of `metrics.jsonl`), how the run ended
//! ([`RunStatus`]) and the [`TrainReport`].

use serde::{Deserialize, Deserializer, Serialize};

/// Points `(step, loss)` of a loss curve.
pub type Curve = Vec<(f64, f64)>;

/// Read a number that may have been written as `null`. JSON has no NaN or ±∞, so serde_json writes them as
/// `null`; such a number comes back as NaN.
fn f64_or_nan<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}

/// One line of `metrics.jsonl`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Steps finished.
    pub step: usize,
    /// Training tokens seen so far.
    pub tokens: usize,
    /// Learning rate of this step.
    pub lr: f64,
    /// Loss of this step's batch. It is NaN or ±∞ when it was not finite (and the run then stopped as
    /// diverged): `metrics.jsonl` holds `null` there, read back as NaN. Charts skip such points.
    #[serde(deserialize_with = "f64_or_nan")]
    pub loss: f64,
    /// Gradient norm before clipping (like `loss`: `null` in the log when not finite, read back as NaN).
    #[serde(deserialize_with = "f64_or_nan")]
    pub grad_norm: f64,
    /// Estimated training loss (on `eval_batches` batches), at evaluation steps. Always finite: the weights of
    /// a step that diverged are not evaluated, so the evaluation curves never hold NaN.
    pub train_loss: Option<f64>,
    /// Estimated validation loss, at evaluation steps (finite, like `train_loss`).
    pub val_loss: Option<f64>,
    /// Training throughput so far.
    pub tokens_per_sec: f64,
}

/// How a training run ended, so that reports say it and charts can mark it. In JSON:
/// `{"kind": "completed"}`, `{"kind": "diverged", "step": 37}`,
/// `{"kind": "early_stopped", "step": 400, "best_step": 250}`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RunStatus {
    /// Every one of the config's `steps` ran.
    #[default]
    Completed,
    /// A training loss was not finite, or above `diverge_factor` × the initial loss: the run stopped after
    /// `step` steps and wrote no checkpoint of the broken weights.
    Diverged {
        /// Steps taken; the last one is the step whose loss diverged.
        step: usize,
    },
    /// The validation loss had not improved for `early_stopping_patience` evaluations: the run stopped
    /// after `step` steps, before the config's `steps`.
    EarlyStopped {
        /// Steps taken.
        step: usize,
        /// The step of the best evaluation (lowest validation loss).
        best_step: usize,
    },
}

impl std::fmt::Display for RunStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunStatus::Completed => write!(f, "completed"),
            RunStatus::Diverged { step } => write!(f, "diverged at step {step}"),
            RunStatus::EarlyStopped { step, best_step } => {
                write!(f, "stopped early at step {step} (best at step {best_step})")
            }
        }
    }
}

/// What a training run produced.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainReport {
    /// Every step's record (for a resumed run: the steps run now).
    pub records: Vec<Record>,
    /// How the run ended: completed, diverged, or stopped early.
    #[serde(default)]
    pub status: RunStatus,
    /// Estimated training loss of the weights the model ends with: after the last step, or with
    /// `restore_best`, those of the best evaluation. A diverged run's last weights are broken and are not
    /// evaluated, so without `restore_best` it reports its last finite estimate, made at the last evaluation
    /// before it diverged (step 0 if there was none): a number that a table or a chart can show, beside the
    /// status that says the run diverged.
    pub final_train_loss: f64,
    /// Estimated validation loss of the weights the model ends with (chosen like `final_train_loss`).
    pub final_val_loss: f64,
    /// The lowest estimated validation loss of any evaluation, step 0 included.
    pub best_val_loss: f64,
    /// The step of that evaluation (the earliest, if several tie).
    pub best_step: usize,
    /// Trainable parameters.
    pub params: i64,
    /// Training tokens per second (wall clock, evaluation included).
    pub tokens_per_sec: f64,
    /// Wall-clock seconds.
    pub seconds: f64,
}

impl TrainReport {
    /// `(step, estimated train loss)` and `(step, validation loss)` at every evaluation, for charts.
    pub fn eval_curves(&self) -> (Curve, Curve) {
        let evals = self.records.iter().filter(|r| r.val_loss.is_some());
        let train = evals
            .clone()
            .filter_map(|r| Some((r.step as f64, r.train_loss?)))
            .collect();
        let val = evals
            .filter_map(|r| Some((r.step as f64, r.val_loss?)))
            .collect();
        (train, val)
    }
}
