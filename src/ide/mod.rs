//! Editor features as plain functions over the document text and the checked policy.
