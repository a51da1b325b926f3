//! Which half of the evaluation a case belongs to, by a fixed rule on its prompt alone, so the
//! split cannot drift with the order of the files or with who added a case: FNV-1a (64-bit) of
//! the prompt's bytes after trimming and lower-casing; even hashes are `dev`, odd are `heldout`.
//! Tune on `dev`; `heldout` is only reported.

use serde::Serialize;

/// One half of the cases, or all of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Split {
    #[default]
    All,
    Dev,
    Heldout,
}

impl Split {
    /// The half a prompt falls in (never `All`).
    pub fn of(prompt: &str) -> Split {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in prompt.trim().to_lowercase().bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        if h.is_multiple_of(2) {
            Split::Dev
        } else {
            Split::Heldout
        }
    }

    /// Whether a prompt is selected by this split.
    pub fn selects(self, prompt: &str) -> bool {
        self == Split::All || Split::of(prompt) == self
    }

    pub fn parse(s: &str) -> Result<Split, String> {
        match s {
            "all" => Ok(Split::All),
            "dev" => Ok(Split::Dev),
            "heldout" | "held-out" => Ok(Split::Heldout),
            other => Err(format!("unknown split `{other}`: use all, dev or heldout")),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Split::All => "all",
            Split::Dev => "dev",
            Split::Heldout => "heldout",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_split_depends_on_the_prompt_alone_and_is_roughly_even() {
        assert_eq!(Split::of("who churned"), Split::of("  Who Churned "));
        let prompts: Vec<String> = (0..400)
            .map(|i| format!("customers with {i} orders"))
            .collect();
        let dev = prompts
            .iter()
            .filter(|p| Split::of(p) == Split::Dev)
            .count();
        assert!((150..=250).contains(&dev), "{dev} of 400 in dev");
        assert!(prompts.iter().all(|p| Split::All.selects(p)));
    }
}
