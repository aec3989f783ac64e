//! Pushing pending edits and keeping the cache fresh.
//!
//! A push re-reads the server's document first (Kazoo is last-writer-wins), then per field:
//! applies mine, notes it is already there, or marks a conflict for the user. Account edits go
//! out as a PATCH of just the applied fields; limits (no PATCH in Kazoo) as the server's
//! document with the applied fields changed. An edit leaves the outbox only once the server
//! has it.

use crate::backoff::Backoff;
use crate::desk::Desk;
use crate::EngineError;
use chrono::{DateTime, Utc};
use crossbar::{ApiError, Payment};
use desk_core::merge::{self, Resolution};
use desk_core::{AccountId, FieldChange, LimitsDoc};
use desk_store::{DocKind, EditState, PendingEdit};
use parking_lot::Mutex;
use serde_json::Value;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{watch, Notify};

/// How often to look for the server again while offline with nothing else to do.
const OFFLINE_PROBE: Duration = Duration::from_secs(5);
/// How many recently opened accounts a periodic sync refreshes.
const REFRESH_RECENT: usize = 8;

/// What a push decided for each field of an edit.
struct Outcome {
    pushed: Vec<FieldChange>,
    conflicts: Vec<(String, Option<Value>)>,
    failure: Option<EditState>,
}

/// An edit's fields sorted by what the server's current document says about them.
struct Split {
    apply: Vec<FieldChange>,
    there: Vec<FieldChange>,
    conflicts: Vec<(String, Option<Value>)>,
}

impl Split {
    /// What was pushed: everything decided, unless the server refused the applied fields.
    fn outcome(self, failure: Option<EditState>) -> Outcome {
        let pushed = if failure.is_some() {
            self.there
        } else {
            self.apply.into_iter().chain(self.there).collect()
        };
        Outcome {
            pushed,
            conflicts: self.conflicts,
            failure,
        }
    }
}

fn classify(edit: &PendingEdit, server: &serde_json::Map<String, Value>) -> Split {
    let mut split = Split {
        apply: Vec::new(),
        there: Vec::new(),
        conflicts: Vec::new(),
    };
    for f in &edit.fields {
        match merge::resolve(f, server) {
            // What the server holds is ours, sent earlier without hearing the answer.
            Resolution::Conflict { theirs } if edit.was_sent(&f.path, &theirs) => {
                split.apply.push(f.clone())
            }
            Resolution::Apply => split.apply.push(f.clone()),
            Resolution::AlreadyThere => split.there.push(f.clone()),
            Resolution::Conflict { theirs } => split.conflicts.push((f.path.clone(), theirs)),
        }
    }
    split
}

/// A failure that says nothing about the edit itself.
fn is_temporary(e: &ApiError) -> bool {
    matches!(
        e,
        ApiError::Server { .. }
            | ApiError::TooManyRequests { .. }
            | ApiError::Conflict { .. }
            | ApiError::Decode { .. }
            | ApiError::Unexpected { .. }
    )
}

fn failed(code: &str, e: &ApiError) -> EditState {
    let fields = match e {
        ApiError::Validation { fields, .. } => fields
            .iter()
            .map(|p| (p.field.clone(), p.message.clone()))
            .collect(),
        _ => Vec::new(),
    };
    EditState::Failed {
        code: code.to_owned(),
        message: e.to_string(),
        fields,
    }
}

/// The push side of the desk: one push at a time, the wait while the server is in trouble, and
/// the wake-up after a save. Only this module takes the lock or reads the backoff.
#[derive(Default)]
pub(crate) struct Pushing {
    one_at_a_time: tokio::sync::Mutex<()>,
    backoff: Mutex<Backoff>,
    kick: Notify,
}

impl Desk {
    /// Wake the background sync now (after a save, a sign-in, a decision on an edit).
    pub(crate) fn wake_push(&self) {
        self.pushing.kick.notify_one();
    }

    /// When pending edits are tried again while the server is in trouble.
    pub(crate) fn retry_at(&self) -> Option<DateTime<Utc>> {
        self.backoff().next_try(self.now())
    }

    fn backoff(&self) -> parking_lot::MutexGuard<'_, Backoff> {
        self.pushing.backoff.lock()
    }

    /// Push every queued edit. Stops early (edits stay queued) when the server cannot be
    /// reached or the session needs a new sign-in.
    pub async fn push_pending(&self) -> Result<(), EngineError> {
        let _one = self.pushing.one_at_a_time.lock().await;
        if self.client.session().is_none() {
            return Ok(());
        }
        // Whether the server was in trouble this round, and the longest wait it asked for.
        let (mut trouble, mut asked_for) = (false, None::<Duration>);
        for edit in self.cache.all_pending()? {
            if edit.state != EditState::Queued {
                continue;
            }
            match self.push_edit(&edit).await {
                Ok(()) => {}
                Err(EngineError::Api(e))
                    if e.is_unreachable() || matches!(e, ApiError::SessionExpired { .. }) =>
                {
                    self.notify();
                    return Err(e.into());
                }
                // The server is in trouble (5xx, 429, a race lost twice, an answer that is not
                // Kazoo's such as a captive portal's page): not a refusal of the edit, which
                // stays queued and is tried again after a wait.
                Err(EngineError::Api(e)) if is_temporary(&e) => {
                    tracing::warn!(code = e.code(), "pending edit kept for the next round");
                    let asked = e.retry_after().map(|r| r.wait_from(self.now()));
                    trouble = true;
                    asked_for = asked_for.max(asked);
                    // Asked to slow down: the other edits wait too.
                    if asked.is_some() || matches!(e, ApiError::TooManyRequests { .. }) {
                        break;
                    }
                }
                Err(e) => {
                    tracing::warn!(code = e.code(), "pending edit could not be pushed");
                    self.settle(
                        &edit,
                        Outcome {
                            pushed: Vec::new(),
                            conflicts: Vec::new(),
                            failure: Some(EditState::Failed {
                                code: e.code().into(),
                                message: e.to_string(),
                                fields: Vec::new(),
                            }),
                        },
                    )
                    .await?;
                }
            }
        }
        if trouble {
            let wait = self.backoff().failed(asked_for);
            tracing::info!(
                secs = wait.as_secs(),
                "the server is in trouble; pushing again later"
            );
        } else {
            self.backoff().succeeded();
        }
        self.notify();
        Ok(())
    }

    async fn push_edit(&self, edit: &PendingEdit) -> Result<(), EngineError> {
        let id = AccountId::parse(&edit.account_id)?;
        let outcome = match edit.kind {
            DocKind::Account => self.push_account(&id, edit).await?,
            DocKind::Limits => self.push_limits(&id, edit).await?,
        };
        self.settle(edit, outcome).await
    }

    async fn push_account(
        &self,
        id: &AccountId,
        edit: &PendingEdit,
    ) -> Result<Outcome, EngineError> {
        let mut retried = false;
        loop {
            let remote = self.observe(self.client.get_account(id).await)?;
            self.store_account(id, &remote)?;
            let split = classify(edit, remote.value.as_map());
            self.log_conflicts(id, edit, &split.conflicts);
            if split.apply.is_empty() {
                return Ok(split.outcome(None));
            }
            let mut body = merge::patch_body(
                split
                    .apply
                    .iter()
                    .map(|f| (f.path.as_str(), f.mine.as_ref())),
            );
            // Kazoo validates a PATCH with schema defaults (`enabled: true`) and then applies
            // `enabled` when an ancestor writes (`cb_accounts:maybe_import_enabled/2`): without
            // it, an edit would re-enable a disabled sub-account.
            if self.is_other_account(id) {
                if let (Some(enabled), Some(map)) = (
                    remote
                        .value
                        .as_map()
                        .get("enabled")
                        .and_then(Value::as_bool),
                    body.as_object_mut(),
                ) {
                    map.insert("enabled".into(), enabled.into());
                }
            }
            let failure = match self.observe(self.client.patch_account(id, body).await) {
                Ok(saved) => {
                    self.store_account(id, &saved)?;
                    self.log_applied(id, edit, &split.apply, saved.request_id.as_deref());
                    None
                }
                // Two writes raced on the document: read it again and try once more.
                Err(ApiError::Conflict { .. }) if !retried => {
                    tracing::info!(account = %id, "the account changed while saving; reading it again");
                    retried = true;
                    continue;
                }
                Err(
                    e @ (ApiError::Validation { .. }
                    | ApiError::Forbidden { .. }
                    | ApiError::NotFound { .. }
                    | ApiError::Locked { .. }),
                ) => Some(self.refused(id, edit, &split.apply, &e)),
                Err(e) => {
                    self.note_sent(edit, &split.apply).await?;
                    return Err(e.into());
                }
            };
            return Ok(split.outcome(failure));
        }
    }

    /// An account other than the one signed in (whose own writes Kazoo never lets change
    /// `enabled`).
    fn is_other_account(&self, id: &AccountId) -> bool {
        self.client
            .session()
            .map(|s| s.account_id.to_string())
            .or_else(|| self.index().map(|i| i.root_id().to_owned()))
            .is_none_or(|me| me != id.as_str())
    }

    async fn push_limits(
        &self,
        id: &AccountId,
        edit: &PendingEdit,
    ) -> Result<Outcome, EngineError> {
        let remote = self.observe(self.client.get_limits(id).await)?;
        self.store_limits(id, &remote)?;
        let split = classify(edit, remote.value.as_map());
        self.log_conflicts(id, edit, &split.conflicts);
        if split.apply.is_empty() || !split.conflicts.is_empty() {
            // A limits POST carries the whole document: wait until every field is decided.
            return Ok(Outcome {
                pushed: split.there,
                conflicts: split.conflicts,
                failure: None,
            });
        }
        let mut doc = remote.value.as_map().clone();
        for f in &split.apply {
            merge::apply(&mut doc, &f.path, f.mine.as_ref());
        }
        let doc = LimitsDoc::from_value(Value::Object(doc)).map_err(crate::documents::decode)?;
        // Kazoo quotes for free (a POST without `accept_charges` answers 402 and changes
        // nothing), so an approval is only used when this quote is the one approved, for this
        // very change and month; anything else is asked again.
        let month = self.billing_month(id.as_str());
        let result = match self.observe(self.client.post_limits(id, doc.outgoing(), false).await) {
            Err(ApiError::PaymentRequired {
                payment: Payment::AcceptCharges(charges),
                meta,
            }) => {
                let quote = serde_json::to_value(&*charges).unwrap_or(Value::Null);
                match edit.consent_for(&month) {
                    Some(c) if c.charges == quote => {
                        self.observe(self.client.post_limits(id, doc.outgoing(), true).await)
                    }
                    _ => Err(ApiError::PaymentRequired {
                        payment: Payment::AcceptCharges(charges),
                        meta,
                    }),
                }
            }
            other => other,
        };
        let failure = match result {
            Ok(saved) => {
                self.store_limits(id, &saved)?;
                self.log_applied(id, edit, &split.apply, saved.request_id.as_deref());
                None
            }
            Err(ApiError::PaymentRequired {
                payment: Payment::AcceptCharges(charges),
                ..
            }) => Some(EditState::NeedsConsent {
                charges: serde_json::to_value(&*charges).unwrap_or(Value::Null),
            }),
            Err(e @ ApiError::Forbidden { .. }) => {
                self.set_limits_read_only(id.as_str())?;
                self.refused(id, edit, &split.apply, &e);
                Some(EditState::Failed {
                    code: "forbidden".into(),
                    message:
                        "Only the reseller can change this account's trunks. Ask your provider."
                            .into(),
                    fields: Vec::new(),
                })
            }
            Err(
                e @ (ApiError::Validation { .. }
                | ApiError::PaymentRequired { .. }
                | ApiError::NotFound { .. }
                | ApiError::Locked { .. }),
            ) => Some(self.refused(id, edit, &split.apply, &e)),
            Err(e) => {
                self.note_sent(edit, &split.apply).await?;
                return Err(e.into());
            }
        };
        Ok(split.outcome(failure))
    }

    /// A write whose answer is not a refusal (lost, 5xx, unreadable) may have been applied:
    /// remember what was sent, so that finding it on the server is not taken for a conflict.
    async fn note_sent(
        &self,
        pushed_from: &PendingEdit,
        fields: &[FieldChange],
    ) -> Result<(), EngineError> {
        self.update_current(pushed_from, |edit| edit.note_sent(fields))
            .await
    }

    /// Log a refusal of the server's and turn it into the edit's state.
    fn refused(
        &self,
        id: &AccountId,
        edit: &PendingEdit,
        fields: &[FieldChange],
        e: &ApiError,
    ) -> EditState {
        self.log_fields(
            id,
            edit,
            fields,
            &format!("refused: {e}"),
            e.meta().and_then(|m| m.request_id.as_deref()),
        );
        failed(e.code(), e)
    }

    /// Record what a push decided, against the outbox as it is now: the user may have edited the
    /// same document while the push was in flight, and those changes must stay.
    async fn settle(&self, pushed_from: &PendingEdit, outcome: Outcome) -> Result<(), EngineError> {
        self.update_current(pushed_from, |edit| {
            for done in &outcome.pushed {
                // The server's value is known again.
                edit.sent.remove(&done.path);
                if let Some(pos) = edit.fields.iter().position(|f| f.path == done.path) {
                    if edit.fields[pos].mine == done.mine {
                        edit.fields.remove(pos);
                    } else {
                        // Edited again mid-push: the server now holds what was pushed.
                        edit.fields[pos].base = done.mine.clone();
                    }
                }
            }
            let changed_meanwhile = edit.updated_at != pushed_from.updated_at;
            edit.state = match (
                outcome.failure,
                outcome.conflicts.is_empty(),
                changed_meanwhile,
            ) {
                (_, _, true) => EditState::Queued,
                (Some(state), _, false) => state,
                (None, false, false) => EditState::Conflict {
                    theirs: outcome.conflicts,
                },
                (None, true, false) => EditState::Queued,
            };
            if matches!(edit.state, EditState::NeedsConsent { .. }) {
                edit.consent = None;
            }
        })
        .await?;
        self.notify();
        Ok(())
    }

    /// "Sync now": push what is pending, then pull the tree and recently opened accounts.
    pub async fn sync_now(&self) -> Result<crate::Status, EngineError> {
        if self.backoff().remaining_asked().is_some() {
            // The server asked for the wait (`Retry-After`); the status line says until when.
            return Ok(self.status());
        }
        let pushed = self.push_pending().await;
        let pulled = self.pull().await;
        pushed?;
        pulled?;
        Ok(self.status())
    }

    async fn pull(&self) -> Result<(), EngineError> {
        self.sync_tree().await?;
        for id in self.recent_ids()?.into_iter().take(REFRESH_RECENT) {
            let Ok(id) = AccountId::parse(&id) else {
                continue;
            };
            let fetched = self.observe(self.client.get_account(&id).await)?;
            self.store_account(&id, &fetched)?;
        }
        self.cache.flush().await?;
        self.notify();
        Ok(())
    }

    /// The background loop: push right after a save, look for the server every few seconds
    /// while offline, and sync fully every `interval`. Ends when `interval`'s sender is dropped.
    pub async fn run(self: Arc<Self>, mut interval: watch::Receiver<Duration>) {
        let mut next_pull = Instant::now() + *interval.borrow();
        loop {
            let period = *interval.borrow();
            let status = self.status();
            let wait = if status.online {
                // While the server is in trouble, until the backoff ends.
                self.backoff().remaining().unwrap_or_else(|| {
                    period.min(next_pull.saturating_duration_since(Instant::now()))
                })
            } else {
                OFFLINE_PROBE
            };
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = self.pushing.kick.notified() => {}
                changed = interval.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    next_pull = Instant::now() + *interval.borrow();
                    continue;
                }
            }
            // Saves made while the server is in trouble wait for the backoff to end.
            if self.client.session().is_none() || self.backoff().remaining().is_some() {
                continue;
            }
            let was_online = self.status().online;
            if !was_online {
                // Any answer from the server brings us back online.
                if let Ok(root) = AccountId::parse(&status.root_id.unwrap_or_default()) {
                    let _ = self.observe(self.client.get_account(&root).await);
                }
            }
            let _ = self.push_pending().await;
            let back_online = !was_online && self.status().online;
            if back_online || Instant::now() >= next_pull {
                if let Err(e) = self.pull().await {
                    tracing::info!(code = e.code(), "background sync did not complete");
                }
                next_pull = Instant::now() + *interval.borrow();
            }
        }
    }
}
