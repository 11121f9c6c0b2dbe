//! Looking after the email outbox and the reminder sweep run by hand (ROLE-CSM).

use super::Tx;
use crate::audit::Event;
use crate::db::outbox;
use crate::error::{AppError, AppResult};
use crate::i18n::Msg;
use crate::policy::access::{Action, Actor};

/// Records a sweep run by hand: its day, and how many reminders and messages it queued
/// (a dry run writes and records nothing).
pub fn record_sweep(tx: &mut Tx, today: chrono::NaiveDate, reminders: usize, messages: usize) {
    tx.record(Event::new("reminders.sweep").after(&serde_json::json!({
        "today": today, "reminders": reminders, "messages": messages,
    })));
}

/// Sends a failed message again, from a first attempt (e.g. after fixing the address).
pub fn retry(tx: &mut Tx, actor: &Actor, id: &str) -> AppResult<()> {
    actor.authorize(Action::OperateReminders)?;
    let now = tx.now().naive_utc();
    if !outbox::retry(tx.conn(), id, now)? {
        return Err(AppError::Conflict {
            message: Msg::new(
                "送信に失敗したメッセージだけを再送できます",
                "Only a failed message can be sent again",
            ),
            allowed: vec![],
        });
    }
    tx.record(Event::new("outbox.retry").target("outbox", id));
    Ok(())
}
