//! The admin guide's "when the customer enters their card, there will be a charge then": an
//! account set up with a plan owes the prorated rest of its first month, and the first card
//! entered on it pays that, once, as an "Add credit" intent (so a lost answer is settled from
//! the books, never sent twice).

use crate::credit::CreditOutcome;
use crate::{Desk, EngineError};
use chrono::Duration;
use desk_core::money::{format_money, shown};
use desk_core::AccountId;
use rust_decimal::Decimal;
use serde::Serialize;

/// How far back the start-up prorations are looked for.
const PRORATIONS_SINCE_DAYS: i64 = 62;

/// The prorated charges not paid yet.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DueView {
    #[serde(serialize_with = "shown")]
    pub amount: Decimal,
    pub sentence: String,
}

fn taken_key(id: &str) -> String {
    format!("first_charge:{id}")
}

impl Desk {
    /// What the account owes for its first, prorated month: its recent `prorations` debits, as
    /// far as the balance is below zero (credit already on the account pays them).
    pub(crate) async fn start_up_due(
        &self,
        id: &AccountId,
    ) -> Result<Option<Decimal>, EngineError> {
        let balance = self.observe(self.client.balance(id).await)?;
        if balance >= Decimal::ZERO {
            return Ok(None);
        }
        let now = self.now();
        let totals = self.observe(
            self.client
                // To a little past now: the platform's clock may be ahead of this computer's.
                .ledger_totals(
                    id,
                    now - Duration::days(PRORATIONS_SINCE_DAYS),
                    now + Duration::hours(1),
                )
                .await,
        )?;
        let prorated: Decimal = totals
            .iter()
            .filter(|t| t.source == "prorations" && t.amount < Decimal::ZERO)
            .map(|t| -t.amount)
            .sum();
        Ok(Some(prorated.min(-balance)).filter(|d| *d > Decimal::ZERO))
    }

    pub(crate) fn due_view(&self, amount: Decimal) -> DueView {
        DueView {
            amount,
            sentence: format!(
                "{} is due: the prorated rest of the first month of the service plan. It is charged to the first card entered here.",
                format_money(amount)
            ),
        }
    }

    /// After the account's first card was added: take what is due on it, once per account,
    /// and only the amount the card dialog showed (`shown`, as the core wrote it).
    pub(crate) async fn take_first_charge(
        &self,
        id: &AccountId,
        shown: &str,
    ) -> Result<Option<CreditOutcome>, EngineError> {
        let _once = self.money.first_card.lock().await;
        if self
            .cache
            .pref::<String>(&taken_key(id.as_str()))?
            .is_some()
        {
            // Taken (or tried) before: a second card is not a first card.
            return Ok(None);
        }
        let Some(due) = self.start_up_due(id).await? else {
            return Ok(None);
        };
        if format_money(due) != shown.trim() {
            // Not what the user was told: it stays shown as due, for "Add credit".
            tracing::info!(account = %id, "the start-up charge changed since it was shown; not taken");
            return Ok(None);
        }
        let intent = self.new_credit_intent();
        self.cache.set_pref(&taken_key(id.as_str()), &intent)?;
        self.cache.flush().await?;
        tracing::info!(account = %id, amount = %due, "taking the start-up charge on the first card");
        Ok(Some(
            self.add_credit(id.as_str(), &intent, &format_money(due))
                .await?,
        ))
    }
}
