//! The pending list and the user's decisions on it: keep mine or theirs in a conflict, approve
//! the charges shown, discard. Each decision is one change of the outbox entry, flushed, then
//! pushed; what is dropped is written to the change log.

use crate::desk::Desk;
use crate::views;
use crate::EngineError;
use chrono::Utc;
use crossbar::Charges;
use desk_core::money::shown_opt;
use desk_core::FieldError;
use desk_store::{DocKind, EditState, PendingEdit};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A user's choice for one conflicting field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Choice {
    Mine,
    Theirs,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PendingFieldView {
    pub path: String,
    pub label: String,
    pub base: String,
    pub mine: String,
    /// The server's value, when it conflicts.
    pub theirs: Option<String>,
}

/// One item of a platform's quote, as the charges dialog shows it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ChargeRow {
    pub item: String,
    pub quantity: Option<i64>,
    pub previous: Option<i64>,
    #[serde(serialize_with = "shown_opt")]
    pub rate: Option<Decimal>,
    #[serde(serialize_with = "shown_opt")]
    pub total: Option<Decimal>,
}

/// The charges a platform asked to have accepted (its 402 quote), with each amount's text.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ChargesView {
    pub items: Vec<ChargeRow>,
    #[serde(serialize_with = "shown_opt")]
    pub today: Option<Decimal>,
    #[serde(serialize_with = "shown_opt")]
    pub recurring: Option<Decimal>,
}

impl From<Charges> for ChargesView {
    fn from(c: Charges) -> Self {
        let items = c
            .items
            .into_iter()
            .map(|i| ChargeRow {
                item: i.item,
                quantity: i.quantity,
                previous: i.previous,
                rate: i.rate,
                total: i.total,
            })
            .collect();
        ChargesView {
            items,
            today: c.today,
            recurring: c.recurring,
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PendingView {
    pub account_id: String,
    pub account_name: String,
    pub kind: DocKind,
    pub state: &'static str,
    pub fields: Vec<PendingFieldView>,
    pub message: Option<String>,
    pub charges: Option<ChargesView>,
    pub updated_at: chrono::DateTime<Utc>,
}

/// How a stored value reads in the pending list and conflict view.
pub(crate) fn value_text(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => "(not set)".into(),
        Some(Value::String(s)) if s.is_empty() => "(empty)".into(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
            .collect::<Vec<_>>()
            .join(", "),
        Some(other) => other.to_string(),
    }
}

impl Desk {
    /// Every pending edit, for the pending list and the conflict view.
    pub fn pending_edits(&self) -> Result<Vec<PendingView>, EngineError> {
        Ok(self
            .cache
            .all_pending()?
            .into_iter()
            .map(|e| self.pending_view(e))
            .collect())
    }

    fn pending_view(&self, e: PendingEdit) -> PendingView {
        let theirs: &[(String, Option<Value>)] = match &e.state {
            EditState::Conflict { theirs } => theirs,
            _ => &[],
        };
        let fields = e
            .fields
            .iter()
            .map(|f| PendingFieldView {
                label: desk_core::field_label(&f.path).to_owned(),
                base: value_text(f.base.as_ref()),
                mine: value_text(f.mine.as_ref()),
                theirs: theirs
                    .iter()
                    .find(|(p, _)| *p == f.path)
                    .map(|(_, v)| value_text(v.as_ref())),
                path: f.path.clone(),
            })
            .collect();
        let (message, charges) = match &e.state {
            EditState::Failed { message, .. } => (Some(message.clone()), None),
            EditState::NeedsConsent { charges } => {
                let quote = serde_json::from_value::<Charges>(charges.clone()).ok();
                (None, quote.map(ChargesView::from))
            }
            _ => (None, None),
        };
        PendingView {
            account_name: self.account_name(&e.account_id),
            state: views::state_name(&e.state),
            account_id: e.account_id,
            kind: e.kind,
            fields,
            message,
            charges,
            updated_at: e.updated_at,
        }
    }

    /// Update one pending edit under the outbox lock, flush, and wake the push.
    async fn amend(
        &self,
        id: &str,
        kind: DocKind,
        f: impl FnOnce(&mut PendingEdit) -> Result<(), EngineError>,
    ) -> Result<(), EngineError> {
        // Not `known`: an edit for an account that has since left the tree can still be
        // discarded.
        let id = desk_core::AccountId::parse(id)?;
        self.change_pending(id.as_str(), kind, |pending| {
            let mut edit = pending.ok_or(EngineError::NotPending)?;
            f(&mut edit)?;
            edit.updated_at = self.now();
            Ok(Some(edit))
        })?;
        self.cache.flush().await?;
        self.notify();
        self.wake_push();
        Ok(())
    }

    /// The user's choice per conflicting field: keep mine (pushed over theirs) or take theirs
    /// (my change is dropped and logged).
    pub async fn resolve_conflict(
        &self,
        id: &str,
        kind: DocKind,
        choices: &[(String, Choice)],
    ) -> Result<(), EngineError> {
        let mut dropped = Vec::new();
        self.amend(id, kind, |edit| {
            let EditState::Conflict { theirs } = &edit.state else {
                return Err(EngineError::NotPending);
            };
            let theirs = theirs.clone();
            for (path, their_value) in &theirs {
                let choice = choices
                    .iter()
                    .find(|(p, _)| p == path)
                    .map(|(_, c)| *c)
                    .ok_or_else(|| {
                        FieldError::new(
                            "conflict",
                            format!("choose a value for {}", desk_core::field_label(path)),
                        )
                    })?;
                match choice {
                    Choice::Mine => {
                        if let Some(f) = edit.fields.iter_mut().find(|f| &f.path == path) {
                            f.base = their_value.clone();
                        }
                    }
                    Choice::Theirs => {
                        if let Some(f) = edit.fields.iter().find(|f| &f.path == path) {
                            dropped.push((f.clone(), their_value.clone()));
                        }
                        edit.fields.retain(|f| &f.path != path);
                    }
                }
            }
            edit.state = EditState::Queued;
            Ok(())
        })
        .await?;
        for (f, theirs) in dropped {
            // Logged as the act of whoever discards it, now.
            self.log(
                id,
                None,
                &f.path,
                (theirs.as_ref(), f.mine.as_ref()),
                "discarded: kept the server's value",
                None,
            );
        }
        Ok(())
    }

    /// The user agreed to the charges shown: for this change, this quote and this month only
    /// (see `push_limits`).
    pub async fn approve_charges(&self, id: &str, kind: DocKind) -> Result<(), EngineError> {
        let month = self.billing_month(id);
        self.amend(id, kind, |edit| {
            let EditState::NeedsConsent { charges } = &edit.state else {
                return Err(EngineError::NotPending);
            };
            edit.consent = Some(desk_store::Consent {
                fields: edit.fields.clone(),
                charges: charges.clone(),
                month,
            });
            edit.state = EditState::Queued;
            Ok(())
        })
        .await
    }

    /// Drop a pending edit (or one field of it). Nothing is sent; the change log records it.
    pub async fn discard(
        &self,
        id: &str,
        kind: DocKind,
        path: Option<&str>,
    ) -> Result<(), EngineError> {
        let mut dropped = Vec::new();
        self.amend(id, kind, |edit| {
            edit.fields.retain(|f| {
                let drop = path.is_none_or(|p| p == f.path);
                if drop {
                    dropped.push(f.clone());
                }
                !drop
            });
            for f in &dropped {
                edit.sent.remove(&f.path);
                edit.made.remove(&f.path);
            }
            Ok(())
        })
        .await?;
        for f in dropped {
            self.log(
                id,
                None,
                &f.path,
                (f.base.as_ref(), f.mine.as_ref()),
                "discarded",
                None,
            );
        }
        Ok(())
    }
}
