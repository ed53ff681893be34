//! Facts: one conversation's known values, typed against a policy.

use crate::check::model::{Cell, FieldType, Model, Present, SetPred, TextPred};
use crate::json::Json;
use std::fmt;

/// A present fact's value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// An enum or level value by index; for bool 0 = false, 1 = true.
    Index(u32),
    Num(f64),
    Text(String),
    /// Set elements by index, sorted, without repeats.
    Set(Vec<u32>),
}

/// The facts of one decision, by field index. Build them from JSON with
/// [`Facts::from_json`] or in code with [`Facts::set`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Facts {
    pub values: Vec<Option<Value>>,
}

/// Why facts do not fit a policy: a value of the wrong JSON type, an
/// undeclared value name, a number outside the range...
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FactError {
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for FactError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FactError {}

fn err(field: &str, message: String) -> FactError {
    FactError {
        field: Some(field.to_string()),
        message,
    }
}

/// What facts are read from: a `serde_json::Value` (the public API) or
/// the light tree of input lines (`crate::json::Json`). One typing
/// function serves both, so their messages cannot drift apart.
trait FactJson: Sized {
    fn kind(&self) -> &'static str;
    fn string(&self) -> Option<&str>;
    fn number(&self) -> Option<f64>;
    fn boolean(&self) -> Option<bool>;
    fn items(&self) -> Option<&[Self]>;
    fn null(&self) -> bool;
}

impl FactJson for serde_json::Value {
    fn kind(&self) -> &'static str {
        json_kind(self)
    }
    fn string(&self) -> Option<&str> {
        self.as_str()
    }
    fn number(&self) -> Option<f64> {
        self.as_f64()
    }
    fn boolean(&self) -> Option<bool> {
        self.as_bool()
    }
    fn items(&self) -> Option<&[Self]> {
        self.as_array().map(Vec::as_slice)
    }
    fn null(&self) -> bool {
        self.is_null()
    }
}

impl FactJson for Json<'_> {
    fn kind(&self) -> &'static str {
        Json::kind(self)
    }
    fn string(&self) -> Option<&str> {
        self.as_str()
    }
    fn number(&self) -> Option<f64> {
        self.as_f64()
    }
    fn boolean(&self) -> Option<bool> {
        self.as_bool()
    }
    fn items(&self) -> Option<&[Self]> {
        self.as_array()
    }
    fn null(&self) -> bool {
        self.is_null()
    }
}

fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "a list",
        serde_json::Value::Object(_) => "an object",
    }
}

impl Facts {
    pub fn empty(model: &Model) -> Facts {
        Facts {
            values: vec![None; model.fields.len()],
        }
    }

    pub fn get(&self, field: usize) -> Option<&Value> {
        self.values.get(field).and_then(|v| v.as_ref())
    }

    /// Facts from a JSON object. Keys the policy does not declare are
    /// ignored; `null` is a missing fact.
    pub fn from_json(model: &Model, json: &serde_json::Value) -> Result<Facts, FactError> {
        let mut facts = Facts::empty(model);
        facts.merge_json(model, json)?;
        Ok(facts)
    }

    /// Merge a JSON object into these facts, later values winning (a
    /// `null` leaves the fact as it was).
    pub fn merge_json(&mut self, model: &Model, json: &serde_json::Value) -> Result<(), FactError> {
        let serde_json::Value::Object(map) = json else {
            return Err(FactError {
                field: None,
                message: format!("facts must be a JSON object, found {}", json_kind(json)),
            });
        };
        self.merge_map(model, map)
    }

    /// [`Facts::merge_json`] for a JSON object already in hand.
    pub fn merge_map(
        &mut self,
        model: &Model,
        map: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<(), FactError> {
        self.merge_entries(model, map.iter().map(|(k, v)| (k.as_str(), v)))
    }

    /// [`Facts::merge_json`] for an object of the light JSON tree in which
    /// `simulate` and `decide` read their lines.
    pub fn merge_light(&mut self, model: &Model, json: &Json<'_>) -> Result<(), FactError> {
        if !json.is_object() {
            return Err(FactError {
                field: None,
                message: format!("facts must be a JSON object, found {}", json.kind()),
            });
        }
        self.merge_light_entries(model, &json.entries())
    }

    /// [`Facts::merge_light`] for an object's entries already listed.
    pub(crate) fn merge_light_entries(
        &mut self,
        model: &Model,
        entries: &[(&str, &Json<'_>)],
    ) -> Result<(), FactError> {
        self.merge_entries(model, entries.iter().copied())
    }

    fn merge_entries<'j, J: FactJson + 'j>(
        &mut self,
        model: &Model,
        entries: impl IntoIterator<Item = (&'j str, &'j J)>,
    ) -> Result<(), FactError> {
        for (key, v) in entries {
            let Some(fi) = model.field(key) else { continue };
            if v.null() {
                continue;
            }
            let value = Self::typed(model, fi, v)?;
            if let Some(slot) = self.values.get_mut(fi) {
                *slot = Some(value);
            }
        }
        Ok(())
    }

    /// Set one fact from JSON, by field name.
    pub fn set(
        &mut self,
        model: &Model,
        field: &str,
        v: &serde_json::Value,
    ) -> Result<(), FactError> {
        let fi = model
            .field(field)
            .ok_or_else(|| err(field, format!("the policy has no field `{field}`")))?;
        let value = if v.is_null() {
            None
        } else {
            Some(Self::typed(model, fi, v)?)
        };
        if let Some(slot) = self.values.get_mut(fi) {
            *slot = value;
        }
        Ok(())
    }

    fn typed<J: FactJson>(model: &Model, fi: usize, v: &J) -> Result<Value, FactError> {
        let Some(field) = model.fields.get(fi) else {
            return Err(FactError {
                field: None,
                message: "unknown field".into(),
            });
        };
        let name = field.name.as_str();
        match &field.ty {
            FieldType::Enum(values) | FieldType::Level(values) => {
                let Some(s) = v.string() else {
                    return Err(err(
                        name,
                        format!(
                            "`{name}` must be one of its values as a string, found {}",
                            v.kind()
                        ),
                    ));
                };
                values
                    .iter()
                    .position(|x| x == s)
                    .map(|i| Value::Index(i as u32))
                    .ok_or_else(|| {
                        err(
                            name,
                            format!(
                                "`{s}` is not a value of `{name}` (expected {})",
                                crate::diag::list_words(values)
                            ),
                        )
                    })
            }
            FieldType::Set(values) => {
                let Some(items) = v.items() else {
                    return Err(err(
                        name,
                        format!("`{name}` must be a list of its values, found {}", v.kind()),
                    ));
                };
                let mut out = Vec::with_capacity(items.len());
                for it in items {
                    let Some(s) = it.string() else {
                        return Err(err(
                            name,
                            format!(
                                "`{name}` must list its values as strings, found {}",
                                it.kind()
                            ),
                        ));
                    };
                    let i = values.iter().position(|x| x == s).ok_or_else(|| {
                        err(
                            name,
                            format!(
                                "`{s}` is not a value of `{name}` (expected {})",
                                crate::diag::list_words(values)
                            ),
                        )
                    })?;
                    out.push(i as u32);
                }
                out.sort_unstable();
                out.dedup();
                Ok(Value::Set(out))
            }
            FieldType::Number { lo, hi } | FieldType::Int { lo, hi } => {
                let Some(x) = v.number() else {
                    return Err(err(
                        name,
                        format!("`{name}` must be a number, found {}", v.kind()),
                    ));
                };
                if !x.is_finite() {
                    return Err(err(name, format!("`{name}` is not a finite number")));
                }
                if matches!(field.ty, FieldType::Int { .. }) && x.fract() != 0.0 {
                    return Err(err(
                        name,
                        format!("`{name}` must be a whole number, found {x}"),
                    ));
                }
                if lo.is_some_and(|lo| x < lo) || hi.is_some_and(|hi| x > hi) {
                    return Err(err(
                        name,
                        format!(
                            "`{name}` is {x}, outside its range {}",
                            field
                                .ty
                                .describe()
                                .trim_start_matches(|c: char| c.is_alphabetic())
                                .trim()
                        ),
                    ));
                }
                // -0 and 0 are the same fact
                Ok(Value::Num(if x == 0.0 { 0.0 } else { x }))
            }
            FieldType::Bool => match v.boolean() {
                Some(b) => Ok(Value::Index(b as u32)),
                None => Err(err(name, format!("`{name}` must be true or false"))),
            },
            FieldType::Text => match v.string() {
                Some(s) => Ok(Value::Text(s.to_string())),
                None => Err(err(
                    name,
                    format!("`{name}` must be a string, found {}", v.kind()),
                )),
            },
        }
    }

    /// The facts as JSON (declared fields only, missing ones left out).
    pub fn to_json(&self, model: &Model) -> serde_json::Value {
        let mut map = serde_json::Map::new();
        for (fi, v) in self.values.iter().enumerate() {
            let (Some(v), Some(f)) = (v, model.fields.get(fi)) else {
                continue;
            };
            map.insert(f.name.clone(), value_json(&f.ty, v));
        }
        serde_json::Value::Object(map)
    }
}

/// One fact as JSON.
pub fn value_json(ty: &FieldType, v: &Value) -> serde_json::Value {
    use serde_json::json;
    match (ty, v) {
        (FieldType::Bool, Value::Index(i)) => json!(*i == 1),
        (_, Value::Index(i)) => json!(ty.values().get(*i as usize).cloned().unwrap_or_default()),
        (FieldType::Int { .. }, Value::Num(x)) if x.fract() == 0.0 && x.abs() < 9e15 => {
            json!(*x as i64)
        }
        (_, Value::Num(x)) => json!(x),
        (_, Value::Text(s)) => json!(s),
        (_, Value::Set(items)) => json!(items
            .iter()
            .filter_map(|i| ty.values().get(*i as usize).cloned())
            .collect::<Vec<_>>()),
    }
}

impl TextPred {
    /// Direct evaluation (the evaluator batches regexes instead).
    pub fn holds(&self, text: &str) -> bool {
        match self {
            TextPred::Eq(s) => text == s,
            TextPred::Matches(p) => regex_holds(p, text),
            TextPred::Contains(s) => lower(text).contains(s.as_str()),
        }
    }
}

/// Text in lower case for `contains`, character by character: Rust's
/// `str::to_lowercase` turns a word-final `Σ` into `ς` and any other into
/// `σ`, so `ΟΣ` lowered alone would not be found in `ΟΣΑ` lowered.
pub fn lower(text: &str) -> String {
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    text.chars().flat_map(char::to_lowercase).collect()
}

/// The analysis and the diff test one pattern against many texts: compiling
/// it each time was most of their cost. A few hundred patterns at most per
/// thread; past that the cache starts over.
fn regex_holds(pattern: &str, text: &str) -> bool {
    with_regex(pattern, |r| r.is_ok_and(|r| r.is_match(text)))
}

/// `f` of the compiled `pattern`. The editor re-checks a policy on every
/// keystroke and the table tests each text against its patterns: each
/// pattern is compiled once per thread, not on every use.
pub(crate) fn with_regex<R>(
    pattern: &str,
    f: impl FnOnce(Result<&regex::Regex, &regex::Error>) -> R,
) -> R {
    use std::cell::RefCell;
    use std::collections::HashMap;
    thread_local! {
        static COMPILED: RefCell<HashMap<String, Result<regex::Regex, regex::Error>>> = RefCell::new(HashMap::new());
    }
    COMPILED.with(|cache| {
        let mut cache = cache.borrow_mut();
        if !cache.contains_key(pattern) {
            if cache.len() >= 512 {
                cache.clear();
            }
            cache.insert(pattern.to_string(), regex::Regex::new(pattern));
        }
        match cache.get(pattern) {
            Some(r) => f(r.as_ref()),
            None => f(regex::Regex::new(pattern).as_ref()),
        }
    })
}

impl SetPred {
    pub fn holds(&self, items: &[u32]) -> bool {
        match self {
            SetPred::HasAny(v) => v.iter().any(|x| items.binary_search(x).is_ok()),
            SetPred::HasAll(v) => v.iter().all(|x| items.binary_search(x).is_ok()),
        }
    }
}

impl Cell {
    /// Whether this cell accepts a fact: the reference meaning of a cell,
    /// used to build indexes and by the test interpreter.
    pub fn accepts(&self, v: Option<&Value>) -> bool {
        let Some(v) = v else {
            return self.missing;
        };
        match (&self.present, v) {
            (None, _) => false,
            (Some(Present::Values(mask)), Value::Index(i)) => {
                mask.get(*i as usize).copied().unwrap_or(false)
            }
            (Some(Present::Num(s)), Value::Num(x)) => s.contains(*x),
            (Some(Present::Set(clauses)), Value::Set(items)) => {
                clauses.iter().all(|(p, want)| p.holds(items) == *want)
            }
            (Some(Present::Text(clauses)), Value::Text(t)) => {
                clauses.iter().all(|(p, want)| p.holds(t) == *want)
            }
            _ => false,
        }
    }
}
