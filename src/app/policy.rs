//! The delivery policy applied to a definition as it will run: the fields it uses are read after
//! the validator has expanded every glossary term and referenced saved segment (recursively, the
//! resolution the compiler uses), so a sensitive condition cannot hide behind a reference. Every
//! path that checks policy comes here: submit, approve, activate and the review page (through
//! `lifecycle::size_and_policy`) and the chat page's warnings.

use super::{App, AppError};
use crate::domain::definition::Definition;
use crate::domain::policy::{self, Destination, PolicyReport, Reach};

impl App {
    /// The policy report of `def` bound for `destinations` with `reach` eligible members.
    pub(super) async fn policy_report(
        &self,
        def: &Definition,
        destinations: &[Destination],
        reach: Reach,
    ) -> Result<PolicyReport, AppError> {
        let vd = self.validate(def, self.as_of(None)?).await?;
        Ok(policy::check(
            &self.settings.governance.policy,
            destinations,
            &policy::fields_used(&vd),
            reach,
        ))
    }

    /// Warnings while an audience is built: the attributes (however deeply referenced) that
    /// would keep it from ad platforms or from Meta. None for a definition that does not
    /// validate: its validation issues are shown instead, and it cannot be submitted.
    /// Any signed-in role; none for an unknown user.
    pub async fn attribute_warnings(&self, def: &Definition, actor: &super::Actor) -> Vec<String> {
        if actor
            .allow(crate::domain::access::Permission::Read)
            .is_err()
        {
            return Vec::new();
        }
        let Ok(as_of) = self.as_of(None) else {
            return Vec::new();
        };
        match self.validate(def, as_of).await {
            Ok(vd) => policy::attribute_warnings(&self.settings.governance.policy, &vd),
            Err(_) => Vec::new(),
        }
    }
}
