//! Editing a saved segment in the chat: a conversation whose first turn is the segment's current
//! version, refined there like any answer and saved as the segment's next version
//! ([`App::update_segment`]). This is how a rejected version is mended and resubmitted, and how
//! an active one gets a version 2 without a shell.

use super::{Actor, Answer, App, AppError};
use crate::domain::access::Permission;
use crate::domain::time::AsOf;

impl App {
    /// Start a chat conversation from a segment's current version (authors only): the answer
    /// restates its conditions and previews them; follow-ups refine them.
    pub async fn edit_in_chat(
        &self,
        key: &str,
        as_of: AsOf,
        actor: &Actor,
    ) -> Result<Answer, AppError> {
        actor.require(Permission::Author)?;
        let seg = self.segment_view(key).await?;
        let definition = self.definition_of(&seg.segment.id, None).await?;
        let prompt = format!(
            "edit “{}” (version {})",
            seg.segment.name, seg.segment.current_version
        );
        let mut answer = self.restated(definition, &prompt, as_of).await?;
        answer.interpretation.notices.push(format!(
            "Editing “{}”: these are version {}'s conditions. Refine them, then save them as version {}.",
            seg.segment.name,
            seg.segment.current_version,
            seg.segment.current_version + 1
        ));
        let mut answer = self.previewed(answer, as_of, true).await?;
        let id = uuid::Uuid::new_v4().to_string();
        answer.conversation_id = Some(id.clone());
        answer.turn = Some(
            self.save_turn(&id, &prompt, false, &answer, 1, actor)
                .await?,
        );
        Ok(answer)
    }
}
