//! "Add credit", charged at most once per user intent.
//!
//! The dialog gets an intent ID when it opens. Before anything is sent the intent is written to
//! the cache and flushed. A double click waits for the first request and then finds the intent
//! completed. Kazoo's top-up reads nothing but the amount (`cb_services:get_topup_amount/1`):
//! no key makes a repeat harmless, so a top-up is never retried automatically. When its answer
//! is lost (timeout, dropped connection, 5xx) the intent becomes *unknown* and is settled by
//! reading the books back — the `payments` ledger (which is all a platform without a payment
//! bookkeeper writes) and the transactions — for a manual top-up of the same amount made after
//! the intent began and not already another intent's, before the user may send it again.

use crate::{Desk, EngineError};
use chrono::{DateTime, Duration, Utc};
use crossbar::{ApiError, LedgerRow};
use desk_core::money::parse_credit;
use desk_core::AccountId;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// How far back a transaction may be dated and still be this intent's (clock skew).
const SKEW: i64 = 300;
/// A payment not found this soon after it was sent may still be processing: do not send again.
const RESEND_AFTER: i64 = 60;
/// Transaction states that mean nothing was charged.
const FAILED: &[&str] = &[
    "failed",
    "declined",
    "processor_declined",
    "gateway_rejected",
    "voided",
];

/// What the books say of an intent.
enum Settlement {
    /// Credited (or charged, its credit not listed yet).
    Credited,
    /// An explicit failure: nothing was charged.
    Declined,
    /// A matching payment is still being processed: it may yet be charged.
    InFlight,
    /// A complete listing since the intent began holds no matching payment.
    Absent,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntentState {
    /// Written before sending; still this after a crash mid-request.
    Sending,
    /// Sent, but no answer came back: it may or may not have been charged.
    Unknown,
    Completed,
    /// The processor refused; nothing was charged.
    Declined,
    /// The server refused before charging (no card, bad amount).
    NotCharged,
}

impl IntentState {
    fn maybe_charged(self) -> bool {
        matches!(self, IntentState::Sending | IntentState::Unknown)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Intent {
    account_id: String,
    amount: Decimal,
    created_at: DateTime<Utc>,
    /// When it was last sent (none: never sent).
    #[serde(default)]
    sent_at: Option<DateTime<Utc>>,
    state: IntentState,
    transaction_id: Option<String>,
    /// The `payments` ledger entry that credited it.
    #[serde(default)]
    ledger_id: Option<String>,
    message: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CreditOutcome {
    pub intent: String,
    pub state: IntentState,
    pub amount: Decimal,
    /// A sentence for the dialog.
    pub message: String,
    /// The balance after, when the server answered.
    pub balance: Option<Decimal>,
}

const PREFIX: &str = "credit_intent:";

fn key(intent: &str) -> String {
    format!("{PREFIX}{intent}")
}

/// One money request (card, credit) at a time: a second click waits for the first to finish
/// and then finds its intent settled. Taken only here.
#[derive(Default)]
pub(crate) struct Money {
    one_at_a_time: tokio::sync::Mutex<()>,
    /// Whether the first card's start-up charge was taken is decided under this (taken only in
    /// `billing/first_charge.rs`): two cards added at once charge it once.
    pub(crate) first_card: tokio::sync::Mutex<()>,
}

impl Desk {
    /// A fresh intent ID for an "Add credit" dialog.
    pub fn new_credit_intent(&self) -> String {
        crate::keys::random_id()
    }

    fn intent(&self, id: &str) -> Result<Option<Intent>, EngineError> {
        Ok(self.cache.pref(&key(id))?)
    }

    async fn put_intent(&self, id: &str, intent: &Intent) -> Result<(), EngineError> {
        self.cache.set_pref(&key(id), intent)?;
        self.cache.flush().await?;
        Ok(())
    }

    /// Charge the account's card `amount_text` and credit the account, once for `intent`.
    pub async fn add_credit(
        &self,
        account: &str,
        intent_id: &str,
        amount_text: &str,
    ) -> Result<CreditOutcome, EngineError> {
        let account = self.known(account)?;
        if !crate::keys::is_random_id(intent_id) {
            return Err(desk_core::FieldError::new(
                "credit.intent",
                "is not an intent from this app",
            )
            .into());
        }
        let amount = parse_credit("credit.amount", amount_text)?;
        // One money request at a time: a second click waits here, then finds the first's result.
        let _one = self.money.one_at_a_time.lock().await;
        let mut intent = match self.intent(intent_id)? {
            Some(i) if i.account_id != account.as_str() || i.amount != amount => {
                return Err(desk_core::FieldError::new(
                    "credit.amount",
                    "this credit was started for another amount; close the dialog and start again",
                )
                .into());
            }
            Some(i) => i,
            None => Intent {
                account_id: account.to_string(),
                amount,
                created_at: self.now(),
                sent_at: None,
                state: IntentState::Sending,
                transaction_id: None,
                ledger_id: None,
                message: None,
            },
        };
        if intent.state == IntentState::Completed {
            let balance = self.balance_now(&account).await;
            return Ok(self.outcome(intent_id, &intent, balance));
        }
        if let Some(sent_at) = intent.sent_at.filter(|_| intent.state.maybe_charged()) {
            // It may have been charged: find out first (offline, this fails and nothing is sent).
            let amount = desk_core::money::format_money(intent.amount);
            match self.settle_intent(&account, intent_id, &mut intent).await? {
                Settlement::Credited => {
                    let balance = self.balance_now(&account).await;
                    return Ok(self.outcome(intent_id, &intent, balance));
                }
                Settlement::Declined => return Ok(self.outcome(intent_id, &intent, None)),
                Settlement::InFlight => {
                    intent.message = Some(format!(
                        "The payment of {amount} is still being processed by the payment processor; nothing was sent again. Check again later."
                    ));
                    return Ok(self.outcome(intent_id, &intent, None));
                }
                // Not there yet: a payment still being processed may not be listed for a moment.
                Settlement::Absent if self.now() - sent_at < Duration::seconds(RESEND_AFTER) => {
                    intent.message = Some(format!(
                        "The payment of {amount} is not listed yet; nothing was sent again. Check again in a minute."
                    ));
                    return Ok(self.outcome(intent_id, &intent, None));
                }
                Settlement::Absent => {}
            }
        }
        // Nothing is sent while another payment of the account may have been charged (a dialog
        // closed after "not confirmed", or cut off by a crash): that one is settled first.
        if let Some(earlier) = self.unsettled_for(&account, intent_id).await? {
            return Ok(earlier);
        }
        intent.state = IntentState::Sending;
        intent.sent_at = Some(self.now());
        intent.message = None;
        self.put_intent(intent_id, &intent).await?;
        let sent = self.observe(self.client.topup(&account, amount).await);
        match sent {
            // A 2xx is "added" only when its transaction (if any) says it was charged; a
            // pending one is settled from the books like a lost answer.
            Ok(receipt) if receipt.status.as_deref().is_some_and(|s| s != "completed") => {
                let status = receipt.status.unwrap_or_default();
                intent.transaction_id = receipt.transaction;
                if FAILED.contains(&status.as_str()) {
                    intent.state = IntentState::Declined;
                    intent.message = Some("The payment processor declined the payment.".into());
                } else {
                    intent.state = IntentState::Unknown;
                    intent.message = Some(format!(
                        "The payment of {} is {status} at the payment processor; nothing more was sent. Check again later.",
                        desk_core::money::format_money(intent.amount)
                    ));
                }
                self.put_intent(intent_id, &intent).await?;
                Ok(self.outcome(intent_id, &intent, None))
            }
            Ok(receipt) => {
                intent.state = IntentState::Completed;
                intent.transaction_id = receipt.transaction;
                intent.ledger_id = receipt.ledger;
                self.put_intent(intent_id, &intent).await?;
                tracing::info!(account = %account, %amount, "credit added");
                let balance = self.balance_now(&account).await;
                self.notify();
                Ok(self.outcome(intent_id, &intent, balance))
            }
            Err(e @ ApiError::Declined { .. }) => {
                intent.state = IntentState::Declined;
                intent.message = Some(e.to_string());
                self.put_intent(intent_id, &intent).await?;
                Err(e.into())
            }
            Err(e) if lost_answer(&e) => {
                intent.state = IntentState::Unknown;
                self.put_intent(intent_id, &intent).await?;
                tracing::warn!(account = %account, code = e.code(), "top-up answer lost; settling from the books");
                // The connection may be back already: settle now if the server answers.
                let _ = self.settle_intent(&account, intent_id, &mut intent).await;
                Ok(self.outcome(intent_id, &intent, None))
            }
            Err(e) => {
                intent.state = IntentState::NotCharged;
                intent.message = Some(e.to_string());
                self.put_intent(intent_id, &intent).await?;
                Err(e.into())
            }
        }
    }

    /// An earlier intent for the account that may have charged and was never settled. Settled
    /// now: if it went through, its outcome is returned (and nothing new is charged); if the
    /// server has no such payment it is closed as not charged; offline, the lookup fails.
    async fn unsettled_for(
        &self,
        account: &AccountId,
        except: &str,
    ) -> Result<Option<CreditOutcome>, EngineError> {
        let open: Vec<(String, Intent)> = self
            .cache
            .prefs_with_prefix::<Intent>(PREFIX)?
            .into_iter()
            .filter(|(k, i)| {
                k != except && i.account_id == account.as_str() && i.state.maybe_charged()
            })
            .collect();
        for (id, mut intent) in open {
            let amount = desk_core::money::format_money(intent.amount);
            let recent = intent
                .sent_at
                .is_some_and(|t| self.now() - t < Duration::seconds(RESEND_AFTER));
            match self.settle_intent(account, &id, &mut intent).await? {
                Settlement::Credited => {
                    let mut outcome = self.outcome(&id, &intent, None);
                    outcome.message = format!(
                        "Your earlier payment of {amount}, not confirmed at the time, did go through. Nothing more was charged; add credit again to add more."
                    );
                    return Ok(Some(outcome));
                }
                Settlement::InFlight => {
                    intent.message = Some(format!(
                        "An earlier payment of {amount} is still being processed, so nothing was sent. Check again later."
                    ));
                    return Ok(Some(self.outcome(&id, &intent, None)));
                }
                Settlement::Absent if recent => {
                    intent.message = Some(format!(
                        "An earlier payment of {amount} is not confirmed yet, so nothing was sent. Try again in a minute."
                    ));
                    return Ok(Some(self.outcome(&id, &intent, None)));
                }
                // Every page of the books since it began was read, and it is not there.
                Settlement::Absent => {
                    intent.state = IntentState::NotCharged;
                    intent.message = Some("The server has no record of this payment.".into());
                    self.put_intent(&id, &intent).await?;
                }
                Settlement::Declined => {}
            }
        }
        Ok(None)
    }

    /// Look for the intent's payment in the books since it began. Every page of both listings
    /// is read and every row must be readable (`complete_*`), or this fails and nothing is
    /// concluded: "absent" is only ever said of a complete listing.
    async fn settle_intent(
        &self,
        account: &AccountId,
        intent_id: &str,
        intent: &mut Intent,
    ) -> Result<Settlement, EngineError> {
        let (from, to) = (
            intent.created_at - Duration::seconds(SKEW),
            self.now() + Duration::seconds(SKEW),
        );
        let credits = self.observe(
            self.client
                .complete_ledger(account, "payments", from, to)
                .await,
        )?;
        let txs = self.observe(self.client.complete_transactions(account, from, to).await)?;
        let others: Vec<Intent> = self
            .cache
            .prefs_with_prefix::<Intent>(PREFIX)?
            .into_iter()
            .filter(|(k, _)| k != intent_id)
            .map(|(_, i)| i)
            .collect();
        let claimed_tx = |id: &str| {
            others
                .iter()
                .any(|i| i.transaction_id.as_deref() == Some(id))
        };
        let claimed_credit = |e: &LedgerRow| {
            others
                .iter()
                .any(|i| i.ledger_id.as_deref() == Some(e.id.as_str()))
                || e.transaction.as_deref().is_some_and(claimed_tx)
        };
        let ours = |amount: Decimal, trigger: Option<&str>, description: &str| {
            amount == intent.amount && is_manual(trigger, description)
        };
        let credit = credits
            .iter()
            .find(|e| ours(e.amount, e.trigger.as_deref(), &e.description) && !claimed_credit(e));
        let charged = || {
            txs.iter().find(|t| {
                t.status == "completed"
                    && ours(t.amount, t.trigger.as_deref(), &t.description)
                    && !claimed_tx(&t.id)
            })
        };
        if let Some(e) = credit {
            intent.state = IntentState::Completed;
            intent.ledger_id = Some(e.id.clone());
            intent.transaction_id = e.transaction.clone();
            self.put_intent(intent_id, intent).await?;
            return Ok(Settlement::Credited);
        }
        if let Some(t) = charged() {
            // Charged; its credit is not listed yet.
            intent.state = IntentState::Completed;
            intent.transaction_id = Some(t.id.clone());
            self.put_intent(intent_id, intent).await?;
            return Ok(Settlement::Credited);
        }
        let matching: Vec<_> = txs
            .iter()
            .filter(|t| ours(t.amount, t.trigger.as_deref(), &t.description) && !claimed_tx(&t.id))
            .collect();
        // Pending, authorized, settling…: it may yet be charged.
        if matching
            .iter()
            .any(|t| !FAILED.contains(&t.status.as_str()))
        {
            return Ok(Settlement::InFlight);
        }
        // Only an explicit failure is a decline.
        if let Some(t) = matching.first() {
            intent.state = IntentState::Declined;
            intent.transaction_id = Some(t.id.clone());
            intent.message = t.reason.clone();
            self.put_intent(intent_id, intent).await?;
            return Ok(Settlement::Declined);
        }
        Ok(Settlement::Absent)
    }

    fn outcome(&self, intent_id: &str, intent: &Intent, balance: Option<Decimal>) -> CreditOutcome {
        let amount = desk_core::money::format_money(intent.amount);
        CreditOutcome {
            intent: intent_id.to_owned(),
            state: intent.state,
            amount: intent.amount,
            balance,
            message: match intent.state {
                IntentState::Completed => format!("{amount} was added to the account."),
                IntentState::Unknown | IntentState::Sending => intent.message.clone().unwrap_or_else(|| format!(
                    "The server did not confirm the payment of {amount}. It will not be charged twice: choose “Check again” to find out whether it went through."
                )),
                IntentState::Declined => intent.message.clone().unwrap_or_else(|| "The payment was declined.".into()),
                IntentState::NotCharged => intent.message.clone().unwrap_or_else(|| "Nothing was charged.".into()),
            },
        }
    }
}

/// A top-up the user made (`executor.trigger` `manual`), not an automatic or recurring one;
/// a server that names no trigger is read by Kazoo's description.
fn is_manual(trigger: Option<&str>, description: &str) -> bool {
    match trigger {
        Some(t) => t == "manual",
        None => description.eq_ignore_ascii_case("manual top-up"),
    }
}

/// The request may have reached the server and been carried out.
fn lost_answer(e: &ApiError) -> bool {
    matches!(
        e,
        ApiError::Network(_)
            | ApiError::Timeout
            | ApiError::Server { .. }
            | ApiError::Decode { .. }
            | ApiError::Unexpected { .. }
    )
}
