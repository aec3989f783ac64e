//! Payment Details: the card on file (top-level account only), card entry, and the billing
//! contact.

use crate::{Desk, EngineError};
use chrono::NaiveDate;
use crossbar::CardOnFile;
use desk_core::billing::{BillingContact, BILLING_FIELDS};
use desk_core::card::{expiry_of, CardInput};
use desk_core::{AccountDoc, AccountId, FieldError, Secret};
use desk_store::DocKind;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Warn this many days before a card expires.
const EXPIRY_WARNING_DAYS: i64 = 45;

/// The billing contact paths, in form order.
const CONTACT_PATHS: [&str; 10] = [
    "contact.billing.first_name",
    "contact.billing.last_name",
    "contact.billing.email",
    "contact.billing.number",
    "contact.billing.street_address",
    "contact.billing.street_address_extra",
    "contact.billing.locality",
    "contact.billing.region",
    "contact.billing.postal_code",
    "contact.billing.country",
];

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CardView {
    pub brand: String,
    pub last_four: String,
    /// `MM/YYYY`
    pub expiry: String,
    pub expired: bool,
    /// "Expires at the end of this month" and the like.
    pub warning: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PaymentView {
    pub account_id: String,
    /// Only the top-level account keeps a card.
    pub can_pay: bool,
    /// For sub-accounts: the account whose card pays.
    pub billed_through: Option<String>,
    pub card: Option<CardView>,
    /// False when the card could not be read (offline): the card shown is the last one seen.
    pub card_fresh: bool,
    pub contact: BillingContact,
    /// The contact is stored as one `name` only (another tool wrote it).
    pub contact_single_name: bool,
    pub contact_pending: bool,
    /// The start-up charge the first card pays (a card-paying account without a card yet).
    pub due: Option<super::DueView>,
    /// What happened to that charge when the first card was just added.
    pub first_charge: Option<crate::CreditOutcome>,
}

/// What the user typed for a new card. Every field is wiped from memory after use.
#[derive(Deserialize)]
pub struct CardEntry {
    pub number: String,
    pub expiry: String,
    pub cvv: String,
    #[serde(default)]
    pub holder: String,
    /// The start-up charge the dialog said this first card pays (its text), if any.
    #[serde(default)]
    pub due_shown: String,
}

impl Drop for CardEntry {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.number.zeroize();
        self.cvv.zeroize();
        self.expiry.zeroize();
        self.holder.zeroize();
    }
}

/// Never prints what was typed.
impl std::fmt::Debug for CardEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CardEntry(<redacted>)")
    }
}

/// Cached so Payment Details shows the card offline; holds no token.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct CardSummary {
    brand: String,
    last_four: String,
    exp_month: u32,
    exp_year: i32,
}

fn card_view(c: &CardSummary, today: NaiveDate) -> CardView {
    let expiry = expiry_of(c.exp_month, c.exp_year);
    let expired = expiry.is_some_and(|e| e.expired_on(today));
    let warning = match expiry {
        Some(_) if expired => {
            Some("This card has expired: add a new card so charges do not fail.".to_owned())
        }
        Some(e) if e.expires_within(today, EXPIRY_WARNING_DAYS) => Some(format!(
            "This card expires at the end of {}: add a new card before then.",
            e.last_day().format("%B %Y")
        )),
        Some(_) => None,
        None => Some("The card's expiry date is not readable.".to_owned()),
    };
    CardView {
        brand: c.brand.clone(),
        last_four: c.last_four.clone(),
        expiry: expiry.map_or_else(
            || format!("{}/{}", c.exp_month, c.exp_year),
            |e| e.to_string(),
        ),
        expired,
        warning,
    }
}

/// The card charges go to: the default one, else the first.
fn current_card(cards: &[CardOnFile]) -> Option<CardSummary> {
    let c = cards.iter().find(|c| c.default).or(cards.first())?;
    Some(CardSummary {
        brand: c.brand.clone(),
        last_four: c.last_four.clone(),
        exp_month: c.exp_month,
        exp_year: c.exp_year,
    })
}

fn contact_desired(
    form: &BillingContact,
    doc: &AccountDoc,
) -> Result<crate::edits::Desired, EngineError> {
    let now = doc.billing_contact();
    let single = doc.billing_contact_is_single_name();
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (field, path) in BILLING_FIELDS.iter().zip(CONTACT_PATHS) {
        let wanted = form.get(field).trim();
        // A split single name is written out in full, even where it reads the same.
        let rewrite = single && !wanted.is_empty();
        if wanted == now.get(field) && !rewrite {
            continue;
        }
        let checked = match *field {
            "email" if !wanted.is_empty() => {
                desk_core::EmailAddress::parse(path, wanted).map(|e| e.as_str().to_owned())
            }
            "number" if !wanted.is_empty() => {
                desk_core::PhoneNumber::parse(path, wanted, doc.home_country())
                    .map(|_| wanted.to_owned())
            }
            "country" if !wanted.is_empty() => {
                desk_core::CountryCode::parse(path, wanted).map(|c| c.as_str().to_owned())
            }
            _ if wanted.chars().count() > 128 => {
                Err(FieldError::new(path, "must be at most 128 characters"))
            }
            _ => Ok(wanted.to_owned()),
        };
        match checked {
            Ok(v) => out.push((path, Some(v).filter(|v| !v.is_empty()).map(Value::from))),
            Err(e) => errors.push(e),
        }
    }
    if !out.is_empty() && single {
        // The split name replaces the single one.
        out.push(("contact.billing.name", None));
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(EngineError::InvalidInput(errors))
    }
}

impl Desk {
    pub async fn payment_details(&self, id: &str) -> Result<PaymentView, EngineError> {
        let id = self.known(id)?;
        self.ensure_cached(&id).await?;
        let (_, doc) = self.account_docs(id.as_str())?;
        let can_pay = self.is_top_level(id.as_str());
        let today = self.billing_today(id.as_str());
        let (mut card, mut fresh) = (None, false);
        if can_pay {
            let key = format!("card:{id}");
            let read = self.client.cards(&id).await;
            let (summary, read_now) = self.fresh_or_cached(
                read,
                |cards| {
                    let summary = current_card(&cards);
                    self.cache.set_pref(&key, &summary)?;
                    Ok((summary, true))
                },
                // Never seen: no card to show, which is not an error.
                || {
                    Ok(Some((
                        self.cache.pref::<Option<CardSummary>>(&key)?.flatten(),
                        false,
                    )))
                },
            )?;
            card = summary.map(|s| card_view(&s, today));
            fresh = read_now;
        }
        let pending = self.cache.pending(id.as_str(), DocKind::Account)?;
        let due = match (can_pay && fresh && card.is_none()).then_some(()) {
            // Read only when it matters, and not worth failing the screen over.
            Some(()) => self
                .start_up_due(&id)
                .await
                .ok()
                .flatten()
                .map(|d| self.due_view(d)),
            None => None,
        };
        Ok(PaymentView {
            account_id: id.to_string(),
            can_pay,
            billed_through: (!can_pay).then(|| {
                self.index()
                    .map(|i| self.account_name(i.root_id()))
                    .unwrap_or_default()
            }),
            card,
            card_fresh: fresh,
            contact: doc.billing_contact(),
            contact_single_name: doc.billing_contact_is_single_name(),
            contact_pending: pending.is_some_and(|p| {
                p.fields
                    .iter()
                    .any(|f| f.path.starts_with("contact.billing."))
            }),
            due,
            first_charge: None,
        })
    }

    pub async fn save_billing_contact(
        &self,
        id: &str,
        form: &BillingContact,
    ) -> Result<PaymentView, EngineError> {
        let id = self.known(id)?;
        let (server, doc) = self.account_docs(id.as_str())?;
        let desired = contact_desired(form, &doc)?;
        self.stage(id.as_str(), DocKind::Account, &server, desired)
            .await?;
        self.payment_details(id.as_str()).await
    }

    /// Check the card here, have the payment processor turn it into a single-use nonce (the
    /// platform never sees the number), vault it, and keep the payment-method token in the OS
    /// keyring. The entry is wiped when it is dropped.
    pub async fn add_card(
        &self,
        id: &str,
        mut entry: CardEntry,
    ) -> Result<PaymentView, EngineError> {
        let id = self.card_account(id).await?;
        let today = self.billing_today(id.as_str());
        let card = CardInput::parse(
            &entry.number,
            &entry.expiry,
            &entry.cvv,
            &entry.holder,
            today,
        )
        .map_err(EngineError::InvalidInput)?;
        let shown = std::mem::take(&mut entry.due_shown);
        drop(entry);
        let first = self.observe(self.client.cards(&id).await)?.is_empty();
        let access = self.processor(&id).await?;
        let nonce = self.observe(self.client.tokenize(&access, &card).await)?;
        drop(card);
        let vaulted = self.observe(self.client.add_card(&id, &nonce).await)?;
        self.secrets().set(
            &crate::keys::payment_token_key(self.key()),
            &Secret::new(vaulted.token.clone()),
        )?;
        tracing::info!(account = %id, brand = %vaulted.brand, "card added");
        let taken = match first {
            // The card is on file either way; what is due is there for "Add credit" if it
            // could not be taken.
            true => self
                .take_first_charge(&id, &shown)
                .await
                .unwrap_or_else(|e| {
                    tracing::warn!(account = %id, error = %e, "the start-up charge was not taken");
                    None
                }),
            false => None,
        };
        let mut view = self.payment_details(id.as_str()).await?;
        view.first_charge = taken;
        Ok(view)
    }

    /// The host card details for `id` would be sent to, for the card dialog to name before
    /// anything is typed in.
    pub async fn card_destination(&self, id: &str) -> Result<String, EngineError> {
        let id = self.card_account(id).await?;
        Ok(self.processor(&id).await?.host())
    }

    /// `id`, if it is an account that keeps a card: the top-level one.
    async fn card_account(&self, id: &str) -> Result<AccountId, EngineError> {
        let id = self.known(id)?;
        self.ensure_cached(&id).await?;
        if !self.is_top_level(id.as_str()) {
            return Err(EngineError::ReadOnly(
                "Only the top-level account keeps a card; this account is billed through it."
                    .into(),
            ));
        }
        Ok(id)
    }

    /// Where and how to tokenize a card for `id`: the account's payment customer is created
    /// first if it has none (Kazoo has no client token without one).
    async fn processor(&self, id: &AccountId) -> Result<crossbar::ProcessorAccess, EngineError> {
        let company = self.account_name(id.as_str());
        self.observe(self.client.ensure_customer(id, &company).await)?;
        Ok(self.observe(self.client.processor_access(id).await)?)
    }
}
