//! The fixed values some query parameters take, for the OpenAPI document (`enum`), where
//! no domain type names exactly those values (a filter's `overdue` is derived, not a
//! stored state). The handlers check the same values and name them when one is wrong.

use crate::domain::engagement::wire_enum;

wire_enum! {
    /// A check's state as seen today.
    CheckStateFilter {
        Sent => "sent",
        InProgress => "in_progress",
        Submitted => "submitted",
        Returned => "returned",
        Accepted => "accepted",
        Overdue => "overdue",
    }
}

wire_enum! {
    /// A finding's state as seen today.
    FindingStateFilter {
        Open => "open",
        InProgress => "in_progress",
        Closed => "closed",
        RiskAccepted => "risk_accepted",
        Overdue => "overdue",
    }
}

wire_enum! {
    /// An outbox message's state.
    OutboxStatus {
        Pending => "pending",
        Sent => "sent",
        Failed => "failed",
    }
}

wire_enum! {
    /// The language of a document.
    DocumentLang {
        Ja => "ja",
        En => "en",
    }
}

wire_enum! {
    /// The format of a completion record: printable HTML or Word.
    RecordFormat {
        Html => "html",
        Docx => "docx",
    }
}

wire_enum! {
    /// The format of a clause set.
    ClauseFormat {
        Markdown => "markdown",
        Html => "html",
        Text => "text",
        Docx => "docx",
    }
}
