//! "Add credit", charged at most once per user intent.
//!
//! The dialog gets an intent ID when it opens. Before anything is sent the intent is written to
//! the cache and flushed; the top-up carries the intent ID as its `reference`. A double click
//! waits for the first request and then finds the intent completed. A top-up is never retried
//! automatically: when its answer is lost (timeout, dropped connection, 5xx) the intent becomes
//! *unknown* and is settled by reading the transactions back — by reference, else by amount and
//! time — before the user may send it again, with the same reference.

use crate::{Desk, EngineError};
use chrono::{DateTime, Duration, Utc};
use crossbar::{ApiError, TransactionRow};
use desk_core::money::parse_credit;
use desk_core::AccountId;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// How far back a transaction may be dated and still be this intent's (clock skew).
const SKEW: i64 = 300;

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

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Intent {
    account_id: String,
    amount: Decimal,
    created_at: DateTime<Utc>,
    state: IntentState,
    transaction_id: Option<String>,
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

fn key(intent: &str) -> String {
    format!("credit_intent:{intent}")
}

impl Desk {
    /// A fresh intent ID for an "Add credit" dialog.
    pub fn new_credit_intent(&self) -> String {
        format!("{:032x}", rand::random::<u128>())
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
        if intent_id.len() != 32 || !intent_id.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(desk_core::FieldError::new(
                "credit.intent",
                "is not an intent from this app",
            )
            .into());
        }
        let amount = parse_credit("credit.amount", amount_text)?;
        // One money request at a time: a second click waits here, then finds the first's result.
        let _one = self.money_lock.lock().await;
        let (mut intent, is_new) = match self.intent(intent_id)? {
            Some(i) if i.account_id != account.as_str() || i.amount != amount => {
                return Err(desk_core::FieldError::new(
                    "credit.amount",
                    "this credit was started for another amount; close the dialog and start again",
                )
                .into());
            }
            Some(i) => (i, false),
            None => (
                Intent {
                    account_id: account.to_string(),
                    amount,
                    created_at: Utc::now(),
                    state: IntentState::Sending,
                    transaction_id: None,
                    message: None,
                },
                true,
            ),
        };
        let maybe_sent = matches!(intent.state, IntentState::Sending | IntentState::Unknown);
        // An earlier attempt may have charged: find out first (offline, this fails and nothing
        // is sent).
        if intent.state == IntentState::Completed
            || (!is_new
                && maybe_sent
                && self.settle_intent(&account, intent_id, &mut intent).await?)
        {
            let balance = self.read_balance(&account).await.ok().map(|b| b.amount);
            return Ok(self.outcome(intent_id, &intent, balance));
        }
        intent.state = IntentState::Sending;
        self.put_intent(intent_id, &intent).await?;
        let sent = self.observe(self.client.topup(&account, amount, intent_id).await);
        match sent {
            Ok(tx) => {
                intent.state = IntentState::Completed;
                intent.transaction_id = Some(tx.id);
                self.put_intent(intent_id, &intent).await?;
                tracing::info!(account = %account, %amount, "credit added");
                let balance = self.read_balance(&account).await.ok().map(|b| b.amount);
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
                tracing::warn!(account = %account, code = e.code(), "top-up answer lost; settling from the transactions");
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

    /// Look for the intent's transaction on the server. `true` when it was found completed.
    async fn settle_intent(
        &self,
        account: &AccountId,
        intent_id: &str,
        intent: &mut Intent,
    ) -> Result<bool, EngineError> {
        let from = intent.created_at - Duration::seconds(SKEW);
        let txs = self.observe(
            self.client
                .transactions(account, from, Utc::now() + Duration::seconds(SKEW))
                .await,
        )?;
        let claimed = self.claimed_transactions()?;
        let found = txs
            .iter()
            .find(|t| t.reference.as_deref() == Some(intent_id))
            .or_else(|| {
                // A server that drops the reference: the same amount, completed, after the intent
                // began, and not already another intent's.
                txs.iter().find(|t| {
                    t.reference.is_none()
                        && t.amount == intent.amount
                        && t.status == "completed"
                        && !claimed.contains(&t.id)
                })
            });
        match found {
            Some(TransactionRow { id, status, .. }) if status == "completed" => {
                intent.state = IntentState::Completed;
                intent.transaction_id = Some(id.clone());
                self.put_intent(intent_id, intent).await?;
                Ok(true)
            }
            Some(TransactionRow { reason, .. }) => {
                intent.state = IntentState::Declined;
                intent.message = reason.clone();
                self.put_intent(intent_id, intent).await?;
                Ok(false)
            }
            None => Ok(false),
        }
    }

    fn claimed_transactions(&self) -> Result<Vec<String>, EngineError> {
        Ok(self
            .cache
            .prefs_with_prefix::<Intent>("credit_intent:")?
            .into_iter()
            .filter_map(|i| i.transaction_id)
            .collect())
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
                IntentState::Unknown | IntentState::Sending => format!(
                    "The server did not confirm the payment of {amount}. It will not be charged twice: choose “Check again” to find out whether it went through."
                ),
                IntentState::Declined => intent.message.clone().unwrap_or_else(|| "The payment was declined.".into()),
                IntentState::NotCharged => intent.message.clone().unwrap_or_else(|| "Nothing was charged.".into()),
            },
        }
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
