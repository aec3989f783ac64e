//! Each account's books: ledger entries (usage, payments, prorations, recurring charges), the
//! payment processor's transactions, and the cards on file. The balance is the sum of the
//! ledger. What follows the sandbox clock (monthly charges, automatic top-ups, the
//! low-balance flag) is in `cycle`.

use crate::billing::{self, Plan};
use crate::clock::GREGORIAN_OFFSET;
use crate::envelope::{self, random_hex, Ctx};
use crate::model::State;
use crate::Shared;
use axum::response::Response;
use chrono::{Datelike, NaiveDate};
use chrono_tz::Tz;
use parking_lot::MutexGuard;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LedgerEntry {
    pub id: String,
    /// `per-minute-voip`, `payments`, `prorations`, `recurring`, `adjustments`, …
    pub source: String,
    /// The source's own ID (a call ID, a transaction ID); the entry's own when it has none.
    #[serde(default)]
    pub source_id: Option<String>,
    /// Positive credits, negative debits (the sign is Kazoo's only debit/credit marker).
    pub amount: Decimal,
    pub description: String,
    /// Unix seconds: the stored `pvt_created` listings are keyed on, and the period's start.
    pub created: i64,
    /// The end of the period the entry covers, when it covers one (monthly charges).
    #[serde(default)]
    pub period_end: Option<i64>,
    pub usage_type: String,
    pub quantity: i64,
    pub unit: String,
    /// `executor.trigger`: `manual` or `automatic` for top-ups.
    #[serde(default)]
    pub trigger: Option<String>,
    #[serde(default)]
    pub metadata: Map<String, Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Transaction {
    pub id: String,
    pub amount: Decimal,
    /// `completed` or `failed`.
    pub status: String,
    pub description: String,
    /// The bookkeeper's words ("Approved", "Insufficient Funds").
    pub message: String,
    /// The bookkeeper's reason when it failed (`api_error`, `min_amount`, …).
    #[serde(default)]
    pub reason: Option<String>,
    /// Unix seconds (`pvt_created`).
    pub created: i64,
    /// `executor.trigger`: `manual`, `automatic`, `recurring`.
    #[serde(default = "manual")]
    pub trigger: String,
    pub card: Option<String>,
}

fn manual() -> String {
    "manual".into()
}

/// How a sandbox card behaves, decided by its number (documented test cards).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CardBehaviour {
    Approve,
    /// Refused when it is added.
    DeclineOnVerify,
    /// Added fine; every charge is declined for insufficient funds.
    DeclineOnCharge,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Card {
    /// The payment-method token.
    pub id: String,
    pub card_type: String,
    pub last_four: String,
    pub expiration_month: u32,
    pub expiration_year: i32,
    pub default: bool,
    pub created: i64,
    pub behaviour: CardBehaviour,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Books {
    pub ledger: Vec<LedgerEntry>,
    pub transactions: Vec<Transaction>,
    pub cards: Vec<Card>,
    pub last_auto_topup: Option<i64>,
    /// A Braintree customer exists (`POST …/braintree/customer` made it); books from before
    /// this was kept count as having one when they hold a card.
    #[serde(default)]
    pub customer: bool,
}

/// Every request on an account's books starts here, once [`crate::auth::OnAccount`] has let
/// it through: the books are brought up to the clock first (monthly charges, top-ups, the
/// low-balance flag).
pub fn open<'a>(
    shared: &'a Shared,
    ctx: &Ctx,
    id: &str,
) -> Result<MutexGuard<'a, State>, Response> {
    let mut state = shared.lock();
    state
        .settle(id)
        .map_err(|e| envelope::datastore_fault(ctx, &e))?;
    Ok(state)
}

/// A positive `amount` from a request body, or Kazoo's 400 on it (`rule` and its detail).
pub fn amount_field(
    ctx: &Ctx,
    data: &serde_json::Map<String, Value>,
    rule: &str,
    detail: Value,
) -> Result<Decimal, Response> {
    let amount = data
        .get("amount")
        .and_then(billing::decimal)
        .filter(|a| *a > Decimal::ZERO)
        .ok_or_else(|| envelope::validation(ctx, envelope::single_error("amount", rule, detail)))?;
    // Kazoo keeps money as integer units (1/10000 dollar, `kz_currency`): beyond this the
    // sums would overflow, so the request is refused rather than let it wedge the books.
    if amount > Decimal::from(1_000_000_000_000_i64) {
        return Err(envelope::validation(
            ctx,
            envelope::single_error(
                "amount",
                "maximum",
                json!({"message": "Value exceeds the maximum", "target": 1_000_000_000_000_i64}),
            ),
        ));
    }
    Ok(amount)
}

pub fn gregorian(unix: i64) -> i64 {
    unix + GREGORIAN_OFFSET
}

impl Books {
    pub fn balance(&self) -> Decimal {
        self.ledger.iter().map(|e| e.amount).sum()
    }

    /// `braintree_customer:find` succeeds.
    pub fn has_customer(&self) -> bool {
        self.customer || !self.cards.is_empty()
    }

    pub fn default_card(&self) -> Option<&Card> {
        self.cards.iter().find(|c| c.default).or(self.cards.first())
    }
}

impl LedgerEntry {
    pub fn new(
        source: &str,
        amount: Decimal,
        description: impl Into<String>,
        created: i64,
    ) -> Self {
        let unit = if source == "per-minute-voip" {
            "sec"
        } else {
            "USD"
        };
        Self {
            id: random_hex(16),
            source: source.to_owned(),
            source_id: None,
            amount,
            description: description.into(),
            created,
            period_end: None,
            usage_type: if amount.is_sign_negative() {
                "debit".into()
            } else {
                "credit".into()
            },
            quantity: 0,
            unit: unit.into(),
            trigger: None,
            metadata: Map::new(),
        }
    }

    /// A top-up's credit (`kz_services_topup:create_ledger/5`): source `payments`, the
    /// transaction's ID as the source ID when a bookkeeper charged one.
    pub fn topup(amount: Decimal, trigger: &str, transaction: Option<&str>, at: i64) -> Self {
        let description = if trigger == "automatic" {
            "Automatic top-up"
        } else {
            "Manual top-up"
        };
        let mut e = Self::new("payments", amount, description, at);
        e.trigger = Some(trigger.to_owned());
        e.metadata
            .insert("automatic_description".into(), Value::Bool(true));
        if let Some(tx) = transaction {
            e.source_id = Some(tx.to_owned());
            e.metadata
                .insert("transaction".into(), json!({"id": tx, "created": true}));
        }
        e
    }

    /// As `/ledgers/{source}` lists it (`kz_ledger:public_json/1`): `kz_doc:public_fields`
    /// strips `pvt_created`, so the entry is dated by its `period` alone.
    pub fn view(&self, account: (&str, &str)) -> Value {
        let mut period = json!({"start": gregorian(self.created)});
        if let Some(end) = self.period_end {
            period["end"] = gregorian(end).into();
        }
        let mut v = json!({
            "id": self.id,
            "account": {"id": account.0, "name": account.1},
            "source": {"service": self.source, "id": self.source_id.as_deref().unwrap_or(&self.id)},
            "amount": billing::money(self.amount),
            "description": self.description,
            "usage": {"type": self.usage_type, "quantity": self.quantity, "unit": self.unit},
            "period": period,
            "metadata": self.metadata,
            "audit": {},
        });
        if let Some(trigger) = &self.trigger {
            v["executor"] = json!({"trigger": trigger, "module": "kz_services_topup"});
        }
        v
    }

    /// The stored document `filter_*` parameters match (`crossbar_filter`): amounts in units
    /// (1/10000 dollar), the private fields present.
    pub fn stored(&self, account: (&str, &str)) -> Value {
        let mut v = self.view(account);
        v["amount"] = units(self.amount.abs());
        v["pvt_created"] = gregorian(self.created).into();
        v["pvt_ledger_type"] = if self.amount.is_sign_negative() {
            "debit"
        } else {
            "credit"
        }
        .into();
        v
    }
}

/// Dollars as Kazoo's internal units (`kz_currency:dollars_to_units/1`).
fn units(d: Decimal) -> Value {
    (d * Decimal::from(10_000))
        .trunc()
        .to_string()
        .parse::<i64>()
        .map_or(Value::Null, Value::from)
}

impl Transaction {
    fn bookkeeper_results(&self) -> Value {
        let status = if self.status == "completed" {
            "success"
        } else {
            "error"
        };
        json!({"status": status, "reason": self.reason, "message": self.message})
    }

    /// As a top-up answers it (`kz_transaction:public_json/1`): no `created`, the bookkeeper's
    /// result under `bookkeeper.results`.
    pub fn view(&self, account: (&str, &str), vendor: &str) -> Value {
        json!({
            "id": self.id,
            "account": {"id": account.0, "name": account.1},
            "amount": billing::money(self.amount),
            "description": self.description,
            "executor": {"trigger": self.trigger, "module": "kz_services_topup"},
            "bookkeeper": {"type": "braintree", "vendor_id": vendor, "results": self.bookkeeper_results()},
            "metadata": {"card": self.card},
            "audit": {},
            "status": self.status,
        })
    }

    /// As `/transactions` lists it: the `transactions/list_by_timestamp` view's value, which
    /// keeps `created` and flattens the bookkeeper's result (`cb_transactions`).
    pub fn listed(&self) -> Value {
        json!({
            "id": self.id,
            "amount": billing::money(self.amount),
            "status": self.status,
            "executor": {"trigger": self.trigger, "module": "kz_services_topup"},
            "description": self.description,
            "metadata": {"card": self.card},
            "bookkeeper": self.bookkeeper_results(),
            "created": gregorian(self.created),
        })
    }

    /// The stored document `filter_*` parameters match.
    pub fn stored(&self) -> Value {
        let mut v = self.listed();
        v["amount"] = units(self.amount);
        v["pvt_created"] = gregorian(self.created).into();
        v
    }
}

impl Card {
    pub fn view(&self, today: NaiveDate) -> Value {
        let expired = (self.expiration_year, self.expiration_month) < (today.year(), today.month());
        json!({
            "id": self.id,
            "card_type": self.card_type,
            "last_four": self.last_four,
            "expiration_month": format!("{:02}", self.expiration_month),
            "expiration_year": self.expiration_year.to_string(),
            "expired": expired,
            "default": self.default,
            "created_at": gregorian(self.created),
        })
    }
}

impl State {
    pub fn books(&mut self, id: &str) -> &mut Books {
        self.books.entry(id.to_owned()).or_default()
    }

    /// The account's zone for billing days: its own, else the nearest ancestor's, else Kazoo's
    /// default.
    pub fn account_zone(&self, id: &str) -> Tz {
        let chain: Vec<String> = self
            .account(id)
            .map(|a| {
                std::iter::once(&a.id)
                    .chain(a.tree.iter().rev())
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        chain
            .iter()
            .filter_map(|i| self.account(i))
            .filter_map(|a| a.doc.get("timezone").and_then(Value::as_str))
            .find_map(|z| z.parse::<Tz>().ok())
            .unwrap_or(chrono_tz::America::Los_Angeles)
    }

    pub fn today(&self, id: &str) -> NaiveDate {
        billing::local_today(self.account_zone(id), self.now())
    }

    pub fn plan_of(&self, id: &str) -> Option<&'static Plan> {
        self.account(id)?.plan.as_deref().and_then(billing::plan)
    }

    /// The name a ledger or transaction carries in its `account` object.
    pub fn name_of(&self, id: &str) -> String {
        self.account(id)
            .and_then(|a| a.doc.get("name"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    }

    /// A top-up (`kz_services_topup:topup/4`). Without a bookkeeper the credit is booked and
    /// nothing is charged (`Ok((None, ledger))`). With one, the default card is charged:
    /// `Err(None)` when there is no card, `Err(Some(tx))` when it was declined.
    pub fn topup(
        &mut self,
        id: &str,
        amount: Decimal,
        trigger: &str,
    ) -> Result<(Option<Transaction>, LedgerEntry), Option<Transaction>> {
        let now = self.now();
        let bookkeeper = self.platform.bookkeeper;
        let books = self.books(id);
        if bookkeeper == crate::platform::Bookkeeper::None {
            let entry = LedgerEntry::topup(amount, trigger, None, now);
            books.ledger.push(entry.clone());
            return Ok((None, entry));
        }
        let Some(card) = books.default_card().cloned() else {
            return Err(None);
        };
        let approved = card.behaviour == CardBehaviour::Approve;
        // `braintree.min_amount` (default $5.00): below it the bookkeeper refuses the sale.
        let (reason, message) = if amount < Decimal::new(5, 0) {
            (
                Some("min_amount"),
                "Unable to process a transaction for less than $5.0",
            )
        } else if approved {
            (None, "Approved")
        } else {
            (Some("api_error"), "Insufficient Funds")
        };
        let tx = Transaction {
            id: random_hex(16),
            amount,
            status: if reason.is_none() {
                "completed"
            } else {
                "failed"
            }
            .into(),
            description: if trigger == "automatic" {
                "Automatic top-up"
            } else {
                "Manual top-up"
            }
            .into(),
            message: message.into(),
            reason: reason.map(str::to_owned),
            created: now,
            trigger: trigger.to_owned(),
            card: Some(format!("{} ending in {}", card.card_type, card.last_four)),
        };
        books.transactions.push(tx.clone());
        if reason.is_some() {
            return Err(Some(tx));
        }
        let entry = LedgerEntry::topup(amount, trigger, Some(&tx.id), now);
        books.ledger.push(entry.clone());
        Ok((Some(tx), entry))
    }
}
