//! Contract clauses: the catalog of what each clause must say and who needs it, and the
//! Handlebars templates that write them (Japanese first, English second).
//!
//! The built-in catalog and templates (`contract_templates/`) are embedded in the binary;
//! a deployment overrides any file by putting one of the same name in `templates_dir`.

pub mod catalog;
pub mod completion;
pub mod document;
pub mod docx;
pub mod load;
pub mod templates;

pub use catalog::{Catalog, ClauseDef, Requirement};
pub use completion::{CompletionFacts, RecordItem};
pub use document::{ContractFacts, Format, ItemFact, Rendered};
pub use load::load_facts;
pub use templates::{ClauseTemplates, TemplateError};
