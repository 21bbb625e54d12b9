//! `task.*` events: [`TaskResource`] and [`TaskContext`].
//!
//! Quo added twelve task events after the beta: `task.created`, `task.updated`,
//! `task.deleted`, `task.completed`, `task.reopened`, `task.assigned`, `task.unassigned`,
//! `task.overdue`, `task.linked`, `task.unlinked`, `task.duedate.updated` and
//! `task.duedate.removed`. They share one context and one flat resource type; each event sends
//! the fields it documents:
//!
//! | event | resource |
//! |---|---|
//! | `task.created` | `id, title, description, dueDate` |
//! | `task.updated` | `id, updatedFields` |
//! | `task.assigned` | `id, assignedTo` |
//! | `task.unassigned` | `id, unassignedFrom` |
//! | `task.overdue` | `id, dueDate` |
//! | `task.duedate.updated` | `id, updatedDueDate` |
//! | the others | `id` |

use crate::object::json_object;

json_object! {
    /// Whether one task field changed, and to what (an entry of [`UpdatedFields`]).
    pub struct FieldUpdate {
        /// Whether the field changed.
        "isUpdated" => is_updated: bool,
        /// Its new value, when it changed.
        "updatedValue" => updated_value: String,
    }
}

json_object! {
    /// Which fields a `task.updated` changed (`resource.updatedFields`).
    pub struct UpdatedFields {
        /// The title.
        "title" => title: FieldUpdate,
        /// The description.
        "description" => description: FieldUpdate,
    }
}

json_object! {
    /// The task of a `task.*` event (`data.resource`).
    pub struct TaskResource {
        /// The task id (`TK...`).
        "id" => id: String,
        /// Its title (`task.created`).
        "title" => title: String,
        /// Its description (`task.created`).
        "description" => description: String,
        /// When it is due, RFC 3339 text as sent (`task.created`, `task.overdue`); may be
        /// `null`.
        "dueDate" => due_date: String,
        /// What changed (`task.updated`).
        "updatedFields" => updated_fields: UpdatedFields,
        /// Whom it was assigned to (`task.assigned`). Quo documents no type for it: a user id
        /// in every example, but any JSON value is kept, so that a richer shape never makes
        /// the event fail to parse. [`TaskResource::assignee_id`] reads the id.
        "assignedTo" => assigned_to: serde_json::Value,
        /// Whom it was taken from (`task.unassigned`); any JSON value, as for
        /// [`assigned_to`](Self::assigned_to). [`TaskResource::unassigned_id`] reads the id.
        "unassignedFrom" => unassigned_from: serde_json::Value,
        /// The new due date (`task.duedate.updated`).
        "updatedDueDate" => updated_due_date: String,
    }
}

impl TaskResource {
    /// The user id the task was assigned to: `assignedTo` when it is a string, or the `id` of
    /// an object.
    #[must_use]
    pub fn assignee_id(&self) -> Option<&str> {
        user_id_of(self.assigned_to.as_ref()?)
    }

    /// The user id the task was taken from, read as [`assignee_id`](Self::assignee_id) does.
    #[must_use]
    pub fn unassigned_id(&self) -> Option<&str> {
        user_id_of(self.unassigned_from.as_ref()?)
    }
}

fn user_id_of(value: &serde_json::Value) -> Option<&str> {
    value
        .as_str()
        .or_else(|| value.get("id").and_then(serde_json::Value::as_str))
}

json_object! {
    /// Where a task belongs (`data.context` of `task.*` events).
    pub struct TaskContext {
        /// The workspace's id (`OR...`).
        "orgId" => org_id: String,
        /// The Quo user who acted (`US...`).
        "actorId" => actor_id: String,
        /// The Quo number the task is about (`PN...`); may be `null`.
        "phoneNumberId" => phone_number_id: String,
        /// The conversation the task is about (`CN...`); may be `null`.
        "conversationId" => conversation_id: String,
        /// The activity (message or call, `AC...`) the task is linked to; may be `null`.
        "activityId" => activity_id: String,
        /// The phone number group the task is about; may be `null`.
        "phoneNumberGroupId" => phone_number_group_id: String,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn assignee_of_any_shape_is_kept_and_its_id_read() {
        for (input, id) in [
            (json!({ "id": "TK1", "assignedTo": "US1" }), Some("US1")),
            (
                json!({ "id": "TK1", "assignedTo": { "id": "US2", "name": "Ana" } }),
                Some("US2"),
            ),
            (json!({ "id": "TK1", "assignedTo": ["US3"] }), None),
        ] {
            let task: TaskResource = serde_json::from_value(input.clone()).unwrap();
            assert_eq!(task.assignee_id(), id);
            assert_eq!(serde_json::to_value(&task).unwrap(), input);
        }
        let task: TaskResource =
            serde_json::from_value(json!({ "id": "TK1", "unassignedFrom": "US9" })).unwrap();
        assert_eq!(task.unassigned_id(), Some("US9"));
    }
}
