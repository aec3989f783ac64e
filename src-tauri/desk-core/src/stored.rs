/// A setting as read from a backend document.
///
/// Input rules are strict, but documents written by other tools (or older platform versions) may
/// hold values that break them: an upper-case realm, an unknown time zone, a free-text phone.
/// Those are kept verbatim as `Flagged` so the account still loads and the user sees what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored<T> {
    /// The key is absent from the document.
    Missing,
    Valid(T),
    /// Present, but breaks our rules; `raw` is the stored value as text.
    Flagged {
        raw: String,
        problem: String,
    },
}

impl<T> Stored<T> {
    pub fn valid(&self) -> Option<&T> {
        match self {
            Stored::Valid(v) => Some(v),
            _ => None,
        }
    }

    pub fn problem(&self) -> Option<&str> {
        match self {
            Stored::Flagged { problem, .. } => Some(problem),
            _ => None,
        }
    }

    pub(crate) fn flag(raw: &serde_json::Value, problem: impl Into<String>) -> Self {
        let raw = match raw {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        Stored::Flagged {
            raw,
            problem: problem.into(),
        }
    }
}
