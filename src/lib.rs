//! handover: a policy language that decides when an AI support agent may
//! answer a customer and when it must hand the conversation to a human.
//!
//! Load a policy with [`Policy::load`] or [`Policy::from_text`], build
//! [`Facts`] from JSON, and call [`Policy::decide`].

pub mod analyze;
pub mod check;
pub mod cli;
pub mod diag;
pub mod eval;
pub mod explain;
pub mod facts;
pub mod fmt;
pub mod ide;
pub mod json;
pub mod lsp;
pub mod policy;
pub mod simulate;
pub mod span;
pub mod syntax;
pub mod table;
pub mod testing;

pub use check::model::{Model, Priority};
pub use diag::{Code, Diagnostic, Severity};
pub use eval::Decision;
pub use facts::{FactError, Facts, Value};
pub use policy::{Checked, LoadError, Policy};
pub use syntax::ast::ActionKind;
