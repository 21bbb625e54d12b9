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
        /// Whom it was assigned to, a user id (`task.assigned`).
        "assignedTo" => assigned_to: String,
        /// Whom it was taken from, a user id (`task.unassigned`).
        "unassignedFrom" => unassigned_from: String,
        /// The new due date (`task.duedate.updated`).
        "updatedDueDate" => updated_due_date: String,
    }
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
