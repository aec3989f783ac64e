//! Payment Details, Usage Charges and Service Plan: views over the money endpoints, the billing
//! settings kept on the account document (saved through the outbox like any edit), card entry,
//! and the trunk charge preview. Money actions (card, credit) are online-only and never queued.

use crate::desk::decode;
use crate::{Desk, EngineError};
use chrono::{DateTime, Days, NaiveDate, Utc};
use chrono_tz::Tz;
use crossbar::{CardOnFile, LedgerRow, ServiceSummary, TransactionRow};
use desk_core::billing::{AutoRecharge, BillingContact, Subscription, BILLING_FIELDS};
use desk_core::card::{expiry_of, CardInput};
use desk_core::money::{cents_text, format_money, parse_amount, to_json};
use desk_core::proration::{local_date, prorate, prorate_at, start_of_day, Proration};
use desk_core::{AccountDoc, AccountId, FieldError, Secret, Stored, Timezone};
use desk_store::DocKind;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Kazoo's default zone for accounts (and their ancestors) that set none.
const PLATFORM_ZONE: Tz = chrono_tz::America::Los_Angeles;
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
}

/// What the user typed for a new card. Every field is wiped from memory after use.
#[derive(Deserialize)]
pub struct CardEntry {
    pub number: String,
    pub expiry: String,
    pub cvv: String,
    #[serde(default)]
    pub holder: String,
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

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BillingSettingsForm {
    pub alerts_enabled: bool,
    pub alerts_threshold: String,
    pub recharge_enabled: bool,
    pub recharge_threshold: String,
    pub recharge_amount: String,
    /// `self_manage`, `card` or `credit`.
    pub subscription: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BillingSettingsView {
    pub form: BillingSettingsForm,
    /// Dotted paths with a pending (unsynced) value.
    pub pending: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct UsageRow {
    pub source: String,
    pub description: String,
    pub amount: Decimal,
    /// The balance right after this entry.
    pub balance: Decimal,
    pub at: DateTime<Utc>,
    /// `2026-11-28 10:00 CST`, in the zone times are shown in.
    pub local: String,
    pub minutes: Option<Decimal>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ChartPoint {
    pub date: NaiveDate,
    /// The balance at the end of that day.
    pub balance: Decimal,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SourceSum {
    pub source: String,
    pub amount: Decimal,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TransactionView {
    pub amount: Decimal,
    pub status: String,
    pub description: String,
    pub reason: Option<String>,
    pub local: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct UsageView {
    pub account_id: String,
    pub balance: Decimal,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The zone the range and times are in.
    pub zone: String,
    pub sources: Vec<SourceSum>,
    pub rows: Vec<UsageRow>,
    pub transactions: Vec<TransactionView>,
    pub chart: Vec<ChartPoint>,
    pub threshold: Decimal,
    pub alerts_enabled: bool,
    pub watched: bool,
    /// Only the top-level account pays by card (and so may add credit), on a platform that
    /// takes top-ups.
    pub can_pay: bool,
    /// Why a money action is missing on this platform (Kazoo 4.2 has no top-up).
    pub platform_note: Option<String>,
    /// Offline: the balance is the last one seen, at this time.
    pub as_of: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PlanView {
    pub plan_name: Option<String>,
    pub items: Vec<crossbar::PlanItem>,
    pub recurring: Decimal,
    pub next_billing: Option<NaiveDate>,
    pub zone: String,
    /// The rule, in words, with today's numbers.
    pub explanation: String,
    /// Why the plan cannot be shown on this platform (Kazoo 4.2 has no service summary).
    pub platform_note: Option<String>,
}

/// "X.XX today (prorated, N of M days), Y.YY monthly from <date>".
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ChargePreview {
    pub proration: Proration,
    pub sentence: String,
}

/// Cached so Payment Details shows the card offline; holds no token.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct CardSummary {
    brand: String,
    last_four: String,
    exp_month: u32,
    exp_year: i32,
}

/// A reading from the server, kept so it can be shown offline: what, and when it was read.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Seen<T> {
    pub value: T,
    pub at: DateTime<Utc>,
}

impl<T> Seen<T> {
    /// Read just now (not the copy kept from before going offline).
    pub fn is_fresh(&self, now: DateTime<Utc>) -> bool {
        self.at >= now - chrono::Duration::seconds(30)
    }
}

pub(crate) type SeenBalance = Seen<Decimal>;

/// Plan rates change rarely: a preview typed key by key reuses a reading this recent.
const PLAN_FRESH_FOR: i64 = 600;

/// The rule the UI explains next to every proration.
pub const PRORATION_RULE: &str = "A mid-month addition is charged for the days left in the month, today included, on the account's own calendar: monthly amount × days left ÷ days in the month, rounded half away from zero to the cent. The full monthly amount is billed from the 1st.";

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

fn summary_of(c: &CardOnFile) -> CardSummary {
    CardSummary {
        brand: c.brand.clone(),
        last_four: c.last_four.clone(),
        exp_month: c.exp_month,
        exp_year: c.exp_year,
    }
}

fn form_of(doc: &AccountDoc) -> BillingSettingsForm {
    let alerts = doc.low_balance();
    let recharge = doc.auto_recharge();
    BillingSettingsForm {
        alerts_enabled: alerts.enabled,
        alerts_threshold: cents_text(alerts.threshold),
        recharge_enabled: recharge.is_some(),
        recharge_threshold: recharge
            .map(|r| cents_text(r.threshold))
            .unwrap_or_default(),
        recharge_amount: recharge.map(|r| cents_text(r.amount)).unwrap_or_default(),
        subscription: match doc.subscription() {
            Subscription::SelfManage => "self_manage",
            Subscription::Card => "card",
            Subscription::Credit => "credit",
        }
        .to_owned(),
    }
}

/// Kazoo paths and values the billing form asks for, compared as amounts (a stored `5` and a
/// Kazoo paths and values for what the user changed on the billing form, compared with the form
/// as it was shown (amounts as amounts: a shown `5.00` and a typed `5` are the same), so keys
/// the user did not touch are never written or removed. Every invalid field is reported.
fn desired_settings(
    form: &BillingSettingsForm,
    doc: &AccountDoc,
) -> Result<crate::edits::Desired, EngineError> {
    let shown = form_of(doc);
    let mut out = Vec::new();
    let mut errors: Vec<FieldError> = Vec::new();
    let same_amount = |typed: &str, was: &str| {
        typed.trim().parse::<Decimal>().ok() == was.parse::<Decimal>().ok()
    };
    let alerts_changed = form.alerts_enabled != shown.alerts_enabled
        || !same_amount(&form.alerts_threshold, &shown.alerts_threshold);
    if alerts_changed {
        // Written together, as the platform's own client does.
        match parse_amount(
            "notifications.low_balance.threshold",
            &form.alerts_threshold,
        ) {
            Ok(t) => out.push(("notifications.low_balance.threshold", Some(to_json(t)))),
            Err(e) if form.alerts_enabled => errors.push(e),
            Err(_) => {}
        }
        out.push((
            "notifications.low_balance.enabled",
            Some(form.alerts_enabled.into()),
        ));
    }
    let recharge_changed = form.recharge_enabled != shown.recharge_enabled
        || !same_amount(&form.recharge_threshold, &shown.recharge_threshold)
        || !same_amount(&form.recharge_amount, &shown.recharge_amount);
    match (form.recharge_enabled, recharge_changed) {
        (_, false) => {}
        (true, true) => {
            match AutoRecharge::parse(&form.recharge_threshold, &form.recharge_amount) {
                Ok(r) => {
                    out.push(("topup.threshold", Some(to_json(r.threshold))));
                    out.push(("topup.amount", Some(to_json(r.amount))));
                }
                Err(es) => errors.extend(es),
            }
        }
        // Turned off: both keys go, as the platform's own client does.
        (false, true) => {
            for path in ["topup.threshold", "topup.amount"] {
                if !stored_missing(doc, path) {
                    out.push((path, None));
                }
            }
        }
    }
    match Subscription::parse(&form.subscription) {
        Ok(s) if s != doc.subscription() => {
            let (preemptive, exact) = s.flags();
            out.push(("topup.monthly.preemptive", Some(preemptive.into())));
            out.push(("topup.monthly.exact", Some(exact.into())));
        }
        Ok(_) => {}
        Err(e) => errors.push(e),
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(EngineError::InvalidInput(errors))
    }
}

fn stored_missing(doc: &AccountDoc, path: &str) -> bool {
    desk_core::merge::value_at(doc.as_map(), path).is_none()
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
    if !out.is_empty() && doc.billing_contact_is_single_name() {
        // The split name replaces the single one.
        out.push(("contact.billing.name", None));
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(EngineError::InvalidInput(errors))
    }
}

/// The chart: end-of-day balances over the range, walking back from the current balance through
/// every entry since the range began.
fn chart(
    balance: Decimal,
    newest_first: &[LedgerRow],
    zone: Tz,
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<ChartPoint> {
    let mut points = Vec::new();
    let mut day = to;
    let mut running = balance;
    let mut rows = newest_first.iter().peekable();
    loop {
        let end = start_of_day(zone, day + Days::new(1));
        while let Some(r) = rows.next_if(|r| r.at >= end) {
            running -= r.amount;
        }
        points.push(ChartPoint {
            date: day,
            balance: running,
        });
        match day.pred_opt() {
            Some(d) if d >= from => day = d,
            _ => break,
        }
    }
    points.reverse();
    points
}

/// CSV of the ledger rows shown, for a spreadsheet: one header, then per row the text cells
/// (quoted, formulas defused) and the numbers as numbers, so a spreadsheet can sum them.
pub fn usage_csv(view: &UsageView) -> String {
    use crate::history::text_cell;
    let mut out = format!(
        "{},Source,Description,Minutes,Amount,Balance\n",
        text_cell(&format!("Date ({})", view.zone))
    );
    for r in &view.rows {
        let cells = [
            text_cell(&r.local),
            text_cell(&r.source),
            text_cell(&r.description),
            r.minutes.map(|m| m.to_string()).unwrap_or_default(),
            cents_text(r.amount),
            cents_text(r.balance),
        ];
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

impl Desk {
    /// The zone billing days are counted in: the account's own, else the nearest ancestor's,
    /// else the platform default.
    pub(crate) fn billing_zone(&self, id: &str) -> Tz {
        let own = self
            .cache
            .account(id)
            .ok()
            .flatten()
            .and_then(|e| AccountDoc::from_value(e.value).ok())
            .and_then(|d| match d.timezone() {
                Stored::Valid(Timezone::Zone(tz)) => Some(tz),
                _ => None,
            });
        own.or_else(|| self.inherited_zone(id))
            .unwrap_or(PLATFORM_ZONE)
    }

    /// The account's calendar date now (card expiry, proration).
    /// The month on the account's calendar (`YYYY-MM`): what a proration was worked out for.
    pub(crate) fn billing_month(&self, id: &str) -> String {
        self.billing_today(id).format("%Y-%m").to_string()
    }

    fn billing_today(&self, id: &str) -> NaiveDate {
        local_date(self.billing_zone(id), self.now())
    }

    /// The zone times are shown in: the account's or this computer's, as the user chose.
    fn display_zone(&self, id: &str, times_in_account: bool) -> (Tz, String) {
        if times_in_account {
            let tz = self.billing_zone(id);
            (tz, tz.name().to_owned())
        } else {
            let tz = local_zone();
            (tz, format!("{} (this computer)", tz.name()))
        }
    }

    /// On a platform older than Kazoo 4.3, a sentence saying that `what` is not there.
    fn before_43_note(&self, what: &str) -> Option<String> {
        self.client.is_before_43().then(|| {
            format!(
                "This platform runs Kazoo {}, which does not offer {what}: use the platform's own portal for it.",
                self.client.platform_version().unwrap_or_else(|| "4.2".into())
            )
        })
    }

    fn is_top_level(&self, id: &str) -> bool {
        self.index().is_some_and(|i| i.root_id() == id)
    }

    fn payment_token_key(&self) -> String {
        format!("{}/payment_token", self.key())
    }

    /// The billing screens read settings from the account document, and count days in its zone:
    /// fetch the document if never seen, and for an inherited zone the ancestors' up to the
    /// first that sets one (a zone guessed wrong would shift "today" by a day).
    async fn ensure_cached(&self, id: &AccountId) -> Result<(), EngineError> {
        if self.cache.account(id.as_str())?.is_none() {
            self.account(id.as_str()).await?;
        }
        let crumbs = self
            .index()
            .map(|i| i.breadcrumb(id.as_str()))
            .unwrap_or_default();
        for c in crumbs.iter().rev() {
            let cached = self.cache.account(&c.id)?;
            let zone_set = cached
                .and_then(|e| AccountDoc::from_value(e.value).ok())
                .map(|d| matches!(d.timezone(), Stored::Valid(Timezone::Zone(_))));
            match zone_set {
                Some(true) => break,
                Some(false) => continue,
                None if !self.status().online => break,
                None => {
                    let Ok(ancestor) = AccountId::parse(&c.id) else {
                        continue;
                    };
                    match self.observe(self.client.get_account(&ancestor).await) {
                        Ok(f) => {
                            self.store_account(&ancestor, &f)?;
                            if matches!(f.value.timezone(), Stored::Valid(Timezone::Zone(_))) {
                                break;
                            }
                        }
                        // Offline or not allowed: the best zone known is used.
                        Err(e) => {
                            tracing::info!(code = e.code(), "an ancestor's zone could not be read");
                            break;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    pub async fn payment_details(&self, id: &str) -> Result<PaymentView, EngineError> {
        let id = self.known(id)?;
        self.ensure_cached(&id).await?;
        let (_, doc) = self.account_docs(id.as_str())?;
        let can_pay = self.is_top_level(id.as_str());
        let today = self.billing_today(id.as_str());
        let (mut card, mut fresh) = (None, false);
        if can_pay {
            match self.observe(self.client.cards(&id).await) {
                Ok(cards) => {
                    let current = cards.iter().find(|c| c.default).or(cards.first());
                    let summary = current.map(summary_of);
                    self.cache.set_pref(&format!("card:{id}"), &summary)?;
                    card = summary.map(|s| card_view(&s, today));
                    fresh = true;
                }
                Err(e) if crate::desk::falls_back(&e) => {
                    let seen: Option<Option<CardSummary>> =
                        self.cache.pref(&format!("card:{id}"))?;
                    card = seen.flatten().map(|s| card_view(&s, today));
                }
                Err(e) => return Err(e.into()),
            }
        }
        let pending = self.cache.pending(id.as_str(), DocKind::Account)?;
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
        })
    }

    /// Check the card here, have the payment processor turn it into a single-use nonce (the
    /// platform never sees the number), vault it, and keep the payment-method token in the OS
    /// keyring. The entry is wiped when it is dropped.
    pub async fn add_card(&self, id: &str, entry: CardEntry) -> Result<PaymentView, EngineError> {
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
        drop(entry);
        let access = self.processor(&id).await?;
        let nonce = self.observe(self.client.tokenize(&access, &card).await)?;
        drop(card);
        let vaulted = self.observe(self.client.add_card(&id, &nonce).await)?;
        self.secrets().set(
            &self.payment_token_key(),
            &Secret::new(vaulted.token.clone()),
        )?;
        tracing::info!(account = %id, brand = %vaulted.brand, "card added");
        self.payment_details(id.as_str()).await
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

    pub fn billing_settings(&self, id: &str) -> Result<BillingSettingsView, EngineError> {
        let id = self.known(id)?;
        let (_, doc) = self.account_docs(id.as_str())?;
        let pending = self.cache.pending(id.as_str(), DocKind::Account)?;
        Ok(BillingSettingsView {
            form: form_of(&doc),
            pending: pending
                .map(|p| {
                    p.fields
                        .into_iter()
                        .map(|f| f.path)
                        .filter(|p| p.starts_with("topup.") || p.starts_with("notifications."))
                        .collect()
                })
                .unwrap_or_default(),
        })
    }

    /// Alerts, auto recharge and subscription: validated here, staged in the outbox, pushed as
    /// the keys that changed (a PATCH merges, so every other key stays as it is).
    pub async fn save_billing_settings(
        &self,
        id: &str,
        form: &BillingSettingsForm,
    ) -> Result<BillingSettingsView, EngineError> {
        let id = self.known(id)?;
        let (server, doc) = self.account_docs(id.as_str())?;
        let desired = desired_settings(form, &doc)?;
        self.stage(id.as_str(), DocKind::Account, &server, desired)
            .await?;
        self.billing_settings(id.as_str())
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

    /// The balance, fresh when the server answers, else the last one seen.
    pub(crate) async fn read_balance(&self, id: &AccountId) -> Result<SeenBalance, EngineError> {
        let read = self.client.balance(id).await;
        self.remembered(&format!("balance:{id}"), read)
    }

    /// The balance after a money action, for the dialog (none if it cannot be read now).
    pub(crate) async fn balance_now(&self, id: &AccountId) -> Option<Decimal> {
        self.read_balance(id).await.ok().map(|b| b.value)
    }

    /// A fresh reading is kept under `key`; when the server cannot be reached (or the session
    /// needs a new sign-in) the last one kept is returned instead.
    fn remembered<T: Serialize + serde::de::DeserializeOwned>(
        &self,
        key: &str,
        read: Result<T, crossbar::ApiError>,
    ) -> Result<Seen<T>, EngineError> {
        match self.observe(read) {
            Ok(value) => {
                let seen = Seen {
                    value,
                    at: self.now(),
                };
                self.cache.set_pref(key, &seen)?;
                Ok(seen)
            }
            Err(e) if crate::desk::falls_back(&e) => {
                self.cache.pref(key)?.ok_or(EngineError::NotCached)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The range Usage Charges opens on: the last 30 days, today included, in the zone times are
    /// shown in.
    pub fn default_usage_range(&self, id: &str, times_in_account: bool) -> (NaiveDate, NaiveDate) {
        let (zone, _) = self.display_zone(id, times_in_account);
        let today = local_date(zone, self.now());
        (today - Days::new(29), today)
    }

    /// Usage Charges for `from..=to` (dates in the zone times are shown in).
    pub async fn usage(
        &self,
        id: &str,
        from: NaiveDate,
        to: NaiveDate,
        times_in_account: bool,
    ) -> Result<UsageView, EngineError> {
        let id = self.known(id)?;
        if from > to {
            return Err(
                FieldError::new("usage.range", "the start date is after the end date").into(),
            );
        }
        if (to - from).num_days() > 731 {
            return Err(
                FieldError::new("usage.range", "choose at most two years at a time").into(),
            );
        }
        let (shown, zone_name) = self.display_zone(id.as_str(), times_in_account);
        let start = start_of_day(shown, from);
        let after = to
            .checked_add_days(Days::new(1))
            .ok_or_else(|| FieldError::new("usage.range", "the end date is out of range"))?;
        let end = start_of_day(shown, after);
        self.ensure_cached(&id).await?;
        let seen = self.read_balance(&id).await?;
        let (_, doc) = self.account_docs(id.as_str())?;
        let alerts = doc.low_balance();
        let watched = self.watched()?.contains(&id.to_string());
        let offline = !seen.is_fresh(self.now());
        let mut view = UsageView {
            account_id: id.to_string(),
            balance: seen.value,
            from,
            to,
            zone: zone_name,
            sources: Vec::new(),
            rows: Vec::new(),
            transactions: Vec::new(),
            chart: Vec::new(),
            threshold: alerts.threshold,
            alerts_enabled: alerts.enabled,
            watched,
            can_pay: self.is_top_level(id.as_str()) && !self.client.is_before_43(),
            platform_note: self.before_43_note("adding credit (it has no top-up)"),
            as_of: offline.then_some(seen.at),
        };
        if offline {
            return Ok(view);
        }
        // Everything since the range began, so the balance can be walked back to it.
        let now = self.now().max(end);
        let totals = self.observe(self.client.ledger_totals(&id, start, now).await)?;
        let mut entries: Vec<LedgerRow> = Vec::new();
        for t in &totals {
            entries.extend(
                // Every row: one left out would make every balance after it wrong.
                self.observe(
                    self.client
                        .complete_ledger(&id, &t.source, start, now)
                        .await,
                )?,
            );
        }
        entries.sort_by(|a, b| b.at.cmp(&a.at).then(b.id.cmp(&a.id)));
        view.chart = chart(seen.value, &entries, shown, from, to);
        let mut running = seen.value;
        for e in &entries {
            if e.at < end {
                let minutes = (e.unit == "sec" && e.quantity > 0)
                    .then(|| (Decimal::from(e.quantity) / Decimal::from(60)).round_dp(1));
                view.rows.push(UsageRow {
                    source: e.source.clone(),
                    description: e.description.clone(),
                    amount: e.amount,
                    balance: running,
                    at: e.at,
                    local: local_text(e.at, shown),
                    minutes,
                });
            }
            running -= e.amount;
        }
        let mut sums: Vec<SourceSum> = Vec::new();
        for r in &view.rows {
            match sums.iter_mut().find(|s| s.source == r.source) {
                Some(s) => s.amount += r.amount,
                None => sums.push(SourceSum {
                    source: r.source.clone(),
                    amount: r.amount,
                }),
            }
        }
        sums.sort_by(|a, b| a.source.cmp(&b.source));
        view.sources = sums;
        let txs: Vec<TransactionRow> =
            self.observe(self.client.transactions(&id, start, end).await)?;
        view.transactions = txs
            .into_iter()
            .map(|t| TransactionView {
                amount: t.amount,
                local: local_text(t.created, shown),
                status: t.status,
                description: t.description,
                reason: t.reason,
            })
            .collect();
        Ok(view)
    }

    pub async fn service_plan(&self, id: &str) -> Result<PlanView, EngineError> {
        let id = self.known(id)?;
        self.ensure_cached(&id).await?;
        let zone = self.billing_zone(id.as_str());
        if let Some(note) = self.before_43_note("the service plan summary") {
            return Ok(PlanView {
                plan_name: None,
                items: Vec::new(),
                recurring: Decimal::ZERO,
                next_billing: None,
                zone: zone.name().to_owned(),
                explanation: String::new(),
                platform_note: Some(note),
            });
        }
        let summary = self.plan_summary(&id, 0).await?;
        let today = local_date(zone, self.now());
        let sample = prorate(summary.recurring, today);
        Ok(PlanView {
            plan_name: summary.plan_name.clone(),
            items: summary.items.clone(),
            recurring: summary.recurring,
            // Kazoo bills on the 1st at 00:00 UTC (`kz_services:summary_billing_cycle/1`): that
            // is a UTC date, which shown in a zone west of UTC would be a day early.
            next_billing: summary.next_billing.map(|t| t.date_naive()),
            zone: zone.name().to_owned(),
            explanation: format!(
                "{PRORATION_RULE} Example: a plan of {} added today ({}) would cost {} now ({} of {} days), then {} a month from {}.",
                format_money(summary.recurring),
                today.format("%-d %B"),
                format_money(sample.today),
                sample.days_charged,
                sample.days_in_month,
                format_money(summary.recurring),
                sample.next_billing.format("%-d %B %Y"),
            ),
            platform_note: None,
        })
    }

    /// The plan's rates: a reading younger than `fresh_for` seconds as it is, else read again
    /// (the last one kept when offline).
    async fn plan_summary(
        &self,
        id: &AccountId,
        fresh_for: i64,
    ) -> Result<ServiceSummary, EngineError> {
        let key = format!("plan:{id}");
        if let Some(seen) = self.cache.pref::<Seen<ServiceSummary>>(&key)? {
            if self.now() - seen.at < chrono::Duration::seconds(fresh_for) {
                return Ok(seen.value);
            }
        }
        let read = self.client.service_summary(id).await;
        Ok(self.remembered(&key, read)?.value)
    }

    /// What raising trunks to `form` would cost: prorated today and monthly from the 1st, by the
    /// plan's rates. `None` when nothing billable rises (or the account has no plan).
    pub async fn preview_trunk_charges(
        &self,
        id: &str,
        form: &crate::TrunksForm,
    ) -> Result<Option<ChargePreview>, EngineError> {
        let id = self.known(id)?;
        self.ensure_cached(&id).await?;
        let entry = self
            .cache
            .limits(id.as_str())?
            .ok_or(EngineError::NotCached)?;
        let server = desk_core::LimitsDoc::from_value(entry.value)
            .map_err(decode)?
            .trunks();
        let count =
            |field: &'static str, text: &str| desk_core::TrunkLimits::parse_count(field, text);
        let wanted = match (
            count("inbound_trunks", &form.inbound),
            count("outbound_trunks", &form.outbound),
            count("twoway_trunks", &form.twoway),
        ) {
            (Ok(inbound), Ok(outbound), Ok(twoway)) => desk_core::TrunkLimits {
                inbound,
                outbound,
                twoway,
            },
            (i, o, t) => {
                return Err(EngineError::InvalidInput(
                    [i.err(), o.err(), t.err()].into_iter().flatten().collect(),
                ))
            }
        };
        let summary = self.plan_summary(&id, PLAN_FRESH_FOR).await?;
        let rate = |item: &str| {
            summary
                .items
                .iter()
                .find(|i| i.item == item)
                .map(|i| i.rate)
        };
        let mut added = Decimal::ZERO;
        for (item, before, after) in [
            ("inbound_trunks", server.inbound, wanted.inbound),
            ("outbound_trunks", server.outbound, wanted.outbound),
            ("twoway_trunks", server.twoway, wanted.twoway),
        ] {
            if let Some(r) = rate(item) {
                added += r * Decimal::from(after.saturating_sub(before));
            }
        }
        if added <= Decimal::ZERO {
            return Ok(None);
        }
        let p = prorate_at(added, self.billing_zone(id.as_str()), self.now());
        Ok(Some(ChargePreview {
            sentence: format!(
                "{} today (prorated, {} of {} days), {} monthly from {}",
                format_money(p.today),
                p.days_charged,
                p.days_in_month,
                format_money(p.monthly),
                p.next_billing.format("%-d %B %Y")
            ),
            proration: p,
        }))
    }
}

/// This computer's zone, for "times in local time" (`TZ` first, as the C library does).
fn local_zone() -> Tz {
    std::env::var("TZ")
        .ok()
        .and_then(|z| z.trim_start_matches(':').parse().ok())
        .or_else(|| iana_time_zone::get_timezone().ok()?.parse().ok())
        .unwrap_or(chrono_tz::UTC)
}

fn local_text(t: DateTime<Utc>, zone: Tz) -> String {
    t.with_timezone(&zone)
        .format("%Y-%m-%d %H:%M %Z")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(amount: &str, at: &str) -> LedgerRow {
        LedgerRow {
            id: at.into(),
            source: "per-minute-voip".into(),
            amount: amount.parse().unwrap(),
            description: String::new(),
            at: at.parse().unwrap(),
            quantity: 0,
            unit: "USD".into(),
            trigger: None,
            transaction: None,
            callee: None,
        }
    }

    #[test]
    fn chart_walks_the_balance_back_day_by_day() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        // Newest first: +50 on the 3rd, -10 on the 2nd, -5 on the 1st. Balance now 100.
        let rows = [
            row("50", "2026-03-03T12:00:00Z"),
            row("-10", "2026-03-02T12:00:00Z"),
            row("-5", "2026-03-01T12:00:00Z"),
        ];
        let points = chart(
            "100".parse().unwrap(),
            &rows,
            chrono_tz::UTC,
            d("2026-03-01"),
            d("2026-03-03"),
        );
        let balances: Vec<String> = points.iter().map(|p| p.balance.to_string()).collect();
        assert_eq!(balances, ["60", "50", "100"]);
    }

    #[test]
    fn settings_compare_amounts_not_json_numbers() {
        let doc = AccountDoc::from_value(serde_json::json!({"notifications": {"low_balance": {"enabled": true, "threshold": 5}}, "topup": {"monthly": {"exact": true}}})).unwrap();
        let mut form = form_of(&doc);
        form.alerts_threshold = "5.00".into();
        assert!(
            desired_settings(&form, &doc).unwrap().is_empty(),
            "5 and 5.00 are the same amount"
        );
        form.recharge_enabled = true;
        form.recharge_threshold = "10".into();
        form.recharge_amount = "0".into();
        let err = desired_settings(&form, &doc).unwrap_err().view();
        assert_eq!(err.field.as_deref(), Some("topup.amount"));
        form.recharge_amount = "25".into();
        let paths: Vec<&str> = desired_settings(&form, &doc)
            .unwrap()
            .iter()
            .map(|d| d.0)
            .collect();
        assert_eq!(
            paths,
            ["topup.threshold", "topup.amount"],
            "the subscription is left alone"
        );
    }
}
