//! The syntax tree: what the user wrote, with a span on every node.

use crate::span::Span;

#[derive(Clone, Debug, PartialEq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Str {
    /// The value with escapes resolved.
    pub value: String,
    /// The span including the quotes.
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum LitKind {
    /// A plain number; `text` keeps how it was written for the formatter.
    Number(f64),
    /// `57%`: the value is the decimal (0.57).
    Percent(f64),
    /// A duration, in minutes.
    Duration(f64),
    Str(String),
    Bool(bool),
    /// A bare name: a value of an enum/level/set field, or a `let`.
    Name(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Literal {
    pub kind: LitKind,
    /// The literal as written.
    pub text: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TypeExpr {
    Enum(Vec<Ident>),
    Level(Vec<Ident>),
    Set(Vec<Ident>),
    Number(Option<Literal>, Option<Literal>),
    Int(Option<Literal>, Option<Literal>),
    Bool,
    Text,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ActionKind {
    Answer,
    Draft,
    Route,
    Human,
}

impl ActionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Answer => "answer",
            ActionKind::Draft => "draft",
            ActionKind::Route => "route",
            ActionKind::Human => "human",
        }
    }

    pub const ALL: [ActionKind; 4] = [
        ActionKind::Answer,
        ActionKind::Draft,
        ActionKind::Route,
        ActionKind::Human,
    ];
}

#[derive(Clone, Debug, PartialEq)]
pub struct Action {
    pub kind: ActionKind,
    pub queue: Option<Str>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Modifier {
    Priority(Ident, Span),
    Tag(Str, Span),
    Note(Str, Span),
    Attach(Vec<Ident>, Span),
}

impl Modifier {
    pub fn span(&self) -> Span {
        match self {
            Modifier::Priority(_, s)
            | Modifier::Tag(_, s)
            | Modifier::Note(_, s)
            | Modifier::Attach(_, s) => *s,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Test {
    /// `F` alone: a bool field is true.
    Truthy,
    Cmp(CmpOp, Literal),
    In(Vec<Literal>),
    NotIn(Vec<Literal>),
    Has(Literal),
    HasAny(Vec<Literal>),
    HasAll(Vec<Literal>),
    /// The pattern: a quoted string, or a `let` name (LitKind::Name).
    Matches(Literal),
    /// The text: a quoted string, or a `let` name.
    Contains(Literal),
    IsMissing,
    IsPresent,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Atom {
    pub field: Ident,
    pub test: Test,
    /// The operator keyword(s) or symbol, for diagnostics about the operator.
    pub op_span: Span,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Cond {
    Or(Vec<Cond>, Span),
    And(Vec<Cond>, Span),
    Not(Box<Cond>, Span),
    Group(Box<Cond>, Span),
    Atom(Atom),
}

impl Cond {
    pub fn span(&self) -> Span {
        match self {
            Cond::Or(_, s) | Cond::And(_, s) | Cond::Not(_, s) | Cond::Group(_, s) => *s,
            Cond::Atom(a) => a.span,
        }
    }

    /// Every atom, in source order.
    pub fn atoms(&self) -> Vec<&Atom> {
        let mut out = Vec::new();
        let mut stack = vec![self];
        while let Some(c) = stack.pop() {
            match c {
                Cond::Or(cs, _) | Cond::And(cs, _) => stack.extend(cs.iter().rev()),
                Cond::Not(c, _) | Cond::Group(c, _) => stack.push(c),
                Cond::Atom(a) => out.push(a),
            }
        }
        out
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct RuleDecl {
    pub name: Option<Str>,
    pub when_span: Span,
    pub cond: Cond,
    pub action: Action,
    pub modifiers: Vec<Modifier>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExampleValue {
    Lit(Literal),
    Set(Vec<Ident>, Span),
}

impl ExampleValue {
    pub fn span(&self) -> Span {
        match self {
            ExampleValue::Lit(l) => l.span,
            ExampleValue::Set(_, s) => *s,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Example {
    pub name: Str,
    pub facts: Vec<(Ident, ExampleValue)>,
    pub expect: Action,
    pub modifiers: Vec<Modifier>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AutoEntry {
    /// Empty for `otherwise`.
    pub values: Vec<Ident>,
    pub otherwise: bool,
    pub action: Action,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum StmtKind {
    Policy(Str),
    Field {
        name: Ident,
        ty: TypeExpr,
        ty_span: Span,
    },
    Let {
        name: Ident,
        value: Literal,
    },
    Queue {
        name: Str,
        sla: Option<Literal>,
        description: Option<Str>,
    },
    Ticket(Vec<Ident>),
    Automation {
        field: Ident,
        entries: Vec<AutoEntry>,
    },
    Rule(RuleDecl),
    Example(Example),
    /// A statement that did not parse; its `syntax` diagnostic was reported.
    Error,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
    /// The `##` lines right above the statement (and a trailing `##` on its
    /// first line), without the `##`.
    pub doc: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Comment {
    /// The text after `#` (a doc comment's text starts with `#`).
    pub text: String,
    pub span: Span,
    /// True when code precedes the comment on its line.
    pub trailing: bool,
}

impl Comment {
    pub fn is_doc(&self) -> bool {
        self.text.starts_with('#')
    }
}

/// One parsed file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Ast {
    pub stmts: Vec<Stmt>,
    pub comments: Vec<Comment>,
}
