//! Payment Details, Usage Charges and Service Plan: views over the money endpoints, the billing
//! settings kept on the account document (saved through the outbox like any edit), card entry,
//! and the trunk charge preview. Money actions (card, credit) are online-only and never queued.

mod first_charge;
mod payment;
pub(crate) mod plan;
mod settings;
mod usage;

pub use first_charge::DueView;
pub use payment::{CardEntry, CardView, PaymentView};
pub use plan::{ChargePreview, PlanRow, PlanView, PRORATION_RULE};
pub use settings::{BillingSettingsForm, BillingSettingsView};
pub use usage::{usage_csv, UsageView};

use crate::reading::Seen;
use crate::{Desk, EngineError};
use desk_core::AccountId;
use rust_decimal::Decimal;

pub(crate) type SeenBalance = Seen<Decimal>;

/// Where an account's last balance reading is kept.
pub(crate) fn balance_key(id: &str) -> String {
    format!("balance:{id}")
}

impl Desk {
    /// The balance, fresh when the server answers, else the last one seen.
    pub(crate) async fn read_balance(&self, id: &AccountId) -> Result<SeenBalance, EngineError> {
        let read = self.client.balance(id).await;
        self.remembered(&balance_key(id.as_str()), read)
    }

    /// The last balance seen, as kept (no network).
    pub(crate) fn last_balance(&self, id: &str) -> Result<Option<SeenBalance>, EngineError> {
        Ok(self.cache.pref(&balance_key(id))?)
    }

    /// The balance after a money action, for the dialog (none if it cannot be read now).
    pub(crate) async fn balance_now(&self, id: &AccountId) -> Option<Decimal> {
        self.read_balance(id).await.ok().map(|b| b.value)
    }

    /// On a platform older than Kazoo 4.3, a sentence saying that `what` is not there.
    pub(crate) fn before_43_note(&self, what: &str) -> Option<String> {
        self.client.is_before_43().then(|| {
            format!(
                "This platform runs Kazoo {}, which does not offer {what}: use the platform's own portal for it.",
                self.client.platform_version().unwrap_or_else(|| "4.2".into())
            )
        })
    }

    /// Only the top-level account keeps a card (and so pays, and may add credit).
    fn is_top_level(&self, id: &str) -> bool {
        self.index().is_some_and(|i| i.root_id() == id)
    }
}
